// A live check with official-format SyncNet v2 weights (a random-init checkpoint from
// Debian's python3-torch, imported on the options page as a user would): the model's two
// streams run in workers (src/engine/model-streams.ts), frames keep reaching the engine
// while windows are embedded, and the check ends in a state a user can read. Random weights
// make the verdict itself meaningless, so only that it is a verdict or an honest can't judge
// is asserted; how many frames a second get through is `npm run bench -- --live-models`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StaticServer } from '../helpers/server';
import { chooseModel } from '../helpers/options';
import {
  FINAL,
  NO_CLIPS,
  clickToolbarButton,
  engineStats,
  launchLive,
  openPlaying,
  pollUntil,
  serveLiveMedia,
  tabRecord,
  type LiveBrowser,
} from './live-helpers';

const CHECK_MS = 150_000;

describe('live check with SyncNet v2 weights', { skip: NO_CLIPS }, () => {
  let browser: LiveBrowser;
  let server: StaticServer;

  before(async () => {
    server = await serveLiveMedia();
    browser = await launchLive();
    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${browser.extensionId}/options/options.html`);
    await chooseModel(options, 'syncnet-v2');
    await options.close();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test(
    'both streams run in workers; frames are analysed and the check ends readable',
    { timeout: CHECK_MS + 60_000 },
    async (t) => {
      const { page, url } = await openPlaying(browser, server.origin, 'syncnet-live', [
        { src: '/gen/live-real.mp4', attrs: 'autoplay loop playsinline controls' },
      ]);
      try {
        await clickToolbarButton(browser, page);
        const session = async () => Object.values((await tabRecord(browser, url))?.videos ?? {})[0]?.session;
        const stats = await pollUntil(
          async () => {
            const id = (await session())?.sessionId;
            // The engine host answers once the check has opened it.
            const all = id ? await engineStats(browser).catch(() => null) : null;
            return all?.sessions.find((s) => s.sessionId === id) ?? null;
          },
          (s) => (s?.framesAnalysed ?? 0) >= 125,
          CHECK_MS,
          '5 s of frames analysed',
        );
        t.diagnostic(`model on ${stats!.frames?.modelOn}; lip stride ${stats!.frames?.lipStride}`);
        assert.equal(stats!.frames?.modelOn, '2 workers');
        const state = await pollUntil(
          async () => (await session())?.state,
          (s) => !!s && FINAL.has(s.status),
          CHECK_MS,
          'a verdict or can’t judge',
        );
        t.diagnostic(
          `state: ${state!.status}${state!.status === 'cannot-judge' ? ` (${state!.reason})` : ''}`,
        );
        assert.notEqual(state!.status, 'error');
      } finally {
        await page.close();
      }
    },
  );
});
