// Helpers for the live-checking tests: test media made with ffmpeg into
// test/.generated/media (never committed), fixture pages, the toolbar click through CDP
// (Extensions.triggerAction also grants activeTab, so tabCapture works), the context menu
// on a video, a browser where a site's access is already granted (what the permission
// prompt would do), and reading the per-tab records, registrations, permissions and the
// engine host's figures from the extension itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS, type ExtensionBrowser } from '../helpers/browser';
import { CLIPS_DIR, serveStatic, type StaticServer } from '../helpers/server';
import type { TabRecord, VideoRecord } from '../../src/background/tab-store';
import type { SyncState } from '../../src/core/state';
import type { EngineStats } from '../../src/shared/protocol';
import { encryptCenc } from '../helpers/cenc';
import { MEDIA_DIR, X264_FAST } from '../helpers/media';

export { MEDIA_DIR };
export const FIXTURE_DIR = resolve('test/.generated/pages');
export const SCREENSHOT_DIR = resolve('test/.generated/screenshots');
export const EMBEDDED_MODEL_PRESENT = existsSync('models/embedded/manifest.json');
export const NO_EMBEDDED_MODEL = EMBEDDED_MODEL_PRESENT
  ? false
  : 'models/embedded/manifest.json is missing (it is part of the repository): no real/fake verdict to test';

/** A real, in-sync talking head (MANIFEST.tsv: real-in-sync, high). */
// A wide shot (1280×720) whose own offset is 0 frames: EDTalk's uncrop_Obama, used before,
// is itself 5 frames off — exactly the in-sync tolerance — so ±1 frame of live timing
// decided its verdict.
export const REAL_CLIP = 'HyperLips_test_video2_video2.mp4';
/** Another speaker whose voice replaces it for the swapped-audio clip. */
export const OTHER_SPEAKER_CLIP = 'EDTalk_test_data_pose_source2.mp4';

export const clipsPresent = () =>
  existsSync(join(CLIPS_DIR, REAL_CLIP)) && existsSync(join(CLIPS_DIR, OTHER_SPEAKER_CLIP));
export const NO_CLIPS = clipsPresent()
  ? false
  : `../shared/media/clips lacks ${REAL_CLIP} / ${OTHER_SPEAKER_CLIP}`;

/**
 * ffmpeg output in MEDIA_DIR, remade when its arguments change (a `.args` stamp beside it)
 * or `also` does (what else the output depends on, e.g. an input's size).
 */
export function ffmpeg(out: string, args: string[], also = ''): string {
  const path = join(MEDIA_DIR, out);
  const stamp = `${path}.args`;
  const key = JSON.stringify(also ? [args, also] : args);
  if (existsSync(path) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return path;
  mkdirSync(MEDIA_DIR, { recursive: true });
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, `${path}.tmp.mp4`]);
  execFileSync('mv', [`${path}.tmp.mp4`, path]);
  writeFileSync(stamp, key);
  return path;
}

/** Clear Key (org.w3.clearkey) key id and key of the encrypted clip, hex. */
export const CLEAR_KEY = {
  kid: '6c697073796e632d6c656e73206b6964' /* "lipsync-lens kid" */,
  key: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
};

/** The live fixtures' encoding: plays in every browser, moov first so playback starts at once. */
export const H264 = [...X264_FAST, '-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart'];

/**
 * The loop tests' clips (live-loop.test.ts, firefox-live.test.ts): the first LOOP_SECONDS of
 * the real clip, or of the same pictures with another speaker's voice (makeMedia().swapped),
 * played in a loop.
 */
export const LOOP_SECONDS = 4;
export const loopClip = (voice: 'own' | 'swapped' = 'own'): string =>
  voice === 'own'
    ? ffmpeg('live-real-4s.mp4', ['-i', join(CLIPS_DIR, REAL_CLIP), '-t', String(LOOP_SECONDS), ...H264])
    : ffmpeg('live-swapped-4s.mp4', ['-i', makeMedia().swapped, '-t', String(LOOP_SECONDS), ...H264]);

type EngineSession = EngineStats['sessions'][number];

/**
 * An engine session once it has taken three passes of the loop clip's sound and more
 * (`session` answers undefined while the engine host is not up yet).
 */
export const afterThreePasses = (session: () => Promise<EngineSession | undefined>, timeoutMs: number) =>
  pollUntil(
    session,
    (s) => !!s && s.audioSeconds > 3 * LOOP_SECONDS + 1,
    timeoutMs,
    'three passes of the loop',
  );

/** A live check's evidence after three passes of the loop clip holds one pass of windows (one per 40 ms), not three. */
/** A loop's passes judged alone (seen-whole.ts), as a test's diagnostic line says them. */
export const loopPassWords = (session: EngineSession | undefined) =>
  (session?.loopPasses ?? [])
    .map(({ status, evidence: e }) =>
      e
        ? `${status} p ${e.pMismatch.toFixed(3)} at ${e.offsetFrames} frames on ${e.evidenceSeconds.toFixed(1)} s`
        : status,
    )
    .join(', ') || 'none';

export function assertOnePass(session: EngineSession | undefined, log: (line: string) => void): void {
  const windows = session?.evidence?.windows ?? 0;
  log(
    `${windows} windows after ${session?.audioSeconds.toFixed(1)} s of sound, ${session?.framesAnalysed} frames analysed, state ${session?.status}; passes judged: ${loopPassWords(session)}`,
  );
  const onePass = LOOP_SECONDS / 0.04;
  assert.ok(windows <= onePass + 2, `${windows} windows from a ${LOOP_SECONDS}-s loop: passes counted again`);
  assert.ok(
    windows >= onePass / 2,
    `${windows} windows from a ${LOOP_SECONDS}-s loop: the loop was hardly seen`,
  );
}

/** Test media, made once: served under /gen/ by serveStatic({ mounts: { '/gen/': MEDIA_DIR } }). */
export function makeMedia() {
  const real = join(CLIPS_DIR, REAL_CLIP);
  const other = join(CLIPS_DIR, OTHER_SPEAKER_CLIP);
  return {
    /** The real clip, first 12 s. */
    real: ffmpeg('live-real.mp4', ['-i', real, '-t', '12', ...H264]),
    /**
     * The same pictures with another speaker's voice (the other clip's audio from its start:
     * the file check calls this FAKE at p(mismatch) 0.98, where the voice from 5 s in was
     * only 0.95 — can't judge — with the embedded model of 2026-12-03).
     */
    swapped: ffmpeg('live-swapped.mp4', [
      '-i',
      real,
      '-i',
      other,
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-t',
      '12',
      ...H264,
    ]),
    /** No face at all, speech on the sound track. */
    faceless: ffmpeg('live-faceless.mp4', [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25',
      '-i',
      real,
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-t',
      '6',
      ...H264,
    ]),
    /** The real clip's streams, Common-Encrypted under CLEAR_KEY (fragmented, for Media Source: see clearKeyPlayer). */
    clearKey: clearKeyMedia(),
  };
}

function clearKeyMedia(): string {
  const clear = ffmpeg('live-real-fragmented.mp4', [
    '-i',
    join(MEDIA_DIR, 'live-real.mp4'),
    '-c',
    'copy',
    '-movflags',
    '+frag_keyframe+empty_moov+default_base_moof',
  ]);
  const path = join(MEDIA_DIR, 'live-clearkey.mp4');
  // Cheap (stream copy plus AES-CTR over half a megabyte): made afresh every time.
  writeFileSync(
    `${path}.tmp`,
    encryptCenc(readFileSync(clear), Buffer.from(CLEAR_KEY.key, 'hex'), Buffer.from(CLEAR_KEY.kid, 'hex')),
  );
  execFileSync('mv', [`${path}.tmp`, path]);
  return path;
}

/**
 * A page script playing `src` (makeMedia's clearKey clip) in #video0 the way DRM players
 * do: MediaKeys for org.w3.clearkey on the element, the file through Media Source
 * (Chromium decrypts nothing played by src=), and on the element's 'encrypted' event a
 * session whose license request is answered with the JWK key set. A failure is kept in
 * window.emeError (and in the page's title).
 */
export function clearKeyPlayer(src: string): string {
  return `<script type="module">
const KEY = '${Buffer.from(CLEAR_KEY.key, 'hex').toString('base64url')}';
const video = document.querySelector('#video0');
try {
  const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
    initDataTypes: ['cenc'],
    videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.64001f"' }],
    audioCapabilities: [{ contentType: 'audio/mp4; codecs="mp4a.40.2"' }],
  }]);
  const keys = await access.createMediaKeys();
  await video.setMediaKeys(keys);
  video.addEventListener('encrypted', async (event) => {
    const session = keys.createSession();
    session.addEventListener('message', (message) => {
      // Clear Key's license request: {"kids": [...], "type": "temporary"}; the license is a JWK set.
      const request = JSON.parse(new TextDecoder().decode(message.message));
      const license = { keys: request.kids.map((kid) => ({ kty: 'oct', kid, k: KEY })), type: 'temporary' };
      session.update(new TextEncoder().encode(JSON.stringify(license))).catch((error) => (window.emeError = document.title = 'update: ' + error));
    });
    await session.generateRequest(event.initDataType, event.initData);
  });
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  await new Promise((opened) => source.addEventListener('sourceopen', opened, { once: true }));
  const buffer = source.addSourceBuffer('video/mp4; codecs="avc1.64001f, mp4a.40.2"');
  buffer.appendBuffer(await (await fetch('${src}')).arrayBuffer());
  await new Promise((appended) => buffer.addEventListener('updateend', appended, { once: true }));
  source.endOfStream();
  await video.play();
} catch (error) {
  window.emeError = document.title = String(error);
}
</script>`;
}

/** The Chrome build with the test hooks (debug→engine:stats, popup.html?tabId=N) the live tests use. */
export const TEST_DIST = resolve('dist/chrome-test');

/** The live tests' setup: dist/chrome-test built, the test media made, and a server for them (under /gen/). */
export async function serveLiveMedia(): Promise<StaticServer> {
  execFileSync(process.execPath, ['scripts/build.mjs', 'chrome-test'], { stdio: 'ignore' });
  makeMedia();
  return serveStatic({ mounts: { '/gen/': MEDIA_DIR } });
}

export interface FixtureVideo {
  /** '' for none (the page's own script sets it). */
  src: string;
  /** Default `autoplay playsinline controls`. */
  attrs?: string;
  /** Shown width in CSS px, default 480. */
  width?: number;
}

/** A page with the given videos (src relative to the page's server or absolute), ids video0, video1, …. */
export function fixturePage(name: string, videos: FixtureVideo[], extra = ''): string {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const body = videos
    .map(
      (v, i) =>
        `<video id="video${i}"${v.src ? ` src="${v.src}"` : ''} ${v.attrs ?? 'autoplay playsinline controls'} width="${v.width ?? 480}"></video>`,
    )
    .join('\n');
  writeFileSync(
    join(FIXTURE_DIR, `${name}.html`),
    `<!doctype html><meta charset="utf-8"><title>${name}</title>
<style>body { margin: 8px; background: #fff; } video { display: block; margin: 8px 0; background: #000; }</style>
${body}
${extra}`,
  );
  return `test/.generated/pages/${name}.html`;
}

/** A new tab showing fixture page `name` (its videos served by `origin`, `extra` after them), once every video has played 0.3 s. */
export async function openPlaying(
  browser: ExtensionBrowser,
  origin: string,
  name: string,
  videos: FixtureVideo[],
  extra = '',
): Promise<{ page: Page; url: string }> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1000, height: 1100 });
  const url = `${origin}/${fixturePage(name, videos, extra)}`;
  await page.goto(url);
  await page.waitForFunction(
    () => [...document.querySelectorAll('video')].every((v) => v.currentTime > 0.3),
    null,
    { timeout: 30000 },
  );
  return { page, url };
}

export interface LiveBrowser extends ExtensionBrowser {
  /** The same browser over CDP, for browser-level commands (Extensions.triggerAction). */
  remote: Browser;
}

function launchPersistent(
  userDataDir: string,
  distDir: string,
  extraArgs: string[],
  backForwardCache = false,
) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: false,
    // Playwright turns the back/forward cache off by default; the soak wants the browser as people have it.
    ignoreDefaultArgs: [
      '--disable-extensions',
      '--mute-audio',
      ...(backForwardCache ? ['--disable-back-forward-cache'] : []),
    ],
    args: [
      ...CHROMIUM_FLAGS,
      ...extraArgs,
      `--disable-extensions-except=${distDir}`,
      `--load-extension=${distDir}`,
    ],
  });
}

/**
 * launchWithExtension's browser (same flags) plus a remote-debugging port: the toolbar
 * click (Extensions.triggerAction) is a browser-level CDP command, which Playwright's
 * persistent context does not expose, so a second CDP connection sends it. The profile
 * (`userDataDir`, a fresh one by default) is deleted on close.
 */
export async function launchLive(
  distDir = TEST_DIST,
  extraArgs: string[] = [],
  userDataDir = mkdtempSync(join(tmpdir(), 'lipsync-lens-live-')),
  { backForwardCache = false }: { backForwardCache?: boolean } = {},
): Promise<LiveBrowser> {
  const context = await launchPersistent(
    userDataDir,
    distDir,
    [...extraArgs, '--remote-debugging-port=0'],
    backForwardCache,
  );
  try {
    const worker =
      context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20000 }));
    const port = readFileSync(join(userDataDir, 'DevToolsActivePort'), 'utf8').split('\n')[0];
    const remote = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
    return {
      context,
      remote,
      extensionId: new URL(worker.url()).host,
      async close() {
        await remote.close().catch(() => undefined);
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context.close();
    throw error;
  }
}

export const GRANTED_DIST = resolve('test/.generated/dist-granted');

/**
 * launchLive on a copy of `distDir` (test/.generated/dist-granted, the shipped manifest)
 * in which `origins` are granted as optional host permissions: the state after the user
 * accepted the browser's prompt, which headless Chromium cannot show (there a request for
 * an origin not yet granted never settles). Chrome keeps a grant across an update, so a
 * first, throwaway launch installs the copy with `origins` required (granted at install),
 * and the browser then starts on the same profile with the shipped manifest, where they
 * are optional only: permissions.request for them resolves true without a prompt, and
 * permissions.remove really takes them away (a required one cannot be removed).
 */
export async function launchWithGrantedHosts(
  distDir: string,
  origins: string[],
  extraArgs: string[] = [],
): Promise<LiveBrowser> {
  rmSync(GRANTED_DIST, { recursive: true, force: true });
  execFileSync('cp', ['-r', distDir, GRANTED_DIST]);
  const manifestPath = join(GRANTED_DIST, 'manifest.json');
  const shipped = readFileSync(manifestPath, 'utf8');
  writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(shipped), host_permissions: origins }));
  const userDataDir = mkdtempSync(join(tmpdir(), 'lipsync-lens-live-'));
  const installing = await launchPersistent(userDataDir, GRANTED_DIST, []);
  await (installing.serviceWorkers()[0] ?? installing.waitForEvent('serviceworker', { timeout: 20000 }));
  await installing.close();
  writeFileSync(manifestPath, shipped);
  const browser = await launchLive(GRANTED_DIST, extraArgs, userDataDir);
  const granted = await grantedOrigins(browser);
  if (!origins.every((origin) => granted.includes(origin))) {
    await browser.close();
    throw new Error(
      `launchWithGrantedHosts: ${origins.join(', ')} not kept as granted (granted: ${granted.join(', ') || 'none'})`,
    );
  }
  return browser;
}

/** The toolbar click on `page`'s tab: opens the popup (hidden in headless), which starts the check. */
export async function clickToolbarButton(browser: LiveBrowser, page: Page): Promise<void> {
  const cdp = await browser.remote.newBrowserCDPSession();
  try {
    const { targetInfos } = (await cdp.send(
      'Target.getTargets' as never,
      { filter: [{ type: 'tab' }] } as never,
    )) as { targetInfos: { targetId: string; url: string }[] };
    const tab = targetInfos.find((t) => t.url === page.url());
    if (!tab) throw new Error(`no tab target for ${page.url()}`);
    await cdp.send(
      'Extensions.triggerAction' as never,
      { id: browser.extensionId, targetId: tab.targetId } as never,
    );
  } finally {
    await cdp.detach();
  }
}

/** The popup's view of the tab showing `url`, opened in its own tab (for screenshots and clicks). */
export async function openPopupFor(browser: ExtensionBrowser, url: string): Promise<Page> {
  const sw = await worker(browser);
  const tabId = await sw.evaluate(async (pageUrl) => (await chrome.tabs.query({ url: pageUrl }))[0]?.id, url);
  const popup = await browser.context.newPage();
  await popup.setViewportSize({ width: 380, height: 720 });
  await popup.goto(`chrome-extension://${browser.extensionId}/popup/popup.html?tabId=${tabId}`);
  return popup;
}

/**
 * The text of each overlay on the page, read through the DevTools protocol: the overlay's
 * shadow root is closed, so no page script or locator can reach inside it.
 */
export async function overlayTexts(page: Page): Promise<string[]> {
  interface DomNode {
    nodeName: string;
    nodeValue?: string;
    children?: DomNode[];
    shadowRoots?: DomNode[];
  }
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: DomNode };
    const inside = (node: DomNode): DomNode[] => [...(node.children ?? []), ...(node.shadowRoots ?? [])];
    const text = (node: DomNode): string =>
      node.nodeName === '#text' ? (node.nodeValue ?? '') : inside(node).map(text).join(' ');
    const overlays: DomNode[] = [];
    const find = (node: DomNode) =>
      node.nodeName === 'LIPSYNC-LENS-OVERLAY' ? overlays.push(node) : inside(node).forEach(find);
    find(root);
    return overlays.map((o) => text(o).replace(/\s+/g, ' ').trim());
  } finally {
    await cdp.detach();
  }
}

/** The extension's service worker, for evaluating chrome.* calls in it. */
export async function worker(browser: ExtensionBrowser) {
  return (
    browser.context.serviceWorkers().find((w) => w.url().includes(browser.extensionId)) ??
    browser.context.waitForEvent('serviceworker')
  );
}

/** The host permissions the extension holds now. */
export async function grantedOrigins(browser: ExtensionBrowser): Promise<string[]> {
  return (await worker(browser)).evaluate(async () => (await chrome.permissions.getAll()).origins ?? []);
}

/** The content scripts the background registered (auto-scan). */
export async function registeredScripts(
  browser: ExtensionBrowser,
): Promise<chrome.scripting.RegisteredContentScript[]> {
  return (await worker(browser)).evaluate(() => chrome.scripting.getRegisteredContentScripts());
}

/**
 * The context menu on a video: a real right-click on it (the page, and the content script
 * where one runs, get its contextmenu event), then the background's menu listener is called
 * with what Chrome passes for a click on the item over that video (the info and the tab),
 * through the event's own dispatch() — headless Chromium shows no native menu to click.
 */
export async function chooseMenuItemOnVideo(
  browser: ExtensionBrowser,
  page: Page,
  selector: string,
  menuItemId = 'check-video',
): Promise<void> {
  await page.click(selector, { button: 'right' });
  const srcUrl = await page.$eval(selector, (video: HTMLVideoElement) => video.currentSrc);
  await (
    await worker(browser)
  ).evaluate(
    async ({ pageUrl, srcUrl, menuItemId }) => {
      const [tab] = await chrome.tabs.query({ url: pageUrl });
      if (!tab) throw new Error(`no tab shows ${pageUrl}`);
      const info: chrome.contextMenus.OnClickData = {
        menuItemId,
        editable: false,
        frameId: 0,
        mediaType: 'video',
        pageUrl,
        srcUrl,
      };
      (
        chrome.contextMenus.onClicked as unknown as {
          dispatch(info: chrome.contextMenus.OnClickData, tab: chrome.tabs.Tab): void;
        }
      ).dispatch(info, tab);
    },
    { pageUrl: page.url(), srcUrl, menuItemId },
  );
}

/** The ids of the page's videos whose picture shows the overlay's badge at its top-left corner (what the user sees). */
export function videosWithOverlay(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('video')]
      .filter((video) => {
        // The picture inside the element (object-fit: contain, the fixtures' default); the badge sits 8 px in from its corner.
        const box = video.getBoundingClientRect();
        const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
        const x = box.left + (box.width - video.videoWidth * scale) / 2;
        const y = box.top + (box.height - video.videoHeight * scale) / 2;
        return document.elementFromPoint(x + 14, y + 14)?.localName === 'lipsync-lens-overlay';
      })
      .map((video) => video.id),
  );
}

/**
 * What each overlay's pill shows: its label, its tooltip (the state's plain sentence) and
 * tone. The overlay's shadow root is closed to the page, so it is read through the DevTools
 * protocol, whose DOM pierces closed shadow roots.
 */
export async function overlayPills(page: Page): Promise<{ label: string; title: string; tone: string }[]> {
  interface DomNode {
    localName?: string;
    children?: DomNode[];
    shadowRoots?: DomNode[];
    backendNodeId: number;
  }
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: DomNode };
    const shadows: DomNode[] = [];
    const walk = (node: DomNode) => {
      if (node.localName === 'lipsync-lens-overlay' && node.shadowRoots?.length)
        shadows.push(node.shadowRoots[0]);
      for (const next of [...(node.children ?? []), ...(node.shadowRoots ?? [])]) walk(next);
    };
    walk(root);
    return await Promise.all(
      shadows.map(async (shadow) => {
        const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: shadow.backendNodeId });
        const { result } = await cdp.send('Runtime.callFunctionOn', {
          objectId: object.objectId!,
          functionDeclaration: `function () {
          const pill = this.querySelector('.pill');
          return { label: pill?.querySelector('.label')?.textContent ?? '', title: pill?.title ?? '', tone: pill?.dataset.tone ?? '' };
        }`,
          returnByValue: true,
        });
        return result.value as { label: string; title: string; tone: string };
      }),
    );
  } finally {
    await cdp.detach();
  }
}

/** The background's record of the tab showing `url`. */
export async function tabRecord(browser: ExtensionBrowser, url: string): Promise<TabRecord | null> {
  const sw = await worker(browser);
  return sw.evaluate(async (pageUrl) => {
    const [tab] = await chrome.tabs.query({ url: pageUrl });
    if (!tab?.id) return null;
    const key = `tab:${tab.id}`;
    return ((await chrome.storage.session.get(key))[key] as TabRecord | undefined) ?? null;
  }, url);
}

export async function badgeOf(
  browser: ExtensionBrowser,
  url: string,
): Promise<{ text: string; color: number[] }> {
  const sw = await worker(browser);
  return sw.evaluate(async (pageUrl) => {
    const [tab] = await chrome.tabs.query({ url: pageUrl });
    return {
      text: await chrome.action.getBadgeText({ tabId: tab.id }),
      color: await chrome.action.getBadgeBackgroundColor({ tabId: tab.id }),
    };
  }, url);
}

/**
 * Every open tab's record and badge, by tab id: without host access the extension cannot
 * find a tab by its URL (tabRecord, badgeOf), but it still sees its own records and badges.
 */
export async function allTabs(
  browser: ExtensionBrowser,
): Promise<{ tabId: number; videos: number; badge: string }[]> {
  return (await worker(browser)).evaluate(async () => {
    const stored = await chrome.storage.session.get(null);
    return Promise.all(
      (await chrome.tabs.query({})).map(async (tab) => ({
        tabId: tab.id!,
        videos: Object.keys((stored[`tab:${tab.id}`] as TabRecord | undefined)?.videos ?? {}).length,
        badge: await chrome.action.getBadgeText({ tabId: tab.id }),
      })),
    );
  });
}

export async function engineStats(browser: ExtensionBrowser): Promise<EngineStats> {
  const sw = await worker(browser);
  return sw.evaluate(async () => {
    const reply = await chrome.runtime.sendMessage({ name: 'debug→engine:stats', payload: {} });
    if (!reply?.ok) throw new Error(reply?.error?.message ?? 'no engine host');
    return reply.value;
  });
}

/** A state in a diagnostic line: its status, with the progress or the reason can't judge gave. */
function stateWords(state: SyncState): string {
  if (state.status === 'checking') return `checking ${state.progress.toFixed(2)}`;
  if (state.status === 'cannot-judge') return `cannot-judge(${state.reason})`;
  return state.status;
}

/** A verdict the stabiliser has made firm (src/core/decision/stabilise.ts). */
export type FirmVerdict = Extract<SyncState, { status: 'in-sync' | 'shifted' | 'mismatch' }>;
/** Whether a state is a firm verdict: a provisional one ("so far") rests on as little as 2 s of evidence and may still change. */
export const isFirmVerdict = (state: SyncState | undefined): state is FirmVerdict =>
  (state?.status === 'in-sync' || state?.status === 'shifted' || state?.status === 'mismatch') &&
  state.evidence.provisional !== true;

/** Polls the tab's records until `done` holds for them; returns them (throws with the last ones on timeout). */
export async function waitForVideos(
  browser: ExtensionBrowser,
  url: string,
  done: (videos: VideoRecord[]) => boolean,
  timeoutMs: number,
  log?: (line: string) => void,
): Promise<VideoRecord[]> {
  const deadline = Date.now() + timeoutMs;
  let videos: VideoRecord[] = [];
  let lastLine = '';
  while (Date.now() < deadline) {
    videos = Object.values((await tabRecord(browser, url))?.videos ?? {});
    const line = videos
      .map((v) => `${v.videoKey}:${v.session ? stateWords(v.session.state) : '-'}`)
      .join(' ');
    if (log && line !== lastLine) log(line);
    lastLine = line;
    if (done(videos)) return videos;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000} s; videos: ${JSON.stringify(videos.map((v) => ({ key: v.videoKey, state: v.session?.state })))}`,
  );
}

/** Polls `read` until `done` holds for its value and returns that value; on timeout, throws with the last one. */
/**
 * For a fixture page's `extra`: the page notes whether its last pageshow restored it from
 * the back/forward cache, and forgets it on pagehide (so a restore is never read as the
 * first load's answer).
 */
export const RESTORED_FLAG = `<script>addEventListener('pageshow', (e) => { window.restoredFromCache = e.persisted; });
addEventListener('pagehide', () => { delete window.restoredFromCache; });</script>`;

/** One step back in `page`'s history (a page carrying RESTORED_FLAG); true when the browser restored it from the back/forward cache. */
export async function goBackRestored(page: Page): Promise<boolean> {
  // A page restored from the cache fires no load event: the navigation's commit is the wait.
  await page.goBack({ waitUntil: 'commit' });
  // Read once the page's pageshow has run: undefined until then (RESTORED_FLAG).
  const answer = await page.waitForFunction(
    () => {
      const restored = (window as { restoredFromCache?: boolean }).restoredFromCache;
      return restored === undefined ? null : { restored };
    },
    null,
    { timeout: 30_000 },
  );
  return ((await answer.jsonValue()) as { restored: boolean }).restored;
}

export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}; last: ${JSON.stringify(value)}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const FINAL = new Set(['in-sync', 'shifted', 'mismatch', 'cannot-judge', 'error']);

/**
 * A proxy every non-loopback request of the whole browser goes through (extension pages,
 * the worker and the offscreen document included — Playwright's request events miss
 * those): it records the host and refuses. Pass `args` to the browser.
 */
/**
 * Chromium's own services, contacted by the browser whatever the extension does (measured:
 * the updater and sign-in, even with the no-network flags). Exact host names only: the
 * CDNs a careless model loader would use (storage.googleapis.com, cdn.jsdelivr.net,
 * tfhub.dev) must still count.
 */
const BROWSER_SERVICE_HOSTS = new Set([
  'update.googleapis.com',
  'accounts.google.com',
  'clients2.google.com',
  'clientservices.googleapis.com',
  'redirector.gvt1.com',
]);

export async function startRecordingProxy(): Promise<{
  args: string[];
  hosts: string[];
  close(): Promise<void>;
}> {
  const hosts: string[] = [];
  const record = (method: string, target: string) => {
    const host = method === 'CONNECT' ? target.split(':')[0] : new URL(target).hostname;
    if (!BROWSER_SERVICE_HOSTS.has(host)) hosts.push(`${method} ${target}`);
  };
  const server = createServer((req, res) => {
    record(req.method ?? 'GET', req.url ?? '');
    res.writeHead(403).end('blocked by the test');
  });
  server.on('connect', (req, socket) => {
    record('CONNECT', req.url ?? '');
    // The socket is ours once 'connect' fires: a browser that hangs up first (ECONNRESET)
    // must not become an uncaught exception that fails the file after its tests passed.
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    args: [`--proxy-server=http://127.0.0.1:${port}`],
    hosts,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
