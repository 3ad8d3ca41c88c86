// The live verdict stabiliser: provisional then firm, no flip-flop on a noisy genuine
// stream, a sustained swap still changes the verdict within 5–8 s, gaps never count as
// holding, host facts pass at once, and reset() starts over on a source change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerdictStabiliser, STABILISER_RULES } from '../../src/core/decision/stabilise';
import type { SyncEvidence, SyncState } from '../../src/core/state';

function evidence(pMismatch: number, evidenceSeconds: number): SyncEvidence {
  return {
    offsetFrames: 0,
    offsetMs: 0,
    minDist: 7,
    confidence: 3,
    threshold: 3,
    pMismatch,
    evidenceSeconds,
    dists: new Array(31).fill(10),
    timeline: [],
    segments: [],
    checkedFrom: 0,
    checkedTo: evidenceSeconds,
  };
}

/** A stand-in for the decision: too little evidence → can't judge, else mismatch from pMismatch ≥ 0.5. */
function decision(pMismatch: number, evidenceSeconds: number): SyncState {
  if (evidenceSeconds < 2) return { status: 'cannot-judge', reason: 'too-short' };
  return {
    status: pMismatch >= 0.5 ? 'mismatch' : 'in-sync',
    evidence: evidence(pMismatch, evidenceSeconds),
  };
}

/** Deterministic PRNG (mulberry32): the noise is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** pMismatch wandering inside [low, high] (a reflected random walk). */
function wander(rand: () => number, low: number, high: number, start: number): () => number {
  let p = start;
  return () => {
    p += (rand() - 0.5) * 0.4;
    if (p < low) p = 2 * low - p;
    if (p > high) p = 2 * high - p;
    return Math.min(high, Math.max(low, p));
  };
}

const verdictOf = (state: SyncState) => state.status;
const isProvisional = (state: SyncState) => ('evidence' in state && state.evidence?.provisional) === true;

test('a steady genuine stream with pMismatch wandering 0.05–0.6 never changes its verdict over 60 s', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    for (const stepSeconds of [0.5, 1]) {
      const stabiliser = new VerdictStabiliser();
      const p = wander(random(seed), 0.05, 0.6, 0.15);
      const shown = new Set<string>();
      let rawMismatches = 0;
      for (let t = 0; t <= 60; t += stepSeconds) {
        const raw = decision(p(), Math.min(0.8 * t, 48));
        if (raw.status === 'mismatch') rawMismatches++;
        const out = stabiliser.update(raw, t);
        if (out.status !== 'cannot-judge') shown.add(verdictOf(out));
      }
      assert.ok(
        rawMismatches >= 2,
        `seed ${seed}: the raw decision flips (${rawMismatches} mismatch updates)`,
      );
      assert.deepEqual(
        [...shown],
        ['in-sync'],
        `seed ${seed}, step ${stepSeconds} s: shown ${[...shown].join(' → ')}`,
      );
      assert.ok(stabiliser.isFirm);
    }
  }
});

test('a genuine stream that turns into a swap changes to mismatch 5–8 s after pMismatch rises to 0.95', () => {
  for (const seed of [11, 12, 13]) {
    const stabiliser = new VerdictStabiliser();
    const p = wander(random(seed), 0.05, 0.4, 0.15);
    const swapAt = 30;
    let changedAt: number | null = null;
    for (let t = 0; t <= 60; t += 1) {
      const pm = t < swapAt ? p() : 0.95;
      const out = stabiliser.update(decision(pm, Math.min(0.8 * t, 48)), t);
      if (t < swapAt && t > 5) assert.equal(out.status, 'in-sync');
      if (t >= swapAt && out.status === 'mismatch' && changedAt === null) changedAt = t;
    }
    assert.notEqual(changedAt, null, `seed ${seed}: never changed`);
    const delay = changedAt! - swapAt;
    assert.ok(delay >= 5 && delay <= 8, `seed ${seed}: changed ${delay} s after the swap`);
  }
});

test('a firm mismatch goes back to in sync only on sustained pMismatch ≤ 0.2', () => {
  const stabiliser = new VerdictStabiliser();
  let t = 0;
  for (; t < 10; t++) stabiliser.update(decision(0.95, 10), t);
  assert.ok(stabiliser.isFirm);
  // The decision says in sync, but with pMismatch 0.3: not strong enough to leave FAKE.
  for (; t < 30; t++) assert.equal(stabiliser.update(decision(0.3, 10), t).status, 'mismatch');
  let out: SyncState = { status: 'idle' };
  for (const end = t + STABILISER_RULES.changeHeldSeconds; t <= end; t++)
    out = stabiliser.update(decision(0.1, 10), t);
  assert.equal(out.status, 'in-sync');
});

test('provisional until 5 s of evidence, then firm (the key is absent, as in a file check)', () => {
  const stabiliser = new VerdictStabiliser();
  assert.equal(stabiliser.update(decision(0.1, 1), 0).status, 'cannot-judge');
  const first = stabiliser.update(decision(0.1, 2.5), 1);
  assert.equal(first.status, 'in-sync');
  assert.equal(isProvisional(first), true);
  assert.equal(stabiliser.isFirm, false);
  // Provisional: a strong mismatch replaces it at once (no persistence yet).
  assert.equal(stabiliser.update(decision(0.95, 3.5), 2).status, 'mismatch');
  // …but a weak one would not have (no provisional flicker): back to in sync, then weak mismatch.
  assert.equal(stabiliser.update(decision(0.1, 4), 3).status, 'in-sync');
  const weak = stabiliser.update(decision(0.6, 4.9), 4);
  assert.equal(weak.status, 'in-sync');
  assert.equal(isProvisional(weak), true);
  const firm = stabiliser.update(decision(0.1, 5), 5);
  assert.equal(firm.status, 'in-sync');
  assert.equal(stabiliser.isFirm, true);
  assert.ok(firm.status === 'in-sync' && !('provisional' in firm.evidence));
});

test('firm also after the same outcome held 8 s on little evidence, or when the video ends', () => {
  const held = new VerdictStabiliser();
  let t = 0;
  for (; t < STABILISER_RULES.firmHeldSeconds; t++) held.update(decision(0.1, 3), t);
  assert.equal(held.isFirm, false);
  assert.equal(isProvisional(held.update(decision(0.1, 3), t)), false);
  assert.equal(held.isFirm, true);

  const ended = new VerdictStabiliser();
  ended.update(decision(0.1, 3), 0);
  const out = ended.update(decision(0.1, 3.2), 0.5, { final: true });
  assert.equal(isProvisional(out), false);
  assert.equal(ended.isFirm, true);
});

test('a pause or seek gap does not count as holding a challenger', () => {
  const stabiliser = new VerdictStabiliser();
  let t = 0;
  for (; t < 10; t++) stabiliser.update(decision(0.1, 10), t);
  stabiliser.update(decision(0.95, 10), t); // challenger appears
  // Paused for 100 s, then one more strong update: at most MAX_STEP counts.
  assert.equal(stabiliser.update(decision(0.95, 10), t + 100).status, 'in-sync');
  assert.equal(stabiliser.update(decision(0.95, 10), t + 101).status, 'in-sync');
});

test('can’t judge after a firm verdict needs persistence too; checking keeps the verdict shown', () => {
  const stabiliser = new VerdictStabiliser();
  let t = 0;
  for (; t < 10; t++) stabiliser.update(decision(0.1, 10), t);
  assert.equal(stabiliser.update({ status: 'checking', progress: 0.5 }, t++).status, 'in-sync');
  const noSpeech: SyncState = { status: 'cannot-judge', reason: 'no-speech' };
  for (let i = 0; i < 3; i++) assert.equal(stabiliser.update(noSpeech, t++).status, 'in-sync');
  let out: SyncState = { status: 'idle' };
  for (let i = 0; i < 4; i++) out = stabiliser.update(noSpeech, t++);
  assert.equal(out.status, 'cannot-judge');
});

test('host facts (DRM, no model) pass at once and start over', () => {
  const stabiliser = new VerdictStabiliser();
  for (let t = 0; t < 10; t++) stabiliser.update(decision(0.1, 10), t);
  const drm: SyncState = { status: 'cannot-judge', reason: 'protected-content' };
  assert.deepEqual(stabiliser.update(drm, 10), drm);
  assert.equal(stabiliser.isFirm, false);
});

test('reset() on a source change: the old firm verdict neither stays nor holds back the new one', () => {
  const stabiliser = new VerdictStabiliser();
  let t = 0;
  for (; t < 20; t++) stabiliser.update(decision(0.1, 10), t);
  assert.ok(stabiliser.isFirm);
  stabiliser.reset();
  assert.equal(stabiliser.isFirm, false);
  const waiting: SyncState = { status: 'waiting-for-speech', seconds: 0 };
  assert.deepEqual(stabiliser.update(waiting, t++), waiting, 'nothing of the old source is shown');
  const next = stabiliser.update(decision(0.95, 3), t++);
  assert.equal(next.status, 'mismatch', 'the new source is judged at once, provisionally');
  assert.equal(isProvisional(next), true);
});
