import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  GridFrameFilter,
  gridSlotTime,
  resampleToGrid,
  windowsForSegment,
  type GridSegment,
  type ResampleMode,
} from '../../src/core/sync/windows';

/** A constant rate p/q fps (e.g. 24000/1001), frames at start + k·q/p seconds. */
interface Rate {
  name: string;
  p: number;
  q: number;
}
const RATES: Rate[] = [
  { name: '23.976', p: 24000, q: 1001 },
  { name: '25', p: 25, q: 1 },
  { name: '29.97', p: 30000, q: 1001 },
  { name: '30', p: 30, q: 1 },
  { name: '60', p: 60, q: 1 },
];
const FAST_RATES: Rate[] = [
  ...RATES,
  { name: '50', p: 50, q: 1 },
  { name: '59.94', p: 60000, q: 1001 },
  { name: '120', p: 120, q: 1 },
];

function cfrTimes(rate: Rate, count: number, startSec = 0): number[] {
  return Array.from({ length: count }, (_, k) => startSec + (k * rate.q) / rate.p);
}

/**
 * Exact oracle in integers: frame k sits at grid position x_k = 25·q·k / p slots.
 * 'fps-filter': slot n shows the last k with round-half-up(x_k) ≤ n ⇔ 50qk < (2n+1)p.
 * 'nearest':   slot n shows the k minimising |25qk − np|, ties to the later k.
 * The grid runs to the last frame's own slot, floor((50qK + p) / 2p).
 */
function expectedSlots(rate: Rate, count: number, mode: ResampleMode): number[] {
  const { p, q } = rate;
  const lastSlot = Math.floor((50 * q * (count - 1) + p) / (2 * p));
  const slots: number[] = [];
  for (let n = 0; n <= lastSlot; n++) {
    let best = 0;
    for (let k = 0; k < count; k++) {
      if (mode === 'fps-filter') {
        if (50 * q * k < (2 * n + 1) * p) best = k;
      } else if (Math.abs(25 * q * k - n * p) <= Math.abs(25 * q * best - n * p)) {
        best = k;
      }
    }
    slots.push(best);
  }
  return slots;
}

test('constant frame rates map onto the 25-fps grid exactly (both resampling rules, any start time)', () => {
  for (const rate of RATES) {
    for (const mode of ['nearest', 'fps-filter'] as const) {
      for (const start of [0, 12.345, 3601.0016]) {
        const count = 250;
        const segments = resampleToGrid(cfrTimes(rate, count, start), { mode });
        assert.equal(segments.length, 1, `${rate.name} ${mode} start ${start}: one segment`);
        assert.equal(segments[0].startTimeSec, start);
        assert.deepEqual(
          segments[0].frameIndices,
          expectedSlots(rate, count, mode),
          `${rate.name} ${mode} start ${start}`,
        );
      }
    }
  }
});

test('explicit grid indices for common rates', () => {
  const first = (rate: Rate, mode: ResampleMode, n: number) =>
    resampleToGrid(cfrTimes(rate, 40), { mode })[0].frameIndices.slice(0, n);
  const [r23976, r25, , r30, r60] = RATES;
  assert.deepEqual(first(r25, 'nearest', 8), [0, 1, 2, 3, 4, 5, 6, 7]);
  // 30 → 25: one frame in six is dropped. Frame 3 (t = 100 ms, x = 2.5 slots) rounds up
  // to slot 3 and is superseded there by frame 4 (x = 3.33) in both rules.
  assert.deepEqual(first(r30, 'nearest', 12), [0, 1, 2, 4, 5, 6, 7, 8, 10, 11, 12, 13]);
  assert.deepEqual(first(r30, 'fps-filter', 12), [0, 1, 2, 4, 5, 6, 7, 8, 10, 11, 12, 13]);
  // 60 → 25: the fps filter shows the last frame before slot + ½ period, 'nearest' the
  // closest one (slot 0: frame 1 at 16.7 ms vs frame 0 at 0 ms).
  assert.deepEqual(first(r60, 'fps-filter', 6), [1, 3, 5, 8, 10, 13]);
  assert.deepEqual(first(r60, 'nearest', 6), [0, 2, 5, 7, 10, 12]);
  // 23.976 → 25: one frame in ~24 is shown twice (slot 12 repeats frame 11 in the fps
  // filter; 'nearest' picks frame 12, which is closer to slot 12's time).
  assert.deepEqual(first(r23976, 'fps-filter', 14), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11, 12]);
  assert.deepEqual(first(r23976, 'nearest', 14), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12]);
});

test('variable frame rate with jitter: every slot takes the nearest frame / the fps-filter frame', () => {
  let state = 12345;
  const jitter = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 4294967296 - 0.5) * 0.006; // ±3 ms
  };
  // 2 s at ~30 fps, then 2 s at ~60 fps, then 2 s at ~24 fps, each timestamp jittered.
  const times: number[] = [];
  for (const [fps, seconds] of [
    [30, 2],
    [60, 2],
    [24, 2],
  ]) {
    const base = times.length ? times[times.length - 1] + 1 / fps : 5;
    for (let k = 0; k < fps * seconds; k++) times.push(base + k / fps + jitter());
  }
  for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1]);

  for (const mode of ['nearest', 'fps-filter'] as const) {
    const [segment, ...rest] = resampleToGrid(times, { mode });
    assert.equal(rest.length, 0);
    const position = times.map((t) => (t - times[0]) * 25);
    assert.equal(segment.frameIndices.length, Math.floor(position[position.length - 1] + 0.5) + 1);
    segment.frameIndices.forEach((f, n) => {
      if (mode === 'nearest') {
        const bestDistance = Math.min(...position.map((x) => Math.abs(x - n)));
        assert.equal(Math.abs(position[f] - n), bestDistance, `slot ${n}`);
      } else {
        const last = position.reduce((acc, x, k) => (Math.floor(x + 0.5) <= n ? k : acc), 0);
        assert.equal(f, last, `slot ${n}`);
      }
    });
  }
});

test('seeks, source changes and long gaps start new segments; short gaps repeat the last frame', () => {
  const times: number[] = [];
  const run30 = (from: number, count: number) => {
    for (let k = 0; k < count; k++) times.push(from + k / 30);
  };
  const lastTime = () => times[times.length - 1];
  run30(10, 30); // 0–29 at 10.000 … 10.967
  run30(9, 15); // 30–44: backward seek to 9.000 (… 9.467)
  run30(lastTime() + 0.1, 6); // 45–50: a 100 ms gap (2.5 grid periods): same segment
  run30(lastTime() + 0.2, 5); // 51–55: a 200 ms gap (> 3 periods): new segment
  run30(lastTime() + 1 / 30, 10); // 56–65: looks continuous, but a source change is announced

  const segments = resampleToGrid(times, { breaksBefore: [56] });
  assert.deepEqual(
    segments.map((s) => s.startTimeSec),
    [10, 9, times[51], times[56]],
  );
  assert.deepEqual(segments[0].frameIndices.slice(0, 5), [0, 1, 2, 4, 5]);
  // Segment 2 spans the gap: frame 44 sits at slot 11.67, frame 45 at slot 14.17.
  assert.equal(segments[1].frameIndices[0], 30);
  assert.deepEqual(segments[1].frameIndices.slice(11, 15), [43, 44, 45, 45]);
  const fpsFilter = resampleToGrid(times, { breaksBefore: [56], mode: 'fps-filter' });
  assert.deepEqual(fpsFilter[1].frameIndices.slice(11, 15), [43, 44, 44, 45]);
  assert.deepEqual(segments[3].frameIndices.slice(0, 5), [56, 57, 58, 60, 61]);
  // Without the announced break the last two runs are one segment.
  assert.equal(resampleToGrid(times).length, 3);
  // A larger gap tolerance joins the 200 ms gap too.
  assert.equal(resampleToGrid(times, { maxGapSec: 0.25 }).length, 2);
});

test('repeated timestamps: the later frame replaces the earlier one', () => {
  const [segment] = resampleToGrid([0, 0.04, 0.04, 0.08, 0.12]);
  assert.deepEqual(segment.frameIndices, [0, 2, 3, 4]);
  assert.throws(() => resampleToGrid([0, NaN]), RangeError);
  assert.deepEqual(resampleToGrid([]), []);
});

function segment25(frames: number, startTimeSec: number): GridSegment {
  return { startTimeSec, frameIndices: Array.from({ length: frames }, (_, k) => 100 + k) };
}

test('windows: slots [i, i+5) with MFCC rows [r0+4i, r0+4i+20), limited by video and audio', () => {
  // Audio started 0.5 s before the video: slot 0 ↔ row 50.
  const seg = segment25(40, 7.5);
  const windows = windowsForSegment(seg, 7.0, 10_000);
  assert.equal(windows.length, 36); // frame-limited: 40 − 5 + 1 (syncnet's range(0, 40−5) gives 35)
  assert.deepEqual(windows[0], {
    gridStart: 0,
    startTimeSec: 7.5,
    frameIndices: [100, 101, 102, 103, 104],
    mfccRowStart: 50,
  });
  assert.deepEqual(windows[35].frameIndices, [135, 136, 137, 138, 139]);
  assert.equal(windows[35].mfccRowStart, 50 + 4 * 35);
  assert.equal(windows[35].startTimeSec, gridSlotTime(seg, 35));
  // fromSlot: the same windows from that slot on (the engine asks only for new ones).
  assert.deepEqual(windowsForSegment(seg, 7.0, 10_000, 30), windows.slice(30));

  // Audio started 130 ms after the video: slot 0 ↔ row −13, so windows 0–3 have no audio;
  // window 4 (slot time +160 ms) starts at row 3.
  const late = windowsForSegment(seg, 7.63, 10_000);
  assert.equal(late[0].gridStart, 4);
  assert.equal(late[0].mfccRowStart, 3);
  assert.equal(late.length, 32);

  // Audio-limited, as syncnet_python's min_length: 30 whole 40-ms audio frames give
  // 4·30 − 1 = 119 MFCC rows (python_speech_features), and 30 − 5 = 25 windows.
  const audioLimited = windowsForSegment(seg, 7.5, 119);
  assert.equal(audioLimited.length, 25);
  assert.equal(audioLimited[24].mfccRowStart + 20, 116);

  // Row rounding: 45 ms → row 4.5 → 5 (half up, despite 0.045·100 = 4.4999… in floats).
  assert.equal(windowsForSegment(seg, 7.5 - 0.045, 10_000)[0].mfccRowStart, 5);
  // Too short for one window, or no overlapping audio at all.
  assert.deepEqual(windowsForSegment(segment25(4, 0), 0, 10_000), []);
  assert.deepEqual(windowsForSegment(seg, 100, 10_000), []);
});

test('windows across a seek never straddle segments', () => {
  const times = [
    ...Array.from({ length: 20 }, (_, k) => 3 + k / 25),
    ...Array.from({ length: 20 }, (_, k) => 1 + k / 25),
  ];
  const segments = resampleToGrid(times);
  assert.equal(segments.length, 2);
  const [a, b] = segments.map((s) => windowsForSegment(s, 0, 10_000));
  assert.equal(a.length, 16);
  assert.equal(b.length, 16);
  assert.ok(a.every((w) => w.frameIndices.every((f) => f < 20)));
  assert.ok(b.every((w) => w.frameIndices.every((f) => f >= 20)));
  assert.equal(a[0].mfccRowStart, 300);
  assert.equal(b[0].mfccRowStart, 100);
});

/** The frame times each grid slot shows, per segment. */
function slotTimes(times: readonly number[], maxGapSec?: number): number[][] {
  return resampleToGrid(times, { maxGapSec }).map((segment) => segment.frameIndices.map((i) => times[i]));
}

test('GridFrameFilter: constant rates keep exactly the frames the grid shows, and the grid over them is unchanged', () => {
  for (const rate of FAST_RATES) {
    for (const start of [0, 0.013, 7.3]) {
      const times = cfrTimes(rate, 300, start);
      const filter = new GridFrameFilter();
      const kept = times.filter((t) => filter.keep(t));
      const all = slotTimes(times);
      const fromKept = slotTimes(kept);
      assert.equal(fromKept.length, 1, `${rate.name} fps from ${start} s: one run`);
      // Same frame in every slot; the grid may end one slot early when the last frame was skipped.
      assert.ok(
        all[0].length - fromKept[0].length <= 1,
        `${rate.name} fps: ${all[0].length} slots vs ${fromKept[0].length}`,
      );
      assert.deepEqual(fromKept[0], all[0].slice(0, fromKept[0].length), `${rate.name} fps from ${start} s`);
      // Little kept that no slot shows: the first frames of the run (the rate is not known yet), near-ties.
      const shown = new Set(all[0]);
      const extra = kept.filter((t) => !shown.has(t));
      assert.ok(
        extra.length <= 6 + 0.02 * times.length,
        `${rate.name} fps: kept ${extra.length} frames no slot shows`,
      );
      if (rate.p / rate.q <= 25)
        assert.equal(kept.length, times.length, `${rate.name} fps: every frame is shown`);
    }
  }
  const filter = new GridFrameFilter();
  const sixty = cfrTimes({ name: '60', p: 60, q: 1 }, 600).filter((t) => filter.keep(t)).length;
  assert.ok(sixty >= 250 && sixty <= 256, `60 fps for 10 s: ${sixty} frames kept (the grid has 250 slots)`);
});

test('GridFrameFilter: jittery or variable timing keeps every frame; a long gap or a jump back starts a new run', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const jittery = Array.from({ length: 200 }, (_, k) => k / 60 + 0.004 * random());
  const filter = new GridFrameFilter();
  const kept = jittery.filter((t) => filter.keep(t));
  assert.ok(kept.length >= jittery.length - 3, `jitter: ${kept.length}/${jittery.length} kept`);
  assert.deepEqual(slotTimes(kept), slotTimes(jittery));

  // 60 fps, a 1-s stall, 60 fps again, then a seek back: each run is anchored at its own first frame.
  const runs = [
    cfrTimes({ name: '60', p: 60, q: 1 }, 120),
    cfrTimes({ name: '60', p: 60, q: 1 }, 120, 3),
    cfrTimes({ name: '60', p: 60, q: 1 }, 120, 1),
  ];
  const gapFilter = new GridFrameFilter(0.5);
  for (const run of runs) {
    const keptRun = run.filter((t) => gapFilter.keep(t));
    assert.equal(keptRun[0], run[0], 'the first frame of a run is kept');
    const [all] = slotTimes(run, 0.5);
    const [fromKept] = slotTimes(keptRun, 0.5);
    assert.deepEqual(fromKept, all.slice(0, fromKept.length));
  }
});
