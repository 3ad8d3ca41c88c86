// In-browser harness for test/engine/model-streams.test.ts: SyncNet v2 (seeded stand-in
// weights) embedding the same lip and sound windows on this thread and in the stream
// workers (src/engine/model-streams.ts), returned as plain arrays for the test to compare.
import { chooseBackend } from '../../src/engine/backend';
import { encodeWeights } from '../../src/core/convert/weights-bundle';
import { createSyncNetV2, syncNetV2WeightShapes } from '../../src/core/models/syncnet-v2';
import { inThreadStreams, workerStreams, type ModelStreams } from '../../src/engine/model-streams';
import { randomWeights } from '../../scripts/lib/random-weights';

/** Built beside this page by scripts/lib/bundle.ts (EngineAssets.modelWorkerUrl). */
const MODEL_WORKER_URL = '/test/.generated/pages/model-worker.js';
const TF_WASM_BASE = `${location.origin}/node_modules/@tensorflow/tfjs-backend-wasm/dist/`;

export interface StreamsRun {
  where: string;
  lip: number[][];
  audio: number[][];
  /** What a job given after dispose() did: 'rejected: …' (never left waiting). */
  afterDispose: string;
}

async function embedBoth(streams: ModelStreams, windows: number): Promise<Omit<StreamsRun, 'afterDispose'>> {
  // Deterministic inputs: pixel values 0–255 and MFCC-like values, seeded by position.
  const lipValues = Float32Array.from({ length: windows * 5 * 224 * 224 * 3 }, (_, i) => (i * 7919) % 256);
  const audioValues = Float32Array.from({ length: windows * 13 * 20 }, (_, i) => Math.sin(i * 0.37) * 10);
  const [lip, audio] = await Promise.all([
    streams.embedLip({ values: lipValues, shape: [windows, 5, 224, 224, 3] }),
    streams.embedAudio({ values: audioValues, shape: [windows, 13, 20] }),
  ]);
  return {
    where: streams.where,
    lip: lip.map((r) => Array.from(r)),
    audio: audio.map((r) => Array.from(r)),
  };
}

async function runStreams(
  where: 'this thread' | 'workers',
  windows: number,
  workerUrl = MODEL_WORKER_URL,
): Promise<StreamsRun> {
  const { backend } = await chooseBackend(TF_WASM_BASE, 'wasm');
  const weights = randomWeights(syncNetV2WeightShapes(), 2);
  let streams: ModelStreams;
  if (where === 'this thread') {
    streams = inThreadStreams(createSyncNetV2(weights, 'both', 'stand-in SyncNet v2'));
  } else {
    const started = await workerStreams(workerUrl, {
      bundle: encodeWeights('syncnet-v2', 'stand-in SyncNet v2', weights),
      tfWasmBase: TF_WASM_BASE,
      backend,
    });
    if ('notStarted' in started) return { where: started.notStarted, lip: [], audio: [], afterDispose: '' };
    streams = started;
  }
  const run = await embedBoth(streams, windows);
  streams.dispose();
  const afterDispose = await streams
    .embedLip({ values: new Float32Array(5 * 224 * 224 * 3), shape: [1, 5, 224, 224, 3] })
    .then(
      () => 'resolved',
      (error: Error) => `rejected: ${error.message}`,
    );
  return { ...run, afterDispose };
}

Object.assign(window, { runStreams, harnessReady: true });
