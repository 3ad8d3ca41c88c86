// Embeds lip and MFCC windows with a sync model in bounded batches and runs the offset
// search — syncnet_python's SyncNetInstance.evaluate from "Generate video and audio
// feats" to "Compute offset". Embeddings leave TF.js as Float32Array rows so the search
// itself holds no tensors; tf.memory().numTensors is unchanged after a call.
import * as tf from '@tensorflow/tfjs';
import type { SyncModel } from './models/types';
import { searchOffset, type OffsetResult, type OffsetSearchOptions } from './sync/offset-search';
import { rowsFromFlat } from './sync/offset-search';

export interface ScoreOptions extends OffsetSearchOptions {
  /** Windows per forward pass (syncnet_python's --batch_size, default 20). */
  batchSize?: number;
  /** Called after each batch with the fraction of windows embedded. */
  onProgress?: (fraction: number) => void;
}

/** Embeds all windows of one stream, `batchSize` at a time, without keeping tensors. */
export async function embedInBatches<T extends tf.Tensor>(
  windows: T,
  embed: (batch: T) => tf.Tensor2D,
  batchSize: number,
  onBatch?: (done: number) => void,
): Promise<Float32Array[]> {
  const count = windows.shape[0];
  const rows: Float32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const embedded = tf.tidy(() => {
      const batch = tf.slice(windows, start, size) as T;
      return embed(batch);
    });
    const flat = (await embedded.data()) as Float32Array;
    embedded.dispose();
    rows.push(...rowsFromFlat(flat, embedded.shape[1]));
    onBatch?.(start + size);
  }
  return rows;
}

/**
 * lipWindows [N, 5, H, W, C] and mfccWindows [N, coefficients, 20] (window i of each
 * covers the same 0.2 s) → the 31-offset search result. Inputs are not disposed.
 */
export async function scoreWindows(
  model: SyncModel,
  lipWindows: tf.Tensor5D,
  mfccWindows: tf.Tensor3D,
  options: ScoreOptions = {},
): Promise<OffsetResult> {
  const count = lipWindows.shape[0];
  if (mfccWindows.shape[0] !== count) {
    throw new RangeError(`scoreWindows: ${count} lip windows but ${mfccWindows.shape[0]} MFCC windows`);
  }
  if (count === 0) throw new RangeError('scoreWindows: no windows to score');
  const batchSize = options.batchSize ?? 20;
  const report = (done: number) => options.onProgress?.(done / (2 * count));
  const lip = await embedInBatches(lipWindows, (batch) => model.embedLip(batch), batchSize, report);
  const audio = await embedInBatches(
    mfccWindows,
    (batch) => model.embedAudio(batch),
    batchSize,
    (done) => report(count + done),
  );
  return searchOffset(lip, audio, options);
}

/** A batch of model input as plain values (what a worker can take without TF.js on this side). */
export interface WindowBatch {
  values: Float32Array;
  shape: number[];
}

/**
 * MFCC windows for the audio stream: rows [start, start+20) of a FeatureMatrix, laid out
 * [N, coefficients, 20] as syncnet_python slices cct[:, :, :, 4i : 4i+20] (coefficient ×
 * time). `rowStarts` come from windowsForSegment (4i relative to the segment's audio).
 */
export function mfccWindowTensor(
  features: { rows: number; coefficients: number; data: Float32Array },
  rowStarts: readonly number[],
  steps = 20,
): tf.Tensor3D {
  const { values, shape } = mfccWindowValues(features, rowStarts, steps);
  return tf.tensor3d(values, shape as [number, number, number]);
}

/** mfccWindowTensor's values, before they become a tensor. */
export function mfccWindowValues(
  features: { rows: number; coefficients: number; data: Float32Array },
  rowStarts: readonly number[],
  steps = 20,
): WindowBatch {
  const { rows, coefficients, data } = features;
  const out = new Float32Array(rowStarts.length * coefficients * steps);
  rowStarts.forEach((start, n) => {
    if (!Number.isInteger(start) || start < 0 || start + steps > rows) {
      throw new RangeError(`MFCC window ${n} needs rows [${start}, ${start + steps}) but there are ${rows}`);
    }
    for (let c = 0; c < coefficients; c++) {
      for (let t = 0; t < steps; t++)
        out[(n * coefficients + c) * steps + t] = data[(start + t) * coefficients + c];
    }
  });
  return { values: out, shape: [rowStarts.length, coefficients, steps] };
}
