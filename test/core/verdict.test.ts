// Verdict rules: every cannot-judge reason from the evidence that causes it, judging only
// with enough face-plus-speech evidence, and the speaker choice among several faces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, DEFAULT_POLICY, type EvidenceSummary, type TrackEvidence, type VerdictPolicy } from '../../src/core/verdict';
import type { CombinedOffset } from '../../src/core/sync/offset-search';

const policy: VerdictPolicy = { ...DEFAULT_POLICY, threshold: 3 };

function search(confidence: number, offsetFrames = 0): CombinedOffset {
  const meanDists = new Float32Array(31).fill(10);
  meanDists[15 - offsetFrames] = 10 - confidence;
  return { offsetFrames, minDist: 10 - confidence, medianDist: 10, confidence, meanDists, windowCount: 100 };
}

function track(trackId: number, confidence: number, extra: Partial<TrackEvidence> = {}): TrackEvidence {
  return { trackId, evidenceWindows: 200, medianFaceWidth: 120, search: search(confidence, extra.search?.offsetFrames ?? 0), timeline: [], ...extra };
}

function summary(extra: Partial<EvidenceSummary> = {}): EvidenceSummary {
  return {
    hasAudioTrack: true,
    audioPeak: 12000,
    speechWindows: 150,
    framesSeen: 250,
    framesWithFace: 250,
    protectedContent: false,
    tracks: [track(1, 6)],
    final: true,
    secondsSeen: 10,
    ...extra,
  };
}

const reasonOf = (s: ReturnType<typeof decide>) => (s.status === 'cannot-judge' ? s.reason : s.status);

test('in sync, out of sync by low confidence, out of sync by a large offset', () => {
  assert.equal(decide(summary(), policy).status, 'in-sync');
  assert.equal(decide(summary({ tracks: [track(1, 1.2)] }), policy).status, 'mismatch');
  const shifted = decide(summary({ tracks: [track(1, 6, { search: search(6, 9) })] }), policy);
  assert.equal(shifted.status, 'mismatch');
  assert.equal(shifted.status === 'mismatch' && shifted.evidence.offsetMs, 360);
  const slightlyOff = decide(summary({ tracks: [track(1, 6, { search: search(6, -4) })] }), policy);
  assert.equal(slightlyOff.status, 'in-sync', 'a few frames off is within the genuine-file tolerance');
});

test('each cannot-judge reason comes from the evidence that causes it', () => {
  assert.equal(reasonOf(decide(summary({ hasAudioTrack: false }), policy)), 'no-audio');
  assert.equal(reasonOf(decide(summary({ audioPeak: 3 }), policy)), 'silent');
  assert.equal(reasonOf(decide(summary({ speechWindows: 5 }), policy)), 'no-speech');
  assert.equal(reasonOf(decide(summary({ framesWithFace: 0, tracks: [] }), policy)), 'no-face');
  assert.equal(reasonOf(decide(summary({ framesWithFace: 20 }), policy)), 'no-face');
  assert.equal(reasonOf(decide(summary({ tracks: [track(1, 6, { evidenceWindows: 40 })] }), policy)), 'too-short');
  assert.equal(reasonOf(decide(summary({ tracks: [track(1, 6, { medianFaceWidth: 25 })] }), policy)), 'mouth-too-small');
  assert.equal(reasonOf(decide(summary({ protectedContent: true }), policy)), 'protected-content');
  assert.equal(reasonOf(decide(summary({ tracks: [track(1, 6), track(2, 5.8, { search: search(5.8, 10) })] }), policy)), 'several-speakers-unresolved');
});

test('several faces: the best-matching face is the speaker when the others are clearly worse', () => {
  const state = decide(summary({ tracks: [track(1, 0.4), track(2, 6), track(3, 0.2)] }), policy);
  assert.equal(state.status, 'in-sync');
  assert.equal(state.status === 'in-sync' && state.evidence.faceId, '2');
});

test('live (provisional) states wait instead of giving up', () => {
  assert.equal(decide(summary({ final: false, speechWindows: 3 }), policy).status, 'waiting-for-speech');
  const early = decide(summary({ final: false, tracks: [track(1, 6, { evidenceWindows: 30 })] }), policy);
  assert.equal(early.status, 'checking');
  assert.ok(early.status === 'checking' && Math.abs(early.progress - 30 / 75) < 1e-9);
  assert.equal(decide(summary({ final: false, hasAudioTrack: null, audioPeak: 0, speechWindows: 0 }), policy).status, 'waiting-for-speech');
  // A live video without faces: still checking at first, no-face after NO_FACE_AFTER_SECONDS.
  const faceless = { final: false, framesWithFace: 0, tracks: [] };
  assert.equal(decide(summary({ ...faceless, secondsSeen: 4 }), policy).status, 'checking');
  assert.equal(reasonOf(decide(summary({ ...faceless, secondsSeen: 12 }), policy)), 'no-face');
});
