// Training the embedded model end to end on synthetic talking faces (mouth opening follows
// the voice with a known lag): seeded runs are bit-identical, the contrastive loss falls,
// and a model trained on some speakers recovers the offset of an unseen speaker's clip and
// scores its own audio above swapped-in audio.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type * as TF from '@tensorflow/tfjs';
import { useBackend } from '../helpers/tf';
import { syntheticClip } from '../helpers/synthetic-clip';
import { createEmbeddedModel } from '../../src/core/models/embedded';
import {
  clipGrid,
  embeddedLipInputs,
  embedLipTrack,
  scoreAudioVariant,
  shiftAudio,
} from '../../src/core/train/clip-score';
import {
  buildWindowTables,
  featureStats,
  trainEmbedded,
  type TrainingClip,
} from '../../src/core/train/embedded-training';

let tf: typeof TF;
before(async () => {
  tf = await useBackend('wasm');
});

const asTraining = (c: ReturnType<typeof syntheticClip>): TrainingClip => ({
  id: c.features.file,
  group: c.speaker,
  features: c.features,
  samples: c.samples,
});
const trainClips = Array.from({ length: 6 }, (_, i) =>
  asTraining(syntheticClip({ seed: 100 + i, seconds: 10, speaker: i })),
);

describe('embedded training', () => {
  it('builds window tables that cover every frame with a face', () => {
    const tables = buildWindowTables(trainClips.slice(0, 2), featureStats(trainClips));
    // 10 s at 25 fps = 250 frames → 246 lip windows per clip; 160 000 samples give 999
    // MFCC rows, and 4i + 20 ≤ 999 admits 245 audio windows (syncnet_python's min_length).
    assert.equal(tables.lipCount, 2 * 246);
    assert.equal(tables.audioCount, 2 * 245);
    assert.equal(tables.clips.length, 2);
    assert.ok(tables.lip.every(Number.isFinite) && tables.audio.every(Number.isFinite));
  });

  it('is deterministic for a seed', () => {
    const a = trainEmbedded(trainClips, { seed: 3, steps: 20, batchSize: 64 });
    const b = trainEmbedded(trainClips, { seed: 3, steps: 20, batchSize: 64 });
    const c = trainEmbedded(trainClips, { seed: 4, steps: 20, batchSize: 64 });
    for (const name of Object.keys(a.weights))
      assert.deepEqual(a.weights[name].data, b.weights[name].data, name);
    assert.deepEqual(a.losses, b.losses);
    assert.notDeepEqual(a.weights['lip.fc2.kernel'].data, c.weights['lip.fc2.kernel'].data);
  });

  it('learns sync: loss falls, held-out offsets are recovered, own audio beats swapped audio', async () => {
    const before = tf.memory().numTensors;
    const result = trainEmbedded(trainClips, { seed: 1, steps: 300 });
    assert.equal(tf.memory().numTensors, before, 'training leaves no tensor behind');
    const mean = (v: Float32Array) => v.reduce((s, x) => s + x, 0) / v.length;
    const first = mean(result.losses.slice(0, 30));
    const last = mean(result.losses.slice(-30));
    assert.ok(last < 0.5 * first, `loss ${first} → ${last}`);
    const model = createEmbeddedModel(result.weights);
    for (const [seed, lag] of [
      [200, 0],
      [201, 3],
      [202, -4],
    ]) {
      const clip = syntheticClip({ seed, seconds: 8, speaker: 10 + seed - 200, lagFrames: lag });
      const other = syntheticClip({ seed: seed + 50, seconds: 8, speaker: 20 + seed - 200 });
      const segments = clipGrid(clip.features);
      const lip = await embedLipTrack(
        model,
        embeddedLipInputs(clip.features, segments, 1, model.normaliserPrior),
      );
      const range = { fromS: 0, toS: 8 };
      const own = await scoreAudioVariant(model, segments, lip, { startS: 0, samples: clip.samples }, range);
      const shifted = await scoreAudioVariant(
        model,
        segments,
        lip,
        shiftAudio({ startS: 0, samples: clip.samples }, 6),
        range,
      );
      const swapped = await scoreAudioVariant(
        model,
        segments,
        lip,
        { startS: 0, samples: other.samples },
        range,
      );
      assert.ok(own.result && shifted.result && swapped.result);
      assert.ok(Math.abs(own.result.offsetFrames - lag) <= 1, `lag ${lag}: found ${own.result.offsetFrames}`);
      assert.ok(
        Math.abs(shifted.result.offsetFrames - (lag + 6)) <= 1,
        `lag ${lag} + 6: found ${shifted.result.offsetFrames}`,
      );
      assert.ok(
        own.result.confidence > 2 * swapped.result.confidence,
        `own ${own.result.confidence} vs swapped ${swapped.result.confidence}`,
      );
    }
    model.dispose();
  });

  it('realigns training clips that are themselves out of sync, relative to the median clip', () => {
    // Two of six clips have the mouth 4 frames behind the voice (audio leads: offset +4).
    const clips = Array.from({ length: 6 }, (_, i) =>
      asTraining(syntheticClip({ seed: 100 + i, seconds: 10, speaker: i, lagFrames: i < 2 ? 4 : 0 })),
    );
    const result = trainEmbedded(clips, { seed: 1, steps: 300, realign: { warmupSteps: 150, maxOffset: 8 } });
    assert.deepEqual(
      result.ownOffsets.map((o) => o.offset),
      [4, 4, 0, 0, 0, 0],
    );
    assert.ok(result.ownOffsets.every((o) => o.confidence !== null && o.confidence > 0.1));
  });
});
