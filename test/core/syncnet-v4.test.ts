// SyncNet v4 in TF.js against a random-init PyTorch reference of the same MatConvNet
// network (scripts/golden/make_syncnet_v4_checkpoint.py), converted from the MATLAB v7.3
// file the script writes, on the wasm backend.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGenerated } from '../helpers/generated';
import { useBackend } from '../helpers/tf';
import {
  convertSyncNetV4Mat,
  createSyncNetV4,
  syncNetV4WeightShapes,
} from '../../src/core/models/syncnet-v4';
import { decodeWeights, encodeWeights, WeightsFormatError } from '../../src/core/convert/weights-bundle';
import type { WeightMap } from '../../src/core/models/types';
import { parity } from '../helpers/parity';

// Relative error = max|tfjs − torch| / max|torch| per tensor. The reference runs in
// float64; float32 sums over up to 18 432 terms (fc6) stay near 1e-5.
const RELATIVE_TOLERANCE = 1e-4;

const dir = ensureGenerated('scripts/golden/make_syncnet_v4_checkpoint.py', 'syncnet-v4');
const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8'));

function loadFloats(entry: { file: string; shape: number[] }): Float32Array {
  const bytes = readFileSync(join(dir, entry.file));
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  assert.equal(
    floats.length,
    entry.shape.reduce((a, b) => a * b, 1),
    `${entry.file} size`,
  );
  return floats;
}

let tf: Awaited<ReturnType<typeof useBackend>>;
let weights: WeightMap;

before(async () => {
  tf = await useBackend('wasm');
  weights = convertSyncNetV4Mat(readFileSync(join(dir, golden.checkpoint)), golden.checkpoint);
});

test('converter returns every canonical tensor with its shape', () => {
  const expected = syncNetV4WeightShapes('both');
  assert.deepEqual(Object.keys(weights).sort(), Object.keys(expected).sort());
  for (const [name, shape] of Object.entries(expected)) assert.deepEqual(weights[name].shape, shape, name);
  assert.equal(Object.keys(expected).length, 2 * 7 * 6);
});

test('lip and audio embeddings match PyTorch within 1e-4 relative, without leaking tensors', async (t) => {
  const model = createSyncNetV4(weights, 'both', golden.checkpoint);
  const lipInput = tf.tensor5d(loadFloats(golden.lip_input), golden.lip_input.shape);
  const audioInput = tf.tensor3d(loadFloats(golden.audio_input), golden.audio_input.shape);
  const before = tf.memory().numTensors;

  const lip = model.embedLip(lipInput);
  const audio = model.embedAudio(audioInput);
  assert.equal(tf.memory().numTensors, before + 2, 'only the two outputs survive the forward passes');
  assert.deepEqual(lip.shape, [2, 128]);
  assert.deepEqual(audio.shape, [4, 128]);

  const lipError = parity((await lip.data()) as Float32Array, loadFloats(golden.lip_embedding), 1);
  const audioError = parity((await audio.data()) as Float32Array, loadFloats(golden.audio_embedding), 1);
  t.diagnostic(
    `lip: max abs ${lipError.maxAbs.toExponential(3)}, relative ${lipError.relative.toExponential(3)}`,
  );
  t.diagnostic(
    `audio: max abs ${audioError.maxAbs.toExponential(3)}, relative ${audioError.relative.toExponential(3)}`,
  );
  assert.ok(lipError.relative < RELATIVE_TOLERANCE, `lip relative error ${lipError.relative}`);
  assert.ok(audioError.relative < RELATIVE_TOLERANCE, `audio relative error ${audioError.relative}`);

  lip.dispose();
  audio.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensors leak from a forward pass');
  assert.equal(lipInput.isDisposed || audioInput.isDisposed, false, 'inputs are not disposed');
  lipInput.dispose();
  audioInput.dispose();
  const beforeDispose = tf.memory().numTensors;
  model.dispose();
  assert.equal(
    tf.memory().numTensors,
    beforeDispose - 2 * 7 * 2,
    'dispose frees the folded kernels and biases',
  );
});

test('weights survive encodeWeights/decodeWeights; a single-stream model rejects the other stream', async () => {
  const bundle = encodeWeights('syncnet-v4', golden.checkpoint, weights);
  const decoded = decodeWeights({
    manifest: JSON.parse(JSON.stringify(bundle.manifest)),
    data: bundle.data.slice(),
  });
  assert.deepEqual(Object.keys(decoded), Object.keys(weights));
  for (const [name, tensor] of Object.entries(weights)) {
    assert.deepEqual(decoded[name].shape, tensor.shape, name);
    assert.deepEqual(decoded[name].data, tensor.data, name);
  }

  const audioOnly = createSyncNetV4(decoded, 'audio', 'decoded bundle');
  const input = tf.tensor3d(loadFloats(golden.audio_input), golden.audio_input.shape);
  const out = audioOnly.embedAudio(input);
  const error = parity((await out.data()) as Float32Array, loadFloats(golden.audio_embedding), 1);
  assert.ok(
    error.relative < RELATIVE_TOLERANCE,
    `audio-only model from the decoded bundle: relative error ${error.relative}`,
  );
  const lip = tf.zeros([1, 5, 112, 112, 1]) as import('@tensorflow/tfjs').Tensor5D;
  assert.throws(() => audioOnly.embedLip(lip), /created for mode 'audio' and has no lip stream/);
  assert.throws(
    () => audioOnly.embedAudio(tf.zeros([1, 13, 20]) as import('@tensorflow/tfjs').Tensor3D),
    /embedAudio: expected shape \[N, 12, 20\], got \[1, 13, 20\]/,
  );
  tf.dispose([out, input, lip]);
  audioOnly.dispose();

  const { ['lip.fc6.kernel']: _dropped, ...incomplete } = decoded;
  assert.throws(
    () => createSyncNetV4(incomplete, 'lip', 'partial.bin'),
    /partial\.bin: not a SyncNet v4 checkpoint — tensor lip\.fc6\.kernel is missing/,
  );
  assert.doesNotThrow(
    () => createSyncNetV4(incomplete, 'audio', 'partial.bin').dispose(),
    'the audio stream does not need lip weights',
  );
});

test('bad files give errors that name the file and what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    [
      golden.bad.truncated,
      /file is truncated: the HDF5 superblock says it has \d+ bytes but only \d+ are present/,
    ],
    [golden.bad.corrupt.file, /net\.params\.value\(51\): corrupt deflate data: /],
    [
      golden.bad.wrong_arch.file,
      /not a SyncNet v4 network: param 11 'conv3_audiof' \(conv3_audio filters\) has shape \[3 3 128 192\], expected \[3 3 128 256\]/,
    ],
    [
      golden.bad.not_hdf5,
      /not an HDF5 file: it is a MATLAB 5\.0 MAT-file; only MATLAB v7\.3 files can be read — re-save it in MATLAB with save\(\.\.\., '-v7\.3'\)/,
    ],
    [golden.bad.not_matlab, /is an HDF5 file but not a MATLAB v7\.3 MAT-file/],
    [golden.bad.no_net, /missing variable 'net' \(the file holds 'weights'\)/],
  ];
  for (const [file, pattern] of cases) {
    assert.throws(
      () => convertSyncNetV4Mat(readFileSync(join(dir, file)), file),
      (err: unknown) => {
        assert.ok(err instanceof WeightsFormatError, `${file}: ${String(err)}`);
        assert.ok(err.message.startsWith(`${file}: `), `message names the file: ${err.message}`);
        assert.match(err.message, pattern);
        return true;
      },
      file,
    );
  }
});
