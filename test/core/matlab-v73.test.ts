// MATLAB v7.3 reader: navigation of a DagNN struct written the way `save -v7.3` lays it
// out (scripts/golden/make_syncnet_v4_checkpoint.py), values checked against h5py, the
// deflate wrapper (fflate, hdf5-filters.ts) against node's zlib, and reader-level errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, constants as zlibConstants } from 'node:zlib';
import { ensureGenerated } from '../helpers/generated';
import { MatFileError, readMatV73 } from '../../src/core/convert/matlab-v73';
import { zlibInflate } from '../../src/core/convert/hdf5-filters';
import { readDagNN } from '../../src/core/convert/matconvnet';
import { WeightsFormatError } from '../../src/core/convert/weights-bundle';

const dir = ensureGenerated('scripts/golden/make_syncnet_v4_checkpoint.py', 'syncnet-v4');
const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8'));
const read = (name: string): Uint8Array => readFileSync(join(dir, name));

interface ParamCheck {
  index: number;
  name: string;
  dims: number[];
  chunked: boolean;
  head: number[];
  sum: number;
}

test('walks net.layers / net.params like load_syncnet_weights and reads values as h5py does', () => {
  const mat = readMatV73(read(golden.checkpoint), golden.checkpoint);
  assert.deepEqual(mat.variableNames(), ['net']);
  const net = readDagNN(mat);
  assert.deepEqual(
    net.layers.map((l) => l.name),
    golden.layer_names,
  );
  assert.equal(net.params.length, 70);
  assert.equal(net.layers[0].type, 'dagnn.Conv');
  assert.deepEqual(net.layers[1].params, ['bn1_audiom', 'bn1_audiob', 'bn1_audiox']);
  assert.deepEqual(net.layers[2].params, []); // relu: an empty cell
  const checks = golden.param_checks as ParamCheck[];
  assert.ok(
    checks.some((c) => c.chunked) && checks.some((c) => !c.chunked),
    'covers contiguous and gzip-chunked storage',
  );
  for (const check of checks) {
    const param = net.params[check.index - 1];
    assert.equal(param.name, check.name);
    assert.deepEqual(param.dims, check.dims, `${check.name} dims`);
    const value = param.read();
    assert.equal(value.matlabClass, 'single');
    assert.deepEqual(Array.from(value.data.subarray(0, 6)), check.head, `${check.name} column-major head`);
    let sum = 0; // float64 sum, like numpy's on the float64-cast array
    for (const v of value.data) sum += v;
    assert.ok(
      Math.abs(sum - check.sum) <= 1e-9 * Math.max(1, Math.abs(check.sum)) * value.data.length,
      `${check.name} sum ${sum} vs ${check.sum}`,
    );
  }
});

test('reads nested structs, doubles, empties, overhanging chunks and the shuffle/fletcher32 filters', () => {
  const mat = readMatV73(read(golden.checkpoint), golden.checkpoint);
  const meta = mat.variable('net').field('meta');
  assert.equal(meta.matlabClass, 'struct');
  assert.equal(
    meta.field('description').readString(),
    'SyncNet v4 (random init, lipsync-lens test checkpoint)',
  );
  const average = meta.field('normalization').field('averageImage').readArray();
  assert.deepEqual([average.matlabClass, average.dims, Array.from(average.data)], ['double', [1, 1], [110]]);
  const classes = meta.field('classes');
  assert.ok(classes.isEmpty);
  assert.deepEqual(classes.readArray().dims, [0, 3]);
  const edge = meta.field('edgeChunks').readArray();
  assert.deepEqual(edge.dims, golden.edge_chunks.dims);
  assert.deepEqual(Array.from(edge.data), golden.edge_chunks.column_major);
  // The same values through shuffle + deflate + fletcher32 (pipeline undone in reverse).
  assert.deepEqual(
    Array.from(meta.field('shuffledChunks').readArray().data),
    golden.edge_chunks.column_major,
  );
  // A struct-array element that is itself a struct (dagnn.Conv's saved block).
  const block = mat.variable('net').field('layers').field('block').references()[0];
  assert.deepEqual(block.field('size').readArray().data, new Float64Array([3, 3, 1, 64]));
});

test('zlibInflate matches node zlib for stored, fixed and dynamic Huffman blocks', () => {
  const fail = (m: string): never => {
    throw new Error(m);
  };
  let seed = 7;
  const random = (n: number): Uint8Array =>
    Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  const text = new TextEncoder().encode('conv1_audio bn1_audio relu1_audio '.repeat(2000));
  const samples: Array<[string, Uint8Array, number]> = [
    ['empty', new Uint8Array(0), 6],
    ['short text (fixed Huffman)', text.subarray(0, 40), 6],
    ['repetitive text', text, 9],
    ['random bytes', random(200_000), 3],
    ['random bytes, stored blocks', random(150_000), 0],
    [
      'float32 weights',
      new Uint8Array(Float32Array.from({ length: 30_000 }, (_, i) => Math.sin(i) * 0.01).buffer),
      3,
    ],
  ];
  for (const [name, data, level] of samples) {
    const packed = deflateSync(data, {
      level,
      strategy: level === 6 ? zlibConstants.Z_FIXED : zlibConstants.Z_DEFAULT_STRATEGY,
    });
    assert.deepEqual(zlibInflate(packed, data.length, fail), data, name);
  }
  const packed = deflateSync(text, { level: 9 });
  assert.throws(() => zlibInflate(packed, text.length - 1, fail), /more output than the chunk holds/);
  const flipped = packed.slice();
  flipped[flipped.length - 1] ^= 1;
  assert.throws(() => zlibInflate(flipped, text.length, fail), /Adler-32 checksum mismatch/);
});

test('reader errors name the file and the problem', () => {
  const expectError = (
    file: string,
    pattern: RegExp,
    action: (bytes: Uint8Array) => unknown = (b) => readMatV73(b, file),
  ): void => {
    assert.throws(
      () => action(read(file)),
      (err: unknown) => {
        assert.ok(
          err instanceof MatFileError && err instanceof WeightsFormatError,
          `${file}: ${String(err)}`,
        );
        assert.ok(err.message.startsWith(`${file}: `), err.message);
        assert.match(err.message, pattern);
        return true;
      },
    );
  };
  expectError(
    golden.bad.truncated,
    /file is truncated: the HDF5 superblock says it has \d+ bytes but only \d+ are present/,
  );
  expectError(
    golden.bad.not_hdf5,
    /not an HDF5 file: it is a MATLAB 5\.0 MAT-file; only MATLAB v7\.3 files can be read/,
  );
  expectError(golden.bad.not_matlab, /is an HDF5 file but not a MATLAB v7\.3 MAT-file/);
  expectError(golden.bad.no_net, /missing variable 'net' \(the file holds 'weights'\)/, (b) =>
    readMatV73(b, golden.bad.no_net).variable('net'),
  );
  const corrupt = golden.bad.corrupt;
  expectError(corrupt.file, /net\.params\.value\(51\): corrupt deflate data/, (b) =>
    readDagNN(readMatV73(b, corrupt.file)).params.forEach((p) => p.read()),
  );
  expectError(golden.checkpoint, /net\.meta has no field 'nope' \(fields: /, (b) =>
    readMatV73(b, golden.checkpoint).variable('net').field('meta').field('nope'),
  );
  assert.throws(
    () => readMatV73(new Uint8Array(0), 'empty.mat'),
    /^MatFileError: empty\.mat: not an HDF5 file: file is empty$/,
  );
});
