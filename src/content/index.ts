// Content script: injected on demand (activeTab + scripting, on the toolbar button or the
// context menu) or registered for the sites the user chose for auto-scan. Finds the page's
// videos (open shadow roots and later additions included), keeps the background's list of
// them current, and runs one VideoCheck per checked video.
import { listen, send } from '../shared/protocol';
import { loadSettings } from '../shared/settings';
import { VideoCheck, type CheckEnd } from './check';
import { callTiles, isStreamVideo } from './stream-capture';
import {
  chooseVideo,
  describeVideo,
  documentId,
  findVideos,
  isPlaying,
  videoKey,
  visibleArea,
} from './videos';

/** Seconds between rescans: shadow roots hide additions from the MutationObserver. */
const RESCAN_MS = 2000;
/** DOM changes are coalesced: one rescan at most this often (a busy page mutates all the time). */
const RESCAN_THROTTLE_MS = 500;

declare global {
  var __lipsyncLensContent: boolean | undefined;
}

function main(): void {
  // Injected again by a second click: the first instance keeps running.
  if (globalThis.__lipsyncLensContent) return;
  globalThis.__lipsyncLensContent = true;

  const checks = new Map<string, VideoCheck>();
  /** Videos whose check is being set up (settings loading): a rescan racing a click starts nothing twice. */
  const starting = new Set<string>();
  /** Auto-scan does not retry a video whose check failed (e.g. cross-origin, no tab capture without a click). */
  const failed = new WeakSet<HTMLVideoElement>();
  let videos: HTMLVideoElement[] = [];
  let lastReported = '';
  let autoScan = false;
  /** A call tile was checked: every tile of the call is checked, ones joining later too (one verdict per participant). */
  let callMode = false;
  /**
   * The video under the last right-click. Chrome's menu click says only the video's source
   * (srcUrl), so on a page where this script already runs (an auto-scan site, a second
   * check) this tells apart videos with the same source; on a first check the script is
   * injected after the right-click and srcUrl alone decides.
   */
  let rightClicked: HTMLVideoElement | null = null;

  const byKey = (key: string) => videos.find((v) => videoKey(v) === key) ?? null;

  const rescan = () => {
    videos = findVideos();
    const list = videos.map(describeVideo).filter((v) => v.width > 0 && v.height > 0);
    const key = JSON.stringify(list);
    if (key !== lastReported) {
      lastReported = key;
      void send('content→bg:videos', { videos: list }).catch(() => undefined);
    }
    if (callMode) for (const tile of callTiles(videos)) if (!failed.has(tile)) void check(tile);
    if (autoScan && checks.size === 0 && starting.size === 0) {
      const playing = chooseVideo(videos.filter((v) => isPlaying(v) && !failed.has(v)));
      if (playing) void check(playing);
    }
  };

  /**
   * The document's port, opened with its first check: the background ends the document's
   * checks when it disconnects (navigation, a removed iframe, bfcache). It is never closed
   * from here — a close racing the last check's close-session would end that check as
   * page-gone instead of stopped — and reopened after a worker restart only while checks run.
   * The watchers that rescan go with the last check, unless auto-scan keeps watching.
   */
  let port: chrome.runtime.Port | null = null;
  const connect = () => {
    if (port || checks.size === 0) return;
    const opened = chrome.runtime.connect({ name: `lipsync-lens:document:${documentId}` });
    port = opened;
    // The worker's own restart breaks the port: reconnect while checks run. A port left
    // behind (the page went into the back/forward cache) says nothing about the new one.
    opened.onDisconnect.addListener(() => {
      if (port !== opened) return;
      port = null;
      setTimeout(connect, 100);
    });
  };

  const onEnd = (check: VideoCheck, why: CheckEnd) => {
    if (checks.get(check.videoKey) === check) checks.delete(check.videoKey);
    if (why !== 'video-removed' && why !== 'page-gone' && why !== 'bfcache') failed.add(check.video);
    syncWatching();
    if (why !== 'page-gone' && why !== 'bfcache') rescan();
  };

  const check = async (video: HTMLVideoElement): Promise<string> => {
    const key = videoKey(video);
    if (checks.has(key) || starting.has(key)) return key;
    starting.add(key);
    try {
      const { showOverlay } = await loadSettings();
      const started = new VideoCheck(video, { showOverlay, onEnd });
      checks.set(key, started);
      connect();
      syncWatching();
      void started.start();
    } finally {
      starting.delete(key);
    }
    if (isStreamVideo(video)) {
      callMode = true;
      for (const tile of callTiles(videos)) if (tile !== video && !failed.has(tile)) void check(tile);
    }
    return key;
  };

  listen({
    'bg→content:check': async ({ srcUrl }) => {
      rescan();
      const video = chooseVideo(videos, srcUrl, rightClicked);
      return { videos: videos.length, checking: video ? await check(video) : null };
    },
    'bg→content:candidate': () => {
      rescan();
      const video = chooseVideo(videos);
      return {
        videos: videos.length,
        best: video ? { area: visibleArea(video), playing: isPlaying(video) } : null,
      };
    },
    'bg→content:state': ({ sessionId, state }) => {
      for (const c of checks.values()) if (c.sessionId === sessionId) c.show(state);
      return {};
    },
    'popup→content:check-video': async ({ videoKey: key }) => {
      const video = byKey(key);
      return { checking: video ? await check(video) : null };
    },
    'popup→content:stop': ({ videoKey: key }) => {
      checks.get(key)?.stop('stopped');
      return {};
    },
    'popup→content:seek': ({ videoKey: key, time }) => {
      const video = byKey(key);
      if (!video) throw new Error(`video ${key} is gone from the page`);
      video.currentTime = Math.max(0, time);
      return {};
    },
  });

  /** One rescan at most every RESCAN_THROTTLE_MS, however many mutations. */
  let rescanTimer: ReturnType<typeof setTimeout> | undefined;
  let lastRescan = 0;
  const scheduleRescan = () => {
    if (rescanTimer !== undefined) return;
    const wait = Math.max(0, lastRescan + RESCAN_THROTTLE_MS - performance.now());
    rescanTimer = setTimeout(() => {
      rescanTimer = undefined;
      lastRescan = performance.now();
      rescan();
    }, wait);
  };
  const observer = new MutationObserver(scheduleRescan);
  let interval: ReturnType<typeof setInterval> | undefined;
  let watching = false;
  /** Watch the page while a check runs or auto-scan waits for a video; stop with the last check and Stop. */
  const syncWatching = () => {
    const wanted = checks.size > 0 || starting.size > 0 || autoScan;
    if (wanted === watching) return;
    watching = wanted;
    if (wanted) {
      observer.observe(document.documentElement, { childList: true, subtree: true });
      interval = setInterval(scheduleRescan, RESCAN_MS);
    } else {
      observer.disconnect();
      clearInterval(interval);
      clearTimeout(rescanTimer);
      rescanTimer = undefined;
    }
  };
  // Media events do not bubble, but capture at the document sees those of light-DOM videos.
  document.addEventListener('playing', () => watching && scheduleRescan(), true);
  document.addEventListener(
    'contextmenu',
    (event) => {
      // Only the user's own right-click chooses the video: a page script cannot forge one.
      if (!event.isTrusted) return;
      rightClicked =
        event
          .composedPath()
          .find((target): target is HTMLVideoElement => target instanceof HTMLVideoElement) ?? null;
    },
    true,
  );
  // Back/forward cache: the page is frozen with its checks, and its port is closed (the
  // background ends them as page-gone). Stop them here too, so a restored page does not
  // carry on with sessions that no longer exist; it reports its videos afresh.
  window.addEventListener('pagehide', (event: PageTransitionEvent) => {
    for (const c of [...checks.values()]) c.stop(event.persisted ? 'bfcache' : 'page-gone');
    if (!event.persisted) return;
    // Going into the cache: the port goes now (the background ends whatever is left of this
    // document's checks), and a restored page opens a new one with its next check. Without
    // this, a check started after a restore kept its engine session when the page went into
    // the cache again for about:blank (test/e2e/live-bfcache.test.ts).
    const left = port;
    port = null;
    left?.disconnect();
  });
  window.addEventListener('pageshow', (event: PageTransitionEvent) => {
    if (!event.persisted) return;
    lastReported = '';
    rescan();
  });
  void send('content→bg:hello', {})
    .then((reply) => {
      autoScan = reply.autoScan;
      syncWatching();
      rescan();
    })
    .catch(() => undefined);
  rescan();
}

main();
