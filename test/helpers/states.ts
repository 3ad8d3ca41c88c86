// Hand-made engine states, playback and check results for the tests of the views, the
// reports, the session machine and the live session (no engine runs in those tests).
import type { SyncEvidence, SyncSpan, SyncState } from '../../src/core/state';
import type { CheckResult } from '../../src/engine/types';
import type { PlaybackInfo } from '../../src/shared/protocol';
import type { SessionEvent } from '../../src/background/session-machine';

/** A video playing at normal speed, audible, visible, with sound. */
export const PLAYING: PlaybackInfo = {
  paused: false,
  ended: false,
  seeking: false,
  silenced: false,
  rate: 1,
  pitchKept: true,
  src: 'a.mp4',
  protected: false,
  hidden: false,
  audioTrack: true,
  rect: null,
};

/** A 30-s check with 3 s of another voice at 0:12 amid matching speech. */
export const PARTIAL_SWAP_SPANS: SyncSpan[] = [
  { start: 0, end: 12, outcome: 'in-sync', confidence: 0.9 },
  { start: 12, end: 15, outcome: 'mismatch', confidence: 0.97 },
  { start: 15, end: 30, outcome: 'in-sync', confidence: 0.9 },
];

/** Evidence in sync at offset 0 over 8 s; `over` sets what a test is about. */
export const evidenceOf = (over: Partial<SyncEvidence> = {}): SyncEvidence => ({
  offsetFrames: 0,
  offsetMs: 0,
  minDist: 1,
  confidence: 5,
  threshold: 3.5,
  dists: [],
  timeline: [],
  pMismatch: 0,
  evidenceSeconds: 8,
  segments: [],
  checkedFrom: 0,
  checkedTo: 8,
  ...over,
});

/** The file check's result for `state` (a 30-s clip, one face), as the engine's finish() fills it. */
export function resultOf(state: SyncState, over: Partial<CheckResult> = {}): CheckResult {
  const verdict =
    ({ 'in-sync': 'real', shifted: 'shifted', mismatch: 'fake' } as const)[state.status as 'in-sync'] ??
    'cannot-judge';
  const e = 'evidence' in state ? state.evidence : undefined;
  return {
    model: 'embedded',
    backend: 'wasm',
    landmarking: '2 workers',
    landmarkerRenewals: 0,
    fps: 25,
    durationS: 30,
    state,
    offsetFrames: e?.offsetFrames ?? null,
    offsetMs: e?.offsetMs ?? null,
    minDist: e?.minDist ?? null,
    confidence: e?.confidence ?? null,
    threshold: e?.threshold ?? 3.5,
    pMismatch: e?.pMismatch ?? null,
    evidenceSeconds: e?.evidenceSeconds ?? 0,
    verdict,
    dists: e?.dists ?? [],
    timeline: e?.timeline ?? [],
    segments: e?.segments ?? [],
    faces: [
      {
        trackId: 1,
        frames: 750,
        medianWidth: 200,
        box: [10, 20, 200, 220],
        speakingSeconds: 8,
        chosen: true,
      },
    ],
    ...over,
  };
}

/** The background's open event of a live check (element capture, the built-in model). */
export const openEvent = (sessionId = 's1', reattach = false): SessionEvent => ({
  type: 'open',
  sessionId,
  model: 'embedded',
  capture: 'element',
  now: 1,
  ...(reattach ? { reattach } : {}),
});
