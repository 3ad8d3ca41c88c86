// Converted official SyncNet weights, kept on this computer in the extension's IndexedDB
// (shared by every extension page: options writes, the engine host reads). One bundle per
// model; importing again replaces it. The user's checkpoint never leaves the device.
import { parseManifest, type WeightsBundle } from '../core/convert/weights-bundle';
import type { ModelChoice } from '../engine/types';

export type OfficialModel = 'syncnet-v2' | 'syncnet-v4';

export interface StoredWeights {
  model: OfficialModel;
  /** The checkpoint's file name, for the options page and messages. */
  fileName: string;
  importedAt: number;
  bundle: WeightsBundle;
}

const DB_NAME = 'lipsync-lens-weights';
const STORE = 'weights';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'model' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () =>
      reject(new Error(`weights store: cannot open IndexedDB: ${request.error?.message}`));
  });
}

async function run<T>(
  mode: IDBTransactionMode,
  action: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () =>
        reject(new Error(`weights store: ${transaction.error?.message ?? 'transaction failed'}`));
      transaction.onabort = () =>
        reject(new Error(`weights store: ${transaction.error?.message ?? 'transaction aborted'}`));
    });
  } finally {
    db.close();
  }
}

export async function putWeights(bundle: WeightsBundle, fileName: string): Promise<StoredWeights> {
  const model = bundle.manifest.model;
  if (model !== 'syncnet-v2' && model !== 'syncnet-v4')
    throw new Error(`${fileName}: holds ${model} weights; only SyncNet v2 / v4 are imported`);
  const record: StoredWeights = { model, fileName, importedAt: Date.now(), bundle };
  await run('readwrite', (store) => store.put(record));
  return record;
}

export async function getWeights(model: OfficialModel): Promise<StoredWeights | null> {
  const record = (await run('readonly', (store) => store.get(model))) as StoredWeights | undefined;
  if (!record) return null;
  // Validate on the way out too: a record from an older format fails here with its name.
  parseManifest(record.bundle.manifest, `${record.fileName} (stored)`);
  return record;
}

/** What is stored, without the weights themselves. */
export async function listWeights(): Promise<Omit<StoredWeights, 'bundle'>[]> {
  const records = (await run('readonly', (store) => store.getAll())) as StoredWeights[];
  return records.map(({ model, fileName, importedAt }) => ({ model, fileName, importedAt }));
}

export async function deleteWeights(model: OfficialModel): Promise<void> {
  await run('readwrite', (store) => store.delete(model));
}

export const OFFICIAL_MODEL_NAMES: Record<OfficialModel, string> = {
  'syncnet-v2': 'SyncNet v2',
  'syncnet-v4': 'SyncNet v4',
};

/**
 * The weights a check with `model` runs on, as every door picks them: none for the embedded
 * model (it ships with the extension), the imported bundle for SyncNet — an error that says
 * where to import it when there is none. The live engine host and the file page both use it.
 */
export async function storedWeightsFor(model: ModelChoice): Promise<WeightsBundle | undefined> {
  if (model === 'embedded') return undefined;
  const stored = await getWeights(model);
  if (!stored)
    throw new Error(`no ${OFFICIAL_MODEL_NAMES[model]} weights imported yet (options → Import weights file)`);
  return stored.bundle;
}
