// Background service worker (Chrome) / event page (Firefox). Stateless between events:
// per-tab state lives in storage.session because MV3 workers stop and restart. It starts
// checks (toolbar popup, context menu), opens sessions in the engine host (creating it on
// demand, closing it when idle), keeps the tab's records and its action badge, and keeps
// the auto-scan registration in line with the settings and the granted permissions.
import { closeEngineHost, ensureEngineHost, tabCaptureStreamId } from '#platform';
import { listen, send, sendToTab, RemoteError, type MessageName, type RequestOf, type ResponseOf } from '../shared/protocol';
import { loadSettings, sitePatterns } from '../shared/settings';
import { headlineState, stateLook } from '../shared/state-look';
import type { SyncState } from '../core/state';
import { isVideoUnreadable } from '../shared/errors';
import { forgetTab, readTab, updateTab, videoRecordKey, type TabRecord } from './tab-store';

const CONTENT_SCRIPT = 'content/content.js';
const MENU_ID = 'check-video';
const AUTO_SCAN_ID = 'auto-scan';

async function updateBadge(record: TabRecord): Promise<void> {
  const states = Object.values(record.videos).flatMap((v) => (v.session ? [v.session.state] : []));
  const look = stateLook(headlineState(states));
  try {
    await chrome.action.setBadgeText({ tabId: record.tabId, text: look.badge });
    await chrome.action.setBadgeBackgroundColor({ tabId: record.tabId, color: look.color });
    await chrome.action.setTitle({ tabId: record.tabId, title: states.length ? `lipsync-lens: ${look.sentence}` : "lipsync-lens: check this video's lip sync" });
  } catch {
    // The tab closed meanwhile.
  }
}

/** Calls the engine host, which may still be starting its listeners right after creation. */
async function toEngine<N extends MessageName>(name: N, payload: RequestOf<N>): Promise<ResponseOf<N>> {
  await ensureEngineHost();
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(name, payload);
    } catch (error) {
      if (!(error instanceof RemoteError && error.name === 'NoHandler') || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Injects the content script (activeTab + scripting) and asks it to check a video: in
 * `target.frameId` (the context menu names the frame), or else in the frame whose best
 * video is playing and largest — players are often embedded in iframes. Frames the
 * extension may not script (another origin without a grant) are left out by Chrome.
 */
async function checkTab(tabId: number, target: { srcUrl?: string; frameId?: number } = {}) {
  let frameIds: number[];
  try {
    const injected = await chrome.scripting.executeScript({
      target: target.frameId === undefined ? { tabId, allFrames: true } : { tabId, frameIds: [target.frameId] },
      files: [CONTENT_SCRIPT],
    });
    frameIds = [...new Set(injected.map((result) => result.frameId))];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { videos: 0, checking: null, message: `This page cannot be checked (${reason}).` };
  }
  const frameId = target.frameId ?? (await framePlayingLargestVideo(tabId, frameIds));
  return sendToTab(tabId, 'bg→content:check', target.srcUrl ? { srcUrl: target.srcUrl } : {}, frameId);
}

/** Of the frames given, the one whose candidate video is playing and largest (the top frame on ties or without any). */
async function framePlayingLargestVideo(tabId: number, frameIds: number[]): Promise<number> {
  if (frameIds.length <= 1) return frameIds[0] ?? 0;
  const candidates = await Promise.all(
    frameIds.map((frameId) => sendToTab(tabId, 'bg→content:candidate', {}, frameId).then(({ best }) => (best ? { frameId, ...best } : null), () => null)),
  );
  // Playing beats paused, then the larger shown area; the sort is stable and the top frame comes first.
  const ranked = candidates
    .filter((c): c is { frameId: number; area: number; playing: boolean } => c !== null)
    .sort((a, b) => Number(b.playing) - Number(a.playing) || b.area - a.area || Number(b.frameId === 0) - Number(a.frameId === 0));
  return ranked[0]?.frameId ?? 0;
}

/** The auto-scan registration: the content script on every picked site whose access is granted. */
async function registerAutoScan(): Promise<void> {
  const { autoScanSites } = await loadSettings();
  const granted = new Set((await chrome.permissions.getAll()).origins ?? []);
  const matches = autoScanSites.filter((site) => sitePatterns(site).every((p) => granted.has(p))).flatMap(sitePatterns);
  const registered = await chrome.scripting.getRegisteredContentScripts({ ids: [AUTO_SCAN_ID] });
  if (registered.length > 0) await chrome.scripting.unregisterContentScripts({ ids: [AUTO_SCAN_ID] });
  if (matches.length > 0) {
    await chrome.scripting.registerContentScripts([{ id: AUTO_SCAN_ID, matches, js: [CONTENT_SCRIPT], runAt: 'document_idle' }]);
  }
}

let autoScanSynced: Promise<void> = Promise.resolve();

/**
 * Brings the registration in line, one run at a time: turning a site off changes the
 * settings and removes a permission, and two overlapping runs would unregister or
 * register the same id twice (and fail) — each run reads the latest settings and grants.
 */
function syncAutoScan(): Promise<void> {
  autoScanSynced = autoScanSynced.then(registerAutoScan).catch((error: unknown) => console.error('lipsync-lens: auto-scan registration failed', error));
  return autoScanSynced;
}

function hostMatches(url: string | undefined, sites: readonly string[]): boolean {
  if (!url) return false;
  try {
    const host = new URL(url).hostname;
    return sites.some((site) => host === site || host.endsWith(`.${site}`));
  } catch {
    return false;
  }
}

listen({
  'popup→bg:check-tab': ({ tabId }) => checkTab(tabId),
  'content→bg:hello': async (_request, sender) => {
    const { autoScanSites } = await loadSettings();
    return { autoScan: hostMatches(sender.tab?.url, autoScanSites) };
  },
  'content→bg:videos': async ({ videos }, sender) => {
    const frameId = sender.frameId ?? 0;
    await updateTab(sender.tab!.id!, (record) => {
      for (const [key, video] of Object.entries(record.videos)) {
        // Videos gone from this frame are dropped unless they were checked.
        if (video.frameId === frameId && !video.session && !videos.some((v) => videoRecordKey(frameId, v.videoKey) === key)) delete record.videos[key];
      }
      for (const video of videos) {
        const key = videoRecordKey(frameId, video.videoKey);
        record.videos[key] = { ...record.videos[key], ...video, frameId };
      }
    });
    return {};
  },
  'content→bg:open-session': async ({ videoKey, capture, playback }, sender) => {
    const tabId = sender.tab!.id!;
    const frameId = sender.frameId ?? 0;
    const settings = await loadSettings();
    const sessionId = `${tabId}:${frameId}:${videoKey}:${Date.now().toString(36)}`;
    const key = videoRecordKey(frameId, videoKey);
    const now = Date.now();
    const setState = (state: SyncState) =>
      updateTab(tabId, (r) => {
        const previous = r.videos[key];
        r.videos[key] = {
          ...(previous ?? { videoKey, label: videoKey, width: 0, height: 0, playing: !playback.paused }),
          frameId,
          session: { sessionId, state, model: settings.model, capture, startedAt: now, updatedAt: Date.now() },
        };
      }).then(updateBadge);
    await setState({ status: 'loading', what: 'the engine' });
    try {
      const streamId = capture === 'tab-capture' ? await tabCaptureStreamId(tabId) : undefined;
      await toEngine('bg→engine:open-session', { sessionId, tabId, frameId, capture, playback, model: settings.model, threshold: settings.threshold, ...(streamId ? { streamId } : {}) });
    } catch (error) {
      // The popup and badge say why; the content script gets the error too. A video this
      // browser does not let the extension read is "can't judge", not a failure.
      const message = error instanceof Error ? error.message : String(error);
      await setState(isVideoUnreadable(error) ? { status: 'cannot-judge', reason: 'unreadable' } : { status: 'error', message });
      throw error;
    }
    return { sessionId };
  },
  'content→bg:close-session': async ({ sessionId }) => {
    await send('bg→engine:close-session', { sessionId }).catch(() => undefined);
    return {};
  },
  'engine→bg:state': async ({ sessionId, tabId, frameId, state, model, capture }) => {
    const record = await updateTab(tabId, (r) => {
      const video = Object.values(r.videos).find((v) => v.session?.sessionId === sessionId);
      if (!video) return;
      video.session = { ...video.session!, state, model, capture, updatedAt: Date.now() };
    });
    await updateBadge(record);
    // The overlay follows the state too; the tab may have navigated away meanwhile.
    await sendToTab(tabId, 'bg→content:state', { sessionId, state }, frameId).catch(() => undefined);
    return {};
  },
  'engine→bg:idle': async () => {
    await closeEngineHost();
    return {};
  },
});

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: MENU_ID, title: "Check this video's lip sync", contexts: ['video'] }, () => void chrome.runtime.lastError);
  void syncAutoScan();
});
chrome.runtime.onStartup.addListener(() => void syncAutoScan());

chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId !== MENU_ID || tab?.id === undefined) return;
  void checkTab(tab.id, { ...(info.srcUrl ? { srcUrl: info.srcUrl } : {}), frameId: info.frameId ?? 0 });
});

chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && 'settings' in changes) void syncAutoScan();
});
chrome.permissions.onAdded.addListener(() => void syncAutoScan());
chrome.permissions.onRemoved.addListener(() => void syncAutoScan());

async function endTab(tabId: number): Promise<void> {
  await send('bg→engine:close-tab', { tabId }).catch(() => undefined);
  await forgetTab(tabId);
}

chrome.tabs.onRemoved.addListener((tabId) => void endTab(tabId));
chrome.tabs.onUpdated.addListener((tabId, change) => {
  // A new document: its videos and checks are gone (same-document navigations keep them).
  if (change.status === 'loading' && change.url !== undefined) {
    void endTab(tabId).then(() => readTab(tabId)).then(updateBadge);
  }
});
