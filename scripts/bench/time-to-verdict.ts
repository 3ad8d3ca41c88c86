// npm run bench, last rows — live time to verdict (issue 11 item 5): the built extension in
// headless Chromium, the toolbar click on a fixture page (a plain file, hls.js, dash.js,
// shaka-player, a video call, a cross-origin video through tab capture), then the tab's
// record polled every 200 ms: seconds from the click to the first verdict (provisional)
// and to the firm one, with the seconds of face-plus-speech evidence each rested on.
// Targets: provisional ≤ 3 s of face-plus-speech, firm ≤ 6 s. A benchmark: it asserts
// nothing. Reuses the e2e fixtures (test/e2e/*-fixtures.ts, live-helpers.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { serveStatic, type StaticServer } from '../lib/server';
import type { SyncState } from '../../src/core/state';
import {
  MEDIA_DIR,
  clickToolbarButton,
  fixturePage,
  launchLive,
  makeMedia,
  tabRecord,
  type LiveBrowser,
} from '../../test/e2e/live-helpers';
import { playerManifest, playerScript, type PlayerKind } from '../../test/e2e/player-fixtures';
import { CALL_FLAGS, callClip, callPage } from '../../test/e2e/call-fixtures';

export interface VerdictTiming {
  page: string;
  capture: string;
  /** Seconds from the click until the engine was loaded (first state past 'loading') and until evidence began ('checking'). */
  readyS: number | null;
  checkingS: number | null;
  /** Seconds from the click; null when it did not come within the limit. */
  provisionalS: number | null;
  provisionalEvidenceS: number | null;
  provisionalStatus: string | null;
  firmS: number | null;
  firmEvidenceS: number | null;
  firmStatus: string | null;
}

const LIMIT_MS = Number(process.env.LIPSYNC_BENCH_VERDICT_LIMIT_MS ?? 60_000);
const VERDICTS = new Set(['in-sync', 'shifted', 'mismatch']);

type Judged = Extract<SyncState, { status: 'in-sync' | 'shifted' | 'mismatch' }>;
const judged = (s: SyncState | undefined): s is Judged => s !== undefined && VERDICTS.has(s.status);

async function timeOne(browser: LiveBrowser, name: string, url: string, page: Page): Promise<VerdictTiming> {
  const timing: VerdictTiming = {
    page: name,
    capture: '-',
    readyS: null,
    checkingS: null,
    provisionalS: null,
    provisionalEvidenceS: null,
    provisionalStatus: null,
    firmS: null,
    firmEvidenceS: null,
    firmStatus: null,
  };
  const clicked = Date.now();
  await clickToolbarButton(browser, page);
  while (Date.now() - clicked < LIMIT_MS) {
    const sessions = Object.values((await tabRecord(browser, url))?.videos ?? {}).flatMap((v) =>
      v.session ? [v.session] : [],
    );
    const seconds = (Date.now() - clicked) / 1000;
    // The first checked video (a call's gallery: the tile the click chose).
    const session = sessions.sort((a, b) => a.startedAt - b.startedAt)[0];
    if (session) {
      timing.capture = session.capture;
      const state = session.state;
      if (timing.readyS === null && state.status !== 'loading' && state.status !== 'idle')
        timing.readyS = seconds;
      if (timing.checkingS === null && (state.status === 'checking' || judged(state)))
        timing.checkingS = seconds;
      if (judged(state)) {
        if (timing.provisionalS === null) {
          timing.provisionalS = seconds;
          timing.provisionalEvidenceS = state.evidence.evidenceSeconds;
          timing.provisionalStatus = `${state.status}${state.evidence.provisional ? '' : ' (firm at once)'}`;
        }
        if (state.evidence.provisional !== true) {
          timing.firmS = seconds;
          timing.firmEvidenceS = state.evidence.evidenceSeconds;
          timing.firmStatus = state.status;
          break;
        }
      } else if (state.status === 'cannot-judge' || state.status === 'error') {
        timing.firmStatus = state.status;
        break;
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return timing;
}

interface Fixture {
  name: string;
  /** The page's path on the server, made when called. */
  make(origin: string, otherOrigin: string): string;
  /** Resolves when the page plays. */
  ready(page: Page): Promise<unknown>;
  call?: boolean;
}

const playing = (page: Page) =>
  page.waitForFunction(() => [...document.querySelectorAll('video')].some((v) => v.currentTime > 0.5), null, {
    timeout: 30_000,
  });

export async function benchTimeToVerdict(): Promise<VerdictTiming[]> {
  execFileSync(process.execPath, ['scripts/build.mjs', 'chrome-test'], { stdio: 'ignore' });
  const media = makeMedia();
  const looped = (src: string) => [{ src, attrs: 'autoplay loop playsinline controls' }];
  const player = (kind: PlayerKind): Fixture => ({
    name: `${kind}, real`,
    make: () =>
      fixturePage(
        `bench-${kind}`,
        [{ src: '', attrs: 'playsinline controls' }],
        playerScript(kind, playerManifest(kind, 'live-real', media.real)),
      ),
    ready: playing,
  });
  const fixtures: Fixture[] = [
    {
      name: 'file, real',
      make: () => fixturePage('bench-file-real', looped('/gen/live-real.mp4')),
      ready: playing,
    },
    {
      name: 'file, swapped',
      make: () => fixturePage('bench-file-swapped', looped('/gen/live-swapped.mp4')),
      ready: playing,
    },
    player('hls.js'),
    player('dash.js'),
    player('shaka-player'),
    {
      name: 'call, real',
      make: () => callPage('bench-call', [{ src: callClip(media.real, 'call-real.mp4') }]),
      ready: playing,
      call: true,
    },
    {
      name: 'tab capture, real',
      make: (_, other) => fixturePage('bench-tab-capture', looped(`${other}/gen/live-real.mp4`)),
      ready: playing,
    },
  ];
  const server: StaticServer = await serveStatic({ mounts: { '/gen/': MEDIA_DIR } });
  const other: StaticServer = await serveStatic({ mounts: { '/gen/': MEDIA_DIR } });
  const browser = await launchLive(undefined, CALL_FLAGS);
  const results: VerdictTiming[] = [];
  try {
    for (const fixture of fixtures) {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1100, height: 900 });
      try {
        const url = `${server.origin}/${fixture.make(server.origin, other.origin)}`;
        await page.goto(url);
        await fixture.ready(page);
        results.push(await timeOne(browser, fixture.name, url, page));
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
    await other.close();
  }
  return results;
}

export function printTimeToVerdict(results: VerdictTiming[]): void {
  const s = (v: number | null) => (v === null ? '—' : v.toFixed(1)).padStart(6);
  const load = existsSync('/proc/loadavg')
    ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
    : 'unknown';
  console.log(
    `live time to verdict (click → first verdict → firm; evidence = seconds of face-plus-speech it rested on; targets: provisional ≤ 3 s, firm ≤ 6 s of evidence); load average now ${load}`,
  );
  console.log(
    'page                 capture        loaded s  evidence from s  provisional s  (evidence s)  status          firm s  (evidence s)  status',
  );
  for (const r of results) {
    console.log(
      `${r.page.padEnd(20)} ${r.capture.padEnd(14)} ${s(r.readyS)}    ${s(r.checkingS)}          ${s(r.provisionalS)}         ${s(r.provisionalEvidenceS)}       ${(r.provisionalStatus ?? '—').padEnd(14)} ${s(r.firmS)}  ${s(r.firmEvidenceS)}        ${r.firmStatus ?? '—'}`,
    );
  }
}
