// Per-tab records in storage.session: MV3 workers stop and restart, so nothing about a tab
// lives in the worker's memory. Updates to one tab are serialised (read–modify–write).
import type { VideoInfo } from '../shared/protocol';
import type { SessionRecord } from './session-machine';

export interface VideoRecord extends VideoInfo {
  frameId: number;
  /** When its page last reported it or opened its check (the worker's Date.now()); see removeHeardBefore. */
  heardAt?: number;
  /** The check of this video (the latest one), if any. */
  session?: SessionRecord;
}

export interface TabRecord {
  tabId: number;
  /** Keyed by `${frameId}/${videoKey}` (video keys are unique per document). */
  videos: Record<string, VideoRecord>;
}

export const tabStorageKey = (tabId: number) => `tab:${tabId}`;
export const videoRecordKey = (frameId: number, videoKey: string) => `${frameId}/${videoKey}`;

export async function readTab(tabId: number): Promise<TabRecord> {
  const key = tabStorageKey(tabId);
  const stored = await chrome.storage.session.get(key);
  return (stored[key] as TabRecord | undefined) ?? { tabId, videos: {} };
}

const pending = new Map<number, Promise<unknown>>();

/** Applies `mutate` to the tab's record and stores it; concurrent updates of a tab run in turn. */
export function updateTab(tabId: number, mutate: (record: TabRecord) => void): Promise<TabRecord> {
  const run = (pending.get(tabId) ?? Promise.resolve()).then(async () => {
    const record = await readTab(tabId);
    const before = JSON.stringify(record);
    mutate(record);
    // Unchanged (a late event of a forgotten tab, an ignored transition): nothing written.
    if (JSON.stringify(record) !== before)
      await chrome.storage.session.set({ [tabStorageKey(tabId)]: record });
    return record;
  });
  pending.set(
    tabId,
    run.catch(() => undefined),
  );
  return run;
}

/** Removes the tab's record after the updates queued before it (a late update then starts from nothing). */
export function forgetTab(tabId: number): Promise<void> {
  const run = (pending.get(tabId) ?? Promise.resolve()).then(() =>
    chrome.storage.session.remove(tabStorageKey(tabId)),
  );
  pending.set(
    tabId,
    run.catch(() => undefined),
  );
  return run;
}

/** The popup follows a tab's record as it changes. */
export function watchTab(tabId: number, onRecord: (record: TabRecord) => void): () => void {
  const key = tabStorageKey(tabId);
  const listener = (changes: Record<string, chrome.storage.StorageChange>, area: string) => {
    if (area === 'session' && key in changes)
      onRecord((changes[key].newValue as TabRecord | undefined) ?? { tabId, videos: {} });
  };
  chrome.storage.onChanged.addListener(listener);
  void readTab(tabId).then(onRecord);
  return () => chrome.storage.onChanged.removeListener(listener);
}

/** Every stored tab record (reconciling with the engine host after it restarted). */
export async function readAllTabs(): Promise<TabRecord[]> {
  const stored = await chrome.storage.session.get(null);
  return Object.entries(stored)
    .filter(([key]) => key.startsWith('tab:'))
    .map(([, value]) => value as TabRecord);
}
