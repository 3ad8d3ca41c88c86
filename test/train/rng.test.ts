// Seeded RNG: the same seed gives the same stream (train/eval reproducibility), draws are
// in range and roughly uniform / normal, forks are independent of the parent's later use.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { glorotUniform, Rng } from '../../src/core/train/rng';

describe('Rng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(42)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(42)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(43)),
    );
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('draws uniform values in [0, 1), integers in range, and standard normals', () => {
    const rng = new Rng(7);
    const n = 20000;
    let sum = 0;
    let sumSq = 0;
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      assert.ok(u >= 0 && u < 1);
      buckets[Math.floor(u * 10)]++;
      const g = rng.normal();
      sum += g;
      sumSq += g * g;
    }
    // 10 buckets of 2000 expected; ±5 standard deviations (≈ ±212) never fails by chance.
    for (const count of buckets) assert.ok(Math.abs(count - n / 10) < 212, `bucket ${count}`);
    assert.ok(Math.abs(sum / n) < 0.04, `normal mean ${sum / n}`);
    assert.ok(Math.abs(sumSq / n - 1) < 0.06, `normal variance ${sumSq / n}`);
    for (let i = 0; i < 1000; i++) {
      const k = rng.range(-3, 4);
      assert.ok(Number.isInteger(k) && k >= -3 && k <= 4);
    }
    assert.throws(() => rng.int(0), /positive integer/);
  });

  it('shuffles into a permutation and forks independently of later parent draws', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = new Rng(1).shuffle(items);
    assert.deepEqual(
      [...shuffled].sort((a, b) => a - b),
      items,
    );
    assert.notDeepEqual(shuffled, items);
    const parent1 = new Rng(9);
    const fork1 = parent1.fork('x').next();
    const parent2 = new Rng(9);
    const fork2 = parent2.fork('x').next();
    parent2.next();
    assert.equal(fork1, fork2);
    assert.notEqual(new Rng(9).fork('x').next(), new Rng(9).fork('y').next());
  });

  it('glorotUniform stays within ±√(6/(in+out)) and fills the range', () => {
    const w = glorotUniform(new Rng(3), 60, 40);
    const limit = Math.sqrt(6 / 100);
    assert.equal(w.length, 2400);
    assert.ok(w.every((v) => Math.abs(v) <= limit));
    assert.ok(Math.max(...w) > 0.9 * limit && Math.min(...w) < -0.9 * limit);
  });
});
