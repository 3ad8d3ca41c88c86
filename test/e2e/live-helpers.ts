// Helpers for the live-checking tests: test media made with ffmpeg into
// test/.generated/media (never committed), fixture pages, the toolbar click through CDP
// (Extensions.triggerAction also grants activeTab, so tabCapture works), and reading the
// per-tab records and the engine host's figures from the extension itself.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS, type ExtensionBrowser } from '../helpers/browser';
import { CLIPS_DIR } from '../helpers/server';
import type { TabRecord, VideoRecord } from '../../src/background/tab-store';
import type { EngineStats } from '../../src/shared/protocol';

export const MEDIA_DIR = resolve('test/.generated/media');
export const FIXTURE_DIR = resolve('test/.generated/pages');
export const SCREENSHOT_DIR = resolve('test/.generated/screenshots');
export const EMBEDDED_MODEL_PRESENT = existsSync('models/embedded/manifest.json');
export const NO_EMBEDDED_MODEL = EMBEDDED_MODEL_PRESENT ? false : 'models/embedded/manifest.json is absent (the built-in model is still being trained): no real/fake verdict to test yet';

/** A real, in-sync talking head (MANIFEST.tsv: real-in-sync, high). */
export const REAL_CLIP = 'EDTalk_test_data_uncrop_Obama.mp4';
/** Another speaker whose voice replaces it for the swapped-audio clip. */
export const OTHER_SPEAKER_CLIP = 'EDTalk_test_data_pose_source2.mp4';

export const clipsPresent = () => existsSync(join(CLIPS_DIR, REAL_CLIP)) && existsSync(join(CLIPS_DIR, OTHER_SPEAKER_CLIP));
export const NO_CLIPS = clipsPresent() ? false : `../shared/media/clips lacks ${REAL_CLIP} / ${OTHER_SPEAKER_CLIP}`;

function ffmpeg(out: string, args: string[]): string {
  const path = join(MEDIA_DIR, out);
  if (existsSync(path)) return path;
  mkdirSync(MEDIA_DIR, { recursive: true });
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, `${path}.tmp.mp4`]);
  execFileSync('mv', [`${path}.tmp.mp4`, path]);
  return path;
}

const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart'];

/** Test media, made once: served under /gen/ by serveStatic({ mounts: { '/gen/': MEDIA_DIR } }). */
export function makeMedia() {
  const real = join(CLIPS_DIR, REAL_CLIP);
  const other = join(CLIPS_DIR, OTHER_SPEAKER_CLIP);
  return {
    /** The real clip, first 12 s. */
    real: ffmpeg('live-real.mp4', ['-i', real, '-t', '12', ...H264]),
    /** The same pictures with another speaker's voice (the audio of the other clip). */
    swapped: ffmpeg('live-swapped.mp4', ['-i', real, '-ss', '5', '-i', other, '-map', '0:v', '-map', '1:a', '-t', '12', ...H264]),
    /** No face at all, speech on the sound track. */
    faceless: ffmpeg('live-faceless.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-i', real, '-map', '0:v', '-map', '1:a', '-t', '6', ...H264]),
  };
}

/** A page with the given videos (src relative to the page's server or absolute). */
export function fixturePage(name: string, videos: { src: string; attrs?: string }[], extra = ''): string {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const body = videos.map((v, i) => `<video id="video${i}" src="${v.src}" ${v.attrs ?? 'autoplay playsinline controls'} width="480"></video>`).join('\n');
  writeFileSync(join(FIXTURE_DIR, `${name}.html`), `<!doctype html><meta charset="utf-8"><title>${name}</title>
<style>body { margin: 8px; background: #fff; } video { display: block; margin: 8px 0; background: #000; }</style>
${body}
${extra}`);
  return `test/.generated/pages/${name}.html`;
}

export interface LiveBrowser extends ExtensionBrowser {
  /** The same browser over CDP, for browser-level commands (Extensions.triggerAction). */
  remote: Browser;
}

/**
 * launchWithExtension's browser (same flags) plus a remote-debugging port: the toolbar
 * click (Extensions.triggerAction) is a browser-level CDP command, which Playwright's
 * persistent context does not expose, so a second CDP connection sends it.
 */
export async function launchLive(distDir = resolve('dist/chrome'), extraArgs: string[] = []): Promise<LiveBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'lipsync-lens-live-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: false,
    ignoreDefaultArgs: ['--disable-extensions', '--mute-audio'],
    args: [...CHROMIUM_FLAGS, ...extraArgs, '--remote-debugging-port=0', `--disable-extensions-except=${distDir}`, `--load-extension=${distDir}`],
  });
  try {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20000 }));
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

/** The toolbar click on `page`'s tab: opens the popup (hidden in headless), which starts the check. */
export async function clickToolbarButton(browser: LiveBrowser, page: Page): Promise<void> {
  const cdp = await browser.remote.newBrowserCDPSession();
  try {
    const { targetInfos } = (await cdp.send('Target.getTargets' as never, { filter: [{ type: 'tab' }] } as never)) as { targetInfos: { targetId: string; url: string }[] };
    const tab = targetInfos.find((t) => t.url === page.url());
    if (!tab) throw new Error(`no tab target for ${page.url()}`);
    await cdp.send('Extensions.triggerAction' as never, { id: browser.extensionId, targetId: tab.targetId } as never);
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

async function worker(browser: ExtensionBrowser) {
  return browser.context.serviceWorkers().find((w) => w.url().includes(browser.extensionId)) ?? browser.context.waitForEvent('serviceworker');
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

export async function badgeOf(browser: ExtensionBrowser, url: string): Promise<{ text: string; color: number[] }> {
  const sw = await worker(browser);
  return sw.evaluate(async (pageUrl) => {
    const [tab] = await chrome.tabs.query({ url: pageUrl });
    return { text: await chrome.action.getBadgeText({ tabId: tab.id }), color: await chrome.action.getBadgeBackgroundColor({ tabId: tab.id }) };
  }, url);
}

export async function engineStats(browser: ExtensionBrowser): Promise<EngineStats> {
  const sw = await worker(browser);
  return sw.evaluate(async () => {
    const reply = await chrome.runtime.sendMessage({ name: 'debug→engine:stats', payload: {} });
    if (!reply?.ok) throw new Error(reply?.error?.message ?? 'no engine host');
    return reply.value;
  });
}

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
    const line = videos.map((v) => `${v.videoKey}:${v.session?.state.status ?? '-'}${v.session?.state.status === 'checking' ? ` ${(v.session.state as { progress: number }).progress.toFixed(2)}` : ''}`).join(' ');
    if (log && line !== lastLine) log(line);
    lastLine = line;
    if (done(videos)) return videos;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s; videos: ${JSON.stringify(videos.map((v) => ({ key: v.videoKey, state: v.session?.state })))}`);
}

export const FINAL = new Set(['in-sync', 'out-of-sync', 'cannot-judge', 'error']);

export const STANDIN_DIST = resolve('test/.generated/dist-standin');

/**
 * dist/chrome with a stand-in built-in model: the embedded architecture with seeded
 * random weights, so the whole live pipeline (capture → engine → state → badge, popup,
 * overlay) runs while the real model is still being trained. Its verdicts mean nothing;
 * tests on it assert the pipeline, never real/fake. With the real model present, the
 * real build is used instead.
 */
export async function standInBuild(): Promise<string> {
  if (EMBEDDED_MODEL_PRESENT) return resolve('dist/chrome');
  const { embeddedWeightShapes } = await import('../../src/core/models/embedded');
  const { encodeWeights } = await import('../../src/core/convert/weights-bundle');
  rmSync(STANDIN_DIST, { recursive: true, force: true });
  execFileSync('cp', ['-r', resolve('dist/chrome'), STANDIN_DIST]);
  let state = 12345;
  const rand = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const weights: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, shape] of Object.entries(embeddedWeightShapes('both'))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const positive = /std/.test(name);
    weights[name] = { shape, data: Float32Array.from({ length: n }, () => (positive ? 1 + 0.1 * rand() : /mean/.test(name) ? 0 : 0.2 * rand())) };
  }
  const bundle = encodeWeights('embedded', 'stand-in (random weights)', weights);
  mkdirSync(join(STANDIN_DIST, 'models', 'embedded'), { recursive: true });
  writeFileSync(join(STANDIN_DIST, 'models', 'embedded', 'manifest.json'), JSON.stringify(bundle.manifest));
  writeFileSync(join(STANDIN_DIST, 'models', 'embedded', 'weights.bin'), bundle.data);
  return STANDIN_DIST;
}

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
const BROWSER_SERVICE_HOSTS = new Set(['update.googleapis.com', 'accounts.google.com', 'clients2.google.com', 'clientservices.googleapis.com', 'redirector.gvt1.com']);

export async function startRecordingProxy(): Promise<{ args: string[]; hosts: string[]; close(): Promise<void> }> {
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
