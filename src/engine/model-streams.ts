// Where a sync model's two streams run. The shipped model's lips cost well under a
// millisecond a window, so it runs on the engine's own thread. SyncNet's do not (v2's lip
// stream: ~118 ms a window on this project's 2-core machine, its sound's 14 ms): on the
// engine's thread every embedding batch blocks the frames arriving meanwhile, which a live
// check then loses. Live, each of SyncNet's streams runs in a worker of its own, like the
// landmarker pool (face/landmarker-pool.ts), and the engine's thread only takes frames,
// cuts crops and decides. Workers that cannot start leave both streams on this thread.
import * as tf from '@tensorflow/tfjs';
import { embedInBatches, type WindowBatch } from '../core/score';
import { rowsFromFlat } from '../core/sync/offset-search';
import type { WeightsBundle } from '../core/convert/weights-bundle';
import type { StreamMode, SyncModel } from '../core/models/types';
import { JobWorker } from './job-worker';

/** Windows per model call, as before workers existed (lips are 16× larger than sound windows). */
export const LIP_BATCH = 16;
export const AUDIO_BATCH = 32;
const WORKER_START_TIMEOUT_MS = 60000;

export interface ModelStreams {
  /** In words: 'this thread', '2 workers' or 'this thread (…why not workers)'. */
  readonly where: string;
  /**
   * Lip windows [N, 5, H, W, C] → N embeddings. Plain values, not tensors: in workers they
   * move there as they are (transferred — the batch is the callee's afterwards).
   */
  embedLip(windows: WindowBatch): Promise<Float32Array[]>;
  /** MFCC windows [N, coefficients, 20] → N embeddings; the batch is the callee's afterwards. */
  embedAudio(windows: WindowBatch): Promise<Float32Array[]>;
  dispose(): void;
}

/** What a stream worker loads (./model-worker.ts): one stream of the bundle's model. */
export interface StreamWorkerInit {
  bundle: WeightsBundle;
  stream: Exclude<StreamMode, 'both'>;
  tfWasmBase: string;
  backend: 'wasm' | 'webgl' | 'cpu';
}

/** The reply to a batch (a WindowBatch): its rows flattened, `size` values each. */
export interface StreamResult {
  rows: Float32Array;
  size: number;
}

/** The model on this thread (the stream workers run their half of it this way too). */
export function inThreadStreams(model: SyncModel, where = 'this thread'): ModelStreams {
  const embed = async <T extends tf.Tensor>(
    { values, shape }: WindowBatch,
    run: (batch: T) => tf.Tensor2D,
    batchSize: number,
  ) => {
    const windows = tf.tensor(values, shape) as T;
    try {
      return await embedInBatches(windows, run, batchSize);
    } finally {
      windows.dispose();
    }
  };
  return {
    where,
    embedLip: (windows) => embed<tf.Tensor5D>(windows, (batch) => model.embedLip(batch), LIP_BATCH),
    embedAudio: (windows) => embed<tf.Tensor3D>(windows, (batch) => model.embedAudio(batch), AUDIO_BATCH),
    dispose: () => model.dispose(),
  };
}

async function runInWorker(
  worker: JobWorker<StreamWorkerInit, WindowBatch, StreamResult>,
  windows: WindowBatch,
): Promise<Float32Array[]> {
  if (windows.shape[0] === 0) return [];
  const { rows, size } = await worker.run(windows, [windows.values.buffer]);
  return rowsFromFlat(rows, size);
}

/** Both streams in workers, one each (a slow lip batch never holds up the sound's); or why not. */
export async function workerStreams(
  url: string | undefined,
  init: Omit<StreamWorkerInit, 'stream'>,
): Promise<ModelStreams | { notStarted: string }> {
  if (!url) return { notStarted: 'no worker URL' };
  if (typeof Worker === 'undefined') return { notStarted: 'no Worker here' };
  const started = await Promise.allSettled(
    (['lip', 'audio'] as const).map((stream) =>
      JobWorker.start<StreamWorkerInit, WindowBatch, StreamResult>(
        url,
        // Each worker gets its own copy of the weights (structured clone).
        { ...init, stream },
        { name: `${stream} stream`, timeoutMs: WORKER_START_TIMEOUT_MS },
      ),
    ),
  );
  const [lip, audio] = started.map((s) => (s.status === 'fulfilled' ? s.value : null));
  if (lip && audio) {
    return {
      where: '2 workers',
      embedLip: (windows) => runInWorker(lip, windows),
      embedAudio: (windows) => runInWorker(audio, windows),
      dispose: () => [lip, audio].forEach((w) => w.close()),
    };
  }
  [lip, audio].forEach((w) => w?.close());
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')!;
  const reason = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
  return { notStarted: `workers failed to start: ${reason}` };
}
