// The live verdict stabiliser: provisional then firm, an outcome shown only once held (a
// mismatch also on 5 s of evidence), no flip-flop on a noisy genuine stream, a sustained swap
// still changes the verdict within 5–8 s, gaps never count as holding, a verdict withdrawn
// when the decision holds back in doubt, the decision itself at the end, host facts at
// once, and reset() starts over on a source change.
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
  // A matching voice is shown once the decision has given it for 0.5 s of updates.
  assert.equal(stabiliser.update(decision(0.1, 2.5), 0.5).status, 'cannot-judge');
  const first = stabiliser.update(decision(0.1, 2.6), 1);
  assert.equal(first.status, 'in-sync');
  assert.equal(isProvisional(first), true);
  assert.equal(stabiliser.isFirm, false);
  // While provisional, a weak mismatch (p 0.6), however long it holds, does not replace it (no flicker).
  for (let t = 1.5; t < 8; t += 0.5) {
    const weak = stabiliser.update(decision(0.6, 6), t);
    assert.equal(weak.status, 'in-sync');
    assert.equal(isProvisional(weak), true);
  }
  stabiliser.update(decision(0.1, 5), 8);
  const firm = stabiliser.update(decision(0.1, 5.2), 8.5);
  assert.equal(firm.status, 'in-sync');
  assert.equal(stabiliser.isFirm, true);
  assert.ok(firm.status === 'in-sync' && !('provisional' in firm.evidence));
});

test('a provisional REAL gives way to a mismatch held 2 s on 5 s of evidence: FAKE is never provisional', () => {
  const stabiliser = new VerdictStabiliser();
  stabiliser.update(decision(0.1, 2.5), 0);
  assert.equal(stabiliser.update(decision(0.1, 2.6), 0.5).status, 'in-sync');
  // Strong, held 3 s, but on less than 5 s of evidence: not yet.
  let t = 1;
  for (; t <= 4; t += 0.5) assert.equal(stabiliser.update(decision(0.99, 4.5), t).status, 'in-sync');
  const fake = stabiliser.update(decision(0.99, 5), t);
  assert.equal(fake.status, 'mismatch');
  assert.equal(isProvisional(fake), false);
  assert.ok(stabiliser.isFirm);
});

test('one look is not a verdict: a mismatch given for less than 2 s of updates is never shown', () => {
  const stabiliser = new VerdictStabiliser();
  const shown: string[] = [];
  let t = 0;
  // Before anything is shown: three strong looks at 0.5-s steps (1 s), then checking again.
  for (const p of [0.99, 0.99, 0.99, 0.2, 0.99, 0.99, 0.99, 0.99]) {
    shown.push(stabiliser.update(decision(p, 6), t).status);
    t += 0.5;
  }
  assert.deepEqual(shown, new Array(8).fill('checking'));
  // The second run of mismatches reaches 2 s at its fifth update.
  const held = stabiliser.update(decision(0.99, 6), t);
  assert.equal(held.status, 'mismatch');
  assert.equal(STABILISER_RULES.heldBeforeShown.mismatch, 2);
});

test('a gap does not count towards the hold before a verdict is shown, and the video’s end shows it at once', () => {
  const gap = new VerdictStabiliser();
  gap.update(decision(0.99, 6), 0);
  // Paused 100 s: at most maxStepSeconds (2) counts, so one more look is held 2 s exactly.
  assert.equal(gap.update(decision(0.99, 6), 100).status, 'mismatch');
  const short = new VerdictStabiliser();
  short.update(decision(0.99, 6), 0);
  assert.equal(short.update(decision(0.99, 6), 1).status, 'checking');
  const ended = new VerdictStabiliser();
  const out = ended.update(decision(0.99, 3), 0, { final: true });
  assert.equal(out.status, 'mismatch');
  assert.equal(ended.isFirm, true);
});

test('firm also after the same outcome held 8 s on little evidence, or when the video ends', () => {
  const held = new VerdictStabiliser();
  let t = 0;
  // Shown from t = 1 (held 0.5 s by then at 1-s steps), firm once it has held 8 s more.
  for (; t <= STABILISER_RULES.firmHeldSeconds; t++) held.update(decision(0.1, 3), t);
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
  // The new source is judged afresh: its mismatch shows once held 2 s.
  assert.equal(stabiliser.update(decision(0.95, 6), t++).status, 'checking');
  assert.equal(stabiliser.update(decision(0.95, 6), t++).status, 'checking');
  assert.equal(stabiliser.update(decision(0.95, 6), t++).status, 'mismatch');
});

test('a verdict the decision no longer gives is withdrawn: 5 s in doubt takes it back to checking', () => {
  const stabiliser = new VerdictStabiliser();
  let t = 0;
  for (; t < 10; t++) stabiliser.update(decision(0.1, 10), t);
  assert.ok(stabiliser.isFirm);
  // The decision weighs the evidence and holds back ("checking" with evidence: a turn in doubt).
  const doubt: SyncState = { status: 'checking', progress: 0.99, evidence: evidence(0.6, 12) };
  for (const end = t + STABILISER_RULES.changeHeldSeconds; t < end; t++)
    assert.equal(stabiliser.update(doubt, t).status, 'in-sync', `t ${t}: not yet`);
  const withdrawn = stabiliser.update(doubt, t++);
  assert.deepEqual(withdrawn, doubt);
  assert.equal(stabiliser.isFirm, false);
  // A verdict comes back only as a new one would: held, then provisional.
  assert.equal(stabiliser.update(decision(0.1, 12), t++).status, 'checking');
  const back = stabiliser.update(decision(0.1, 12), t++);
  assert.equal(back.status, 'in-sync');
});

test('at the end the decision on all the evidence is shown as it is, firm', () => {
  const stabiliser = new VerdictStabiliser();
  let t = 0;
  for (; t < 10; t++) stabiliser.update(decision(0.1, 10), t);
  assert.ok(stabiliser.isFirm);
  // A swapped voice in the last seconds: the hysteresis that kept REAL during play does not outlive the video.
  const end = stabiliser.update(decision(0.97, 14), t, { final: true });
  assert.equal(end.status, 'mismatch');
  assert.equal(isProvisional(end), false);
  assert.ok(stabiliser.isFirm);
});
