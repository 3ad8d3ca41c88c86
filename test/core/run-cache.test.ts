// The engine's incremental evidence equals the evidence recomputed over the whole run,
// at every step of a run that grows the way the engine grows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runEvidence } from '../../src/core/decision/build';
import { lipActivity } from '../../src/core/decision/lip-activity';
import { RunEvidenceCache, type RunWindow, type TrackFrames } from '../../src/core/decision/run-cache';
import { EVIDENCE_VSHIFT, type WindowEvidence } from '../../src/core/decision/evidence';
import { Rng } from '../../src/core/train/rng';

const DIM = 8;

function fullEvidence(windows: RunWindow[], tracks: TrackFrames[], frameCount: number): WindowEvidence[] {
  return runEvidence({
    times: windows.map((w) => w.t),
    shots: windows.map((w) => w.shot),
    speech: windows.map((w) => w.speech ?? 0),
    audio: windows.map((w) => w.audio),
    tracks: tracks.map((track) => {
      const activity = lipActivity(Array.from({ length: frameCount }, (_, f) => track.opening(f)));
      const mean = (frames: readonly number[], value: (f: number) => number | null) => {
        const values = frames.map(value);
        return values.some((v) => v === null)
          ? null
          : (values as number[]).reduce((a, b) => a + b, 0) / frames.length;
      };
      return {
        trackId: track.trackId,
        lip: windows.map((w) => w.lip.get(track.trackId) ?? null),
        activity: windows.map((w) => mean(w.frames, (f) => activity[f] ?? null)),
        width: windows.map((w) => mean(w.frames, track.width)),
      };
    }),
  });
}

// Distances must match exactly; lip activity to 1e-12 (prefix sums from another start frame).
function comparable(records: WindowEvidence[]) {
  const activity = (v: number) => Math.round(v * 1e12) / 1e12;
  return records.map((r) => ({
    ...r,
    faces: r.faces.map((f) => ({
      ...f,
      lipActivity: activity(f.lipActivity),
      dists: Array.from(f.dists),
      wideDists: Array.from(f.wideDists!),
    })),
  }));
}

/** A run growing as the engine grows it: 1–4 frames a step, windows once their frames exist, speech late. */
function growingRun(seed: number) {
  const rng = new Rng(seed);
  const random = () => rng.next();
  const vector = () => Float32Array.from({ length: DIM }, () => random() - 0.5);
  const openings = new Map<number, (number | null)[]>([
    [1, []],
    [2, []],
  ]);
  const tracks: TrackFrames[] = [...openings].map(([trackId, values]) => ({
    trackId,
    opening: (f) => values[f] ?? null,
    width: (f) => (values[f] === null || values[f] === undefined ? null : 100 + trackId),
  }));
  const windows: RunWindow[] = [];
  let frameCount = 0;
  return {
    tracks,
    windows,
    get frameCount() {
      return frameCount;
    },
    step(done: boolean): void {
      // 1–4 new frames: track 2 appears late and leaves for a while; some openings unusable.
      const grow = 1 + Math.floor(random() * 4);
      for (let k = 0; k < grow; k++, frameCount++) {
        openings.get(1)!.push(random() < 0.05 ? null : 0.1 + 0.1 * random());
        openings
          .get(2)!
          .push(frameCount < 40 || (frameCount > 120 && frameCount < 150) ? null : 0.2 * random());
      }
      // Windows whose 5 frames exist; speech arrives a few windows late.
      while (windows.length + 5 + 2 <= frameCount) {
        const start = windows.length;
        const frames = [0, 1, 2, 3, 4].map((k) => start + k);
        const lip = new Map<number, Float32Array | null>();
        for (const [trackId, values] of openings)
          lip.set(trackId, frames.every((f) => values[f] !== null) ? vector() : null);
        windows.push({
          t: start * 0.04,
          shot: start < 100 ? 0 : 1,
          speech: null,
          audio: vector(),
          lip,
          frames,
        });
      }
      windows.forEach((w, i) => {
        if (w.speech === null && i + 6 < windows.length) w.speech = random();
      });
      if (done) windows.forEach((w) => (w.speech ??= random()));
    },
  };
}

test('incremental run evidence equals the whole-run computation at every step', () => {
  const run = growingRun(7);
  const cache = new RunEvidenceCache();
  let checkedFinal = 0;
  for (let step = 0; step < 60; step++) {
    const done = step === 59;
    run.step(done);
    const got = cache.evidence(run.windows, run.tracks, run.frameCount, done);
    assert.deepEqual(
      comparable(got),
      comparable(fullEvidence(run.windows, run.tracks, run.frameCount)),
      `step ${step}`,
    );
    checkedFinal = got.length;
    // Only the last windows are recomputed: vshift for the zero padding, a few for speech.
    if (!done)
      assert.ok(
        got.length - cache.finalWindows <= EVIDENCE_VSHIFT + 12,
        `step ${step}: ${got.length - cache.finalWindows} windows recomputed`,
      );
  }
  assert.ok(checkedFinal > 100, `the run grew to ${checkedFinal} windows`);
});

test('advance() keeps final records as the run grows; the windows it says are read no more never are', () => {
  const run = growingRun(11);
  const cache = new RunEvidenceCache();
  // What the engine releases, poisoned: a record computed from it would carry NaN distances.
  const poison = new Float32Array(DIM).fill(Number.NaN);
  const originals: RunWindow[] = [];
  let released = 0;
  for (let step = 0; step < 59; step++) {
    run.step(false);
    for (let i = originals.length; i < run.windows.length; i++) originals.push({ ...run.windows[i] });
    cache.advance(run.windows, run.tracks, run.frameCount);
    const unread = cache.unreadWindows;
    assert.ok(unread <= cache.finalWindows, `step ${step}`);
    for (; released < unread; released++) {
      run.windows[released].audio = poison;
      run.windows[released].lip = new Map([...run.windows[released].lip.keys()].map((id) => [id, poison]));
    }
  }
  run.step(true);
  for (let i = originals.length; i < run.windows.length; i++) originals.push({ ...run.windows[i] });
  originals.forEach((w, i) => (w.speech = run.windows[i].speech));
  assert.ok(released > 60, `${released} windows released`);
  const got = cache.evidence(run.windows, run.tracks, run.frameCount, true);
  assert.deepEqual(comparable(got), comparable(fullEvidence(originals, run.tracks, run.frameCount)));
});
