// Benchmark page (npm run bench): times the engine's stages on real frames of a real clip,
// decoded first so playback speed does not limit the figures. Stages per frame:
// landmarks (MediaPipe tracker), features (the model's lip input capture), model (one lip
// window + one audio window per frame: on the 25-fps grid each new frame completes one
// window). Random weights: speed does not depend on their values.
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/engine/backend';
import { createFaceTracker } from '../../src/engine/face-tracker';
import { createFeatureSampler, createSyncNetV2Sampler, type LipFrame } from '../../src/engine/lip-samplers';
import { createSyncNetV2, syncNetV2WeightShapes } from '../../src/core/models/syncnet-v2';
import { createEmbeddedModel, embeddedWeightShapes } from '../../src/core/models/embedded';
import type { SyncModel, WeightMap } from '../../src/core/models/types';
import type { EngineAssets, EngineFrame } from '../../src/engine/types';
import type { LipSampler } from '../../src/engine/lip-samplers';

export interface StageTimes {
  model: string;
  resolution: string;
  frames: number;
  landmarksFps: number;
  featuresFps: number;
  modelFps: number;
  totalFps: number;
  lipWindowsPerSec: number;
  audioWindowsPerSec: number;
}

function randomWeights(shapes: Record<string, number[]>, seed: number): WeightMap {
  let state = seed;
  const rand = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const weights: WeightMap = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const positive = /variance|std|sigma|gamma/.test(name);
    weights[name] = { shape, data: Float32Array.from({ length: n }, () => (positive ? 1 + 0.1 * rand() : 0.05 * rand())) };
  }
  return weights;
}

async function decodeFrames(url: string, count: number, width: number, height: number): Promise<ImageBitmap[]> {
  const video = document.createElement('video');
  video.muted = true;
  video.src = url;
  await new Promise((resolve, reject) => {
    video.onloadeddata = resolve;
    video.onerror = () => reject(new Error(`cannot play ${url}`));
  });
  const frames: ImageBitmap[] = [];
  for (let i = 0; i < count; i++) {
    video.currentTime = Math.min(video.duration - 0.05, i / 25);
    await new Promise((resolve) => (video.onseeked = resolve));
    frames.push(await createImageBitmap(video, { resizeWidth: width, resizeHeight: height }));
  }
  return frames;
}

async function timeIt(run: () => Promise<void> | void): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

async function benchModel(
  name: string,
  model: SyncModel,
  sampler: LipSampler,
  assets: EngineAssets,
  frames: ImageBitmap[],
  resolution: string,
): Promise<StageTimes> {
  const tracker = await createFaceTracker(assets);
  const [width, height] = resolution.split('x').map(Number);
  const toFrame = (image: ImageBitmap, i: number): EngineFrame => ({ mediaTime: i / 25, image, videoWidth: width, videoHeight: height });
  // Warm-up: MediaPipe and TF.js first calls compile/allocate.
  const warm = await tracker.observe(toFrame(frames[0], 0), 0);
  tracker.newSegment();
  const observations: Awaited<ReturnType<typeof tracker.observe>>[] = [];
  const landmarks = await timeIt(async () => {
    for (const [i, frame] of frames.entries()) observations.push(await tracker.observe(toFrame(frame, i + 1), 1));
  });
  const capture = sampler.newTrack();
  const lipFrames: LipFrame[] = [];
  const features = await timeIt(() => {
    observations.forEach((observation, i) => {
      const face = observation.faces[0] ?? warm.faces[0];
      if (!face) throw new Error('bench: no face found in the bench clip');
      const lip = capture(toFrame(frames[i], i + 1), face);
      if (lip) lipFrames.push(lip);
    });
  });
  const windows = Math.max(1, lipFrames.length - 4);
  const lipInput = sampler.windowTensor(Array.from({ length: windows }, (_, i) => lipFrames.slice(i, i + 5)));
  const audioInput = tf.randomNormal([windows, model.audioInput.coefficients, 20]) as tf.Tensor3D;
  tf.tidy(() => void model.embedLip(tf.slice(lipInput, 0, 1) as tf.Tensor5D).dataSync()); // warm-up
  tf.tidy(() => void model.embedAudio(tf.slice(audioInput, 0, 1) as tf.Tensor3D).dataSync());
  const batch = 16;
  const lipTime = await timeIt(async () => {
    for (let start = 0; start < windows; start += batch) {
      const out = tf.tidy(() => model.embedLip(tf.slice(lipInput, start, Math.min(batch, windows - start)) as tf.Tensor5D));
      await out.data();
      out.dispose();
    }
  });
  const audioTime = await timeIt(async () => {
    for (let start = 0; start < windows; start += 32) {
      const out = tf.tidy(() => model.embedAudio(tf.slice(audioInput, start, Math.min(32, windows - start)) as tf.Tensor3D));
      await out.data();
      out.dispose();
    }
  });
  tf.dispose([lipInput, audioInput]);
  tracker.close();
  const n = frames.length;
  const perFrame = landmarks / n + features / n + (lipTime + audioTime) / windows;
  return {
    model: name,
    resolution,
    frames: n,
    landmarksFps: n / landmarks,
    featuresFps: n / features,
    modelFps: windows / (lipTime + audioTime),
    totalFps: 1 / perFrame,
    lipWindowsPerSec: windows / lipTime,
    audioWindowsPerSec: windows / audioTime,
  };
}

declare global {
  interface Window {
    runBench(options: { clipUrl: string; assets: EngineAssets; frames: number; backend?: 'wasm' | 'webgl' | 'cpu' }): Promise<{ backend: string; reason: string; results: StageTimes[] }>;
  }
}

window.runBench = async ({ clipUrl, assets, frames: count, backend: prefer }) => {
  const backend = await chooseBackend(assets.tfWasmBase, prefer);
  const results: StageTimes[] = [];
  for (const [width, height] of [[640, 360], [1280, 720]]) {
    const frames = await decodeFrames(clipUrl, count, width, height);
    const resolution = `${width}x${height}`;
    const embedded = createEmbeddedModel(randomWeights(embeddedWeightShapes(), 1));
    const embeddedSampler = createFeatureSampler(embedded.lipInput, () => {
      const featurizer = embedded.createFeaturizer();
      return (face) => featurizer.observe({ t: 0, segment: 0, faces: [face] }).get(face.trackId) ?? null;
    });
    results.push(await benchModel('embedded', embedded, embeddedSampler, assets, frames, resolution));
    embedded.dispose();
    const v2 = createSyncNetV2(randomWeights(syncNetV2WeightShapes(), 2), 'both', 'random SyncNet v2');
    results.push(await benchModel('syncnet-v2 (random weights)', v2, createSyncNetV2Sampler(), assets, frames.slice(0, Math.min(frames.length, 40)), resolution));
    v2.dispose();
    frames.forEach((f) => f.close());
  }
  return { backend: backend.backend, reason: backend.reason, results };
};
