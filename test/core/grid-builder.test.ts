// GridBuilder (src/core/sync/windows.ts): frames pushed one at a time give, after every
// push, the grid resampleToGrid computes over all of them at once — the engine re-grids
// after every batch of frames, so a slot it took as final must never change later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GridBuilder, resampleToGrid, type ResampleMode } from '../../src/core/sync/windows';
import { Rng } from '../../src/core/train/rng';

/**
 * Frame times as a player delivers them: rate changes, jitter, repeats, and — `cuts` times
 * as often as a busy page — seeks, stalls and announced breaks.
 */
function playerTimes(rng: Rng, count: number, cuts = 1): { times: number[]; breaks: Set<number> } {
  const times: number[] = [];
  const breaks = new Set<number>();
  let t = rng.next() * 10;
  let interval = 1 / 25;
  for (let i = 0; i < count; i++) {
    if (rng.next() < 0.02) interval = 1 / [23.976, 24, 25, 29.97, 30, 50, 60][rng.int(7)];
    const cut = rng.next() < 0.02 * cuts;
    const event = rng.next();
    if (cut && event < 0.5)
      t -= rng.next() * 3; // a seek back
    else if (cut)
      t += 0.12 + rng.next(); // a stall past the gap limit
    else if (event < 0.02)
      t += 0; // the same instant again (a repeated decode)
    else if (event < 0.025)
      t += 1e-9; // the same instant within float noise
    else t += interval + (rng.next() - 0.5) * 0.006;
    if (rng.next() < 0.005 * cuts) breaks.add(i);
    times.push(t);
  }
  return { times, breaks };
}

const copy = (grids: ReturnType<GridBuilder['grids']>) =>
  grids.map((g) => ({ startTimeSec: g.startTimeSec, frameIndices: [...g.frameIndices] }));

for (const mode of ['nearest', 'fps-filter'] as const satisfies readonly ResampleMode[]) {
  test(`GridBuilder (${mode}): after every push, the grid equals resampleToGrid over all frames so far`, () => {
    // Twelve short sequences full of cuts, and two runs long enough (thousands of frames
    // without a cut) for the builder to drop the frames it has read.
    const sequences = [
      ...Array.from({ length: 12 }, (_, k) => ({ seed: k + 1, frames: 400, cuts: 1, readEvery: 2 })),
      { seed: 101, frames: 4000, cuts: 0.01, readEvery: 25 },
      { seed: 102, frames: 4000, cuts: 0.01, readEvery: 25 },
    ];
    for (const { seed, frames, cuts, readEvery } of sequences) {
      const rng = new Rng(seed);
      const { times, breaks } = playerTimes(rng, frames, cuts);
      const builder = new GridBuilder({ mode });
      for (let i = 0; i < times.length; i++) {
        builder.push(times[i], breaks.has(i));
        // Not every push is followed by a read: the engine reads after batches of frames.
        if (rng.next() > 1 / readEvery && i < times.length - 1) continue;
        const expected = resampleToGrid(times.slice(0, i + 1), { mode, breaksBefore: breaks });
        assert.deepEqual(copy(builder.grids()), expected, `seed ${seed}, after frame ${i}`);
      }
      assert.equal(builder.frames, times.length);
    }
  });
}

test('GridBuilder: a steady 25-fps stream keeps its grid object and only its last slots open', () => {
  const builder = new GridBuilder();
  builder.push(0);
  const [grid] = builder.grids();
  for (let i = 1; i < 3000; i++) {
    builder.push(i / 25);
    const grids = builder.grids();
    assert.equal(grids.length, 1);
    assert.equal(grids[0], grid, 'the same segment, extended in place');
  }
  assert.deepEqual(
    grid.frameIndices,
    Array.from({ length: 3000 }, (_, i) => i),
  );
});

test('GridBuilder: a non-finite time is refused with its frame index', () => {
  const builder = new GridBuilder();
  builder.push(0);
  assert.throws(() => builder.push(Number.NaN), /frame 1 has a non-finite time NaN/);
});
