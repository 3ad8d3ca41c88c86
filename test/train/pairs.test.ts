// Pair sampling: true pairs use the audio window at the lip window's time (corrected by a
// clip's own offset), shifted false pairs keep |shift| in [minShift, maxShift], swapped
// false pairs come from another speaker, the mix follows the options, and it is seeded.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PairSampler, type WindowClip } from '../../src/core/train/pairs';
import { Rng } from '../../src/core/train/rng';

/** Clip c has lip rows 1000·c + g and audio rows 1000·c + 500 + g at grid position g. */
function clip(
  c: number,
  group: string,
  positions: number,
  ownOffset = 0,
  missing: number[] = [],
): WindowClip {
  const lipRows = Int32Array.from({ length: positions }, (_, g) => (missing.includes(g) ? -1 : 1000 * c + g));
  const audioRows = Int32Array.from({ length: positions }, (_, g) => 1000 * c + 500 + g);
  return { id: `c${c}`, group, lipRows, audioRows, ownOffset };
}

const decode = (row: number) => ({
  clip: Math.floor(row / 1000),
  g: row % 1000 >= 500 ? (row % 1000) - 500 : row % 1000,
});

describe('PairSampler', () => {
  const clips = [clip(0, 'a', 60), clip(1, 'a', 40, 3, [5, 6, 7]), clip(2, 'b', 80), clip(3, 'c', 30, -2)];
  const sampler = new PairSampler(clips, {
    positiveFraction: 0.5,
    swapFraction: 0.4,
    minShift: 2,
    maxShift: 15,
  });

  it('makes true pairs at the same time, shifted by the clip’s own offset', () => {
    const batch = sampler.sample(400, new Rng(5));
    let positives = 0;
    batch.labels.forEach((y, i) => {
      if (y !== 1) return;
      positives++;
      const lip = decode(batch.lipRows[i]);
      const audio = decode(batch.audioRows[i]);
      assert.equal(audio.clip, lip.clip);
      assert.equal(
        audio.g,
        lip.g - (clips[lip.clip].ownOffset ?? 0),
        'audio leads by ownOffset: lip g ↔ audio g − own',
      );
      assert.ok(clips[lip.clip].lipRows[lip.g] >= 0, 'never a window without a face');
    });
    assert.equal(positives, 200);
  });

  it('shifts by 2…15 frames or swaps in another speaker’s audio, about 60/40', () => {
    const batch = sampler.sample(2000, new Rng(6));
    let shifts = 0;
    let swaps = 0;
    batch.labels.forEach((y, i) => {
      if (y !== 0) return;
      const lip = decode(batch.lipRows[i]);
      const audio = decode(batch.audioRows[i]);
      if (batch.kinds[i] === 'shift') {
        shifts++;
        assert.equal(audio.clip, lip.clip);
        const shift = Math.abs(audio.g - (lip.g - (clips[lip.clip].ownOffset ?? 0)));
        assert.ok(shift >= 2 && shift <= 15, `shift ${shift}`);
      } else {
        swaps++;
        assert.equal(batch.kinds[i], 'swap');
        assert.notEqual(clips[audio.clip].group, clips[lip.clip].group);
      }
    });
    // 1000 false pairs, 40 % swaps requested (plus the few shifts that did not fit): ±5 sd ≈ ±78.
    assert.ok(Math.abs(swaps - 400) < 78, `swaps ${swaps}`);
    assert.equal(shifts + swaps, 1000);
  });

  it('is deterministic for a seed and caps long clips’ weight', () => {
    const a = sampler.sample(64, new Rng(9));
    const b = sampler.sample(64, new Rng(9));
    assert.deepEqual(a, b);
    const capped = new PairSampler([clip(0, 'a', 1000), clip(1, 'b', 50)], { clipWeightCap: 50 });
    const batch = capped.sample(2000, new Rng(1));
    const fromLong = Array.from(batch.lipRows).filter((r) => r < 1000).length;
    assert.ok(Math.abs(fromLong - 1000) < 120, `long clip drawn ${fromLong} times of 2000 with equal caps`);
  });

  it('refuses a set without any usable window', () => {
    assert.throws(
      () => new PairSampler([clip(0, 'a', 10, 0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])]),
      /nothing to train on/,
    );
  });
});
