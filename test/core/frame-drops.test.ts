// Dropped frames vs a source's own rate (src/core/video/frame-drops.ts): steady 12–60 fps
// lose nothing and freeze no window; 25 fps with frames lost is counted, and windows over
// three or more lost in a row are frozen, as the grid would show them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FrameDropCounter,
  droppedFrameRatio,
  isFrozenWindow,
  lostFrameRatio,
  SAMPLED_INTERVAL,
  STALL_SECONDS,
} from '../../src/core/video/frame-drops';
import { resampleToGrid, windowsForSegment, GRID_FPS } from '../../src/core/sync/windows';

/** Pushes the times; returns the counter and the share of windows frozen on the 25-fps grid. */
function run(times: number[], assumedInterval: number | null = null) {
  const counter = new FrameDropCounter();
  counter.assumeInterval(assumedInterval);
  for (const t of times) counter.push(t);
  const windows = resampleToGrid(times, { maxGapSec: STALL_SECONDS }).flatMap((gridRun) =>
    windowsForSegment(gridRun, 0, 1e6),
  );
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

test('a stall (two frames sent while the engine loads, then nothing for 3 s; a seek of a loop) is not a low frame rate: no window spans it', () => {
  // The engine still loading while the video plays: two frames in flight at 0 and 0.04 s,
  // the next at 3 s, then the pacer's 12.5 frames/s; later another 1.5-s stall.
  const paced = (from: number, to: number) =>
    Array.from({ length: Math.round((to - from) * 12.5) }, (_, i) => from + i / 12.5);
  const times = [0, 0.04, ...paced(3, 8), ...paced(9.5, 14)];
  const { counter, frozenShare } = run(times);
  assert.ok(droppedFrameRatio([counter]) < 0.1, `${droppedFrameRatio([counter])}`);
  // Each stall at the interval known before it: 3 s at the first two frames' 0.04 s (74),
  // 1.5 s at the pacer's 0.08 s, taken as 15 fps at most (21).
  assert.equal(counter.stalled, 74 + 21);
  const lost = lostFrameRatio([counter]);
  assert.ok(lost > 0.4 && lost < 0.5, `${lost}`);
  assert.equal(frozenShare, 0, 'the grid splits at a stall: every window is whole');
  // Gaps just under a stall (0.48 s) are still frames lost.
  const { counter: gappy } = run(steady(25, 10).filter((_, i) => i % 20 < 9));
  assert.equal(gappy.stalled, 0);
  assert.ok(droppedFrameRatio([gappy]) > 0.5, `${droppedFrameRatio([gappy])}`);
});

test('a tab capture (frames stamped on arrival at its own cadence) is counted against 12.5 frames/s: 12–16 frames/s with jitter pass, 4 freeze and are too few', () => {
  // Arrival times as a busy capture gives them: a mean interval with ±30 % jitter (seeded).
  let seed = 7;
  const jitter = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.6;
  const arriving = (fps: number, seconds: number) => {
    const times: number[] = [];
    for (let t = 0; t < seconds; t += (1 + jitter()) / fps) times.push(t);
    return times;
  };
  for (const fps of [12, 14, 16]) {
    const { counter, frozenShare } = run(arriving(fps, 10), SAMPLED_INTERVAL);
    assert.ok(droppedFrameRatio([counter]) < 0.1, `${fps}: ${droppedFrameRatio([counter])}`);
    assert.ok(frozenShare < 0.1, `${fps}: ${frozenShare}`);
  }
  // 4 frames/s (a machine under load) reached the engine and made a genuine clip FAKE when
  // a tab capture's frames were not counted at all (2026-12-06).
  const { counter, frozenShare } = run(arriving(4, 10), SAMPLED_INTERVAL);
  assert.ok(droppedFrameRatio([counter]) > 0.5, `${droppedFrameRatio([counter])}`);
  assert.ok(frozenShare > 0.9, `${frozenShare}`);
});
