// SyncNet v2 in TF.js against PyTorch: a seeded random-init model with randomised
// BatchNorm statistics (scripts/golden/make_syncnet_v2_checkpoint.py), converted from
// both torch.save formats, must reproduce forward_lip / forward_aud.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { ensureGenerated } from '../helpers/generated';
import { useBackend } from '../helpers/tf';
import {
  convertSyncNetV2Checkpoint,
  createSyncNetV2,
  syncNetV2WeightShapes,
} from '../../src/core/models/syncnet-v2';
import { decodeWeights, encodeWeights, WeightsFormatError } from '../../src/core/convert/weights-bundle';
import type { SyncModel, WeightMap } from '../../src/core/models/types';
import { parity } from '../helpers/parity';

const SCRIPT = 'scripts/golden/make_syncnet_v2_checkpoint.py';
/** Parity bound: max|tfjs − torch| / max|torch| per embedding tensor. */
const RELATIVE_TOLERANCE = 1e-4;

interface GoldenIndex {
  checkpoints: { legacy: string; zip: string };
  tensors: Record<
    'lip_input' | 'lip_embedding' | 'audio_input' | 'audio_embedding',
    { file: string; shape: number[] }
  >;
}

let dir = '';
let golden: GoldenIndex;
const converted = new Map<string, WeightMap>();

const bytesOf = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
function goldenTensor(name: keyof GoldenIndex['tensors']): { data: Float32Array; shape: number[] } {
  const { file, shape } = golden.tensors[name];
  return { data: new Float32Array(bytesOf(file).buffer), shape };
}
function weightsFrom(file: string): WeightMap {
  if (!converted.has(file)) converted.set(file, convertSyncNetV2Checkpoint(bytesOf(file), file));
  return converted.get(file)!;
}

function embed(tf: typeof TF, model: SyncModel, stream: 'lip' | 'audio'): Float32Array {
  const input = goldenTensor(stream === 'lip' ? 'lip_input' : 'audio_input');
  return tf.tidy(() => {
    const out =
      stream === 'lip'
        ? model.embedLip(tf.tensor5d(input.data, input.shape as [number, number, number, number, number]))
        : model.embedAudio(tf.tensor3d(input.data, input.shape as [number, number, number]));
    return out.dataSync() as Float32Array;
  });
}

function checkParity(
  t: { diagnostic(msg: string): void },
  tf: typeof TF,
  model: SyncModel,
  stream: 'lip' | 'audio',
  label: string,
): void {
  const want = goldenTensor(stream === 'lip' ? 'lip_embedding' : 'audio_embedding');
  const got = embed(tf, model, stream);
  const { maxAbs, relative } = parity(got, want.data);
  const torchMax = Math.max(...want.data.map(Math.abs)).toPrecision(4);
  const line = `${label} ${stream}: relative ${relative.toExponential(2)}, max abs ${maxAbs.toExponential(2)} (torch max |x| ${torchMax})`;
  t.diagnostic(line);
  assert.ok(relative <= RELATIVE_TOLERANCE, line);
}

before(() => {
  dir = ensureGenerated(SCRIPT, 'syncnet-v2');
  golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as GoldenIndex;
});

describe('SyncNet v2 parity with PyTorch', () => {
  for (const format of ['legacy', 'zip'] as const) {
    it(`${format} checkpoint, wasm backend: lip and audio embeddings`, async (t) => {
      const tf = await useBackend('wasm');
      const file = golden.checkpoints[format];
      const model = createSyncNetV2(weightsFrom(file), 'both', file);
      try {
        checkParity(t, tf, model, 'audio', `${format}/wasm`);
        checkParity(t, tf, model, 'lip', `${format}/wasm`);
      } finally {
        model.dispose();
      }
    });
  }

  it('legacy checkpoint, cpu backend: audio embeddings', async (t) => {
    const tf = await useBackend('cpu');
    try {
      const file = golden.checkpoints.legacy;
      const model = createSyncNetV2(weightsFrom(file), 'audio', file);
      checkParity(t, tf, model, 'audio', 'legacy/cpu');
      model.dispose();
    } finally {
      await useBackend('wasm');
    }
  });

  it('the goldens are not degenerate (windows differ, face-like window included)', () => {
    const lip = goldenTensor('lip_embedding').data;
    const { relative } = parity(lip.subarray(0, 1024), lip.subarray(1024));
    assert.ok(relative > 0.05, `the two lip embeddings are nearly equal (${relative})`);
  });

  it('round-trips through encodeWeights/decodeWeights to the same embeddings', async () => {
    const tf = await useBackend('wasm');
    const file = golden.checkpoints.legacy;
    const weights = weightsFrom(file);
    const bundle = encodeWeights('syncnet-v2', file, weights);
    const decoded = decodeWeights({
      manifest: JSON.parse(JSON.stringify(bundle.manifest)),
      data: bundle.data.slice(),
    });
    assert.deepEqual(Object.keys(decoded), Object.keys(syncNetV2WeightShapes('both')));
    const direct = createSyncNetV2(weights, 'audio', file);
    const viaBundle = createSyncNetV2(decoded, 'audio', 'bundle');
    try {
      assert.deepEqual(embed(tf, viaBundle, 'audio'), embed(tf, direct, 'audio'));
    } finally {
      direct.dispose();
      viaBundle.dispose();
    }
  });
});

describe('SyncNet v2 model', () => {
  it('leaks no tensors in a forward pass, and dispose frees its weights', async () => {
    const tf = await useBackend('wasm');
    const file = golden.checkpoints.zip;
    const atStart = tf.memory().numTensors;
    const model = createSyncNetV2(weightsFrom(file), 'both', file);
    const withModel = tf.memory().numTensors;
    assert.ok(withModel > atStart);
    const lip = tf.zeros([1, 5, 224, 224, 3]) as TF.Tensor5D;
    const audio = tf.zeros([3, 13, 20]) as TF.Tensor3D;
    const before = tf.memory().numTensors;
    const lipOut = model.embedLip(lip);
    const audioOut = model.embedAudio(audio);
    assert.deepEqual(lipOut.shape, [1, 1024]);
    assert.deepEqual(audioOut.shape, [3, 1024]);
    assert.equal(tf.memory().numTensors, before + 2, 'only the two outputs are new');
    lipOut.dispose();
    audioOut.dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.ok(!lip.isDisposed && !audio.isDisposed, 'inputs are not disposed');
    lip.dispose();
    audio.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, atStart);
  });

  it("mode 'lip' needs only lip weights and has no audio stream", async () => {
    const tf = await useBackend('wasm');
    const all = weightsFrom(golden.checkpoints.legacy);
    const lipOnly = Object.fromEntries(Object.entries(all).filter(([name]) => name.startsWith('lip.')));
    const model = createSyncNetV2(lipOnly, 'lip', 'lip-only');
    try {
      assert.equal(model.mode, 'lip');
      const audio = tf.zeros([1, 13, 20]) as TF.Tensor3D;
      assert.throws(() => model.embedAudio(audio), /mode 'lip' and has no audio stream/);
      audio.dispose();
    } finally {
      model.dispose();
    }
    assert.throws(
      () => createSyncNetV2(lipOnly, 'audio', 'lip-only'),
      (err: unknown) =>
        err instanceof WeightsFormatError &&
        /lip-only: not a SyncNet v2 checkpoint — tensor audio\.conv1\.kernel is missing/.test(err.message),
    );
  });

  it('rejects inputs of the wrong shape', async () => {
    const tf = await useBackend('wasm');
    const model = createSyncNetV2(weightsFrom(golden.checkpoints.legacy), 'both', 'x');
    const lip = tf.zeros([1, 5, 112, 112, 3]) as TF.Tensor5D;
    const audio = tf.zeros([1, 12, 20]) as TF.Tensor3D;
    try {
      assert.throws(() => model.embedLip(lip), /lip input must be \[N,5,224,224,3\]/);
      assert.throws(() => model.embedAudio(audio), /audio input must be \[N,13,20\]/);
    } finally {
      tf.dispose([lip, audio]);
      model.dispose();
    }
  });
});

describe('SyncNet v2 converter: bad checkpoints', () => {
  const cases: [file: string, pattern: RegExp][] = [
    ['bad_truncated.model', /truncated checkpoint/],
    ['bad_truncated_zip.model', /truncated zip checkpoint/],
    ['bad_corrupt.model', /corrupt pickle data/],
    ['bad_corrupt_storage.model', /corrupt checkpoint — tensor net\S+ holds a non-finite value \(NaN\)/],
    [
      'bad_fc512.model',
      /not a SyncNet v2 checkpoint — tensor netfcaud\.3\.weight has shape \[512,512\], expected \[1024,512\]/,
    ],
    ['bad_other_net.model', /not a SyncNet v2 checkpoint — tensor netcnnaud\.0\.weight is missing/],
    ['bad_not_checkpoint.model', /not a torch checkpoint/],
    ['bad_whole_model.model', /unsupported pickle global torch\.nn\.modules\.linear\.Linear/],
  ];
  for (const [file, pattern] of cases) {
    it(file, () => {
      let caught: unknown;
      try {
        convertSyncNetV2Checkpoint(bytesOf(file), file);
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof WeightsFormatError, `expected a WeightsFormatError, got ${String(caught)}`);
      assert.ok(caught.message.startsWith(file), caught.message);
      assert.match(caught.message, pattern);
    });
  }
});
