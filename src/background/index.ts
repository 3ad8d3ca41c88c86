// Background service worker (Chrome) / event page (Firefox). Stateless between events:
// per-tab state lives in storage.session because MV3 workers stop and restart.
import { listen } from '../shared/protocol';
import type { SyncState } from '../core/state';

const tabKey = (tabId: number) => `tab:${tabId}`;

async function tabState(tabId: number): Promise<SyncState> {
  const stored = await chrome.storage.session.get(tabKey(tabId));
  return (stored[tabKey(tabId)] as SyncState | undefined) ?? { status: 'idle' };
}

listen({
  'popup→bg:get-tab-state': async ({ tabId }) => ({ state: await tabState(tabId) }),
});

chrome.tabs.onRemoved.addListener((tabId) => {
  void chrome.storage.session.remove(tabKey(tabId));
});
