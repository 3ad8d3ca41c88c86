// The face tracker's pure geometry and bookkeeping (src/core/face/tracking.ts): tiles,
// ROIs, crop/region mapping, the mosaic, monotonic timestamps, the scan schedule and
// track ids. The browser side is test/engine/face-tracker.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  AcquisitionSchedule,
  DEFAULT_ROI_POLICY,
  DEFAULT_TRACK_POLICY,
  MonotonicClock,
  TrackSet,
  acquisitionTiles,
  canvasCentre,
  followFace,
  intersect,
  iou,
  isSameFace,
  mapLandmarks,
  mosaicLayout,
  pixelRectInFrame,
  planDraw,
  roiAround,
  slotAt,
  slotRect,
  toCanvas,
  toVideo,
  unionRect,
  type Box,
  type Rect,
} from '../../src/core/face/tracking';

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected} (±${tolerance})`);

test('iou, intersect, union and same-face tests', () => {
  assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
  assert.equal(iou([0, 0, 10, 10], [20, 0, 10, 10]), 0);
  close(iou([0, 0, 10, 10], [5, 0, 10, 10]), 50 / 150);
  assert.deepEqual(intersect({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 5, width: 10, height: 10 }), {
    x: 5,
    y: 5,
    width: 5,
    height: 5,
  });
  assert.equal(intersect({ x: 0, y: 0, width: 10, height: 10 }, { x: 10, y: 0, width: 5, height: 5 }), null);
  assert.deepEqual(
    unionRect([
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 20, y: 5, width: 5, height: 20 },
    ]),
    { x: 0, y: 0, width: 25, height: 25 },
  );
  assert.equal(unionRect([]), null);
  assert.ok(isSameFace([100, 100, 50, 60], [104, 98, 52, 58]), 'overlapping');
  // A box cut by a tile edge: small IoU, but its centre is within half a face of the track's.
  assert.ok(isSameFace([100, 100, 100, 120], [100, 130, 60, 70]), 'cut by a tile');
  assert.ok(!isSameFace([100, 100, 50, 60], [200, 100, 50, 60]), 'neighbours');
});

test('ROI: a square twice the face, kept still until the face drifts or changes size', () => {
  const face: Box = [100, 200, 80, 100];
  const roi = roiAround(face);
  assert.deepEqual(roi, { x: 40, y: 150, width: 200, height: 200 });
  assert.equal(followFace(roi, [104, 203, 82, 98]), roi, 'small motion: same crop');
  assert.deepEqual(
    followFace(roi, [140, 200, 80, 100]),
    roiAround([140, 200, 80, 100]),
    'drift beyond 12 %: re-centred',
  );
  assert.deepEqual(
    followFace(roi, [90, 190, 100, 125]),
    roiAround([90, 190, 100, 125]),
    'grew 25 %: re-sized',
  );
  assert.equal(DEFAULT_ROI_POLICY.scale, 2);
});

test('acquisition tiles: whole frame first, then squares covering the frame, coarse to fine, centre first', () => {
  const wide = acquisitionTiles(1280, 720);
  assert.deepEqual(wide[0], { x: 0, y: 0, width: 1280, height: 720 });
  const sides = wide.slice(1).map((t) => t.width);
  assert.deepEqual([...new Set(sides)], [720, 360], 'levels of 720 and 360 px');
  for (const tile of wide.slice(1)) {
    assert.equal(tile.width, tile.height);
    assert.ok(
      tile.x >= 0 && tile.y >= 0 && tile.x + tile.width <= 1280 && tile.y + tile.height <= 720,
      JSON.stringify(tile),
    );
  }
  // The first 720 tile is the central one.
  assert.deepEqual(wide[1], { x: 280, y: 0, width: 720, height: 720 });
  // Every face up to a third of a tile side lies wholly inside some tile of that level.
  for (const side of [720, 360]) {
    const level = wide.filter((t) => t.width === side && t !== wide[0]);
    const face = side / 3;
    for (let x = 0; x + face <= 1280; x += 7) {
      for (let y = 0; y + face <= 720; y += 7) {
        assert.ok(
          level.some((t) => x >= t.x && y >= t.y && x + face <= t.x + t.width && y + face <= t.y + t.height),
          `face ${face} at ${x},${y} not inside any ${side} tile`,
        );
      }
    }
  }
  assert.ok(wide.length <= 24);

  // A square frame: no tile equal to the frame itself, and no tiles below the floor.
  const square = acquisitionTiles(512, 512);
  assert.equal(square.filter((t) => t.width === 512).length, 1);
  assert.ok(square.slice(1).every((t) => t.width === 256));
  // Portrait 1080×1920: square tiles stacked vertically.
  const portrait = acquisitionTiles(1080, 1920);
  assert.ok(portrait.slice(1).some((t) => t.width === 1080 && t.y > 0));
  // A small wide shot (454×256, the LRS3 TED clip): 256-px squares; finer ones would be below the floor.
  const small = acquisitionTiles(454, 256);
  assert.deepEqual(
    small.slice(1).map((t) => t.width),
    [256, 256, 256],
  );
  assert.ok(acquisitionTiles(3840, 2160).length <= 24, 'bounded for 4K');
});

test('planDraw: whole frame, a crop with region, a downscaled crop, and an ROI past the edge', () => {
  const frame: Rect = { x: 0, y: 0, width: 1280, height: 720 };
  const roi: Rect = { x: 500, y: 100, width: 200, height: 200 };
  const slot: Rect = { x: 256, y: 0, width: 256, height: 256 };
  assert.deepEqual(planDraw(roi, frame, 1280, 720, slot), {
    sx: 500,
    sy: 100,
    sw: 200,
    sh: 200,
    dx: 256,
    dy: 0,
    dw: 256,
    dh: 256,
  });
  // The same ROI out of a crop the live capture sent: region 400,50 560×480, at half size.
  const region: Rect = { x: 400, y: 50, width: 560, height: 480 };
  assert.deepEqual(planDraw(roi, region, 280, 240, slot), {
    sx: 50,
    sy: 25,
    sw: 100,
    sh: 100,
    dx: 256,
    dy: 0,
    dw: 256,
    dh: 256,
  });
  // An ROI hanging over the left/top edge: only the visible part, at its place in the slot.
  const edge = planDraw({ x: -100, y: -50, width: 200, height: 200 }, frame, 1280, 720, {
    x: 0,
    y: 0,
    width: 256,
    height: 256,
  });
  assert.deepEqual(edge, { sx: 0, sy: 0, sw: 100, sh: 150, dx: 128, dy: 64, dw: 128, dh: 192 });
  assert.equal(
    planDraw(roi, { x: 800, y: 0, width: 400, height: 400 }, 400, 400, slot),
    null,
    'not in the picture',
  );
});

test('mapping landmarks back: a slot of the mosaic and a tile land on the same video pixels', () => {
  const layout = mosaicLayout(3, 256);
  assert.deepEqual([layout.columns, layout.rows, layout.width, layout.height], [2, 2, 512, 512]);
  assert.deepEqual(slotRect(layout, 2), { x: 0, y: 256, width: 256, height: 256 });
  assert.equal(slotAt(layout, 300, 10), 1);
  assert.equal(slotAt(layout, 10, 300), 2);
  assert.equal(slotAt(layout, 600, 10), -1);
  assert.deepEqual(mosaicLayout(1, 256), { slotSize: 256, columns: 1, rows: 1, width: 256, height: 256 });

  // A video point at (600, 180) seen in slot 1 with ROI 500,100 200×200…
  const roi: Rect = { x: 500, y: 100, width: 200, height: 200 };
  const slotView = { source: roi, dest: slotRect(layout, 1), canvasWidth: 512, canvasHeight: 512 };
  const inSlot = { x: (256 + (100 * 256) / 200) / 512, y: (80 * 256) / 200 / 512, z: -0.01 };
  const [x, y, z] = toVideo(slotView, inSlot);
  close(x, 600, 1e-9);
  close(y, 180, 1e-9);
  close(z, -0.01 * 512 * (200 / 256), 1e-12);
  // …and on the whole frame drawn at 640×360.
  const frameView = {
    source: { x: 0, y: 0, width: 1280, height: 720 },
    dest: { x: 0, y: 0, width: 640, height: 360 },
    canvasWidth: 640,
    canvasHeight: 360,
  };
  const [fx, fy, fz] = toVideo(frameView, {
    x: 600 / 1280,
    y: 180 / 720,
    z: (-0.01 * 512 * (200 / 256)) / 1280,
  });
  close(fx, 600, 1e-9);
  close(fy, 180, 1e-9);
  close(fz, z, 1e-12);

  // toCanvas inverts toVideo: the video rect of a face box lands where the slot shows it.
  assert.deepEqual(toCanvas(slotView, { x: 550, y: 150, width: 100, height: 50 }), {
    x: 256 + 64,
    y: 64,
    width: 128,
    height: 64,
  });

  // mapLandmarks: box = extent of all points, kept points in the given order.
  const points = [
    { x: 0.6, y: 0.2, z: 0 },
    { x: 0.7, y: 0.4, z: 0.1 },
    { x: 0.65, y: 0.1, z: 0 },
  ];
  const mapped = mapLandmarks(points, frameView, [1, 0]);
  assert.deepEqual(
    mapped.box.map((v) => Math.round(v * 1e6) / 1e6),
    [768, 72, 128, 216],
  );
  assert.deepEqual(
    mapped.landmarks.map((v) => Math.round(v * 1e6) / 1e6),
    [896, 288, 128, 768, 144, 0],
  );
  const [cx, cy] = canvasCentre(points, 640, 360);
  close(cx, 0.65 * 640);
  close(cy, 0.25 * 360);
});

test('pixelRectInFrame: whole pixels, inside the frame', () => {
  assert.deepEqual(pixelRectInFrame({ x: -10.5, y: 20.2, width: 100.6, height: 50 }, 1280, 720), {
    x: 0,
    y: 20,
    width: 91,
    height: 51,
  });
  assert.deepEqual(pixelRectInFrame({ x: 1200, y: 700, width: 200, height: 200 }, 1280, 720), {
    x: 1200,
    y: 700,
    width: 80,
    height: 20,
  });
  assert.equal(pixelRectInFrame({ x: 1300, y: 0, width: 10, height: 10 }, 1280, 720), null);
});

test('MonotonicClock: follows media time, stays strictly increasing through seeks back and stalls', () => {
  const clock = new MonotonicClock();
  const stamps = [0, 0.04, 0.08, 0.08, 5, 5.04, 1, 1.04, 1.08].map((t) => clock.next(t));
  for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i] > stamps[i - 1], `${stamps}`);
  close(stamps[1] - stamps[0], 40, 1e-9);
  close(stamps[3] - stamps[2], 1, 1e-9);
  close(stamps[5] - stamps[4], 40, 1e-9);
  close(stamps[6] - stamps[5], 1, 1e-9);
  close(stamps[8] - stamps[7], 40, 1e-9);
});

test('MonotonicClock: a new file on a kept landmarker, its first frame asked twice (blank mosaic, then the frame), gives two packet times', () => {
  // The sequence that killed a kept landmarker's graph in `npm run features` (MediaPipe:
  // "minimum expected timestamp is 5806001 but received 5806000"): two 3-s files at 25 fps on
  // alternate instances, then a 15-fps file whose first frame needs a blank mosaic first.
  const clock = new MonotonicClock();
  const stamps: number[] = [];
  for (let file = 0; file < 2; file++)
    for (let frame = 1; frame < 75; frame += 2) stamps.push(clock.next(frame * 0.04));
  stamps.push(clock.next(0.066667), clock.next(0.066667));
  // MediaPipe's packet time: whole microseconds.
  const packets = stamps.map((ms) => Math.trunc(ms * 1000));
  for (let i = 1; i < packets.length; i++)
    assert.ok(packets[i] > packets[i - 1], `${stamps.slice(i - 1, i + 1)}`);
  close(stamps.at(-1)! - stamps.at(-2)!, 1, 1e-9);
});

test('AcquisitionSchedule: whole scans while idle with rests, sparse while tracking, none when full', () => {
  const policy = {
    idleTilesPerFrame: 2,
    idleRestFrames: 3,
    trackingFramesPerTile: 4,
    trackingRestFrames: 10,
  };
  const idle = new AcquisitionSchedule(policy);
  const idleFrames = Array.from({ length: 9 }, () => idle.tilesForFrame(0, 3, 5));
  assert.deepEqual(idleFrames, [[0, 1], [2, 3], [4], [], [], [], [0, 1], [2, 3], [4]]);

  const tracking = new AcquisitionSchedule(policy);
  const trackingFrames = Array.from({ length: 9 }, () => tracking.tilesForFrame(1, 3, 3));
  assert.deepEqual(trackingFrames, [[0], [], [], [], [1], [], [], [], [2]]);
  assert.equal(tracking.scansNextFrame(1, 3), false, 'resting after a fruitless cycle');
  tracking.restart();
  assert.equal(tracking.scansNextFrame(1, 3), true);
  assert.deepEqual(tracking.tilesForFrame(1, 3, 3), [0]);
  assert.deepEqual(tracking.tilesForFrame(3, 3, 3), [], 'every slot taken');

  // A cycle that found a face does not rest.
  const fruitful = new AcquisitionSchedule(policy);
  fruitful.tilesForFrame(0, 3, 2);
  fruitful.found();
  assert.deepEqual(fruitful.tilesForFrame(0, 3, 2), [0, 1]);
});

test('TrackSet: ids stay with faces, a short miss is survived, duplicates merge, lost ids come back', () => {
  const tracks = new TrackSet({
    ...DEFAULT_TRACK_POLICY,
    maxTracks: 2,
    maxMissedFrames: 2,
    reidentifyFrames: 10,
  });
  tracks.beginFrame();
  const left = tracks.add([100, 100, 80, 100])!;
  const right = tracks.add([600, 100, 80, 100])!;
  assert.deepEqual([left.id, right.id, left.slot, right.slot], [1, 2, 0, 1]);
  assert.equal(tracks.add([900, 100, 80, 100]), null, 'full');
  assert.equal(tracks.claim([104, 102, 80, 98]), left);
  assert.equal(tracks.claim([350, 100, 80, 100]), undefined);
  tracks.endFrame();

  // Two frames without the right face: still alive; a third: dropped.
  for (let i = 0; i < 2; i++) {
    tracks.beginFrame();
    tracks.seen(left, [102 + i, 100, 80, 100]);
    assert.deepEqual(tracks.endFrame(), []);
  }
  tracks.beginFrame();
  tracks.seen(left, [104, 100, 80, 100]);
  assert.deepEqual(tracks.endFrame(), [right]);
  assert.equal(tracks.tracks.length, 1);

  // Re-acquired at its place: same id, and the free slot.
  tracks.beginFrame();
  tracks.seen(left, [104, 100, 80, 100]);
  const back = tracks.add([610, 104, 78, 98])!;
  assert.deepEqual([back.id, back.slot], [2, 1]);
  tracks.endFrame();

  // Both slots lock on the same face: the younger track goes.
  tracks.beginFrame();
  tracks.seen(left, [104, 100, 80, 100]);
  tracks.seen(back, [106, 101, 80, 100]);
  assert.deepEqual(tracks.endFrame(), [back]);

  // Slots are packed when a track leaves a gap.
  tracks.beginFrame();
  const third = tracks.add([300, 300, 60, 70])!;
  assert.equal(third.id, 3, 'a face elsewhere: a new id');
  assert.equal(third.slot, 1);
  assert.equal(tracks.add([900, 300, 60, 70]), null, 'full at 2');
  tracks.endFrame();
  for (let i = 0; i < 2; i++) {
    tracks.beginFrame();
    tracks.seen(third, [300, 300, 60, 70]);
    tracks.endFrame();
  }
  assert.deepEqual(
    tracks.tracks.map((t) => t.id),
    [3],
    'the unseen left track dropped',
  );
  assert.equal(tracks.packSlots(), true);
  assert.equal(third.slot, 0);
  assert.equal(tracks.packSlots(), false);
  tracks.beginFrame();
  tracks.seen(third, [300, 300, 60, 70]);
  const leftAgain = tracks.add([104, 100, 80, 100])!;
  assert.deepEqual([leftAgain.id, leftAgain.slot], [1, 1], 'the best-overlapping lost id');
  tracks.endFrame();

  // After a seek a track survives only if seen in the very next frame.
  tracks.expectDiscontinuity();
  tracks.beginFrame();
  tracks.seen(leftAgain, [104, 100, 80, 100]);
  assert.deepEqual(tracks.endFrame(), [third]);

  // Faces too small to read lips are not tracked.
  tracks.beginFrame();
  assert.equal(tracks.add([10, 10, 12, 14]), null);
  tracks.endFrame();

  tracks.clear();
  tracks.beginFrame();
  assert.equal(
    tracks.add([104, 100, 80, 100])!.id,
    4,
    'after clear(): no re-identification, ids keep counting',
  );
});

test('TrackSet.newShot: every track ends and no id comes back, even for a face at the same place', () => {
  const tracks = new TrackSet({
    ...DEFAULT_TRACK_POLICY,
    maxTracks: 2,
    maxMissedFrames: 2,
    reidentifyFrames: 10,
  });
  tracks.beginFrame();
  const a = tracks.add([100, 100, 80, 80])!;
  const b = tracks.add([300, 100, 80, 80])!;
  tracks.endFrame();
  // b is lost before the cut: a lost id would normally come back at its place.
  for (let i = 0; i < 3; i++) {
    tracks.beginFrame();
    tracks.seen(a, [100, 100, 80, 80]);
    tracks.endFrame();
  }
  assert.deepEqual(
    tracks.tracks.map((t) => t.id),
    [a.id],
  );
  assert.deepEqual(
    tracks.newShot().map((t) => t.id),
    [a.id],
  );
  assert.equal(tracks.tracks.length, 0);
  tracks.beginFrame();
  const next = [tracks.add([100, 100, 80, 80])!, tracks.add([300, 100, 80, 80])!];
  tracks.endFrame();
  const ids = next.map((t) => t.id);
  assert.ok(
    ids.every((id) => id !== a.id && id !== b.id),
    `fresh ids after the cut, got ${ids}`,
  );
});
