// The converted-weights format: a JSON manifest plus one little-endian float32 blob.
// The same bundle is written by `npm run convert` (files: manifest.json + weights.bin)
// and by the extension when a user imports official weights (kept in IndexedDB), so a
// converter never runs twice for the same checkpoint.
import type { SyncModelKind, WeightMap } from '../models/types';

export const WEIGHTS_FORMAT = 'lipsync-lens-weights';
export const WEIGHTS_FORMAT_VERSION = 1;

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface WeightsManifest {
  format: typeof WEIGHTS_FORMAT;
  formatVersion: number;
  model: SyncModelKind;
  /** File name the weights were converted from, for messages and the options page. */
  source: string;
  weights: WeightEntry[];
}

export interface WeightsBundle {
  manifest: WeightsManifest;
  data: Uint8Array;
}

export class WeightsFormatError extends Error {
  override name = 'WeightsFormatError';
}

const elementCount = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

export function encodeWeights(model: SyncModelKind, source: string, weights: WeightMap): WeightsBundle {
  const entries: WeightEntry[] = [];
  let total = 0;
  for (const [name, tensor] of Object.entries(weights)) {
    if (tensor.data.length !== elementCount(tensor.shape)) {
      throw new WeightsFormatError(
        `weight ${name}: ${tensor.data.length} values do not fill shape [${tensor.shape}]`,
      );
    }
    entries.push({ name, shape: [...tensor.shape], dtype: 'float32' });
    total += tensor.data.length;
  }
  const floats = new Float32Array(total);
  let offset = 0;
  for (const tensor of Object.values(weights)) {
    floats.set(tensor.data, offset);
    offset += tensor.data.length;
  }
  return {
    manifest: {
      format: WEIGHTS_FORMAT,
      formatVersion: WEIGHTS_FORMAT_VERSION,
      model,
      source,
      weights: entries,
    },
    data: new Uint8Array(floats.buffer),
  };
}

/** Validates a manifest read from JSON; `where` names the file in error messages. */
export function parseManifest(json: unknown, where: string): WeightsManifest {
  const m = json as Partial<WeightsManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== WEIGHTS_FORMAT) {
    throw new WeightsFormatError(
      `${where}: not a lipsync-lens weights manifest (missing format "${WEIGHTS_FORMAT}")`,
    );
  }
  if (m.formatVersion !== WEIGHTS_FORMAT_VERSION) {
    throw new WeightsFormatError(
      `${where}: weights format version ${m.formatVersion} is not supported (expected ${WEIGHTS_FORMAT_VERSION})`,
    );
  }
  if (!Array.isArray(m.weights) || typeof m.model !== 'string') {
    throw new WeightsFormatError(`${where}: manifest has no weights list or model kind`);
  }
  return m as WeightsManifest;
}

export function decodeWeights(bundle: WeightsBundle, where = bundle.manifest.source): WeightMap {
  const { manifest, data } = bundle;
  const needed = manifest.weights.reduce((sum, w) => sum + elementCount(w.shape), 0) * 4;
  if (data.byteLength !== needed) {
    throw new WeightsFormatError(
      `${where}: weights data has ${data.byteLength} bytes, the manifest needs ${needed} (truncated or mismatched file)`,
    );
  }
  // Copy into an aligned buffer: the blob may sit at any offset of a larger buffer.
  const floats = new Float32Array(data.slice().buffer);
  const weights: WeightMap = {};
  let offset = 0;
  for (const entry of manifest.weights) {
    const n = elementCount(entry.shape);
    weights[entry.name] = { shape: entry.shape, data: floats.subarray(offset, offset + n) };
    offset += n;
  }
  return weights;
}

/**
 * Checks that `weights` holds exactly the tensors `expected` names with the expected
 * shapes; the message names the first offending tensor and the file.
 */
export function checkWeightShapes(
  weights: WeightMap,
  expected: Record<string, number[]>,
  where: string,
  modelName: string,
): void {
  for (const [name, shape] of Object.entries(expected)) {
    const got = weights[name];
    if (!got)
      throw new WeightsFormatError(`${where}: not a ${modelName} checkpoint — tensor ${name} is missing`);
    if (got.shape.length !== shape.length || got.shape.some((d, i) => d !== shape[i])) {
      throw new WeightsFormatError(
        `${where}: not a ${modelName} checkpoint — tensor ${name} has shape [${got.shape}], expected [${shape}]`,
      );
    }
  }
}
