// Benchmark page (npm run bench): times the engine's stages on real frames of a real clip,
// decoded first so playback speed does not limit the figures. Stages per frame:
// landmarks (MediaPipe tracker), features (the model's lip input capture), model (one lip
// window + one audio window per frame: on the 25-fps grid each new frame completes one
// window). Random weights: speed does not depend on their values. Frames are 25 fps unless
// `sourceFps` says otherwise; then, like the engine, only the frames the 25-fps grid shows
// are landmarked (GridFrameFilter) and frames/s count every source frame.
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/engine/backend';
import { createFaceTracker } from '../../src/engine/face-tracker';
import { createFeatureSampler, createSyncNetV2Sampler, type LipFrame } from '../../src/engine/lip-samplers';
import { createSyncNetV2, syncNetV2WeightShapes } from '../../src/core/models/syncnet-v2';
import { createEmbeddedModel, embeddedWeightShapes } from '../../src/core/models/embedded';
import { GridFrameFilter } from '../../src/core/sync/windows';
import { createEngine } from '../../src/engine/create';
import { checkFile } from '../../src/engine/file-source';
import type { SyncModel } from '../../src/core/models/types';
import { randomWeights } from '../lib/random-weights';
import type { EngineAssets, EngineFrame } from '../../src/engine/types';
import type { LipSampler } from '../../src/engine/lip-samplers';

export interface StageTimes {
  model: string;
  resolution: string;
  /** Frame rate of the source the frames stand for. */
  sourceFps: number;
  frames: number;
  /** Frames that were landmarked (all of them at 25 fps). */
  observedFrames: number;
  landmarksFps: number;
  featuresFps: number;
  modelFps: number;
  totalFps: number;
  lipWindowsPerSec: number;
  audioWindowsPerSec: number;
  /** Where the face tracker's landmarker ran (e.g. '2 workers'). */
  landmarkingOn: string;
}

/** Frames observed before timing starts. */
const WARM_UP_FRAMES = 5;

async function decodeFrames(
  url: string,
  count: number,
  width: number,
  height: number,
  fps = 25,
): Promise<ImageBitmap[]> {
  const video = document.createElement('video');
  video.muted = true;
  video.src = url;
  await new Promise((resolve, reject) => {
    video.onloadeddata = resolve;
    video.onerror = () => reject(new Error(`cannot play ${url}`));
  });
  const frames: ImageBitmap[] = [];
  for (let i = 0; i < count; i++) {
    video.currentTime = Math.min(video.duration - 0.05, i / fps);
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
  sourceFps = 25,
): Promise<StageTimes> {
  const tracker = await createFaceTracker(assets);
  const landmarkingOn = tracker.landmarkingOn;
  const [width, height] = resolution.split('x').map(Number);
  const toFrame = (image: ImageBitmap, i: number): EngineFrame => ({
    mediaTime: i / sourceFps,
    image,
    videoWidth: width,
    videoHeight: height,
  });
  // Warm-up: MediaPipe's and TF.js's first calls compile and allocate, and the tracker's
  // follower graph first runs on the frame after the one that found the face.
  let warm = await tracker.observe(toFrame(frames[0], 0), 0);
  for (let i = 1; i < WARM_UP_FRAMES; i++)
    warm = await tracker.observe(toFrame(frames[i % frames.length], i), 0);
  tracker.newSegment();
  const observations: Awaited<ReturnType<typeof tracker.observe>>[] = [];
  const observed: number[] = [];
  const grid = new GridFrameFilter();
  const landmarks = await timeIt(async () => {
    // As the engine does it: as many frames in flight as the tracker landmarks in parallel.
    const inFlight: ReturnType<typeof tracker.observe>[] = [];
    for (const [i, frame] of frames.entries()) {
      const engineFrame = toFrame(frame, WARM_UP_FRAMES + i);
      if (!grid.keep(engineFrame.mediaTime)) continue;
      inFlight.push(tracker.observe(engineFrame, 1));
      observed.push(i);
      if (inFlight.length >= tracker.parallelFrames) observations.push(await inFlight.shift()!);
    }
    for (const pending of inFlight) observations.push(await pending);
  });
  const capture = sampler.newTrack();
  const lipFrames: LipFrame[] = [];
  const features = await timeIt(() => {
    observations.forEach((observation, i) => {
      const face = observation.faces[0] ?? warm.faces[0];
      if (!face) throw new Error('bench: no face found in the bench clip');
      const lip = capture(toFrame(frames[observed[i]], WARM_UP_FRAMES + observed[i]), face);
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
      const out = tf.tidy(() =>
        model.embedLip(tf.slice(lipInput, start, Math.min(batch, windows - start)) as tf.Tensor5D),
      );
      await out.data();
      out.dispose();
    }
  });
  const audioTime = await timeIt(async () => {
    for (let start = 0; start < windows; start += 32) {
      const out = tf.tidy(() =>
        model.embedAudio(tf.slice(audioInput, start, Math.min(32, windows - start)) as tf.Tensor3D),
      );
      await out.data();
      out.dispose();
    }
  });
  tf.dispose([lipInput, audioInput]);
  tracker.close();
  // Per source frame: landmarks and features only for the observed frames, one window per grid frame.
  const n = frames.length;
  const gridFrames = n * Math.min(1, 25 / sourceFps);
  const modelPerFrame = ((lipTime + audioTime) / windows) * (gridFrames / n);
  const perFrame = landmarks / n + features / n + modelPerFrame;
  return {
    model: name,
    resolution,
    sourceFps,
    frames: n,
    observedFrames: observed.length,
    landmarksFps: n / landmarks,
    featuresFps: n / features,
    modelFps: 1 / modelPerFrame,
    totalFps: 1 / perFrame,
    lipWindowsPerSec: windows / lipTime,
    audioWindowsPerSec: windows / audioTime,
    landmarkingOn,
  };
}

function embeddedSampler(embedded: ReturnType<typeof createEmbeddedModel>): LipSampler {
  return createFeatureSampler(embedded.lipInput, () => {
    const featurizer = embedded.createFeaturizer();
    return (face) =>
      featurizer.observe({ t: 0, segment: 0, shot: 0, faces: [face] }).get(face.trackId) ?? null;
  });
}

export interface FileCheckTimes {
  /** Frames the file page's loop handed to the engine. */
  frames: number;
  /** Frames per second of wall time from the first frame to the last (decode, tracking, features, windows embedded on the way). */
  framesPerSec: number;
  /** Seconds for the whole check: open, decode audio, every frame, final scoring. */
  totalSeconds: number;
  durationS: number;
  verdict: string;
  landmarking: string;
}

/**
 * The whole clip as `npm run check` and the file page check it — the shipped embedded
 * model, frames from the file page's source (src/engine/file-source.ts: WebCodecs for MP4/MOV
 * H.264, else the playing <video>) — timed end to end.
 */
async function benchFileCheck(clipUrl: string, assets: EngineAssets): Promise<FileCheckTimes> {
  const video = await (await fetch(clipUrl)).blob();
  const engine = await createEngine(assets, { model: 'embedded', mode: 'file' });
  try {
    let frames = 0;
    let firstFrame = 0;
    let lastFrame = 0;
    const started = performance.now();
    const result = await checkFile(
      engine,
      { video, videoName: clipUrl },
      {
        onProgress: (progress) => {
          if (progress.phase !== 'frames') return;
          lastFrame = performance.now();
          if (frames++ === 0) firstFrame = lastFrame;
        },
      },
    );
    return {
      frames,
      framesPerSec: (frames - 1) / ((lastFrame - firstFrame) / 1000),
      totalSeconds: (performance.now() - started) / 1000,
      durationS: result.durationS,
      verdict: result.verdict,
      landmarking: result.landmarking,
    };
  } finally {
    engine.dispose();
  }
}

declare global {
  interface Window {
    runBench(options: {
      clipUrl: string;
      assets: EngineAssets;
      frames: number;
      /** A clip with a single face, for a 1280×720 row without the bench clip's second (slide) face. */
      oneFaceClipUrl?: string;
      backend?: 'wasm' | 'webgl' | 'cpu';
    }): Promise<{ backend: string; reason: string; results: StageTimes[]; fileCheck: FileCheckTimes }>;
  }
}

window.runBench = async ({ clipUrl, assets, frames: count, oneFaceClipUrl, backend: prefer }) => {
  const backend = await chooseBackend(assets.tfWasmBase, prefer);
  const results: StageTimes[] = [];
  for (const [width, height] of [
    [640, 360],
    [1280, 720],
  ]) {
    const frames = await decodeFrames(clipUrl, count, width, height);
    const resolution = `${width}x${height}`;
    const embedded = createEmbeddedModel(randomWeights(embeddedWeightShapes(), 1));
    results.push(
      await benchModel('embedded', embedded, embeddedSampler(embedded), assets, frames, resolution),
    );
    embedded.dispose();
    const v2 = createSyncNetV2(randomWeights(syncNetV2WeightShapes(), 2), 'both', 'random SyncNet v2');
    results.push(
      await benchModel(
        'syncnet-v2 (random weights)',
        v2,
        createSyncNetV2Sampler(),
        assets,
        frames.slice(0, Math.min(frames.length, 40)),
        resolution,
      ),
    );
    v2.dispose();
    frames.forEach((f) => f.close());
  }
  if (oneFaceClipUrl) {
    // The bench clip's slide also shows a cartoon face, tracked as a second face (a second
    // landmark run per frame): the same resolution with one face shows what that costs.
    const frames = await decodeFrames(oneFaceClipUrl, count, 1280, 720);
    const embedded = createEmbeddedModel(randomWeights(embeddedWeightShapes(), 1));
    results.push(
      await benchModel(
        'embedded (one-face clip)',
        embedded,
        embeddedSampler(embedded),
        assets,
        frames,
        '1280x720',
      ),
    );
    embedded.dispose();
    frames.forEach((f) => f.close());
  }
  // Sources above 25 fps: the engine landmarks only the frames the 25-fps grid shows.
  for (const sourceFps of [30, 60]) {
    const [width, height] = [640, 360];
    const frames = await decodeFrames(clipUrl, count, width, height, sourceFps);
    const embedded = createEmbeddedModel(randomWeights(embeddedWeightShapes(), 1));
    results.push(
      await benchModel(
        'embedded',
        embedded,
        embeddedSampler(embedded),
        assets,
        frames,
        `${width}x${height}`,
        sourceFps,
      ),
    );
    embedded.dispose();
    frames.forEach((f) => f.close());
  }
  const fileCheck = await benchFileCheck(clipUrl, assets);
  return { backend: backend.backend, reason: backend.reason, results, fileCheck };
};
