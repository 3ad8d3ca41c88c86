// A looping video's passes, each judged on its own evidence (src/core/decision/loop-passes.ts):
// the first settles only a matching voice or a FAKE live already shows; two passes give
// FAKE only when both point to another voice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstPassSettles, twoPassVerdict } from '../../src/core/decision/loop-passes';
import type { SyncState } from '../../src/core/state';
import { evidenceOf } from '../helpers/states';

const mismatch = (pMismatch: number): SyncState => ({
  status: 'mismatch',
  evidence: evidenceOf({ pMismatch }),
});
const inSync: SyncState = { status: 'in-sync', evidence: evidenceOf({ pMismatch: 0.01 }) };
const shifted: SyncState = { status: 'shifted', evidence: evidenceOf({ pMismatch: 0.02, offsetFrames: 6 }) };
const likely = (pMismatch: number): SyncState => ({
  status: 'cannot-judge',
  reason: 'uncertain',
  why: { kind: 'likely-mismatch', percent: Math.round(pMismatch * 100) },
  evidence: evidenceOf({ pMismatch }),
});
const farMatch: SyncState = {
  status: 'cannot-judge',
  reason: 'uncertain',
  why: { kind: 'far-match', offsetMs: 800, percent: 97 },
  evidence: evidenceOf({ pMismatch: 0.97 }),
};
const noFace: SyncState = { status: 'cannot-judge', reason: 'no-face' };

test('the first pass settles a matching voice at once, and a mismatch only when live already shows FAKE', () => {
  assert.equal(firstPassSettles(inSync, false), inSync);
  assert.equal(firstPassSettles(shifted, false), shifted);
  const pass = mismatch(0.99);
  assert.equal(firstPassSettles(pass, true), pass);
  for (const other of [mismatch(0.99), likely(0.85), likely(0.94), farMatch, noFace])
    assert.equal(firstPassSettles(other, false), null, `${other.status} waits for a second pass`);
});

test('two passes: FAKE when one is a mismatch and the other is one too or leans to it (p ≥ 0.9)', () => {
  const first = mismatch(0.98);
  const second = mismatch(0.96);
  assert.equal(twoPassVerdict(first, second), second);
  assert.equal(twoPassVerdict(first, likely(0.94)), first);
  assert.equal(twoPassVerdict(likely(0.9), second), second);
});

test("two passes: one pass's mismatch alone is never FAKE — the other pass's outcome is the verdict", () => {
  const fake = mismatch(0.99);
  const weak = likely(0.85);
  // The genuine loop read badly once (Firefox, the CI at 4d73f49): its second pass decides.
  assert.equal(twoPassVerdict(fake, inSync), inSync);
  assert.equal(twoPassVerdict(fake, weak), weak);
  assert.equal(twoPassVerdict(weak, fake), weak);
  assert.equal(twoPassVerdict(inSync, fake), inSync);
  // Matching only far out of step is not leaning to another voice.
  assert.equal(twoPassVerdict(fake, farMatch), farMatch);
  assert.equal(twoPassVerdict(farMatch, fake), farMatch);
});

test('two passes without a mismatch: the second pass is the verdict', () => {
  assert.equal(twoPassVerdict(likely(0.85), inSync), inSync);
  assert.equal(twoPassVerdict(noFace, noFace), noFace);
  const doubt = likely(0.94);
  assert.equal(twoPassVerdict(inSync, doubt), doubt);
});
