// Builds a SyncModel from converted weights, whichever SyncNet version they hold.
import { decodeWeights, type WeightsBundle } from '../convert/weights-bundle';
import { createSyncNetV2 } from './syncnet-v2';
import { createSyncNetV4 } from './syncnet-v4';
import { createEmbeddedModel } from './embedded';
import type { StreamMode, SyncModel, SyncModelKind, SyncNetModel, WeightMap } from './types';

export function createSyncModel(kind: SyncModelKind, weights: WeightMap, mode: StreamMode = 'both', where: string = kind): SyncModel {
  return kind === 'embedded' ? createEmbeddedModel(weights, mode, where) : createSyncNetModel(kind, weights, mode, where);
}

/** SyncNet v2 / v4 with access to their pre-fc activations (SyncNetModel). */
export function createSyncNetModel(kind: SyncNetModel['kind'], weights: WeightMap, mode: StreamMode = 'both', where: string = kind): SyncNetModel {
  return kind === 'syncnet-v2' ? createSyncNetV2(weights, mode, where) : createSyncNetV4(weights, mode, where);
}

/** A converted bundle (manifest.json + weights.bin, or the copy kept in IndexedDB) → model. */
export function loadSyncModel(bundle: WeightsBundle, mode: StreamMode = 'both', where = bundle.manifest.source): SyncModel {
  return createSyncModel(bundle.manifest.model, decodeWeights(bundle, where), mode, where);
}
