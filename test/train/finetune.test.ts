// Contrastive fine-tuning of fully connected layers with the conv layers frozen:
//  - the embedded model's head (lip/audio fc1, fc2) on synthetic clips;
//  - SyncNet v2's fc1/fc2 and v4's fc6/fc7 on cached pre-fc activations (real layer sizes).
// Each: the loss falls, and only the unfrozen weights change (every other tensor is
// bit-identical). The SyncNet head reproduces the model's own forward pass on the pre-fc
// activations this module extracts and on the lip pre-fc output the browser engine caches
// (SyncNetModel.lipPreFc), so training it trains the layers the model uses.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type * as TF from '@tensorflow/tfjs';
import { useBackend } from '../helpers/tf';
import { syntheticClip } from '../helpers/synthetic-clip';
import { createSyncNetV2, syncNetV2WeightShapes } from '../../src/core/models/syncnet-v2';
import { createSyncNetV4, syncNetV4WeightShapes } from '../../src/core/models/syncnet-v4';
import { embeddedWeightRole } from '../../src/core/models/embedded';
import type { WeightMap } from '../../src/core/models/types';
import { trainEmbedded, type TrainingClip } from '../../src/core/train/embedded-training';
import { Rng } from '../../src/core/train/rng';
import {
  finetuneSyncNetHead,
  preFcSize,
  SyncNetHead,
  syncNetAudioPreFc,
  syncNetHeadTrainableNames,
  type ActivationTables,
  type SyncNetKind,
} from '../../src/core/train/syncnet-head';
import type { WindowClip } from '../../src/core/train/pairs';

let tf: typeof TF;
before(async () => {
  tf = await useBackend('wasm');
});

const mean = (v: Float32Array) => v.reduce((s, x) => s + x, 0) / v.length;

/** Seeded random weights: He-scaled kernels, small biases, BatchNorm near identity. */
function randomWeights(shapes: Record<string, number[]>, seed: number): WeightMap {
  const rng = new Rng(seed);
  const out: WeightMap = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length > 1 ? n / shape[shape.length - 1] : 1;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (name.endsWith('.kernel')) data[i] = rng.normal() * Math.sqrt(2 / fanIn);
      else if (/bn\.(gamma)$/.test(name)) data[i] = 1 + 0.1 * rng.normal();
      else if (/bn\.(variance|sigma)$/.test(name)) data[i] = 0.8 + 0.4 * rng.next();
      else data[i] = 0.05 * rng.normal();
    }
    out[name] = { shape: [...shape], data };
  }
  return out;
}

function assertOnlyChanged(before: WeightMap, after: WeightMap, trainable: (name: string) => boolean): void {
  assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
  for (const name of Object.keys(before)) {
    const same = before[name].data.every((v, i) => Object.is(v, after[name].data[i]));
    if (trainable(name)) assert.ok(!same, `${name} should have been trained`);
    else assert.ok(same, `${name} is frozen but changed`);
  }
}

describe('embedded model head fine-tuning', () => {
  it('lowers the loss and changes only lip/audio fc1, fc2', () => {
    const clips: TrainingClip[] = Array.from({ length: 4 }, (_, i) => {
      const c = syntheticClip({ seed: 40 + i, seconds: 6, speaker: i });
      return { id: c.features.file, group: c.speaker, features: c.features, samples: c.samples };
    });
    const start = trainEmbedded(clips, { seed: 2, steps: 40, batchSize: 64 }).weights;
    const tuned = trainEmbedded(
      clips,
      { seed: 5, steps: 120, batchSize: 64, learningRate: 3e-3 },
      'head',
      start,
    );
    const first = mean(tuned.losses.slice(0, 15));
    const last = mean(tuned.losses.slice(-15));
    assert.ok(last < 0.85 * first, `loss ${first} → ${last}`);
    assertOnlyChanged(start, tuned.weights, (name) => embeddedWeightRole(name) === 'head');
  });
});

/** Activation tables with a shared latent per grid position: lip and audio are noisy non-negative views of it. */
function syntheticTables(kind: SyncNetKind, seed: number): ActivationTables {
  const rng = new Rng(seed);
  const latent = 6;
  const lipDim = preFcSize(kind, 'lip');
  const audioDim = preFcSize(kind, 'audio');
  const project = (dim: number) => Float32Array.from({ length: dim * latent }, () => rng.normal());
  const A = project(lipDim);
  const B = project(audioDim);
  const positions = 60;
  const clipsCount = 4;
  const lip = new Float32Array(clipsCount * positions * lipDim);
  const audio = new Float32Array(clipsCount * positions * audioDim);
  const clips: WindowClip[] = [];
  for (let c = 0; c < clipsCount; c++) {
    for (let g = 0; g < positions; g++) {
      const z = Float32Array.from({ length: latent }, (_, k) => Math.sin(0.3 * g * (k + 1) + c + k));
      const row = c * positions + g;
      for (let d = 0; d < lipDim; d++) {
        let v = 0.3 * rng.normal();
        for (let k = 0; k < latent; k++) v += A[d * latent + k] * z[k];
        lip[row * lipDim + d] = Math.max(0, v);
      }
      for (let d = 0; d < audioDim; d++) {
        let v = 0.3 * rng.normal();
        for (let k = 0; k < latent; k++) v += B[d * latent + k] * z[k];
        audio[row * audioDim + d] = Math.max(0, v);
      }
    }
    const rows = Int32Array.from({ length: positions }, (_, g) => c * positions + g);
    clips.push({ id: `c${c}`, group: `g${c}`, lipRows: rows, audioRows: rows.slice() });
  }
  return { lip, lipCount: clipsCount * positions, audio, audioCount: clipsCount * positions, clips };
}

for (const kind of ['syncnet-v2', 'syncnet-v4'] as const) {
  describe(`${kind} fc fine-tuning`, () => {
    const shapes = kind === 'syncnet-v2' ? syncNetV2WeightShapes('audio') : syncNetV4WeightShapes('audio');
    const audioWeights = randomWeights(shapes, kind === 'syncnet-v2' ? 21 : 22);

    /** The head (unfolded BatchNorm, trainable fc) on `preFc` gives the model's own embeddings `direct`; nothing leaks. */
    function assertHeadMatches(
      stream: 'lip' | 'audio',
      weights: WeightMap,
      forward: () => { preFc: TF.Tensor2D; direct: TF.Tensor2D },
      rows: number,
    ): void {
      const before = tf.memory().numTensors;
      const out = forward();
      assert.deepEqual(out.preFc.shape, [rows, preFcSize(kind, stream)]);
      const head = new SyncNetHead(kind, stream, weights, false);
      const viaHead = head.embed(out.preFc);
      const b = out.direct.dataSync();
      const scale = Math.max(...Array.from(b, Math.abs));
      const worst = Math.max(...Array.from(viaHead.dataSync(), (v, i) => Math.abs(v - b[i])));
      assert.ok(worst <= 1e-4 * scale, `max abs difference ${worst} vs max |output| ${scale}`);
      tf.dispose([out.preFc, viaHead, out.direct]);
      head.dispose();
      assert.equal(tf.memory().numTensors, before);
    }

    it('its head on the extracted pre-fc activations equals the model’s own audio forward', () => {
      const model =
        kind === 'syncnet-v2'
          ? createSyncNetV2(audioWeights, 'audio', 'w')
          : createSyncNetV4(audioWeights, 'audio', 'w');
      const mfcc = tf.randomNormal(
        [3, kind === 'syncnet-v2' ? 13 : 12, 20],
        0,
        8,
        'float32',
        7,
      ) as TF.Tensor3D;
      assertHeadMatches(
        'audio',
        audioWeights,
        () => ({ preFc: syncNetAudioPreFc(kind, audioWeights, mfcc), direct: model.embedAudio(mfcc) }),
        3,
      );
      model.dispose();
      mfcc.dispose();
    });

    it('its lip head on the model’s lip pre-fc output (what the window cache stores) equals embedLip', () => {
      const lipWeights = randomWeights(
        kind === 'syncnet-v2' ? syncNetV2WeightShapes('lip') : syncNetV4WeightShapes('lip'),
        kind === 'syncnet-v2' ? 23 : 24,
      );
      const model =
        kind === 'syncnet-v2'
          ? createSyncNetV2(lipWeights, 'lip', 'w')
          : createSyncNetV4(lipWeights, 'lip', 'w');
      const { frames, height, width, channels } = model.lipInput;
      const pixels = tf.randomUniform(
        [2, frames, height, width, channels],
        0,
        255,
        'float32',
        8,
      ) as TF.Tensor5D;
      assertHeadMatches(
        'lip',
        lipWeights,
        () => ({ preFc: model.lipPreFc(pixels), direct: model.embedLip(pixels) }),
        2,
      );
      model.dispose();
      pixels.dispose();
    });

    it('lowers the contrastive loss and changes only the fc kernels and biases', () => {
      const allShapes = kind === 'syncnet-v2' ? syncNetV2WeightShapes('both') : syncNetV4WeightShapes('both');
      // Only the fc layers and their BatchNorm matter here; conv weights stay out of the map to keep the fixture small.
      const fcShapes = Object.fromEntries(Object.entries(allShapes).filter(([name]) => /\.fc\d/.test(name)));
      const weights = randomWeights(fcShapes, 31);
      const tables = syntheticTables(kind, 32);
      const result = finetuneSyncNetHead(kind, weights, tables, {
        seed: 1,
        steps: kind === 'syncnet-v2' ? 30 : 16,
        batchSize: 32,
        learningRate: 1e-3,
      });
      const window = kind === 'syncnet-v2' ? 6 : 4;
      const first = mean(result.losses.slice(0, window));
      const last = mean(result.losses.slice(-window));
      assert.ok(last < 0.75 * first, `loss ${first} → ${last} (margin ${result.margin})`);
      const trainable = new Set([
        ...syncNetHeadTrainableNames(kind, 'lip'),
        ...syncNetHeadTrainableNames(kind, 'audio'),
      ]);
      assertOnlyChanged(weights, result.weights, (name) => trainable.has(name));
      for (const name of trainable)
        assert.deepEqual(
          result.weights[name].shape,
          weights[name].shape,
          `${name} keeps its canonical shape`,
        );
    });
  });
}
