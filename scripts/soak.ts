// npm run soak — live checks in real Chromium with the built extension for 60 minutes
// (LIPSYNC_SOAK_MINUTES) through 20 pages with videos (LIPSYNC_SOAK_PAGES), one tab navigating
// from page to page as a person would: a new page by its link, and every fifth step back
// (the back/forward cache restoring the page before). Each page is checked from the toolbar
// and watched for its share of the time. Once a minute it prints the engine host's JS heap
// (after a full GC), its tf.memory() tensors, the PSS of node + Chromium, and the check's
// state; after every navigation, the sessions the engine host still holds — the previous
// page's check must have been closed (a leaked session keeps two MediaPipe workers and a
// model). Exits 1 on a leaked session or memory that does not stay flat. Not part of npm
// test. Uses the built-in model (models/embedded).
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { serveStatic } from './lib/server';
import { treePssKiB } from './lib/pss';
import {
  MEDIA_DIR,
  NO_CLIPS,
  NO_EMBEDDED_MODEL,
  clickToolbarButton,
  engineStats,
  fixturePage,
  goBackRestored,
  launchLive,
  makeMedia,
  RESTORED_FLAG,
  tabRecord,
  type LiveBrowser,
} from '../test/e2e/live-helpers';

const MINUTES = Number(process.env.LIPSYNC_SOAK_MINUTES ?? 60);
const PAGES = Number(process.env.LIPSYNC_SOAK_PAGES ?? 20);
/** Every BACK_EVERY-th step goes back in history instead of to a new page. */
const BACK_EVERY = 5;
/** Memory at the end may exceed the first minute's by this factor and still be flat. */
const FLAT = 1.5;
/** How long a navigated-away check may take to be closed in the engine host. */
const CLOSE_GRACE_MS = 10_000;

/** The clips the pages play, in turn: a verdict of each kind. */
const CLIPS = [
  { clip: 'live-real.mp4', expect: 'in-sync' },
  { clip: 'live-swapped.mp4', expect: 'mismatch' },
  { clip: 'live-faceless.mp4', expect: 'cannot-judge' },
];

interface Sample {
  heapMb: number;
  tensors: number;
  pssMb: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The page's video playing (a page restored from the back/forward cache comes back paused or playing). */
async function playing(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('video')!.readyState >= 2, null, {
    timeout: 30_000,
  });
  await page.evaluate(() => document.querySelector('video')!.play());
  await page.waitForFunction(() => document.querySelector('video')!.currentTime > 0.3, null, {
    timeout: 30_000,
  });
}

/** Engine sessions left open after a navigation, once the close has had its grace. */
async function sessionsLeft(browser: LiveBrowser): Promise<number> {
  const deadline = Date.now() + CLOSE_GRACE_MS;
  let open = (await engineStats(browser).catch(() => ({ sessions: [] }))).sessions.length;
  while (open > 0 && Date.now() < deadline) {
    await sleep(500);
    open = (await engineStats(browser).catch(() => ({ sessions: [] }))).sessions.length;
  }
  return open;
}

/** Why the browser did not restore the page from the back/forward cache (NotRestoredReasons, Chrome 123+). */
async function notRestoredReasons(page: Page): Promise<string> {
  // A string, not a function: tsx's helpers for named functions do not exist in the page.
  const reasons = await page.evaluate<string[]>(`(() => {
    const collect = (r) => [...(r?.reasons ?? []).map((x) => x.reason), ...(r?.children ?? []).flatMap(collect)];
    return collect(performance.getEntriesByType('navigation')[0]?.notRestoredReasons ?? null);
  })()`);
  return reasons.length ? reasons.join(', ') : 'none given';
}

async function stateOf(browser: LiveBrowser, page: Page): Promise<string> {
  const record = await tabRecord(browser, page.url());
  return Object.values(record?.videos ?? {})[0]?.session?.state.status ?? '-';
}

async function sample(browser: LiveBrowser): Promise<Sample> {
  const stats = await engineStats(browser);
  return {
    heapMb: (stats.jsHeapBytes ?? 0) / 2 ** 20,
    tensors: stats.tfTensors,
    pssMb: treePssKiB(process.pid) / 1024,
  };
}

async function main() {
  if (NO_CLIPS) throw new Error(`soak: ${NO_CLIPS}`);
  if (NO_EMBEDDED_MODEL) throw new Error(`soak: ${NO_EMBEDDED_MODEL}`);
  if (!(PAGES >= 1 && MINUTES >= PAGES / 4)) throw new Error('soak: at least 15 s per page');
  execFileSync(process.execPath, ['scripts/build.mjs', 'chrome-test'], { stdio: 'ignore' });
  makeMedia();
  const server = await serveStatic({ mounts: { '/gen/': MEDIA_DIR }, cacheable: true });
  const urls = Array.from({ length: PAGES }, (_, i) => {
    const { clip } = CLIPS[i % CLIPS.length];
    return `${server.origin}/${fixturePage(`soak-${i + 1}`, [{ src: `/gen/${clip}`, attrs: 'autoplay loop playsinline controls' }], RESTORED_FLAG)}`;
  });
  // --expose-gc: the engine host collects garbage before reporting its heap, so the figure is the live heap, not GC timing.
  const browser = await launchLive(undefined, ['--js-flags=--expose-gc'], undefined, {
    backForwardCache: true,
  });
  const slotMs = (MINUTES * 60_000) / PAGES;
  const samples: Sample[] = [];
  let leaks = 0;
  let restores = 0;
  const notRestored = new Set<string>();
  const verdicts: string[] = [];
  try {
    const page = await browser.context.newPage();
    console.log(
      `soak: ${MINUTES} min over ${PAGES} pages (${(slotMs / 1000).toFixed(0)} s each), model: built-in`,
    );
    console.log('page  how       left open  minute  js heap MB  tensors  PSS MB  state');
    let visited = 0; // index into urls of the next new page
    let history: number[] = [];
    let minute = 0;
    const started = Date.now();
    for (let step = 1; step <= PAGES; step++) {
      const back = step % BACK_EVERY === 0 && history.length >= 2;
      let shown: number;
      let restored = false;
      if (back) {
        restored = await goBackRestored(page);
        history = history.slice(0, -1);
        shown = history.at(-1)!;
      } else {
        shown = visited++ % PAGES;
        await page.goto(urls[shown]);
        history.push(shown);
      }
      await playing(page);
      if (restored) restores++;
      else if (back) notRestored.add(await notRestoredReasons(page));
      const left = await sessionsLeft(browser);
      leaks += left;
      if (left > 0)
        console.log(
          `      left open: ${(await engineStats(browser)).sessions.map((x) => `${x.sessionId} (${x.status}, ${x.framesAnalysed} frames)`).join(', ')}`,
        );
      await clickToolbarButton(browser, page);
      const how = back ? (restored ? 'back(bf)' : 'back') : 'link';
      const slotEnd = started + step * slotMs;
      let state = '-';
      let first = true;
      while (Date.now() < slotEnd) {
        const nextMinute = started + (minute + 1) * 60_000;
        await sleep(Math.max(0, Math.min(nextMinute, slotEnd) - Date.now()));
        if (Date.now() < nextMinute) continue; // the page's time ended before the minute
        minute++;
        state = await stateOf(browser, page);
        const s = await sample(browser);
        samples.push(s);
        const cells = first ? [String(shown + 1), how, String(left)] : ['', '', ''];
        console.log(
          `${cells[0].padStart(4)}  ${cells[1].padEnd(8)}  ${cells[2].padStart(9)}  ${String(minute).padStart(6)}  ` +
            `${s.heapMb.toFixed(1).padStart(10)}  ${String(s.tensors).padStart(7)}  ${s.pssMb.toFixed(0).padStart(6)}  ${state}`,
        );
        first = false;
      }
      state = await stateOf(browser, page);
      verdicts.push(`${shown + 1}:${state}(${CLIPS[shown % CLIPS.length].expect})`);
    }
    await page.goto('about:blank');
    leaks += await sessionsLeft(browser);
    const [head, tail] = [samples[0], samples.at(-1)!];
    const maxOf = (key: keyof Sample) => Math.max(...samples.map((s) => s[key]));
    console.log(
      `soak: ${PAGES} pages, ${restores} restored from the back/forward cache; sessions left open after navigating: ${leaks}`,
    );
    if (notRestored.size)
      console.log(`soak: back without the cache, because: ${[...notRestored].join('; ')}`);
    console.log(
      `soak: JS heap ${head.heapMb.toFixed(1)} → ${tail.heapMb.toFixed(1)} MB (max ${maxOf('heapMb').toFixed(1)}); tensors ${head.tensors} → ${tail.tensors}; PSS ${head.pssMb.toFixed(0)} → ${tail.pssMb.toFixed(0)} MB (max ${maxOf('pssMb').toFixed(0)})`,
    );
    console.log(`soak: states at each page's end (expected): ${verdicts.join(' ')}`);
    const flat =
      tail.heapMb <= FLAT * head.heapMb && tail.pssMb <= FLAT * head.pssMb && tail.tensors <= head.tensors;
    if (leaks > 0 || !flat) {
      console.error(`soak: FAILED — ${leaks > 0 ? 'leaked sessions' : 'memory not flat'}`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
