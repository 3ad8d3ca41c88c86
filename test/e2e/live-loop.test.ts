// A looping video shows the same moments again on every pass: a live check must count each
// moment once (docs/decision.md rule 4, onePerMoment), whether it reads the element's own
// frames (their times start again from zero at the loop) or captures the tab (wall-clock
// times, taken back to the page's media time). A 4-s clip played three times over: the
// evidence holds at most the clip's 100 windows, never three passes' worth (264 and 255
// windows with the rule taken out). And once the loop has been seen whole nothing new can
// come: the check is judged as a video that ends is (src/offscreen/seen-whole.ts), so a
// swapped voice on a loop shorter than the 5 s of evidence a live FAKE waits for is FAKE
// once two passes, each judged alone, find it (one pass alone once read as a mismatch on
// the genuine loop), not after the minute of sound that settles a check (61 s after the
// click before). Firefox's element path: firefox-live.test.ts. Skipped, with the reason,
// without models/embedded or the clips.
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
  loopPassWords,
  openPlaying,
  serveLiveMedia,
  waitForVideos,
  type LiveBrowser,
} from './live-helpers';

const WAIT_MS = 90_000;

type Path = 'element' | 'tab-capture';

describe('a looping video counts each moment once', { skip: NO_EMBEDDED_MODEL || NO_CLIPS }, () => {
  let browser: LiveBrowser;
  let server: StaticServer;
  let otherOrigin: StaticServer;
  let clip: string;
  let swappedClip: string;

  before(async () => {
    server = await serveLiveMedia();
    otherOrigin = await serveStatic({ mounts: { '/gen/': MEDIA_DIR } });
    clip = basename(loopClip());
    swappedClip = basename(loopClip('swapped'));
    browser = await launchLive();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await otherOrigin?.close();
  });

  /** Opens the loop (the element's own origin, or another one: tab capture) and starts a check; the page and its session. */
  async function startLoop(path: Path, name: string, file: string) {
    const origin = path === 'element' ? server.origin : otherOrigin.origin;
    const { page, url } = await openPlaying(browser, server.origin, name, [
      { src: `${origin}/gen/${file}`, attrs: 'autoplay loop playsinline controls' },
    ]);
    await clickToolbarButton(browser, page);
    const [video] = await waitForVideos(browser, url, (v) => !!v[0]?.session, WAIT_MS);
    assert.equal(video.session!.capture, path);
    return { page, url, sessionId: video.session!.sessionId };
  }

  const engineSession = (sessionId: string) =>
    engineStats(browser).then(
      (stats) => stats.sessions.find((s) => s.sessionId === sessionId),
      () => undefined, // the offscreen document still opening
    );

  for (const path of ['element', 'tab-capture'] as const) {
    test(
      `${path}: three passes of a ${LOOP_SECONDS}-s loop hold one pass of windows, judged in sync once seen whole`,
      { timeout: 2 * WAIT_MS },
      async (t) => {
        const { page, url, sessionId } = await startLoop(path, `loop-${path}`, clip);
        try {
          const session = await afterThreePasses(() => engineSession(sessionId), WAIT_MS);
          assertOnePass(session, (line) => t.diagnostic(`${path}: ${line}`));
          const [video] = await waitForVideos(browser, url, () => true, WAIT_MS);
          assert.equal(video.session?.phase, 'done', 'final: the loop was seen whole');
          assert.equal(video.session?.state.status, 'in-sync');
        } finally {
          await page.close();
        }
      },
    );

    test(
      `${path}: a ${LOOP_SECONDS}-s loop with another speaker's voice is FAKE, final, once seen whole`,
      { timeout: 2 * WAIT_MS },
      async (t) => {
        const clicked = Date.now();
        const { page, url, sessionId } = await startLoop(path, `loop-swap-${path}`, swappedClip);
        try {
          const [video] = await waitForVideos(
            browser,
            url,
            (v) => v[0]?.session?.phase === 'done',
            WAIT_MS,
            (line) => t.diagnostic(`${path}: ${line}`),
          );
          const session = await engineSession(sessionId);
          const state = video.session!.state;
          t.diagnostic(
            `${path}: ${state.status} ${Math.round((Date.now() - clicked) / 1000)} s after the click, on ${session?.audioSeconds.toFixed(1)} s of sound` +
              (state.status === 'mismatch' ? `, p ${state.evidence.pMismatch.toFixed(3)}` : '') +
              (state.status === 'cannot-judge' ? ` (${state.reason}: ${state.detail ?? ''})` : '') +
              `; passes judged: ${loopPassWords(session)}`,
          );
          assert.equal(state.status, 'mismatch');
          // Settled at a start-over of the loop (the first seen whole, then a second pass judged
          // alone: 11.5–11.8 s of sound), not after the minute of sound that settles any check.
          assert.ok(
            (session?.audioSeconds ?? Infinity) <= 4 * LOOP_SECONDS,
            `settled after ${session?.audioSeconds} s of sound`,
          );
        } finally {
          await page.close();
        }
      },
    );
  }
});
