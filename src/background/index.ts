// Background service worker (Chrome) / event page (Firefox). Stateless between events:
// per-tab state lives in storage.session because MV3 workers stop and restart. It starts
// checks (toolbar popup, context menu), opens sessions in the engine host (creating it on
// demand, closing it when idle), keeps the tab's records and its action badge, and keeps
// the auto-scan registration in line with the settings and the granted permissions.
import { closeEngineHost, engineHostRunning, ensureEngineHost, tabCaptureStreamId } from '#platform';
import {
  listen,
  send,
  sendToTab,
  RemoteError,
  type CheckEndReason,
  type MessageName,
  type RequestOf,
  type ResponseOf,
} from '../shared/protocol';
import { loadSettings, sitePatterns } from '../shared/settings';
import { headlineSession, sessionLook, stateLook } from '../shared/state-look';
import { t } from '../shared/i18n';
import {
  forgetTab,
  readAllTabs,
  readTab,
  updateTab,
  videoRecordKey,
  type TabRecord,
  type VideoRecord,
} from './tab-store';
import { canReattach, isLive, transition, type PageGoneWhy, type SessionEvent } from './session-machine';
import { isVideoUnreadable, unreadableReason, VideoUnreadableError } from '../shared/errors';
import { heardBefore, idleHostMayClose, lostSessions, removeHeardBefore, senderVideo } from './guards';

const CONTENT_SCRIPT = 'content/content.js';
const MENU_ID = 'check-video';
const AUTO_SCAN_ID = 'auto-scan';

async function updateBadge(record: TabRecord): Promise<void> {
  const headline = headlineSession(
    Object.values(record.videos).flatMap((v) => (v.session ? [v.session] : [])),
  );
  const look = headline ? sessionLook(headline) : stateLook({ status: 'idle' });
  try {
    await chrome.action.setBadgeText({ tabId: record.tabId, text: look.badge });
    await chrome.action.setBadgeBackgroundColor({ tabId: record.tabId, color: look.color });
    // White on every tone's colour is ≥ 4.5:1 (test/ui/state-look.test.ts); Chrome would otherwise pick the text colour itself.
    await chrome.action.setBadgeTextColor?.({ tabId: record.tabId, color: '#ffffff' });
    await chrome.action.setTitle({
      tabId: record.tabId,
      title: headline ? t('action_title_state', look.sentence) : t('action_title'),
    });
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
      target:
        target.frameId === undefined ? { tabId, allFrames: true } : { tabId, frameIds: [target.frameId] },
      files: [CONTENT_SCRIPT],
    });
    frameIds = [...new Set(injected.map((result) => result.frameId))];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { videos: 0, checking: null, message: t('page_cannot_be_checked', reason) };
  }
  const frameId = target.frameId ?? (await framePlayingLargestVideo(tabId, frameIds));
  return sendToTab(tabId, 'bg→content:check', target.srcUrl ? { srcUrl: target.srcUrl } : {}, frameId);
}

/** Of the frames given, the one whose candidate video is playing and largest (the top frame on ties or without any). */
async function framePlayingLargestVideo(tabId: number, frameIds: number[]): Promise<number> {
  if (frameIds.length <= 1) return frameIds[0] ?? 0;
  const candidates = await Promise.all(
    frameIds.map((frameId) =>
      sendToTab(tabId, 'bg→content:candidate', {}, frameId).then(
        ({ best }) => (best ? { frameId, ...best } : null),
        () => null,
      ),
    ),
  );
  // Playing beats paused, then the larger shown area; the sort is stable and the top frame comes first.
  const ranked = candidates
    .filter((c): c is { frameId: number; area: number; playing: boolean } => c !== null)
    .sort(
      (a, b) =>
        Number(b.playing) - Number(a.playing) ||
        b.area - a.area ||
        Number(b.frameId === 0) - Number(a.frameId === 0),
    );
  return ranked[0]?.frameId ?? 0;
}

/** The auto-scan registration: the content script on every picked site whose access is granted. */
async function registerAutoScan(): Promise<void> {
  const { autoScanSites } = await loadSettings();
  const granted = new Set((await chrome.permissions.getAll()).origins ?? []);
  const matches = autoScanSites
    .filter((site) => sitePatterns(site).every((p) => granted.has(p)))
    .flatMap(sitePatterns);
  const registered = await chrome.scripting.getRegisteredContentScripts({ ids: [AUTO_SCAN_ID] });
  if (registered.length > 0) await chrome.scripting.unregisterContentScripts({ ids: [AUTO_SCAN_ID] });
  if (matches.length > 0) {
    await chrome.scripting.registerContentScripts([
      { id: AUTO_SCAN_ID, matches, js: [CONTENT_SCRIPT], runAt: 'document_idle' },
    ]);
  }
}

let autoScanSynced: Promise<void> = Promise.resolve();

/**
 * Brings the registration in line, one run at a time: turning a site off changes the
 * settings and removes a permission, and two overlapping runs would unregister or
 * register the same id twice (and fail) — each run reads the latest settings and grants.
 */
function syncAutoScan(): Promise<void> {
  autoScanSynced = autoScanSynced
    .then(registerAutoScan)
    .catch((error: unknown) => console.error('lipsync-lens: auto-scan registration failed', error));
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

/** Sessions whose open-session is in flight in this worker (the idle close and reconciling leave them alone). */
const opening = new Set<string>();

/** Applies one event to the record of the session `sessionId` in tab `tabId`; updates the badge when it changed. */
async function applyToSession(tabId: number, sessionId: string, event: SessionEvent): Promise<TabRecord> {
  let changed = false;
  const record = await updateTab(tabId, (r) => {
    const video = Object.values(r.videos).find((v) => v.session?.sessionId === sessionId);
    if (!video) return;
    const next = transition(video.session, event);
    changed = next !== video.session;
    video.session = next;
  });
  if (changed) await updateBadge(record);
  return record;
}

function endEvent(why: CheckEndReason, message?: string): SessionEvent {
  const now = Date.now();
  switch (why) {
    case 'stopped':
      return { type: 'stop', now };
    case 'failed':
      // The detail behind plainError's translated "Something went wrong during the check."
      return { type: 'fail', message: message ?? 'the check failed', now };
    case 'video-removed':
      return { type: 'page-gone', why: 'video-removed', now };
    case 'page-gone':
      return { type: 'page-gone', why: 'left', now };
    case 'bfcache':
      return { type: 'page-gone', why: 'bfcache', now };
  }
}

/** Ends a check: its record's phase, then its session in the engine host (models and workers freed). */
async function endSession(tabId: number, video: VideoRecord, event: SessionEvent): Promise<void> {
  const sessionId = video.session!.sessionId;
  const wasLive = isLive(video.session);
  await applyToSession(tabId, sessionId, event);
  if (wasLive) await send('bg→engine:close-session', { sessionId }).catch(() => undefined);
}

/** The video record of `sessionId` if it belongs to the sender's tab and frame; throws otherwise. */
async function ownedVideo(sender: chrome.runtime.MessageSender, sessionId: string): Promise<VideoRecord> {
  return senderVideo(await readTab(sender.tab!.id!), sender.frameId, sessionId);
}

/** The session ids the engine host holds; [] when it is not running, null when it could not be asked. */
async function engineSessions(): Promise<string[] | null> {
  if (!(await engineHostRunning())) return [];
  try {
    return (await send('bg→engine:sessions', {})).sessionIds;
  } catch {
    return null;
  }
}

/**
 * After the engine host (re)started, or when the popup opens: pending checks whose session
 * the host does not hold lost their engine (Chrome closed the offscreen document). They end
 * as engine-restarted — readable, never "Checking 40 %" for good — and their content script
 * re-attaches at its next frame if it can (content→bg:session-error).
 */
async function reconcile(held: string[] | null, tabIds?: number[]): Promise<void> {
  if (held === null) return;
  // Opens in flight when the list was taken are not in it, and may finish while the records
  // are read: they are left alone too (a host's first hello comes while its first open is in flight).
  const inFlight = new Set(opening);
  const records = tabIds ? await Promise.all(tabIds.map(readTab)) : await readAllTabs();
  for (const { tabId, sessionId } of lostSessions(records, held, inFlight, opening)) {
    if (opening.has(sessionId)) continue; // opened again while earlier ones were marked
    await applyToSession(tabId, sessionId, { type: 'engine-lost', now: Date.now() });
  }
}

/**
 * A page or frame went away: its live checks end as page-gone and their engine sessions
 * close. A removed iframe's videos stay listed with how their check ended; the top frame's
 * go with it — the tab shows another page now (tabs.onUpdated reports the new URL only with
 * a host grant for it, so it cannot be relied on to forget them).
 */
async function endDocument(
  tabId: number,
  frameId: number,
  documentId: string,
  why: PageGoneWhy,
  signalAt: number,
): Promise<void> {
  const ofDocument = (video: VideoRecord) =>
    video.frameId === frameId && video.videoKey.startsWith(`${documentId}-`);
  const record = await readTab(tabId);
  for (const video of Object.values(record.videos)) {
    if (ofDocument(video) && heardBefore(video, signalAt) && isLive(video.session))
      await endSession(tabId, video, { type: 'page-gone', why, now: Date.now() });
  }
  if (frameId !== 0) return;
  const left = await updateTab(tabId, (r) => void removeHeardBefore(r, signalAt, ofDocument));
  await updateBadge(left);
}

/**
 * The tab capture's stream id. Asked for only because the page's sound would not start
 * (`soundBlocked`: no interaction with the page yet), a refusal — no toolbar click on this
 * tab, as with auto-scan — leaves the sound unreadable, not the video "from another site".
 */
async function tabCaptureFor(tabId: number, soundBlocked: boolean | undefined): Promise<string> {
  try {
    return await tabCaptureStreamId(tabId);
  } catch (error) {
    if (!soundBlocked || isVideoUnreadable(error)) throw error;
    throw new VideoUnreadableError(error instanceof Error ? error.message : String(error));
  }
}

listen({
  'popup→bg:check-tab': async ({ tabId }) => {
    // Opening the popup is also how a user looks at a check: catch up with a dead engine first.
    await reconcile(await engineSessions(), [tabId]);
    return checkTab(tabId);
  },
  'content→bg:hello': async (_request, sender) => {
    const { autoScanSites } = await loadSettings();
    return { autoScan: hostMatches(sender.tab?.url, autoScanSites) };
  },
  'content→bg:videos': async ({ videos }, sender) => {
    const heardAt = Date.now();
    const frameId = sender.frameId ?? 0;
    await updateTab(sender.tab!.id!, (record) => {
      for (const [key, video] of Object.entries(record.videos)) {
        // Videos gone from this frame are dropped unless they were checked.
        if (
          video.frameId === frameId &&
          !video.session &&
          !videos.some((v) => videoRecordKey(frameId, v.videoKey) === key)
        )
          delete record.videos[key];
      }
      for (const video of videos) {
        const key = videoRecordKey(frameId, video.videoKey);
        record.videos[key] = { ...record.videos[key], ...video, frameId, heardAt };
      }
    });
    return {};
  },
  'content→bg:open-session': async ({ videoKey, capture, playback, reattach, soundBlocked }, sender) => {
    const heardAt = Date.now();
    const tabId = sender.tab!.id!;
    const frameId = sender.frameId ?? 0;
    const settings = await loadSettings();
    const sessionId = `${tabId}:${frameId}:${videoKey}:${Date.now().toString(36)}`;
    const key = videoRecordKey(frameId, videoKey);
    opening.add(sessionId);
    try {
      let replaced: string | null = null;
      let refused = false;
      const record = await updateTab(tabId, (r) => {
        const previous = r.videos[key];
        // A re-attach continues the check whose engine died; beyond MAX_RESTARTS it stays ended.
        if (
          reattach !== undefined &&
          (previous?.session?.sessionId !== reattach || !canReattach(previous.session))
        ) {
          refused = true;
          return;
        }
        if (reattach === undefined && isLive(previous?.session)) replaced = previous!.session!.sessionId;
        r.videos[key] = {
          ...(previous ?? { videoKey, label: videoKey, width: 0, height: 0, playing: !playback.paused }),
          frameId,
          heardAt,
          session: transition(previous?.session, {
            type: 'open',
            sessionId,
            model: settings.model,
            capture,
            now: Date.now(),
            reattach: reattach !== undefined,
          }),
        };
      });
      // Technical English (the overlay's Details): plainError shows error_restarted_again for it.
      if (refused) throw new Error('the checking engine stopped again; check this video again to restart');
      await updateBadge(record);
      // A second check of one video (a rescan racing a click): the first one's engine session goes.
      if (replaced) await send('bg→engine:close-session', { sessionId: replaced }).catch(() => undefined);
      try {
        const streamId = capture === 'tab-capture' ? await tabCaptureFor(tabId, soundBlocked) : undefined;
        await toEngine('bg→engine:open-session', {
          sessionId,
          tabId,
          frameId,
          capture,
          playback,
          model: settings.model,
          threshold: settings.threshold,
          ...(streamId ? { streamId } : {}),
        });
      } catch (error) {
        // The popup and badge say why; the content script gets the error too. A video this
        // browser does not let the extension read is "can't judge", not a failure.
        const now = Date.now();
        await applyToSession(
          tabId,
          sessionId,
          isVideoUnreadable(error)
            ? {
                type: 'engine-state',
                sessionId,
                state: { status: 'cannot-judge', reason: unreadableReason(soundBlocked) },
                final: true,
                now,
              }
            : { type: 'fail', message: error instanceof Error ? error.message : String(error), now },
        );
        throw error;
      }
    } finally {
      opening.delete(sessionId);
    }
    return { sessionId };
  },
  'content→bg:close-session': async ({ sessionId, why, message }, sender) => {
    // Only the sender's own sessions: a content script of another tab or frame cannot end them.
    const video = await ownedVideo(sender, sessionId);
    await endSession(sender.tab!.id!, video, endEvent(why, message));
    return {};
  },
  'content→bg:session-error': async ({ sessionId, message }, sender) => {
    const video = await ownedVideo(sender, sessionId);
    const tabId = sender.tab!.id!;
    const held = await engineSessions();
    if (held !== null && held.includes(sessionId)) {
      // The engine still holds it: a real error of this check.
      await endSession(tabId, video, { type: 'fail', message, now: Date.now() });
      return { resume: false };
    }
    const record = await applyToSession(tabId, sessionId, { type: 'engine-lost', now: Date.now() });
    const session = Object.values(record.videos).find((v) => v.session?.sessionId === sessionId)?.session;
    return { resume: canReattach(session) };
  },
  'engine→bg:state': async ({ sessionId, tabId, frameId, state, final }) => {
    await applyToSession(tabId, sessionId, {
      type: 'engine-state',
      sessionId,
      state,
      final,
      now: Date.now(),
    });
    // The overlay follows the state too; the tab may have navigated away meanwhile.
    await sendToTab(tabId, 'bg→content:state', { sessionId, state }, frameId).catch(() => undefined);
    return {};
  },
  'engine→bg:hello': async ({ sessionIds }) => {
    await reconcile(sessionIds);
    return {};
  },
  'engine→bg:idle': async () => {
    if (await idleHostMayClose(opening, engineSessions)) await closeEngineHost();
    return {};
  },
});

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create(
    { id: MENU_ID, title: t('menu_check_video'), contexts: ['video'] },
    () => void chrome.runtime.lastError,
  );
  void syncAutoScan();
});
chrome.runtime.onStartup.addListener(() => void syncAutoScan());

chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId !== MENU_ID || tab?.id === undefined) return;
  void checkTab(tab.id, { ...(info.srcUrl ? { srcUrl: info.srcUrl } : {}), frameId: info.frameId ?? 0 });
});

/** The keyboard shortcut (manifest `commands`, Alt+Shift+L): the toolbar click's check, on the current tab (activeTab). */
const SHORTCUT_ID = 'check-video';
chrome.commands.onCommand.addListener((command, tab) => {
  if (command !== SHORTCUT_ID) return;
  void (
    tab?.id !== undefined
      ? Promise.resolve(tab)
      : chrome.tabs.query({ active: true, currentWindow: true }).then(([active]) => active)
  ).then((target) => {
    if (target?.id !== undefined) return checkTab(target.id);
  });
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

/**
 * The tab shows a new document (or was discarded): the videos listed before that was
 * reported are gone, and their live checks close in the engine. Only those: the new page's
 * content script may already have listed a video or opened a check by the time this runs
 * (a page restored from the back/forward cache does within milliseconds), and it must not
 * inherit the old page's verdict nor lose its own (removeHeardBefore).
 */
async function endTabDocuments(tabId: number, signalAt: number): Promise<void> {
  let gone: VideoRecord[] = [];
  const left = await updateTab(tabId, (r) => void (gone = removeHeardBefore(r, signalAt)));
  for (const video of gone) {
    if (isLive(video.session))
      await send('bg→engine:close-session', { sessionId: video.session!.sessionId }).catch(() => undefined);
  }
  await updateBadge(left);
}

chrome.tabs.onRemoved.addListener((tabId) => void endTab(tabId));
chrome.tabs.onUpdated.addListener((tabId, change) => {
  // A new document (or a discarded tab); same-document navigations keep their videos.
  // Frames are followed by their port (below).
  if ((change.status === 'loading' && change.url !== undefined) || change.discarded === true) {
    void endTabDocuments(tabId, Date.now());
  }
});

/**
 * Each document with a check holds a port named for its document id while its checks run.
 * Chrome disconnects it when the document goes: navigation, reload, a removed iframe, the
 * back/forward cache, a discarded or closed tab — the one signal that covers them all, the
 * iframe's included (tabs.onUpdated sees only the top frame). The document's pending checks
 * then end as page-gone and their engine sessions (two MediaPipe workers and a model each)
 * close. A port the worker's own restart broke is reconnected by the content script.
 */
chrome.runtime.onConnect.addListener((port) => {
  const match = /^lipsync-lens:document:([\w-]+)$/.exec(port.name);
  const tabId = port.sender?.tab?.id;
  if (!match || tabId === undefined || port.sender?.id !== chrome.runtime.id) return;
  const frameId = port.sender?.frameId ?? 0;
  port.onDisconnect.addListener(() => void endDocument(tabId, frameId, match[1], 'left', Date.now()));
});

// A worker start: catch up with an engine host that died while the worker slept.
void engineSessions().then((held) => reconcile(held));
