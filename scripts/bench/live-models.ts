// npm run bench -- --live-models — a live check at 25 fps, 640×360, with the embedded model
// and with SyncNet v2 (random weights from Debian's python3-torch, imported through the
// options page as a user would): how many frames per second reached the engine, the share
// it counted lost (core/video/frame-drops.ts), the lip stride it chose (engine/lip-stride.ts)
// and the state it showed (issue 13 item 3). The built test extension in headless Chromium,
// the real clip looped on a fixture page, the toolbar click, then RUN_S seconds of checking.
// A benchmark: it asserts nothing.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CLIPS_DIR, serveStatic } from '../lib/server';
import {
  H264,
  MEDIA_DIR,
  REAL_CLIP,
  clickToolbarButton,
  engineStats,
  ffmpeg,
  fixturePage,
  launchLive,
  tabRecord,
  type LiveBrowser,
} from '../../test/e2e/live-helpers';
import { chooseModel } from '../../test/helpers/options';
import type { FrameStats, ModelChoice } from '../../src/engine/types';

/** Seconds of checking per model, and the first seconds left out of the rate (loading, warm-up). */
const RUN_S = Number(process.env.LIPSYNC_BENCH_LIVE_MODEL_S ?? 45);
const WARM_UP_S = 15;

export interface LiveModelRow {
  model: ModelChoice;
  /** Frames the engine analysed per second of playback after the warm-up. */
  framesPerSecond: number | null;
  droppedFrameRatio: number | null;
  /** The same with the frames lost in stalls (core/video/frame-drops.ts). */
  lostFrameRatio: number | null;
  lipStride: number | null;
  /** Where the model's streams ran (engine stats' modelOn). */
  modelOn: string | null;
  state: string;
}

async function useModel(browser: LiveBrowser, model: ModelChoice): Promise<void> {
  const options = await browser.context.newPage();
  try {
    await options.goto(`chrome-extension://${browser.extensionId}/options/options.html`);
    await chooseModel(options, model);
  } finally {
    await options.close();
  }
}

/** The check of the page's one video, if it has one. */
async function sessionOf(browser: LiveBrowser, url: string) {
  return Object.values((await tabRecord(browser, url))?.videos ?? {})[0]?.session;
}

async function checkFor(browser: LiveBrowser, page: Page, url: string, model: ModelChoice) {
  await clickToolbarButton(browser, page);
  const started = Date.now();
  let first: { t: number; frames: number } | null = null;
  let last: { t: number; frames: number } | null = null;
  let frames: FrameStats | null = null;
  while (Date.now() - started < RUN_S * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const session = await sessionOf(browser, url);
    const stats =
      session && (await engineStats(browser)).sessions.find((s) => s.sessionId === session.sessionId);
    if (!stats) continue;
    const t = (Date.now() - started) / 1000;
    if (t >= WARM_UP_S && stats.framesAnalysed > 0) {
      first ??= { t, frames: stats.framesAnalysed };
      last = { t, frames: stats.framesAnalysed };
    }
    frames = stats.frames;
  }
  const state = (await sessionOf(browser, url))?.state;
  const words = !state
    ? 'no check'
    : state.status === 'cannot-judge'
      ? `cannot-judge (${state.reason}${state.detail ? `: ${state.detail}` : ''})`
      : 'evidence' in state && state.evidence
        ? `${state.status}, offset ${state.evidence.offsetMs} ms`
        : state.status;
  const row: LiveModelRow = {
    model,
    framesPerSecond:
      first && last && last.t > first.t ? (last.frames - first.frames) / (last.t - first.t) : null,
    droppedFrameRatio: frames?.droppedFrameRatio ?? null,
    lostFrameRatio: frames?.lostFrameRatio ?? null,
    lipStride: frames?.lipStride ?? null,
    modelOn: frames?.modelOn ?? null,
    state: words,
  };
  return row;
}

export async function benchLiveModels(): Promise<LiveModelRow[]> {
  execFileSync(process.execPath, ['scripts/build.mjs', 'chrome-test'], { stdio: 'ignore' });
  const clip = ffmpeg('live-real-360p.mp4', [
    '-i',
    join(CLIPS_DIR, REAL_CLIP),
    '-t',
    '12',
    '-vf',
    'scale=640:360',
    '-r',
    '25',
    ...H264,
  ]);
  const name = clip.slice(MEDIA_DIR.length + 1);
  const server = await serveStatic({ mounts: { '/gen/': MEDIA_DIR } });
  const browser = await launchLive();
  const rows: LiveModelRow[] = [];
  try {
    for (const model of ['embedded', 'syncnet-v2'] as const) {
      await useModel(browser, model);
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 900, height: 600 });
      try {
        const path = fixturePage(`bench-live-${model}`, [
          { src: `/gen/${name}`, attrs: 'autoplay loop playsinline controls', width: 640 },
        ]);
        const url = `${server.origin}/${path}`;
        await page.goto(url);
        await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0.5);
        rows.push(await checkFor(browser, page, url, model));
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return rows;
}

const share = (ratio: number | null) => (ratio === null ? '—' : `${(100 * ratio).toFixed(2)} %`);

export function printLiveModels(rows: LiveModelRow[]): void {
  console.log(
    `live check at 25 fps, 640×360 (${REAL_CLIP} scaled, looped), ${RUN_S} s per model, rate after the first ${WARM_UP_S} s`,
  );
  console.log(
    'model        frames/s to the engine (of 25)  lost (engine count)  with stalls  lip stride  model on      state at the end',
  );
  for (const r of rows) {
    const fps = r.framesPerSecond === null ? '—' : r.framesPerSecond.toFixed(1);
    const lost = share(r.droppedFrameRatio);
    console.log(
      `${r.model.padEnd(12)} ${fps.padStart(10)}                      ${lost.padStart(7)}      ${share(r.lostFrameRatio).padStart(9)}       ${String(r.lipStride ?? '—').padStart(3)}        ${(r.modelOn ?? '—').padEnd(12)}  ${r.state}`,
    );
  }
}
