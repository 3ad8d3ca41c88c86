// Dropped frames vs a source's own rate (src/core/video/frame-drops.ts): steady 12–60 fps
// lose nothing and freeze no window; 25 fps with frames lost is counted, and windows over
// three or more lost in a row are frozen, as the grid would show them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDropCounter, droppedFrameRatio, isFrozenWindow } from '../../src/core/video/frame-drops';
import { resampleToGrid, windowsForSegment, GRID_FPS } from '../../src/core/sync/windows';

/** Pushes the times; returns the counter and the share of windows frozen on the 25-fps grid. */
function run(times: number[]) {
  const counter = new FrameDropCounter();
  for (const t of times) counter.push(t);
  const [grid] = resampleToGrid(times, { maxGapSec: 0.5 });
  const windows = windowsForSegment(grid, 0, 1e6);
  const frozen = windows.filter((w) =>
    isFrozenWindow(
      w.frameIndices.map((_, k) => w.startTimeSec + k / GRID_FPS),
      w.frameIndices.map((f) => times[f]),
      counter.typicalInterval(),
    ),
  );
  return { counter, frozenShare: frozen.length / windows.length };
}

const steady = (fps: number, seconds: number) =>
  Array.from({ length: Math.round(fps * seconds) }, (_, i) => i / fps);

test('steady sources lose nothing and freeze nothing, whatever their rate from 12 fps up', () => {
  for (const fps of [12, 15, 25, 30000 / 1001, 60]) {
    const { counter, frozenShare } = run(steady(fps, 10));
    assert.equal(counter.dropped, 0, `${fps} fps`);
    assert.equal(frozenShare, 0, `${fps} fps`);
  }
});

test('25 fps with one frame in three lost, singly: a third counted, no window frozen (as a 12.5-fps source)', () => {
  const times = steady(25, 10).filter((_, i) => i % 3 !== 2);
  const { counter, frozenShare } = run(times);
  assert.equal(counter.dropped, 83);
  assert.ok(Math.abs(droppedFrameRatio([counter]) - 1 / 3) < 0.01, `${droppedFrameRatio([counter])}`);
  assert.equal(frozenShare, 0);
});

test('25 fps losing three frames in a row of every five: 60 % counted, the windows over the losses frozen', () => {
  const times = steady(25, 10).filter((_, i) => i % 5 < 2);
  const { counter, frozenShare } = run(times);
  assert.ok(Math.abs(droppedFrameRatio([counter]) - 0.6) < 0.01, `${droppedFrameRatio([counter])}`);
  assert.ok(frozenShare > 0.9, `${frozenShare}`);
});

test('three lost frames in a row freeze only the windows over them (two do not); a seek is not a loss', () => {
  assert.equal(run(steady(25, 4).filter((_, i) => i !== 50 && i !== 51)).frozenShare, 0);
  const times = steady(25, 4).filter((_, i) => i < 50 || i > 52);
  const { counter, frozenShare } = run(times);
  assert.equal(counter.dropped, 3);
  assert.ok(frozenShare > 0 && frozenShare < 0.1, `${frozenShare}`);
  const seek = new FrameDropCounter();
  for (const t of [...steady(25, 2), ...steady(25, 2).map((t) => t + 0.5)]) seek.push(t);
  assert.equal(seek.dropped, 0, 'time going back starts over');
});

test('frames arriving at 5 per second (a busy machine, a call) are too few: over half counted as lost', () => {
  const { counter, frozenShare } = run(steady(5, 10));
  assert.ok(droppedFrameRatio([counter]) > 0.5, `${droppedFrameRatio([counter])}`);
  assert.ok(frozenShare > 0.3, `${frozenShare}`);
});
