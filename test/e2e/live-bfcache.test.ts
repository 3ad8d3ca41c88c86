// The back/forward cache for real (issue 11): Playwright starts Chromium with the cache off
// and the test server sends no-store, so the lifecycle tests' "back" reloads the page. Here
// the cache is on (launchLive's backForwardCache) and the pages are cacheable, so "back"
// restores the frozen page with its content script. A checked page going into the cache
// ends its check and closes its engine session; the restored page can be checked again;
// and that second check ends too when the page goes into the cache once more — also when it
// leaves for about:blank, where it used to keep its engine session (measured: open after
// 15 s) until the content script disconnected its port itself on pagehide.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { serveStatic, type StaticServer } from '../helpers/server';
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
  pollUntil,
  RESTORED_FLAG,
  waitForVideos,
  type LiveBrowser,
} from './live-helpers';
import type { VideoRecord } from '../../src/background/tab-store';

const STARTED_MS = 90_000;
const running = (videos: VideoRecord[]) => videos.find((v) => v.session)?.session?.phase === 'running';

describe('the back/forward cache in Chromium', { skip: NO_CLIPS || NO_EMBEDDED_MODEL }, () => {
  let browser: LiveBrowser;
  let server: StaticServer;

  before(async () => {
    makeMedia();
    server = await serveStatic({ mounts: { '/gen/': MEDIA_DIR }, cacheable: true });
    browser = await launchLive(undefined, [], undefined, { backForwardCache: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const openSessions = async () => (await engineStats(browser)).sessions.map((s) => s.sessionId);

  /** The toolbar click; resolves with the running check's session id. */
  async function checkNow(page: Page, t: { diagnostic(message: string): void }): Promise<string> {
    await clickToolbarButton(browser, page);
    const videos = await waitForVideos(browser, page.url(), running, STARTED_MS, (l) => t.diagnostic(l));
    return videos.find((v) => v.session)!.session!.sessionId;
  }

  async function leaveAndExpectClosed(page: Page, to: string, sessionId: string): Promise<void> {
    await page.goto(to);
    await pollUntil(
      openSessions,
      (open) => !open.includes(sessionId),
      15_000,
      `session ${sessionId} closed when its page went into the cache`,
    );
  }

  async function back(page: Page): Promise<void> {
    assert.equal(await goBackRestored(page), true, 'the page came back from the back/forward cache');
    await page.waitForFunction(() => document.querySelector('video')!.currentTime > 0.3, null, {
      timeout: 30_000,
    });
  }

  test(
    'a checked page goes into the cache and back, is checked again, and that check ends too when it goes again',
    { timeout: 4 * STARTED_MS },
    async (t) => {
      const page = await browser.context.newPage();
      const a = `${server.origin}/${fixturePage('bfcache-a', [{ src: '/gen/live-real.mp4', attrs: 'autoplay loop playsinline controls' }], RESTORED_FLAG)}`;
      const b = `${server.origin}/${fixturePage('bfcache-b', [], RESTORED_FLAG)}`;
      await page.goto(a);
      await page.waitForFunction(() => document.querySelector('video')!.currentTime > 0.3, null, {
        timeout: 30_000,
      });
      const first = await checkNow(page, t);
      await leaveAndExpectClosed(page, b, first);
      for (const round of [2, 3]) {
        await back(page);
        assert.deepEqual(await openSessions(), [], `round ${round}: the restored page carries no session`);
        const again = await checkNow(page, t);
        assert.notEqual(again, first);
        t.diagnostic(`round ${round}: checked again after the restore (${again})`);
        // Leaving by another page of the site, then for a page of no site at all.
        await leaveAndExpectClosed(page, round === 2 ? b : 'about:blank', again);
      }
      await page.close();
    },
  );
});
