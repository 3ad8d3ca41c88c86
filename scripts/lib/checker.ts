// Drives the extension's own "Check a file" page (options/check.html) in headless Chromium:
// the CLI, the evaluation and the feature cache all go through the engine the user gets.
// One browser and one page serve many files.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { launchWithExtension, type ExtensionBrowser } from './chromium';
import type { CheckResult, ModelChoice } from '../../src/engine/types';
import type { ClipFeatures } from '../../src/core/features';
import type { PageProgress, WindowCacheRequest } from '../../src/options/automation';
import type { WindowCacheManifest } from '../../src/core/train/window-cache';
import { PART_INPUTS, type StreamedPart, type StreamingRequest } from '../../src/options/cli-parts';
import { H264_FOR_CHROMIUM, PART_SECONDS, StreamedTranscode, type TranscodePart } from './streamed-transcode';

/**
 * The build the CLI drives: the instrumented Chrome build, the product's code plus the file
 * page's automation entry points (src/options/automation.ts), which the product build leaves out.
 */
export const CLI_DIST = 'dist/chrome-test';

export interface CheckRequest {
  video: string;
  audio?: string;
  model?: ModelChoice;
  /** An official checkpoint file, or a folder from `npm run convert` (manifest.json + weights.bin). */
  weights?: string;
  /** Lips on every n-th window only (src/engine/lip-stride.ts; the bench compares strides). */
  lipStride?: number;
}

export type ExtractedOutcome =
  | {
      ok: true;
      features: ClipFeatures;
      pcm: Int16Array | null;
      transcoded: boolean;
      windowCaches: { manifest: WindowCacheManifest; data: Uint8Array }[];
    }
  | { ok: false; error: string };

/** Bytes of a window cache per page.evaluate() when reading it back. */
const WINDOW_CACHE_SLICE = 8 << 20;

export type CheckOutcome =
  | {
      ok: true;
      result: CheckResult;
      /** Why ffmpeg converted the file as it was checked (streamed-transcode.ts), or null. */
      transcoded: string | null;
    }
  | { ok: false; error: string };

/** Builds the tree the CLI drives (CLI_DIST); false when the build failed. */
export function buildCliExtension(stdio: 'inherit' | 'ignore' = 'ignore'): boolean {
  return spawnSync(process.execPath, ['scripts/build.mjs', basename(CLI_DIST)], { stdio }).status === 0;
}

/** What scripts/build.mjs reads, relative to the repository root. */
const BUILD_INPUTS = [
  'src',
  '_locales',
  'models',
  'manifest.json',
  'package.json',
  'scripts/build.mjs',
  'scripts/browser',
];

/** Latest modification time (ms) of a file or of anything below a folder; 0 if absent. */
function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (latest, name) => Math.max(latest, newestChange(join(path, name))),
    stat.mtimeMs,
  );
}

/** Is the built tree missing, or older than something the build reads? */
export function buildIsStale(distDir: string, inputs: readonly string[], root = '.'): boolean {
  const built = join(distDir, 'manifest.json');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return inputs.some((input) => newestChange(join(root, input)) > builtAt);
}

/**
 * Builds the CLI's tree when it is missing or older than its sources (a `git pull`, an
 * edit), so a check, the feature cache and the evaluation never run yesterday's engine.
 */
export function ensureCliExtension(say: (line: string) => void): boolean {
  if (!buildIsStale(CLI_DIST, BUILD_INPUTS)) return true;
  say(`building the extension (${CLI_DIST}) first…`);
  return buildCliExtension('inherit');
}

export class CheckerError extends Error {
  override name = 'CheckerError';
}

/**
 * Chromium cannot play this container/codec (MPEG-PS, MPEG-4 Part 2, 4:4:4 H.264 …: the
 * element errors, or loads with no picture); an ffmpeg transcode to H.264/AAC MP4 may.
 */
const UNPLAYABLE = /not a video format this browser can play|could not be decoded|has no video track/;

function weightFiles(weights: string): string[] {
  const path = resolve(weights);
  if (!existsSync(path)) throw new CheckerError(`weights not found: ${weights}`);
  if (statSync(path).isDirectory()) {
    const files = ['manifest.json', 'weights.bin'].map((f) => join(path, f));
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length)
      throw new CheckerError(
        `${weights}: not a converted weights folder (missing ${missing.map((f) => basename(f)).join(', ')})`,
      );
    return files;
  }
  return [path];
}

/** The whole file converted to H.264/AAC MP4 before it is read (the feature cache); null when ffmpeg fails. */
export function transcodeForChromium(input: string, outDir: string): string | null {
  const output = join(outDir, `${basename(input).replace(/\.[^.]+$/, '')}.mp4`);
  const run = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-y', '-i', input, ...H264_FOR_CHROMIUM, '-c:a', 'aac', '-b:a', '192k', output],
    { encoding: 'utf8' },
  );
  return run.status === 0 && existsSync(output) ? output : null;
}

export class Checker {
  /** Every request the browser made to a host that is not this machine or the extension. */
  readonly remoteRequests: string[] = [];

  /** Seconds per part when a file is converted as it is checked (tests use short parts). */
  transcodePartSeconds = PART_SECONDS;
  /** Parts the last streamed transcode handed to the page (0: none). */
  lastTranscodeParts = 0;
  /** Dedicated workers the page has started (the kept landmarker pool: once per page, not per file). */
  workersStarted = 0;
  /** The streamed transcode being checked, its first part (already in #video-file), the --audio file. */
  private streaming: { transcode: StreamedTranscode; first: TranscodePart | null; audio?: string } | null =
    null;

  private constructor(
    private readonly browser: ExtensionBrowser,
    private readonly page: Page,
    private readonly tempDir: string,
  ) {
    browser.context.on('request', (request) => {
      if (!isLocalUrl(request.url())) this.remoteRequests.push(request.url());
    });
    page.on('worker', () => this.workersStarted++);
  }

  static async open(
    onProgress?: (progress: PageProgress) => void,
    distDir = resolve(CLI_DIST),
  ): Promise<Checker> {
    // Load a private copy of the build: a rebuild of dist/ while a long run is going
    // (another terminal, a test) must not pull files from under the running extension.
    const tempDir = mkdtempSync(join(tmpdir(), 'lipsync-check-'));
    const extensionCopy = join(tempDir, 'extension');
    if (!existsSync(join(distDir, 'manifest.json')))
      throw new CheckerError(`${distDir} has no built extension — run npm run build`);
    cpSync(distDir, extensionCopy, { recursive: true });
    const browser = await launchWithExtension(extensionCopy);
    try {
      // Made before the page loads: it starts its landmarker workers as it opens.
      const checker = new Checker(browser, await browser.context.newPage(), tempDir);
      const page = checker.page;
      await page.exposeFunction('lipsyncProgress', (progress: PageProgress) => onProgress?.(progress));
      await page.exposeFunction('lipsyncNextPart', () => checker.nextStreamedPart());
      await page.goto(`chrome-extension://${browser.extensionId}/options/check.html`);
      await page.waitForSelector('#video-file', { state: 'attached' });
      return checker;
    } catch (error) {
      await browser.close();
      rmSync(tempDir, { recursive: true, force: true });
      throw error;
    }
  }

  private async runOnce(request: CheckRequest, video: string): Promise<CheckResult | { error: string }> {
    const page = this.page;
    await page.evaluate((lipStride) => {
      window.lipsyncResult = undefined;
      window.lipsyncEngineOptions = lipStride ? { lipStride } : {};
    }, request.lipStride);
    await page.selectOption('#model', request.model ?? 'embedded');
    if (request.model && request.model !== 'embedded') {
      if (!request.weights)
        throw new CheckerError(`--model ${request.model} needs --weights <checkpoint or converted folder>`);
      await page.setInputFiles('#weights-file', weightFiles(request.weights));
    }
    await page.setInputFiles('#audio-file', request.audio ? [resolve(request.audio)] : []);
    await page.setInputFiles('#video-file', resolve(video));
    await page.click('#check');
    const handle = await page.waitForFunction(() => window.lipsyncResult, undefined, {
      timeout: 0,
      polling: 200,
    });
    return (await handle.jsonValue()) as CheckResult | { error: string };
  }

  /**
   * Checks a file Chromium cannot play while ffmpeg converts it, part by part
   * (streamed-transcode.ts); null when ffprobe finds no picture in it to convert.
   */
  private async runStreamed(
    request: CheckRequest,
    onTranscode?: (why: string) => void,
  ): Promise<{ why: string; outcome: CheckResult | { error: string } } | null> {
    const transcode = StreamedTranscode.start(request.video, join(this.tempDir, 'parts'), {
      withAudio: !request.audio,
      partSeconds: this.transcodePartSeconds,
    });
    if (!transcode) return null;
    const { why, durationS } = transcode.probed;
    onTranscode?.(why);
    try {
      const first = await transcode.nextPart();
      if (!first)
        return { why, outcome: { error: `${basename(request.video)}: ffmpeg found no frames in it` } };
      this.streaming = { transcode, first, audio: request.audio };
      await this.page.evaluate((s) => (window.lipsyncStreaming = s), {
        name: basename(request.video),
        totalDuration: durationS,
      } satisfies StreamingRequest);
      return { why, outcome: await this.runOnce(request, first.video) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { why, outcome: { error: `${basename(request.video)}: ${message}` } };
    } finally {
      this.lastTranscodeParts = transcode.partsGiven;
      this.streaming = null;
      await this.page.evaluate(() => (window.lipsyncStreaming = undefined));
      transcode.close();
    }
  }

  /** The page asks for the next part of the streamed transcode: into the part inputs it goes. */
  private async nextStreamedPart(): Promise<StreamedPart | null> {
    const streaming = this.streaming;
    if (!streaming) return null;
    const part = streaming.first ?? (await streaming.transcode.nextPart());
    const isFirst = streaming.first !== null;
    streaming.first = null;
    if (!part) return null;
    // --audio replaces the sound: the whole replacement goes with the first part, at time zero.
    const audio = streaming.audio ? (isFirst ? resolve(streaming.audio) : null) : part.audio;
    await this.page.setInputFiles(`#${PART_INPUTS.video}`, part.video);
    await this.page.setInputFiles(`#${PART_INPUTS.audio}`, audio ? [audio] : []);
    return {
      start: part.start,
      audioStart: streaming.audio ? 0 : part.audioStart,
      hasAudio: audio !== null,
    };
  }

  async check(request: CheckRequest, onTranscode?: (why: string) => void): Promise<CheckOutcome> {
    for (const [label, path] of [
      ['video', request.video],
      ['audio', request.audio],
    ] as const) {
      if (path && (!existsSync(path) || !statSync(path).isFile()))
        return { ok: false, error: `${path}: no such ${label} file` };
    }
    let outcome = await this.runOnce(request, request.video);
    let transcoded: string | null = null;
    if ('error' in outcome && UNPLAYABLE.test(outcome.error)) {
      const streamed = await this.runStreamed(request, onTranscode);
      if (streamed) ({ why: transcoded, outcome } = streamed);
    }
    if ('error' in outcome)
      return { ok: false, error: outcome.error.replace(/^[^:]*\.mp4: /, `${basename(request.video)}: `) };
    return { ok: true, result: outcome, transcoded };
  }

  /** Landmarker workers the page has replaced by fresh ones (each one a worker started). */
  landmarkerRenewals(): Promise<number> {
    return this.page.evaluate(() => window.lipsyncLandmarkerRenewals?.() ?? 0);
  }

  /**
   * Face observations + 16 kHz PCM for one video (the feature cache), through the same page;
   * with `windows`, also the SyncNet window caches of that same run (weights: an official
   * checkpoint or a converted folder).
   */
  async extractFeatures(
    video: string,
    audio?: string,
    windows?: WindowCacheRequest & { weights: string },
  ): Promise<ExtractedOutcome> {
    if (!existsSync(video)) return { ok: false, error: `${video}: no such video file` };
    const page = this.page;
    if (windows) {
      await page.selectOption('#model', windows.model);
      await page.setInputFiles('#weights-file', weightFiles(windows.weights));
    }
    const request = windows ? { model: windows.model, stages: windows.stages } : undefined;
    const run = async (path: string) => {
      await page.setInputFiles('#audio-file', audio ? [resolve(audio)] : []);
      await page.setInputFiles('#video-file', resolve(path));
      return page.evaluate((r) => window.lipsyncExtractFeatures!(r), request);
    };
    let outcome = await run(video);
    let transcoded = false;
    if ('error' in outcome && UNPLAYABLE.test(outcome.error)) {
      const converted = transcodeForChromium(video, this.tempDir);
      if (converted) {
        transcoded = true;
        outcome = await run(converted);
      }
    }
    if ('error' in outcome) return { ok: false, error: outcome.error };
    const pcm =
      outcome.pcmBase64 === null
        ? null
        : (() => {
            const bytes = Buffer.from(outcome.pcmBase64, 'base64');
            return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
          })();
    const windowCaches: { manifest: WindowCacheManifest; data: Uint8Array }[] = [];
    for (const [index, { manifest, bytes }] of outcome.windowCaches.entries()) {
      // In slices: a v4 pre-fc cache is 73 KB per window, too much for one evaluate() reply.
      const data = new Uint8Array(bytes);
      for (let start = 0; start < bytes; start += WINDOW_CACHE_SLICE) {
        const slice = await page.evaluate(([i, s, n]) => window.lipsyncReadWindowCache!(i, s, n), [
          index,
          start,
          WINDOW_CACHE_SLICE,
        ] as const);
        data.set(Buffer.from(slice, 'base64'), start);
      }
      windowCaches.push({ manifest: { ...manifest, file: basename(video) }, data });
    }
    return {
      ok: true,
      features: { ...outcome.features, file: basename(video) },
      pcm,
      transcoded,
      windowCaches,
    };
  }

  async close(): Promise<void> {
    await this.browser.close();
    rmSync(this.tempDir, { recursive: true, force: true });
  }
}

/** The extension's own files, inline data, and this machine: everything else is remote. */
export function isLocalUrl(url: string): boolean {
  if (/^(chrome-extension|moz-extension|data|blob|about|file):/.test(url)) return true;
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Video files in a folder (for the multi-file commands). */
export function videosIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(mp4|mov|m4v|webm|mkv|mpg|mpeg|avi)$/i.test(f))
    .sort()
    .map((f) => join(dir, f));
}
