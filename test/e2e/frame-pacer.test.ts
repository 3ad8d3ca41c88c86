// The content script's frame pacing, in node: a 25-fps grid's worth of frames, and even
// halving when the engine falls behind — judged by the engine's own lost-frame counter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePacer, FULL_RATE, REDUCED_RATE } from '../../src/content/frame-pacer';
import { droppedFrameRatio, FrameDropCounter } from '../../src/core/video/frame-drops';

/** Which of `count` frames at `fps` are due, all sent. */
function dueFrames(pacer: FramePacer, fps: number, count: number, from = 0): number[] {
  const due: number[] = [];
  for (let k = from; k < from + count; k++) {
    const t = k / fps;
    if (pacer.due(t)) {
      pacer.sent(t);
      due.push(k);
    }
  }
  return due;
}

test('an engine that keeps up gets every frame of a 25- or 30-fps source, about 25 of 50 or 60', () => {
  assert.equal(dueFrames(new FramePacer(), 25, 100).length, 100);
  assert.equal(dueFrames(new FramePacer(), 30, 120).length, 120);
  for (const fps of [50, 60]) {
    const due = dueFrames(new FramePacer(), fps, 10 * fps);
    assert.ok(due.length >= 240 && due.length <= 310, `${fps} fps: ${due.length} in 10 s`);
  }
});

test('three frames lost in 25 halve the rate: every other frame at 25 fps; the full rate again after a quiet spell that doubles when it fails', () => {
  const pacer = new FramePacer();
  let k = 0;
  const next = () => k++ / 25;
  for (let lost = 0; lost < 3;) {
    const t = next();
    if (!pacer.due(t)) continue;
    if (k % 4 === 0) {
      pacer.lost();
      lost++;
    } else pacer.sent(t);
  }
  assert.equal(pacer.framesPerSecond, REDUCED_RATE);
  const start = k;
  const due = dueFrames(pacer, 25, 20, start);
  k += 20;
  assert.deepEqual(
    due.map((d) => d - due[0]),
    [0, 2, 4, 6, 8, 10, 12, 14, 16, 18],
  );
  // 50 due frames (4 s) without a loss: the full rate is tried again.
  dueFrames(pacer, 25, 70, k);
  k += 70;
  assert.equal(pacer.framesPerSecond, REDUCED_RATE);
  dueFrames(pacer, 25, 20, k);
  k += 20;
  assert.equal(pacer.framesPerSecond, FULL_RATE);
  // The try fails at once: back to half, and the next try waits for 100 due frames.
  for (let lost = 0; lost < 3;) {
    if (!pacer.due(next())) continue;
    pacer.lost();
    lost++;
  }
  assert.equal(pacer.framesPerSecond, REDUCED_RATE);
  dueFrames(pacer, 25, 198, k);
  k += 198;
  assert.equal(pacer.framesPerSecond, REDUCED_RATE, 'still half after 99 due frames');
  dueFrames(pacer, 25, 4, k);
  assert.equal(pacer.framesPerSecond, FULL_RATE);
});

test('a time that goes back (a seek, a new source) is due at once', () => {
  const pacer = new FramePacer();
  for (let lost = 0, k = 0; lost < 3; k++) {
    if (!pacer.due(k / 25)) continue;
    pacer.lost();
    lost++;
  }
  dueFrames(pacer, 25, 3, 100);
  assert.equal(pacer.due(2.0), true);
});

/**
 * A 25-fps source for 60 s into an engine that needs `service` s per frame, with at most two
 * frames in flight (content/check.ts); returns the engine's lost-frame share.
 */
function simulate(service: number, paced: boolean): number {
  const pacer = new FramePacer();
  const counter = new FrameDropCounter();
  const done: number[] = [];
  for (let k = 0; k < 60 * 25; k++) {
    const t = k / 25;
    while (done.length && done[0] <= t) done.shift();
    if (paced && !pacer.due(t)) continue;
    if (done.length >= 2) {
      pacer.lost();
      continue;
    }
    pacer.sent(t);
    done.push(Math.max(t, done.at(-1) ?? t) + service);
    counter.push(t);
  }
  return droppedFrameRatio([counter]);
}

test('an engine at 18 or 14 frames/s: frames lost where they fall without pacing, few counted lost with it', () => {
  for (const rate of [18, 14]) {
    const unpaced = simulate(1 / rate, false);
    const paced = simulate(1 / rate, true);
    assert.ok(unpaced > 0.2, `${rate}/s unpaced: ${unpaced}`);
    assert.ok(paced < 0.1, `${rate}/s paced: ${paced}`);
  }
  // Slower than half the source: frames are lost either way, and counted.
  assert.ok(simulate(1 / 8, true) > 0.3);
});
