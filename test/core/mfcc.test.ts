// MFCC front ends against goldens made by the real python_speech_features and speechpy
// (scripts/golden/mfcc_golden.py). Tolerance: max |Δ| <= 1e-3 on every coefficient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  floatToInt16Pcm,
  mfccPsf,
  mfccSpeechpy,
  mfccSyncnetV2,
  mfccSyncnetV4,
  psfFilterbankEdges,
  speechpyFilterbankEdges,
  type FeatureMatrix,
} from '../../src/core/audio/index';

const TOLERANCE = 1e-3;
const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SHARED = process.env.LIPSYNC_SHARED ?? resolve(REPO_ROOT, '..', 'shared');

interface GoldenMatrix {
  rows: number;
  coefficients: number;
  data?: number[][];
  error?: string;
}
interface Golden {
  case: string;
  description: string;
  numSamples: number;
  int16Base64?: string;
  v2: GoldenMatrix;
  v4: GoldenMatrix;
  filterbankEdges?: { psf: { bins: number[] }; speechpy: { bins: number[] } };
  clip?: string;
  ffmpegArgs?: string[];
  sampleRange?: [number, number];
  excerptSha256?: string;
}

function loadGolden(name: string): Golden {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'golden', `mfcc-${name}.json`), 'utf8')) as Golden;
}

function int16FromBytes(bytes: Buffer): Int16Array {
  // Copy into an aligned buffer; the stored/decoded bytes are little-endian s16.
  const copy = new Uint8Array(bytes);
  return new Int16Array(copy.buffer, 0, copy.length >> 1);
}

/** Max |actual − expected| over expected's columns [firstColumn, firstColumn + actual.coefficients). */
function maxAbsError(actual: FeatureMatrix, expected: GoldenMatrix, firstColumn = 0): number {
  assert.equal(actual.rows, expected.rows, 'row count');
  assert.equal(actual.data.length, actual.rows * actual.coefficients);
  let worst = 0;
  for (let r = 0; r < expected.rows; r++) {
    for (let c = 0; c < actual.coefficients; c++) {
      const diff = Math.abs(actual.data[r * actual.coefficients + c] - expected.data![r][c + firstColumn]);
      // NaN must fail, so compare with a test that NaN cannot pass.
      worst = diff > worst || Number.isNaN(diff) ? diff : worst;
    }
  }
  return worst;
}

function checkCase(t: { diagnostic: (message: string) => void }, golden: Golden, samples: Int16Array): void {
  assert.equal(samples.length, golden.numSamples);

  const v2 = mfccSyncnetV2(samples);
  assert.equal(v2.coefficients, 13);
  const v2Error = maxAbsError(v2, golden.v2);
  t.diagnostic(
    `${golden.case} v2 (python_speech_features): ${v2.rows} rows, max abs error ${v2Error.toExponential(3)}`,
  );
  assert.ok(v2Error <= TOLERANCE, `v2 max abs error ${v2Error} > ${TOLERANCE}`);

  const speechpyFull = mfccSpeechpy(samples, { frameLength: 0.01, frameStride: 0.01, numCepstral: 13 });
  const v4 = mfccSyncnetV4(samples);
  assert.equal(v4.coefficients, 12);
  if (golden.v4.error) {
    // speechpy raises for a signal shorter than one frame; we return no rows instead.
    t.diagnostic(`${golden.case} v4: speechpy raised "${golden.v4.error}"; TS returns 0 rows`);
    assert.equal(v4.rows, 0);
    assert.equal(speechpyFull.rows, 0);
    return;
  }
  const fullError = maxAbsError(speechpyFull, golden.v4);
  const v4Error = maxAbsError(v4, golden.v4, 1);
  t.diagnostic(
    `${golden.case} v4 (speechpy): ${v4.rows} rows, max abs error ${v4Error.toExponential(3)} ` +
      `(12 coeffs), ${fullError.toExponential(3)} (13 incl. log-energy c0)`,
  );
  assert.ok(v4Error <= TOLERANCE, `v4 max abs error ${v4Error} > ${TOLERANCE}`);
  assert.ok(fullError <= TOLERANCE, `speechpy 13-coefficient max abs error ${fullError} > ${TOLERANCE}`);
}

for (const name of ['speechlike', 'silence', 'odd-length', 'short', 'tiny']) {
  test(`MFCC golden: ${name}`, (t) => {
    const golden = loadGolden(name);
    const samples = int16FromBytes(Buffer.from(golden.int16Base64!, 'base64'));
    checkCase(t, golden, samples);
  });
}

test('MFCC golden: real speech excerpt decoded by ffmpeg from ../shared', (t) => {
  const golden = loadGolden('real-speech');
  if (!existsSync(SHARED)) {
    t.skip(`shared media not found at ${SHARED} (set LIPSYNC_SHARED); real-speech MFCC case not run`);
    return;
  }
  const clip = join(SHARED, golden.clip!);
  assert.ok(existsSync(clip), `golden clip ${clip} is missing from the shared media`);
  const args = golden.ffmpegArgs!.map((arg) => (arg === '{clip}' ? clip : arg));
  const decoded = spawnSync('ffmpeg', args, { maxBuffer: 64 << 20 });
  assert.equal(
    decoded.status,
    0,
    `ffmpeg ${args.join(' ')} failed: ${decoded.stderr?.toString() ?? decoded.error}`,
  );
  const [from, to] = golden.sampleRange!;
  const excerpt = (decoded.stdout as Buffer).subarray(2 * from, 2 * to);
  const sha = createHash('sha256').update(excerpt).digest('hex');
  assert.equal(
    sha,
    golden.excerptSha256,
    'decoded PCM differs from the one the golden was made from (another ffmpeg build?); ' +
      'regenerate with scripts/golden/mfcc_golden.py',
  );
  checkCase(t, golden, int16FromBytes(excerpt));
});

test('filterbank bin edges match both references exactly', () => {
  const { psf, speechpy } = loadGolden('speechlike').filterbankEdges!;
  assert.deepEqual(psfFilterbankEdges(26, 512, 16000, 0, 8000), psf.bins);
  // speechpy: low edge 0 → 300 Hz, bins scaled by 257 + 1; the top edge lands on 128, not 129.
  assert.deepEqual(speechpyFilterbankEdges(40, 257, 16000, 0, 0), speechpy.bins);
});

test('the golden comparison is sensitive: dropping the lifter, the energy c0 or the 300 Hz quirk fails it', () => {
  const golden = loadGolden('speechlike');
  const samples = int16FromBytes(Buffer.from(golden.int16Base64!, 'base64'));
  assert.ok(maxAbsError(mfccPsf(samples, { cepLifter: 0 }), golden.v2) > 0.1);
  assert.ok(maxAbsError(mfccPsf(samples, { appendEnergy: false }), golden.v2) > 0.1);
  // Taking speechpy's "low_frequency=0" at face value (instead of its `or 300`) must fail too.
  const lowEdgeAtOneHz = mfccSpeechpy(samples, { frameLength: 0.01, frameStride: 0.01, lowFrequency: 1 });
  assert.ok(maxAbsError(lowEdgeAtOneHz, golden.v4) > 0.1);
});

test('v2 frame count: 1 + ceil((n − 400) / 160), at least 1; 100 rows per second', () => {
  for (const [n, rows] of [
    [1, 1],
    [400, 1],
    [401, 2],
    [560, 2],
    [561, 3],
    [15920, 98],
    [15921, 99],
    [16000, 99],
  ]) {
    assert.equal(mfccSyncnetV2(new Int16Array(n).fill(100)).rows, rows, `n = ${n}`);
  }
  assert.equal(mfccSyncnetV2(new Int16Array(0)).rows, 0);
});

test('v4 frame count: floor((n − 160) / 160), speechpy drops the last whole frame', () => {
  for (const [n, rows] of [
    [100, 0],
    [160, 0],
    [319, 0],
    [320, 1],
    [480, 2],
    [16000, 99],
  ]) {
    assert.equal(mfccSyncnetV4(new Int16Array(n).fill(100)).rows, rows, `n = ${n}`);
  }
});

test('digital silence hits the eps floor: c0 = log(eps), other cepstra 0', () => {
  const logEps = Math.log(Number.EPSILON);
  for (const features of [mfccSyncnetV2(new Int16Array(1600)), mfccSpeechpy(new Int16Array(1600))]) {
    assert.ok(features.rows > 0);
    for (let r = 0; r < features.rows; r++) {
      const row = features.data.subarray(r * features.coefficients, (r + 1) * features.coefficients);
      assert.ok(Math.abs(row[0] - logEps) < 1e-5, `c0 ${row[0]}`);
      for (let c = 1; c < row.length; c++) assert.ok(Math.abs(row[c]) < 1e-5, `c${c} ${row[c]}`);
    }
  }
});

test('accepts Int16Array, int16-scaled Float32Array/Float64Array alike', () => {
  const golden = loadGolden('odd-length');
  const ints = int16FromBytes(Buffer.from(golden.int16Base64!, 'base64'));
  const reference = mfccSyncnetV2(ints).data;
  assert.deepEqual(mfccSyncnetV2(Float64Array.from(ints)).data, reference);
  assert.deepEqual(mfccSyncnetV2(Float32Array.from(ints)).data, reference);
});

test('floatToInt16Pcm: lrintf(x·32768) with ties to even, clipped like ffmpeg pcm_s16le', () => {
  const scaled = [
    0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.49, 100.5, 32767.4, 32767.5, 32768, 40000, -32768, -32768.5, -40000,
  ];
  const expected = [0, 2, 2, 0, -2, -2, 3, 100, 32767, 32767, 32767, 32767, -32768, -32768, -32768];
  const input = Float32Array.from(scaled, (v) => v / 32768);
  assert.deepEqual(Array.from(floatToInt16Pcm(input)), expected);
});

test('floatToInt16Pcm agrees with ffmpeg f32le → s16le on random and tie values', (t) => {
  const probe = spawnSync('ffmpeg', ['-version']);
  if (probe.status !== 0) {
    t.skip('ffmpeg not installed; the hand-checked tie cases above still run');
    return;
  }
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const input = new Float32Array(20000);
  for (let i = 0; i < input.length; i++) {
    input[i] = i % 4 === 0 ? (Math.floor(random() * 65536 - 32768) + 0.5) / 32768 : random() * 2.2 - 1.1;
  }
  const result = spawnSync(
    'ffmpeg',
    [
      '-nostdin',
      '-v',
      'error',
      '-f',
      'f32le',
      '-ar',
      '16000',
      '-ac',
      '1',
      '-i',
      'pipe:0',
      '-f',
      's16le',
      '-acodec',
      'pcm_s16le',
      'pipe:1',
    ],
    { input: Buffer.from(input.buffer), maxBuffer: 1 << 24 },
  );
  assert.equal(result.status, 0, result.stderr?.toString());
  const fromFfmpeg = int16FromBytes(result.stdout as Buffer);
  assert.deepEqual(Array.from(floatToInt16Pcm(input)), Array.from(fromFfmpeg));
});
