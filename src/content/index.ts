// Content script: injected on demand (activeTab + scripting, on the toolbar button or the
// context menu) or registered for the sites the user chose for auto-scan. Finds the page's
// videos (open shadow roots and later additions included), keeps the background's list of
// them current, and runs one VideoCheck per checked video.
import { listen, send } from '../shared/protocol';
import { loadSettings } from '../shared/settings';
import { VideoCheck, type CheckEnd } from './check';
import { callTiles, isStreamVideo } from './stream-capture';
import { chooseVideo, describeVideo, findVideos, isPlaying, videoKey, visibleArea } from './videos';

/** Seconds between rescans: shadow roots hide additions from the MutationObserver. */
const RESCAN_MS = 2000;

declare global {
  var __lipsyncLensContent: boolean | undefined;
}

function main(): void {
  // Injected again by a second click: the first instance keeps running.
  if (globalThis.__lipsyncLensContent) return;
  globalThis.__lipsyncLensContent = true;

  const checks = new Map<string, VideoCheck>();
  /** Auto-scan does not retry a video whose check failed (e.g. cross-origin, no tab capture without a click). */
  const failed = new WeakSet<HTMLVideoElement>();
  let videos: HTMLVideoElement[] = [];
  let lastReported = '';
  let autoScan = false;
  /** A call tile was checked: every tile of the call is checked, ones joining later too (one verdict per participant). */
  let callMode = false;
  const starting = new WeakSet<HTMLVideoElement>();
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
    if (autoScan && checks.size === 0) {
      const playing = chooseVideo(videos.filter((v) => isPlaying(v) && !failed.has(v)));
      if (playing) void check(playing);
    }
  };

  const onEnd = (check: VideoCheck, why: CheckEnd) => {
    if (checks.get(check.videoKey) === check) checks.delete(check.videoKey);
    if (why !== 'removed') failed.add(check.video);
    rescan();
  };

  const check = async (video: HTMLVideoElement): Promise<string> => {
    const key = videoKey(video);
    if (checks.has(key) || starting.has(video)) return key;
    starting.add(video);
    try {
      const { showOverlay } = await loadSettings();
      const started = new VideoCheck(video, { showOverlay, onEnd });
      checks.set(key, started);
      void started.start();
    } finally {
      starting.delete(video);
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
      return { videos: videos.length, best: video ? { area: visibleArea(video), playing: isPlaying(video) } : null };
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

  new MutationObserver(() => rescan()).observe(document.documentElement, { childList: true, subtree: true });
  setInterval(rescan, RESCAN_MS);
  // Media events do not bubble, but capture at the document sees those of light-DOM videos.
  document.addEventListener('playing', () => rescan(), true);
  document.addEventListener('contextmenu', (event) => {
    rightClicked = event.composedPath().find((target): target is HTMLVideoElement => target instanceof HTMLVideoElement) ?? null;
  }, true);
  void send('content→bg:hello', {}).then((reply) => {
    autoScan = reply.autoScan;
    rescan();
  }).catch(() => undefined);
  rescan();
}

main();
