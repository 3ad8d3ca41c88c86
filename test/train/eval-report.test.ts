// The evaluation's ROC-AUC with abstentions counted as misses: oriented so that a decision
// that calls every real clip real and every swap fake scores 1, and one that abstains on
// everything scores 0.
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  abstentionAuc,
  cannotJudgeByLabel,
  conditionRows,
  falseFakeByLabel,
} from '../../scripts/lib/eval-report';

const judged = (verdict: 'real' | 'fake' | 'cannot-judge', pMismatch: number | null) => ({
  verdict,
  pMismatch,
});

test('abstention AUC: perfect → 1, inverted → 0, abstaining on everything → 0', () => {
  const real = [judged('real', 0.01), judged('real', 0.1)];
  const swapped = [judged('fake', 0.97), judged('fake', 0.99), judged('fake', 0.96)];
  assert.equal(abstentionAuc(real, swapped), 1);
  assert.equal(abstentionAuc(swapped, real), 0);
  const abstained = (n: number) => Array.from({ length: n }, () => judged('cannot-judge', 0.5));
  assert.equal(abstentionAuc(abstained(2), abstained(3)), 0);
  // A real clip abstained on counts as p(mismatch) 1, above every swap: half the pairs lost.
  assert.equal(abstentionAuc([judged('real', 0.01), judged('cannot-judge', 0.2)], swapped), 0.5);
  assert.equal(abstentionAuc([], swapped), null);
});

test('false FAKEs split by label confidence: only genuine variants count, music only among them', () => {
  const variant = (
    kind: string,
    expected: string,
    verdict: 'real' | 'fake' | 'cannot-judge',
    low: boolean,
  ) => ({
    verdict,
    variant: { kind, expected } as never,
    clip: { row: { confidence: low ? 'low' : 'high' } },
  });
  const split = falseFakeByLabel([
    variant('real', 'real', 'fake', true),
    variant('shift', 'real', 'real', true),
    variant('music-only', 'cannot-judge', 'fake', false),
    variant('real', 'real', 'real', false),
    variant('swap', 'fake', 'fake', false),
    { verdict: 'fake', variant: { kind: 'under-music', expected: 'real' } as never, clip: {} },
  ]);
  assert.deepEqual(split, { low: { n: 1, of: 2 }, other: { n: 2, of: 3 } });
});

test("can't judge on long real clips split by label confidence: a clip without a manifest row counts as sure", () => {
  const clip = (verdict: 'real' | 'cannot-judge', confidence?: string) => ({
    verdict,
    variant: { kind: 'real', expected: 'real' } as never,
    clip: confidence ? { row: { confidence } } : {},
  });
  const split = cannotJudgeByLabel([
    clip('cannot-judge', 'low'),
    clip('cannot-judge', 'low'),
    clip('real', 'low'),
    clip('cannot-judge', 'high'),
    clip('real', 'medium'),
    clip('real'),
  ]);
  assert.deepEqual(split, { low: { n: 2, of: 3 }, other: { n: 1, of: 3 } });
});

test('condition rows: a FAKE counts as false wherever the condition does not accept one — sound far out of step among them', () => {
  const row = (kind: string, expected: string, accept: string[], verdict: string) =>
    ({ verdict, variant: { kind, expected, accept } }) as never;
  const rows = conditionRows([
    row('far-shift', 'shifted', ['shifted', 'cannot-judge'], 'fake'),
    row('far-shift', 'shifted', ['shifted', 'cannot-judge'], 'shifted'),
    row('shift', 'shifted', ['shifted', 'fake'], 'fake'),
    row('swap', 'fake', ['fake'], 'fake'),
    row('real', 'real', ['real', 'cannot-judge'], 'fake'),
  ]);
  const by = Object.fromEntries(rows.map((r) => [r.condition, r]));
  assert.equal(by['shift far past the search (±0.8, ±1.2 s)'].falseFake, 1);
  assert.equal(by['shift far past the search (±0.8, ±1.2 s)'].correct, 1);
  assert.equal(by['shift past tolerance'].falseFake, 0);
  assert.equal(by.swap.falseFake, 0);
  assert.equal(by.real.falseFake, 1);
});
