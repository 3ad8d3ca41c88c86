import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  CROP_PAD_VALUE,
  cropResize,
  faceCrop,
  faceCropRect,
  faceCropTrack,
  mouthBox,
  mouthCrop,
  smoothFaceTrack,
  toGray,
  type CropRect,
  type FaceBox,
  type PixelImage,
} from '../../src/core/face/crop';

// Made by scripts/golden/sync_golden.py (numpy/scipy crop_video arithmetic, torch
// interpolate and cv2 4.6 resize/cvtColor); see its header to regenerate.
interface GoldenTrack {
  name: string;
  boxes: [number, number, number, number][];
  halfSize: number[];
  centerX: number[];
  centerY: number[];
  frames: { bsi: number; rows: [number, number]; cols: [number, number] }[];
}
interface GoldenOutput {
  width: number;
  height: number;
  rows?: number[];
  torchRows?: string;
  cv2Rows?: string;
  torch?: string;
  cv2?: string;
}
interface CropGolden {
  cropScale: number;
  tracks: GoldenTrack[];
  image: { width: number; height: number; channels: number };
  pixelCases: {
    name: string;
    centerX: number;
    centerY: number;
    halfSize: number;
    rect: [number, number, number, number];
    outputs: GoldenOutput[];
  }[];
  gray: string;
  mouth: {
    lips: [number, number][];
    faceWidth: number;
    rect: [number, number, number, number];
    rows: number[];
    grayRows: string;
  };
}
const golden = JSON.parse(readFileSync('test/golden/sync-crop.json', 'utf8')) as CropGolden;

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
function floats(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
const rectOf = ([left, top, right, bottom]: number[]): CropRect => ({ left, top, right, bottom });

/** sync_golden.synthetic_image: (37x + 11y + 71c + (x·y mod 13)) mod 256, interleaved. */
function syntheticImage(width: number, height: number, channels: number): PixelImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++)
        data[(y * width + x) * channels + c] = (37 * x + 11 * y + 71 * c + ((x * y) % 13)) % 256;
    }
  }
  return { data, width, height, channels };
}

/** Rows `rows` of an interleaved image of width `width`. */
function pickRows(image: Uint8Array, width: number, channels: number, rows: number[]): Uint8Array {
  const stride = width * channels;
  const out = new Uint8Array(rows.length * stride);
  rows.forEach((r, i) => out.set(image.subarray(r * stride, (r + 1) * stride), i * stride));
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

test('face track smoothing and crop rects match crop_video exactly', () => {
  assert.equal(golden.cropScale, 0.4);
  for (const track of golden.tracks) {
    const boxes: FaceBox[] = track.boxes.map(([x1, y1, x2, y2]) => ({ x1, y1, x2, y2 }));
    const smooth = smoothFaceTrack(boxes);
    assert.deepEqual(Array.from(smooth.halfSize), track.halfSize, `${track.name} s`);
    assert.deepEqual(Array.from(smooth.centerX), track.centerX, `${track.name} x`);
    assert.deepEqual(Array.from(smooth.centerY), track.centerY, `${track.name} y`);
    const geometry = faceCropTrack(boxes);
    geometry.forEach((g, i) => {
      const f = track.frames[i];
      assert.equal(g.padding, f.bsi, `${track.name} frame ${i} bsi`);
      assert.deepEqual(
        g.rect,
        {
          top: f.rows[0] - f.bsi,
          bottom: f.rows[1] - f.bsi,
          left: f.cols[0] - f.bsi,
          right: f.cols[1] - f.bsi,
        },
        `${track.name} frame ${i}`,
      );
    });
  }
  // The outlier frames (9, 17) are smoothed away: the 30-frame track's half sizes stay
  // near 55 px although those two boxes are 1.6× wider.
  const drift = golden.tracks[0];
  assert.ok(drift.halfSize.slice(6, 24).every((s) => s > 50 && s < 60));
  // scipy's zero padding: a 5-frame track smooths to zeros (reference behaviour, documented).
  assert.ok(golden.tracks[1].halfSize.every((s) => s === 0));
});

test('crop rect truncates in padded coordinates like the reference, not in image coordinates', () => {
  // centre y 1.5, bs 10 → bsi = int(18) = 18, top = int(19.5 − 10) − 18 = −9 (not int(−8.5) = −8).
  const g = faceCropRect(50, 1.5, 10);
  assert.equal(g.padding, 18);
  assert.deepEqual(g.rect, { top: -9, bottom: 19, left: 36, right: 64 });
});

test('cropResize matches torch bilinear (≤ 0.5 level) and cv2.resize INTER_LINEAR (±1 level)', (t) => {
  const { width, height, channels } = golden.image;
  const image = syntheticImage(width, height, channels);
  assert.equal(golden.pixelCases.length, 2);
  for (const pc of golden.pixelCases) {
    const geometry = faceCropRect(pc.centerX, pc.centerY, pc.halfSize);
    assert.deepEqual(geometry.rect, rectOf(pc.rect), `${pc.name} rect`);
    for (const out of pc.outputs) {
      const ours = cropResize(image, geometry.rect, out.width, out.height);
      const rows = out.rows;
      const mine = rows ? pickRows(ours, out.width, channels, rows) : ours;
      const torchRef = floats((rows ? out.torchRows : out.torch) as string);
      const cv2Ref = bytes((rows ? out.cv2Rows : out.cv2) as string);
      const torchErr = maxAbsDiff(mine, torchRef);
      const cv2Err = maxAbsDiff(mine, cv2Ref);
      assert.ok(torchErr <= 0.5 + 1e-3, `${pc.name} ${out.width}×${out.height}: torch diff ${torchErr}`);
      assert.ok(cv2Err <= 1, `${pc.name} ${out.width}×${out.height}: cv2 diff ${cv2Err}`);
      const cv2Exact = mine.reduce((n, v, i) => n + (v === cv2Ref[i] ? 1 : 0), 0) / mine.length;
      t.diagnostic(
        `${pc.name} ${out.width}×${out.height}: max |Δ| torch ${torchErr.toFixed(4)}, cv2 ${cv2Err} (${(100 * cv2Exact).toFixed(1)}% exact)`,
      );
    }
  }
  // The edge case really reaches into the 110 padding (bottom-left of the image).
  const edge = golden.pixelCases[1].rect;
  assert.ok(edge[0] < 0 && edge[3] > height);
});

test('cropResize: identity, constant padding, channel mapping', () => {
  const image = syntheticImage(9, 7, 4);
  const whole = { left: 0, top: 0, right: 9, bottom: 7 };
  assert.deepEqual(cropResize(image, whole, 9, 7), image.data);
  const outside = cropResize(image, { left: -30, top: -30, right: -20, bottom: -25 }, 6, 6);
  assert.ok(outside.every((v) => v === CROP_PAD_VALUE));
  assert.ok(
    cropResize(image, { left: -30, top: -30, right: -20, bottom: -25 }, 3, 3, { padValue: 0 }).every(
      (v) => v === 0,
    ),
  );
  // RGBA → BGR: output channel 0 is source channel 2, and so on; alpha dropped.
  const bgr = cropResize(image, whole, 9, 7, { channelMap: [2, 1, 0] });
  assert.equal(bgr.length, 9 * 7 * 3);
  for (let p = 0; p < 63; p++) {
    assert.deepEqual(
      [bgr[3 * p], bgr[3 * p + 1], bgr[3 * p + 2]],
      [image.data[4 * p + 2], image.data[4 * p + 1], image.data[4 * p]],
    );
  }
  // 2× downscale without antialiasing samples between pixel pairs: (d + 0.5)·2 − 0.5 = 2d + 0.5.
  const row: PixelImage = { data: Uint8Array.from([0, 100, 200, 50]), width: 4, height: 1, channels: 1 };
  assert.deepEqual(Array.from(cropResize(row, { left: 0, top: 0, right: 4, bottom: 1 }, 2, 1)), [50, 125]);
  assert.throws(() => cropResize(image, { left: 3, top: 0, right: 3, bottom: 2 }, 4, 4), RangeError);
  assert.throws(() => cropResize(image, whole, 4, 4, { channelMap: [4] }), RangeError);
  // faceCrop is cropResize at 224×224.
  assert.equal(faceCrop(image, faceCropRect(4, 3, 2)).length, 224 * 224 * 4);
});

test('toGray is bit-exact with cv2 COLOR_BGR2GRAY; order names pick the channels', () => {
  const { width, height } = golden.image;
  const image = syntheticImage(width, height, 3);
  assert.deepEqual(toGray(image.data, 'bgr'), bytes(golden.gray));
  // The same pixels stored as RGBA give the same gray.
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    rgba.set([image.data[3 * p + 2], image.data[3 * p + 1], image.data[3 * p], 255], 4 * p);
  }
  assert.deepEqual(toGray(rgba, 'rgba'), bytes(golden.gray));
  assert.deepEqual(
    Array.from(toGray(Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255]), 'rgb')),
    [76, 150, 29],
  );
});

test('v4 mouth box and 112×112 gray crop', () => {
  const { width, height } = golden.image;
  const image = syntheticImage(width, height, 3);
  const m = golden.mouth;
  const box = mouthBox(
    m.lips.map(([x, y]) => ({ x, y })),
    m.faceWidth,
  );
  // Centre of the landmarks' bounding box (27.375, 30.75); side 0.65 · 40 = 26.
  assert.equal(box.centerX, 27.375);
  assert.equal(box.centerY, 30.75);
  assert.equal(box.side, 26);
  assert.deepEqual(box.rect, rectOf(m.rect));
  assert.equal(box.rect.right - box.rect.left, box.rect.bottom - box.rect.top);
  const gray = mouthCrop(image, box, 'bgr');
  assert.equal(gray.length, 112 * 112);
  const diff = maxAbsDiff(pickRows(gray, 112, 1, m.rows), bytes(m.grayRows));
  assert.ok(diff <= 1, `mouth gray vs cv2: ${diff}`);
  assert.throws(() => mouthBox([], 40), RangeError);
  assert.throws(() => mouthBox([{ x: 1, y: 1 }], 0), RangeError);
  assert.throws(() => mouthCrop(image, box, 'rgba'), RangeError);
});
