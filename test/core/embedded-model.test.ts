// The embedded model: its featurizer is invariant to face size, position and head
// rotation; the per-track normaliser is causal and starts from its prior; the model loads
// from a weights bundle through the shared factory with shape/contents checks, embeds to
// unit vectors of the declared size, and leaks no tensor. The shipped bundle (when
// present) is ≤ 1 MB, loads, and carries its threshold.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type * as TF from '@tensorflow/tfjs';
import { useBackend } from '../helpers/tf';
import { syntheticClip } from '../helpers/synthetic-clip';
import {
  createSyncModel,
  decodeWeights,
  encodeWeights,
  loadSyncModel,
  parseManifest,
  WeightsFormatError,
} from '../../src/core';
import {
  createEmbeddedModel,
  EMBEDDED_DEFAULT_THRESHOLD,
  EMBEDDED_EMBEDDING_SIZE,
  EMBEDDED_FEATURE_COUNT,
  EMBEDDED_FEATURE_NAMES,
  EmbeddedFeaturizer,
  embeddedWeightShapes,
  faceFeatures,
  lipFeatureWindows,
  normalisedTrackFeatures,
  NORMALISER_PRIOR_FRAMES,
  RunningNormaliser,
  type EmbeddedSyncModel,
} from '../../src/core/models/embedded';
import type { FaceObservation } from '../../src/core/features';
import { initialEmbeddedWeights } from '../../src/core/train/embedded-training';

let tf: typeof TF;
before(async () => {
  tf = await useBackend('wasm');
});

const F = EMBEDDED_FEATURE_COUNT;
const unitPrior = { mean: new Float32Array(F), std: new Float32Array(F).fill(1) };
const audioNorm = { mean: new Float32Array(13), std: new Float32Array(13).fill(5) };
const randomModel = (seed = 1): EmbeddedSyncModel =>
  createEmbeddedModel(initialEmbeddedWeights(seed, unitPrior, audioNorm));

/** The face of a synthetic clip at a frame where the mouth is open. */
function openMouthFace(): FaceObservation {
  const clip = syntheticClip({ seed: 5, seconds: 3, noise: 0 });
  const faces = clip.features.frames.map((f) => f.faces[0]);
  return faces.reduce((a, b) => (faceFeatures(b)![0] > faceFeatures(a)![0] ? b : a));
}

/** Rotates (yaw about y, then roll about z), scales and moves every landmark. */
function transform(
  face: FaceObservation,
  scale: number,
  yaw: number,
  roll: number,
  dx: number,
  dy: number,
): FaceObservation {
  const p = face.landmarks;
  const out: number[] = [];
  for (let i = 0; i < p.length; i += 3) {
    let [x, y, z] = [p[i], p[i + 1], p[i + 2]];
    [x, z] = [x * Math.cos(yaw) + z * Math.sin(yaw), -x * Math.sin(yaw) + z * Math.cos(yaw)];
    [x, y] = [x * Math.cos(roll) - y * Math.sin(roll), x * Math.sin(roll) + y * Math.cos(roll)];
    out.push(scale * x + dx, scale * y + dy, scale * z);
  }
  return { ...face, landmarks: out };
}

describe('embedded featurizer', () => {
  it('names every feature and measures an open mouth', () => {
    assert.equal(EMBEDDED_FEATURE_NAMES.length, F);
    const x = faceFeatures(openMouthFace())!;
    assert.equal(x.length, F);
    const at = (name: string) => x[EMBEDDED_FEATURE_NAMES.indexOf(name)];
    assert.ok(at('innerOpening') > 0.1, `inner opening ${at('innerOpening')} (inter-ocular units)`);
    assert.ok(at('outerOpening') > at('innerOpening'));
    assert.ok(at('innerArea') > 0 && at('outerArea') > at('innerArea'));
    assert.ok(at('jawOpen') > 0.2);
  });

  it('is invariant to face size, position and head rotation (within 1e-4)', () => {
    const face = openMouthFace();
    const reference = faceFeatures(face)!;
    for (const [scale, yaw, roll] of [
      [2.5, 0, 0],
      [0.4, 0.5, 0],
      [1, -0.3, 0.4],
    ]) {
      const moved = faceFeatures(transform(face, scale, yaw, roll, 300, -50))!;
      const worst = Math.max(
        ...reference.map((v, i) => Math.abs(v - moved[i]) / Math.max(1e-3, Math.abs(v))),
      );
      assert.ok(worst < 1e-4, `scale ${scale}, yaw ${yaw}, roll ${roll}: relative change ${worst}`);
    }
  });

  it('returns null for a degenerate face', () => {
    const face = openMouthFace();
    assert.equal(faceFeatures({ ...face, landmarks: face.landmarks.slice(0, 30) }), null);
    assert.equal(faceFeatures({ ...face, landmarks: face.landmarks.map(() => 1) }), null);
  });
});

describe('running normaliser', () => {
  it('starts at the prior and converges to the track’s own statistics', () => {
    const n = new RunningNormaliser(new Float32Array([10]), new Float32Array([2]));
    assert.ok(
      Math.abs(n.push(new Float32Array([12]))[0] - 1) < 0.05,
      'first frame ≈ (12 − 10)/2 under the prior',
    );
    let last = 0;
    for (let i = 0; i < 5000; i++) last = n.push(new Float32Array([i % 2 === 0 ? 11 : 13]))[0];
    assert.ok(Math.abs(last - 1) < 0.02, `alternating 11/13 → ±1 once the prior is outweighed, got ${last}`);
  });

  it('is causal: frame t does not depend on later frames; tracks are separate', () => {
    const clip = syntheticClip({ seed: 8, seconds: 4 });
    const a = normalisedTrackFeatures(clip.features.frames, 1, unitPrior.mean, unitPrior.std);
    const changed = structuredClone(clip.features.frames);
    for (const f of changed.slice(60)) f.faces[0].blendshapes = f.faces[0].blendshapes.map(() => 0.9);
    const b = normalisedTrackFeatures(changed, 1, unitPrior.mean, unitPrior.std);
    for (let t = 0; t < 60; t++) assert.deepEqual(a[t], b[t], `frame ${t}`);
    assert.notDeepEqual(a[70], b[70]);
    const featurizer = new EmbeddedFeaturizer(unitPrior.mean, unitPrior.std);
    const two = {
      t: 0,
      segment: 0,
      shot: 0,
      faces: [clip.features.frames[0].faces[0], { ...clip.features.frames[0].faces[0], trackId: 9 }],
    };
    const out = featurizer.observe(two);
    assert.deepEqual(out.get(1), out.get(9), 'a new track starts from the prior like the first');
    assert.deepEqual(out.get(1), a[0], 'the streaming featurizer equals the batch path');
    assert.equal(NORMALISER_PRIOR_FRAMES, 30);
  });
});

describe('embedded model', () => {
  it('embeds lip and audio windows to unit vectors, without leaking tensors', () => {
    const model = randomModel();
    const clip = syntheticClip({ seed: 2, seconds: 2 });
    const perFrame = normalisedTrackFeatures(
      clip.features.frames,
      1,
      model.normaliserPrior.mean,
      model.normaliserPrior.std,
    );
    const lip = lipFeatureWindows(perFrame, [
      { frameIndices: [0, 1, 2, 3, 4] },
      { frameIndices: [10, 11, 12, 13, 14] },
    ]);
    const audio = tf.randomNormal([3, 13, 20], 0, 5, 'float32', 1) as TF.Tensor3D;
    const before = tf.memory().numTensors;
    const l = model.embedLip(lip);
    const a = model.embedAudio(audio);
    assert.deepEqual(l.shape, [2, EMBEDDED_EMBEDDING_SIZE]);
    assert.deepEqual(a.shape, [3, EMBEDDED_EMBEDDING_SIZE]);
    for (const row of [...(l.arraySync() as number[][]), ...(a.arraySync() as number[][])]) {
      assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-4);
    }
    tf.dispose([l, a]);
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => model.embedLip(tf.zeros([1, 5, 1, F + 1, 1]) as TF.Tensor5D), /\[N,5,1,25,1\]/);
    assert.throws(() => model.embedAudio(tf.zeros([1, 12, 20]) as TF.Tensor3D), /\[N,13,20\]/);
    model.dispose();
    tf.dispose([lip, audio]);
  });

  it('ignores the loudness of the audio (c0 is centred per window)', () => {
    const model = randomModel(3);
    const audio = tf.randomNormal([4, 13, 20], 0, 5, 'float32', 2) as TF.Tensor3D;
    const louder = tf.tidy(
      () =>
        tf.add(
          audio,
          tf
            .oneHot(tf.zeros([1], 'int32'), 13)
            .reshape([1, 13, 1])
            .mul(4.6),
        ) as TF.Tensor3D,
    ); // +20 dB on c0
    const a = model.embedAudio(audio).arraySync() as number[][];
    const b = model.embedAudio(louder).arraySync() as number[][];
    assert.ok(a.flat().every((v, i) => Math.abs(v - b.flat()[i]) < 1e-5));
    tf.dispose([audio, louder]);
    model.dispose();
  });

  it('loads from a bundle through the shared factory and rejects bad weights by name', () => {
    const weights = initialEmbeddedWeights(4, unitPrior, audioNorm);
    const bundle = encodeWeights('embedded', 'test.bin', weights);
    const model = loadSyncModel(bundle);
    assert.equal(model.kind, 'embedded');
    assert.equal(model.embeddingSize, EMBEDDED_EMBEDDING_SIZE);
    model.dispose();
    const lipOnly = createSyncModel('embedded', weights, 'lip', 'lip.bin');
    assert.throws(() => lipOnly.embedAudio(tf.zeros([1, 13, 20]) as TF.Tensor3D), /no audio stream/);
    lipOnly.dispose();
    const missing = { ...weights };
    delete missing['audio.fc2.kernel'];
    assert.throws(
      () => createSyncModel('embedded', missing, 'both', 'w.bin'),
      (e: Error) => e instanceof WeightsFormatError && /w.bin: .*audio.fc2.kernel is missing/.test(e.message),
    );
    const nan = { ...weights, 'lip.fc1.bias': { shape: [64], data: new Float32Array(64).fill(NaN) } };
    assert.throws(
      () => createEmbeddedModel(nan, 'both', 'n.bin'),
      /n.bin: corrupt embedded model — tensor lip.fc1.bias/,
    );
    const badStd = { ...weights, 'norm.lip.std': { shape: [F], data: new Float32Array(F) } };
    assert.throws(() => createEmbeddedModel(badStd, 'both', 's.bin'), /std is not positive/);
    const size =
      Object.values(embeddedWeightShapes()).reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0) * 4;
    assert.ok(size <= 1024 * 1024, `${size} bytes of weights`);
  });

  it(
    'ships as models/embedded within 1 MB, loadable, with its threshold',
    { skip: !existsSync('models/embedded/manifest.json') && 'models/embedded not trained yet' },
    () => {
      const json = JSON.parse(readFileSync('models/embedded/manifest.json', 'utf8'));
      const manifest = parseManifest(json, 'models/embedded/manifest.json');
      const data = new Uint8Array(readFileSync('models/embedded/weights.bin'));
      assert.ok(data.byteLength <= 1024 * 1024, `${data.byteLength} bytes`);
      assert.equal(manifest.model, 'embedded');
      assert.equal(json.threshold, EMBEDDED_DEFAULT_THRESHOLD);
      const model = createEmbeddedModel(decodeWeights({ manifest, data }), 'both', 'models/embedded');
      model.dispose();
    },
  );
});
