// A looping video shows the same moments again on every pass: a live check must count each
// moment once (docs/decision.md rule 4, onePerMoment), whether it reads the element's own
// frames (their times start again from zero at the loop) or captures the tab (wall-clock
// times, taken back to the page's media time). A 4-s clip played three times over: the
// evidence holds at most the clip's 100 windows, never three passes' worth (264 and 255
// windows with the rule taken out). Firefox's element path: firefox-live.test.ts. Skipped,
// with the reason, without models/embedded or the clips.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { serveStatic, type StaticServer } from '../helpers/server';
import {
  LOOP_SECONDS,
  MEDIA_DIR,
  NO_CLIPS,
  NO_EMBEDDED_MODEL,
  afterThreePasses,
  assertOnePass,
  clickToolbarButton,
  engineStats,
  launchLive,
  loopClip,
  openPlaying,
  serveLiveMedia,
  waitForVideos,
  type LiveBrowser,
} from './live-helpers';

const WAIT_MS = 90_000;

describe('a looping video counts each moment once', { skip: NO_EMBEDDED_MODEL || NO_CLIPS }, () => {
  let browser: LiveBrowser;
  let server: StaticServer;
  let otherOrigin: StaticServer;
  let clip: string;

  before(async () => {
    server = await serveLiveMedia();
    otherOrigin = await serveStatic({ mounts: { '/gen/': MEDIA_DIR } });
    clip = basename(loopClip());
    browser = await launchLive();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await otherOrigin?.close();
  });

  for (const path of ['element', 'tab-capture'] as const) {
    test(
      `${path}: three passes of a ${LOOP_SECONDS}-s loop hold one pass of windows`,
      { timeout: 2 * WAIT_MS },
      async (t) => {
        const origin = path === 'element' ? server.origin : otherOrigin.origin;
        const { page, url } = await openPlaying(browser, server.origin, `loop-${path}`, [
          { src: `${origin}/gen/${clip}`, attrs: 'autoplay loop playsinline controls' },
        ]);
        try {
          await clickToolbarButton(browser, page);
          const [video] = await waitForVideos(browser, url, (v) => !!v[0]?.session, WAIT_MS);
          const { sessionId, capture } = video.session!;
          assert.equal(capture, path);
          const session = await afterThreePasses(
            () =>
              engineStats(browser).then(
                (stats) => stats.sessions.find((s) => s.sessionId === sessionId),
                () => undefined, // the offscreen document still opening
              ),
            WAIT_MS,
          );
          assertOnePass(session, (line) => t.diagnostic(`${path}: ${line}`));
        } finally {
          await page.close();
        }
      },
    );
  }
});
