// Frames lost on the way (scripts/lib/eval-lost-frames.ts): the clip a busy live check sees —
// which windows show a frozen mouth, how the grid runs, what share of frames the engine
// counts lost — on a 25-fps clip of 100 frames.
import assert from 'node:assert/strict';
import test from 'node:test';
import { LOSS_PATTERNS, lossyView, type LossPattern } from '../../scripts/lib/eval-lost-frames';

const clip = (frames = 100) =>
  ({
    file: 'a.mp4',
    speaker: 'a',
    samples: new Int16Array(0),
    features: {
      fps: 25,
      durationS: frames / 25,
      frames: Array.from({ length: frames }, (_, i) => ({ t: i / 25, segment: 0, shot: 0, faces: [] })),
    },
  }) as never;

const frozenWindows = (view: ReturnType<typeof lossyView>) =>
  view.grid.segments.flatMap((segment, s) =>
    Array.from({ length: segment.frameIndices.length - 4 }, (_, g) => g).filter((g) =>
      view.grid.frozen(s, g),
    ),
  );

test('three frames lost in a row freeze the windows over the middle one; one or two lost do not', () => {
  const lose = (lost: number[]): LossPattern => ({ name: 'test', keeps: (i) => !lost.includes(i) });
  const three = lossyView(clip(), lose([40, 41, 42]), 1);
  assert.equal(three.clip.features.frames.length, 97);
  assert.equal(three.grid.segments.length, 1, 'the grid is not split at lost frames');
  assert.equal(three.grid.segments[0].frameIndices.length, 100);
  // Slot 41 shows a frame 80 ms away: every window over it (slots 37…41) is frozen.
  assert.deepEqual(frozenWindows(three), [37, 38, 39, 40, 41]);
  assert.ok(Math.abs(three.frameLoss.droppedFrameRatio - 0.03) < 1e-9);
  const two = lossyView(clip(), lose([40, 41, 60]), 1);
  assert.deepEqual(frozenWindows(two), []);
  assert.ok(Math.abs(two.frameLoss.droppedFrameRatio - 0.03) < 1e-9);
});

test('every other frame reads as a 12.5-fps source: nothing lost, nothing frozen; a third at random loses about a third', () => {
  const [random, everyOther] = LOSS_PATTERNS;
  const half = lossyView(clip(), everyOther, 1);
  assert.equal(half.clip.features.frames.length, 50);
  assert.equal(half.frameLoss.droppedFrameRatio, 0);
  assert.deepEqual(frozenWindows(half), []);
  const third = lossyView(clip(1000), random, 1);
  const kept = third.clip.features.frames.length / 1000;
  assert.ok(kept > 0.62 && kept < 0.72, `kept ${kept}`);
  assert.ok(
    third.frameLoss.droppedFrameRatio > 0.25 && third.frameLoss.droppedFrameRatio < 0.4,
    `${third.frameLoss.droppedFrameRatio}`,
  );
  assert.ok(frozenWindows(third).length > 0, 'runs of three or more freeze some windows');
  // Seeded: the same frames again.
  assert.deepEqual(
    lossyView(clip(1000), random, 1).clip.features.frames.map((f: { t: number }) => f.t),
    third.clip.features.frames.map((f: { t: number }) => f.t),
  );
});
