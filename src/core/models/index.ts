// Builds a SyncModel from converted weights, whichever SyncNet version they hold.
import { decodeWeights, type WeightsBundle } from '../convert/weights-bundle';
import { createSyncNetV2 } from './syncnet-v2';
import { createSyncNetV4 } from './syncnet-v4';
import { createEmbeddedModel } from './embedded';
import type { StreamMode, SyncModel, SyncModelKind, WeightMap } from './types';

export function createSyncModel(kind: SyncModelKind, weights: WeightMap, mode: StreamMode = 'both', where: string = kind): SyncModel {
  switch (kind) {
    case 'syncnet-v2':
      return createSyncNetV2(weights, mode, where);
    case 'syncnet-v4':
      return createSyncNetV4(weights, mode, where);
    case 'embedded':
      return createEmbeddedModel(weights, mode, where);
  }
}

/** A converted bundle (manifest.json + weights.bin, or the copy kept in IndexedDB) → model. */
export function loadSyncModel(bundle: WeightsBundle, mode: StreamMode = 'both', where = bundle.manifest.source): SyncModel {
  return createSyncModel(bundle.manifest.model, decodeWeights(bundle, where), mode, where);
}
