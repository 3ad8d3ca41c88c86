// Shot changes (src/core/video/shots.ts) on synthetic pictures: the signature itself, and
// the streaming detector on a steady noisy scene, a hard cut, a slow pan, a lighting ramp,
// a fade-in at the start, and a seek. The cut on real decoded video, and the face tracks
// either side of it, are tested in test/engine/face-tracker.test.ts; false cuts on the
// shared clips are measured with `npm run shots -- ../shared/media/clips`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  frameSignature,
  ShotDetector,
  signatureDistance,
  SIGNATURE_HEIGHT,
  SIGNATURE_LENGTH,
  SIGNATURE_WIDTH,
} from '../../src/core/video/shots';
import { withShots, type ClipFeatures } from '../../src/core/features';

const W = SIGNATURE_WIDTH;
const H = SIGNATURE_HEIGHT;

/** Deterministic noise in [-1, 1) (mulberry32). */
function noise(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** A W×H RGBA picture whose pixel (x, y) is colour(x, y), clamped to bytes. */
function picture(colour: (x: number, y: number) => [number, number, number]): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [r, g, b] = colour(x, y);
      rgba.set([r, g, b, 255], (y * W + x) * 4);
    }
  }
  return rgba;
}

/**
 * A talking-head-like scene: a textured background (a wide horizontal world seen through
 * a window at `pan` px) with a skin-coloured blob whose lower part moves (`mouth`).
 */
function scene(
  options: { pan?: number; gain?: number; mouth?: number; noiseSeed?: number; palette?: 0 | 1 } = {},
): number[] {
  const { pan = 0, gain = 1, mouth = 0, noiseSeed = 1, palette = 0 } = options;
  const rand = noise(noiseSeed);
  return frameSignature(
    picture((x, y) => {
      const wx = x + pan;
      const base: [number, number, number] =
        palette === 0
          ? [90 + 60 * Math.sin(wx / 5), 70 + 40 * Math.cos(wx / 7 + y / 4), 60 + 30 * Math.sin(y / 3)]
          : [200 - 3 * y, 190 - 2 * y, 170 + 20 * Math.sin(wx / 9)];
      const inFace = (x - 16) ** 2 / 36 + (y - 9) ** 2 / 49 < 1;
      const inMouth = inFace && y > 11 && y < 13 + mouth && Math.abs(x - 16) < 3;
      const c: [number, number, number] = inMouth ? [80, 30, 30] : inFace ? [210, 160, 130] : base;
      return c.map((v) => (v + 4 * rand()) * gain) as [number, number, number];
    }),
    W,
    H,
  );
}

/** Pushes every signature; returns the indices of the frames with a cut before them. */
function cutsIn(signatures: readonly number[][], detector = new ShotDetector()): number[] {
  const cuts: number[] = [];
  signatures.forEach((s, i) => {
    if (detector.push(s, i / 25)) cuts.push(i);
  });
  return cuts;
}

test('the signature: 4×4 grid RGB means then a 16-bin luma histogram summing to 1', () => {
  const grey = frameSignature(
    picture(() => [136, 136, 136]),
    W,
    H,
  );
  assert.equal(grey.length, SIGNATURE_LENGTH);
  for (const v of grey.slice(0, 48)) assert.ok(Math.abs(v - 136 / 255) < 1e-9);
  assert.equal(grey[48 + 8], 1, 'all pixels in the luma bin 128–143');
  const halves = frameSignature(
    picture((x) => (x < W / 2 ? [0, 0, 0] : [255, 255, 255])),
    W,
    H,
  );
  assert.deepEqual(
    halves.slice(0, 12),
    [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
    'first grid row: two black cells, two white',
  );
  assert.equal(halves[48], 0.5);
  assert.equal(halves[63], 0.5);
  assert.equal(signatureDistance(grey, grey), 0);
  const black = frameSignature(
    picture(() => [0, 0, 0]),
    W,
    H,
  );
  const white = frameSignature(
    picture(() => [255, 255, 255]),
    W,
    H,
  );
  assert.equal(signatureDistance(black, white), 2);
  assert.throws(() => frameSignature(new Uint8ClampedArray(10), W, H), /RGBA picture/);
  assert.throws(() => signatureDistance(grey, grey.slice(1)), /64 values/);
});

test('a steady talking scene with sensor noise: no cut', () => {
  const frames = Array.from({ length: 250 }, (_, i) =>
    scene({ mouth: Math.round(2 + 2 * Math.sin(i / 2)), noiseSeed: i + 1 }),
  );
  assert.deepEqual(cutsIn(frames), []);
});

test('a hard cut to another scene: one cut, at the first frame of the new shot; shot counts up', () => {
  const frames = [
    ...Array.from({ length: 75 }, (_, i) => scene({ mouth: i % 3, noiseSeed: i + 1 })),
    ...Array.from({ length: 75 }, (_, i) => scene({ mouth: i % 3, noiseSeed: i + 101, palette: 1 })),
    ...Array.from({ length: 50 }, (_, i) => scene({ mouth: i % 3, noiseSeed: i + 201 })),
  ];
  const detector = new ShotDetector();
  assert.equal(detector.shot, 0);
  assert.deepEqual(cutsIn(frames, detector), [75, 150]);
  assert.equal(detector.shot, 2);
  assert.equal(detector.shotStartTime, 150 / 25);
});

test('a cut between two similar shots (same palette, the face moved and the background shifted): found', () => {
  const a = Array.from({ length: 50 }, (_, i) => scene({ mouth: i % 3, noiseSeed: i + 1 }));
  const b = Array.from({ length: 50 }, (_, i) =>
    scene({ mouth: i % 3, noiseSeed: i + 51, pan: 40, gain: 0.8 }),
  );
  assert.deepEqual(cutsIn([...a, ...b]), [50]);
});

test('a slow pan (1 px a frame) and a lighting ramp (brightness ×0.5 → ×1.3 over 4 s): no cut', () => {
  const pan = Array.from({ length: 200 }, (_, i) => scene({ pan: i, noiseSeed: i + 1 }));
  assert.deepEqual(cutsIn(pan), []);
  const ramp = Array.from({ length: 100 }, (_, i) => scene({ gain: 0.5 + (0.8 * i) / 99, noiseSeed: i + 1 }));
  assert.deepEqual(cutsIn(ramp), []);
});

test('a fast whip pan keeps the typical distance high: no cut; the same change in one frame is a cut', () => {
  const whip = Array.from({ length: 60 }, (_, i) => scene({ pan: 4 * i, noiseSeed: i + 1 }));
  assert.deepEqual(cutsIn(whip), []);
  const still = Array.from({ length: 30 }, (_, i) => scene({ noiseSeed: i + 1 }));
  const jumped = Array.from({ length: 30 }, (_, i) => scene({ pan: 60, gain: 0.7, noiseSeed: i + 31 }));
  assert.deepEqual(cutsIn([...still, ...jumped]), [30]);
});

test('a clip opening on a fade from black: no cut in its first frames', () => {
  const frames = Array.from({ length: 50 }, (_, i) =>
    scene({ gain: Math.min(1, (i + 1) / 12), noiseSeed: i + 1 }),
  );
  assert.deepEqual(cutsIn(frames), []);
});

test('reset() (a seek): the next frame is compared with nothing, shot numbers go on', () => {
  const detector = new ShotDetector();
  const a = Array.from({ length: 30 }, (_, i) => scene({ noiseSeed: i + 1 }));
  const b = Array.from({ length: 30 }, (_, i) => scene({ palette: 1, noiseSeed: i + 31 }));
  assert.deepEqual(cutsIn([...a, ...b], detector), [30]);
  detector.reset();
  assert.equal(detector.push(a[0], 10), false, 'the first frame after a seek is never a cut');
  assert.equal(detector.shot, 1);
  assert.equal(detector.shotStartTime, 10);
});

test('feature caches without `shot` (written before shots existed) read as shot 0', () => {
  const old = {
    file: 'x.mp4',
    durationS: 1,
    width: 2,
    height: 2,
    fps: 25,
    audio: null,
    frames: [{ t: 0, segment: 0, faces: [] }],
  } as unknown as ClipFeatures;
  assert.equal(withShots(old).frames[0].shot, 0);
  const current: ClipFeatures = { ...old, frames: [{ t: 0, segment: 0, shot: 3, faces: [] }] };
  assert.equal(withShots(current), current);
});
