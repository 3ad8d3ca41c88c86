// A looping video's passes (src/offscreen/seen-whole.ts): a first pass that does not settle
// starts a second, which must itself be seen whole before it is judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeenWhole } from '../../src/offscreen/seen-whole';
import type { SyncState } from '../../src/core/state';
import { evidenceOf } from '../helpers/states';

const mismatch = (pMismatch: number): SyncState => ({
  status: 'mismatch',
  evidence: evidenceOf({ pMismatch }),
});

/** Frames every 40 ms over [from, to) of a 4-s loop: the times at which it was seen whole. */
const play = (seen: SeenWhole, from: number, to: number) => {
  const wholes: number[] = [];
  for (let i = 0; from + i * 0.04 < to - 1e-9; i++) if (seen.frame(from + i * 0.04, 4, 60)) wholes.push(i);
  return wholes;
};

test('a second pass is seen whole afresh, judged with the first, and settles once', () => {
  const seen = new SeenWhole();
  assert.deepEqual(play(seen, 0, 4), []);
  assert.equal(seen.frame(0, 4, 60), true, 'whole at the start-over');
  assert.equal(seen.secondPass, false);
  assert.equal(seen.judged(mismatch(0.99), false, 0), null);
  assert.equal(seen.secondPass, true);
  assert.deepEqual(play(seen, 0.04, 2), [], 'half a pass');
  assert.equal(seen.frame(0, 4, 60), false, 'a start-over after half a pass is not whole');
  assert.deepEqual(play(seen, 0.04, 4), []);
  assert.equal(seen.frame(0.01, 4, 60), true);
  const second = mismatch(0.97);
  assert.equal(seen.judged(second, false, 0.01), second);
  assert.equal(seen.secondPass, false);
  assert.equal(seen.frame(0, 4, 60), false, 'settled once');
  assert.deepEqual(
    seen.passes.map((p) => [p.status, p.evidence?.pMismatch]),
    [
      ['mismatch', 0.99],
      ['mismatch', 0.97],
    ],
  );
  seen.reset();
  assert.deepEqual(seen.passes, []);
});

test('a check settled in the middle of the second pass weighs that part of a pass with the first', () => {
  const seen = new SeenWhole();
  play(seen, 0, 4);
  seen.frame(0, 4, 60);
  const inSync: SyncState = { status: 'in-sync', evidence: evidenceOf({ pMismatch: 0.02 }) };
  assert.equal(seen.settledEarly(inSync), inSync, 'no second pass yet: as it is');
  const first = mismatch(0.98);
  seen.judged(first, false, 0);
  assert.equal(seen.settledEarly(mismatch(0.96)).status, 'mismatch');
  assert.equal(seen.settledEarly(inSync), inSync);
});
