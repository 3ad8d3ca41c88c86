// The live verdicts with the real built-in model: a real clip is judged REAL, the same
// pictures with another speaker's voice FAKE. Skipped, with the reason, until
// models/embedded exists (the model is still being trained).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StaticServer } from '../helpers/server';
import { NO_CLIPS, NO_EMBEDDED_MODEL, badgeOf, clickToolbarButton, fixturePage, launchLive, serveLiveMedia, waitForVideos, type LiveBrowser } from './live-helpers';

const VERDICT = new Set(['in-sync', 'out-of-sync']);
const CHECK_MS = 150_000;

describe('live verdicts with the built-in model', { skip: NO_EMBEDDED_MODEL || NO_CLIPS }, () => {
  let browser: LiveBrowser;
  let server: StaticServer;

  before(async () => {
    server = await serveLiveMedia();
    browser = await launchLive();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const [name, file, expected, badge] of [
    ['a real clip is judged REAL', 'live-real.mp4', 'in-sync', 'REAL'],
    ["the same clip with another speaker's audio is judged FAKE", 'live-swapped.mp4', 'out-of-sync', 'FAKE'],
  ] as const) {
    test(name, { timeout: CHECK_MS + 30_000 }, async (t) => {
      const page = await browser.context.newPage();
      try {
        const url = `${server.origin}/${fixturePage(`verdict-${file}`, [{ src: `/gen/${file}`, attrs: 'autoplay loop playsinline controls' }])}`;
        await page.goto(url);
        await page.waitForFunction(() => document.querySelector('video')!.currentTime > 0.3, null, { timeout: 30000 });
        await clickToolbarButton(browser, page);
        const [video] = await waitForVideos(browser, url, (v) => VERDICT.has(v[0]?.session?.state.status ?? ''), CHECK_MS, (line) => t.diagnostic(line));
        const state = video.session!.state;
        if (state.status === 'in-sync' || state.status === 'out-of-sync') {
          t.diagnostic(`${state.status}: offset ${state.evidence.offsetMs} ms, confidence ${state.evidence.confidence.toFixed(3)} (threshold ${state.evidence.threshold})`);
        }
        assert.equal(state.status, expected);
        assert.equal((await badgeOf(browser, url)).text, badge);
      } finally {
        await page.close();
      }
    });
  }
});
