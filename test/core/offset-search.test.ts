import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { medianFilter, torchMedian } from '../../src/core/numeric';
import {
  StreamingOffsetSearch,
  combineSearches,
  offsetFramesToMs,
  rowsFromFlat,
  searchOffset,
  searchOffsetRuns,
  windowDistances,
  SYNCNET_VSHIFT,
  type OffsetResult,
} from '../../src/core/sync/offset-search';
import { Rng } from '../../src/core/train/rng';

// Made by scripts/golden/sync_golden.py (torch 1.13 + scipy); see its header to regenerate.
interface GoldenCase {
  name: string;
  kind: 'lcg' | 'zeros';
  seed: number;
  windows: number;
  dim: number;
  shift: number;
  mix: number;
  vshift: number;
  sha256: string;
  dists: string;
  meanDists: number[];
  argmin: number;
  offsetFrames: number;
  minDist: number;
  medianDist: number;
  confidence: number;
  rawWindowConfidence: number[];
  windowConfidence: number[];
}
const golden = JSON.parse(readFileSync('test/golden/sync-offset.json', 'utf8')) as { cases: GoldenCase[] };

/** The golden script's LCG: x ← (1664525x + 1013904223) mod 2³², value = 2·x/2³² − 1 as float32. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.fround((2 * state) / 4294967296 - 1);
  };
}

function randomRows(next: () => number, n: number, dim: number): Float32Array[] {
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, next));
}

/** sync_golden.make_embeddings: audio[j] = mix·lip[j+shift] + (1−mix)·noise[j]. */
function goldenEmbeddings(c: GoldenCase): { lip: Float32Array[]; audio: Float32Array[] } {
  if (c.kind === 'zeros') {
    const zeros = () => Array.from({ length: c.windows }, () => new Float32Array(c.dim));
    return { lip: zeros(), audio: zeros() };
  }
  const next = lcg(c.seed);
  const lip = randomRows(next, c.windows, c.dim);
  const noise = randomRows(next, c.windows, c.dim);
  const audio = noise.map((row, j) => {
    const src = lip[j + c.shift];
    return src ? row.map((v, d) => c.mix * src[d] + (1 - c.mix) * v) : row;
  });
  return { lip, audio };
}

function sha256Of(rows: Float32Array[]): string {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
  return hash.digest('hex');
}

function decodeF32(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Largest |actual − expected| / max(|expected|, floor); also asserts it is ≤ tolerance. */
function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
  floor: number,
  what: string,
): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor);
    worst = Math.max(worst, err);
    assert.ok(err <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (rel ${err})`);
  }
  return worst;
}

test('batch search matches syncnet_python (torch pairwise_distance, median, scipy medfilt)', (t) => {
  assert.equal(golden.cases.length, 5);
  for (const c of golden.cases) {
    const { lip, audio } = goldenEmbeddings(c);
    assert.equal(
      sha256Of([...lip, ...audio]),
      c.sha256,
      `${c.name}: regenerated inputs differ from the script's`,
    );

    const distErr = assertClose(
      windowDistances(lip, audio, c.vshift),
      decodeF32(c.dists),
      1e-5,
      1e-9,
      `${c.name} dists`,
    );
    const r = searchOffset(lip, audio, { vshift: c.vshift });
    const meanErr = assertClose(r.meanDists, c.meanDists, 1e-5, 1e-9, `${c.name} meanDists`);
    assert.equal(r.offsetFrames, c.offsetFrames, `${c.name} offset`);
    assert.equal(r.vshift - r.offsetFrames, c.argmin);
    assertClose([r.minDist, r.medianDist], [c.minDist, c.medianDist], 1e-5, 1e-9, `${c.name} min/median`);
    // Confidences are differences of distances: compare relative to the distance scale.
    const scale = Math.max(c.medianDist, 1e-9);
    const confErr = Math.abs(r.confidence - c.confidence) / scale;
    assert.ok(confErr <= 1e-5, `${c.name} confidence ${r.confidence} vs ${c.confidence}`);
    const rawErr = assertClose(
      r.rawWindowConfidence.map((v) => v / scale),
      c.rawWindowConfidence.map((v) => v / scale),
      1e-5,
      1,
      `${c.name} fconf`,
    );
    const filtErr = assertClose(
      r.windowConfidence.map((v) => v / scale),
      c.windowConfidence.map((v) => v / scale),
      1e-5,
      1,
      `${c.name} fconfm`,
    );
    assert.equal(r.windowConfidenceStride, 1);
    assert.equal(r.windowCount, c.windows);
    t.diagnostic(
      `${c.name}: max rel err dists ${distErr.toExponential(1)}, mean ${meanErr.toExponential(1)}, ` +
        `conf ${confErr.toExponential(1)}, fconf ${rawErr.toExponential(1)}, medfilt ${filtErr.toExponential(1)}`,
    );
  }
  // The planted shifts are found, and exact ties resolve to the first index like torch.min.
  const byName = new Map(golden.cases.map((c) => [c.name, c]));
  assert.equal(byName.get('n40-d64-shift+3')?.offsetFrames, 3);
  assert.equal(byName.get('n12-d1024-shift-2')?.offsetFrames, -2);
  assert.equal(byName.get('n3-d4-zeros-ties')?.offsetFrames, 15);
});

test('sign convention: audio that runs k windows ahead of the video gives offset +k (audio leads)', () => {
  const next = lcg(99);
  const n = 60;
  // Content c[t] happens at video window t. "Audio leads by k": the sound of c[t] is in
  // audio window t − k, i.e. audio[j] = c[j + k].
  const content = randomRows(next, n + 20, 48);
  for (const k of [-4, -1, 0, 3, 7]) {
    const lip = content.slice(10, 10 + n);
    const audio = content.slice(10 + k, 10 + k + n);
    const r = searchOffset(lip, audio);
    assert.equal(r.offsetFrames, k, `k = ${k}`);
    assert.equal(offsetFramesToMs(r.offsetFrames), 40 * k);
    assert.ok(r.confidence > 1, `k = ${k}: a clean shift is a confident one (${r.confidence})`);
  }
});

test('torchMedian takes the lower middle; medianFilter zero-pads like scipy.signal.medfilt', () => {
  assert.equal(torchMedian([4, 1, 3, 2]), 2);
  assert.equal(torchMedian([5, 1, 3]), 3);
  assert.deepEqual(Array.from(medianFilter([1, 2, 3], 3)), [1, 2, 2]);
  assert.deepEqual(Array.from(medianFilter([5, 6, 7], 9)), [0, 0, 0]); // kernel longer than the input
  assert.deepEqual(Array.from(medianFilter([-3, -2, 9, -1, -5], 3)), [-2, -2, -1, -1, -1]);
  assert.throws(() => medianFilter([1, 2], 4), RangeError);
});

function assertSameResult(actual: OffsetResult | null, expected: OffsetResult, what: string): void {
  assert.ok(actual, `${what}: no result`);
  // Same arithmetic in the same order: bit-identical, which is stricter than 1e-6.
  assert.deepEqual(actual.meanDists, expected.meanDists, `${what}: meanDists`);
  assert.equal(actual.offsetFrames, expected.offsetFrames, `${what}: offset`);
  assert.equal(actual.minDist, expected.minDist, `${what}: minDist`);
  assert.equal(actual.confidence, expected.confidence, `${what}: confidence`);
  assert.deepEqual(actual.rawWindowConfidence, expected.rawWindowConfidence, `${what}: raw timeline`);
  assert.deepEqual(actual.windowConfidence, expected.windowConfidence, `${what}: timeline`);
  assert.equal(actual.windowCount, expected.windowCount);
}

test('streaming finish() equals the batch search, including the zero padding at both ends', () => {
  for (const vshift of [15, 2, 0]) {
    for (const n of [1, 2, 5, 15, 16, 30, 31, 32, 47, 100]) {
      const next = lcg(1000 * vshift + n);
      const lip = randomRows(next, n, 24);
      const audio = randomRows(next, n, 24);
      const stream = new StreamingOffsetSearch({ vshift });
      assert.equal(stream.provisional(), null);
      for (let i = 0; i < n; i++) {
        stream.push(lip[i], audio[i]);
        // Provisional = batch on the prefix, i.e. "as if the stream ended now".
        if (i === 0 || i === Math.floor(n / 2)) {
          assertSameResult(
            stream.provisional(),
            searchOffset(lip.slice(0, i + 1), audio.slice(0, i + 1), { vshift }),
            `vshift ${vshift} n ${n} prefix ${i + 1}`,
          );
        }
      }
      assertSameResult(stream.finish(), searchOffset(lip, audio, { vshift }), `vshift ${vshift} n ${n}`);
      assert.throws(() => stream.push(lip[0], audio[0]), /reset/);
    }
  }
});

test('streaming copies its inputs, so callers may reuse one buffer per stream', () => {
  const next = lcg(5);
  const lip = randomRows(next, 40, 16);
  const audio = randomRows(next, 40, 16);
  const stream = new StreamingOffsetSearch();
  const lipBuffer = new Float32Array(16);
  const audioBuffer = new Float32Array(16);
  for (let i = 0; i < 40; i++) {
    lipBuffer.set(lip[i]);
    audioBuffer.set(audio[i]);
    stream.push(lipBuffer, audioBuffer);
  }
  assertSameResult(stream.finish(), searchOffset(lip, audio), 'reused buffers');
});

test('streaming memory is bounded: rings of 2·vshift+1 audio / vshift lip rows, timeline capped by merging', () => {
  const dim = 8;
  const vshift = 15;
  const maxTimelineRows = 64;
  const n = 1000;
  const next = lcg(7);
  const lip = randomRows(next, n, dim);
  const audio = randomRows(next, n, dim);
  const stream = new StreamingOffsetSearch({ vshift, maxTimelineRows });
  let sizesAt100 = stream.bufferSizes();
  for (let i = 0; i < n; i++) {
    stream.push(lip[i], audio[i]);
    if (i === 99) sizesAt100 = stream.bufferSizes();
  }
  const sizesAtEnd = stream.bufferSizes();
  assert.deepEqual(sizesAt100, {
    audioRing: (2 * vshift + 1) * dim,
    lipRing: vshift * dim,
    timeline: 64 * 31,
  });
  assert.deepEqual(sizesAtEnd, sizesAt100);

  const streamed = stream.finish();
  const batch = searchOffset(lip, audio, { vshift });
  assert.ok(streamed);
  // Offset, mean distances and confidence do not depend on the timeline cap.
  assert.deepEqual(streamed.meanDists, batch.meanDists);
  assert.equal(streamed.confidence, batch.confidence);
  // 1000 windows in ≤ 64 rows: stride 16, 63 rows (62 full, the last with 8 windows).
  assert.equal(streamed.windowConfidenceStride, 16);
  assert.equal(streamed.rawWindowConfidence.length, 63);
  for (let r = 0; r < 63; r++) {
    const bucket = batch.rawWindowConfidence.subarray(r * 16, Math.min(n, (r + 1) * 16));
    const mean = bucket.reduce((a, b) => a + b, 0) / bucket.length;
    assert.ok(
      Math.abs(streamed.rawWindowConfidence[r] - mean) <= 1e-5,
      `row ${r}: ${streamed.rawWindowConfidence[r]} vs ${mean}`,
    );
  }
  assert.deepEqual(
    streamed.windowConfidence,
    Float32Array.from(medianFilter(streamed.rawWindowConfidence, 9)),
  );
});

test('reset() starts a new segment that ignores everything pushed before', () => {
  const next = lcg(11);
  const first = { lip: randomRows(next, 20, 12), audio: randomRows(next, 20, 12) };
  const second = { lip: randomRows(next, 35, 6), audio: randomRows(next, 35, 6) };
  const stream = new StreamingOffsetSearch();
  first.lip.forEach((row, i) => stream.push(row, first.audio[i]));
  stream.reset();
  assert.equal(stream.windowCount, 0);
  assert.equal(stream.provisional(), null);
  second.lip.forEach((row, i) => stream.push(row, second.audio[i])); // a new embedding size is fine
  assertSameResult(stream.finish(), searchOffset(second.lip, second.audio), 'after reset');
});

test('inputs are validated', () => {
  const row = new Float32Array(4);
  assert.throws(() => searchOffset([], []), RangeError);
  assert.throws(() => searchOffset([row], [row, row]), RangeError);
  assert.throws(() => searchOffset([row], [new Float32Array(3)]), RangeError);
  const stream = new StreamingOffsetSearch();
  stream.push(row, row);
  assert.throws(() => stream.push(row, new Float32Array(5)), RangeError);
  assert.throws(() => new StreamingOffsetSearch({ maxTimelineRows: 1 }), RangeError);
  assert.throws(() => new StreamingOffsetSearch({ vshift: -1 }), RangeError);
  const flat = Float32Array.from([1, 2, 3, 4, 5, 6]);
  assert.deepEqual(
    rowsFromFlat(flat, 3).map((r) => Array.from(r)),
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
  );
  assert.throws(() => rowsFromFlat(flat, 4), RangeError);
});

test('windows without a face (null lip rows) are skipped, with real audio as their neighbours', () => {
  // 40 windows, audio leads by 3: lip[i] = content[i − 3]; every 4th window has no face.
  const dim = 8;
  let seed = 99;
  const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const content = Array.from({ length: 60 }, () => Float32Array.from({ length: dim }, rand));
  const audio = content.slice(10, 50);
  const lip = audio.map((_, i) => (i % 4 === 1 ? null : content[10 + i - 3]));
  const sparse = searchOffset(lip, audio);
  assert.equal(sparse.offsetFrames, 3);
  assert.equal(sparse.windowCount, 30);
  assert.deepEqual(Array.from(sparse.timelineWindows!).slice(0, 4), [0, 2, 3, 4]);
  // Same numbers as computing the kept windows' distances by hand.
  const dists = windowDistances(lip, audio);
  const kept = [...sparse.timelineWindows!];
  const mean0 = kept.reduce((sum, i) => sum + dists[i * 31], 0) / kept.length;
  assert.ok(Math.abs(sparse.meanDists[0] - mean0) <= 1e-6 * mean0);
  assert.ok(Number.isNaN(dists[1 * 31]), 'a faceless window has no distances');
  assert.throws(
    () =>
      searchOffset(
        audio.map(() => null),
        audio,
      ),
    /no windows/,
  );
});

test('combineSearches weights segments by their window counts', () => {
  let seed = 5;
  const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const rows = (n: number) => Array.from({ length: n }, () => Float32Array.from({ length: 6 }, rand));
  const a = rows(30);
  const b = rows(12);
  const first = searchOffset(a, a);
  const second = searchOffset(
    b.map((_, i) => b[Math.max(0, i - 2)]),
    b,
  );
  const combined = combineSearches([first, second]);
  assert.equal(combined.windowCount, 42);
  for (const k of [0, 15, 30]) {
    const want = (first.meanDists[k] * 30 + second.meanDists[k] * 12) / 42;
    assert.ok(Math.abs(combined.meanDists[k] - want) <= 1e-6 * want);
  }
  const alone = combineSearches([first]);
  assert.equal(alone.offsetFrames, first.offsetFrames);
  assert.equal(alone.confidence, first.confidence);
  assert.throws(() => combineSearches([]), /no searches/);
});

describe('searchOffsetRuns', () => {
  it('equals searchOffset when every window is present', () => {
    const rng = new Rng(3);
    const lip = randomRows(() => rng.normal(), 57, 16);
    const audio = randomRows(() => rng.normal(), 57, 16);
    const ours = searchOffsetRuns([{ lip, audio }])!;
    const ref = searchOffset(lip, audio);
    assert.equal(ours.offsetFrames, ref.offsetFrames);
    assert.equal(ours.minDist, ref.minDist);
    assert.equal(ours.confidence, ref.confidence);
    assert.deepEqual(ours.meanDists, ref.meanDists);
    assert.equal(ours.windowCount, 57);
  });

  it('leaves windows without a face out of the mean and finds the shift across runs', () => {
    const rng = new Rng(4);
    const audio = randomRows(() => rng.normal(), 80, 8);
    // Lip window i matches audio window i − 4: the audio leads by 4 windows.
    const lip = audio.map((_, i) => (i >= 4 ? audio[i - 4] : audio[0]));
    const masked = lip.map((row, i) => (i % 5 === 2 ? null : row));
    const result = searchOffsetRuns([
      { lip: masked, audio },
      { lip: masked.slice(0, 40), audio: audio.slice(0, 40) },
    ])!;
    assert.equal(result.offsetFrames, 4);
    assert.equal(result.windowCount, 64 + 32);
    assert.equal(searchOffsetRuns([{ lip: [null, null], audio: audio.slice(0, 2) }]), null);
  });

  it('compares a missing audio window like the zero padding past the ends', () => {
    const rng = new Rng(5);
    const lip = randomRows(() => rng.normal(), 40, 8);
    const audio: (Float32Array | null)[] = randomRows(() => rng.normal(), 40, 8);
    audio[20] = null;
    const dists = windowDistances(lip, audio);
    const shifts = 2 * SYNCNET_VSHIFT + 1;
    // Lip window 25 meets audio window 20 at shift −5 (index k = 10).
    assert.equal(dists[25 * shifts + 10], windowDistances([lip[25]], [null], 0)[0]);
    assert.equal(searchOffsetRuns([{ lip, audio }])!.windowCount, 40);
  });
});
