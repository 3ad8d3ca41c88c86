// The live verdicts with the real built-in model: a real clip is judged REAL, the same
// pictures with another speaker's voice FAKE, and the live offset of the real clip agrees
// with what the file check (`npm run check`, exact decoded audio) finds on the same file —
// so capture timing (rVFC media time, audio placed by when it leaves the element) adds no
// lag; and when the element's source changes after a firm REAL, the new video (swapped
// audio) is judged afresh, FAKE, instead of the old evidence and verdict holding on.
// Skipped, with the reason, without models/embedded or the clips.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StaticServer } from '../helpers/server';
import type { SyncState } from '../../src/core/state';
import { Checker } from '../../scripts/lib/checker';
import {
  NO_CLIPS,
  NO_EMBEDDED_MODEL,
  badgeOf,
  clickToolbarButton,
  launchLive,
  makeMedia,
  openPlaying,
  serveLiveMedia,
  waitForVideos,
  type LiveBrowser,
} from './live-helpers';

const VERDICT = new Set(['in-sync', 'mismatch']);
const CHECK_MS = 150_000;
/** Live vs file offset, in 40-ms grid frames: audio chunks are placed to within ~1 frame. */
const OFFSET_AGREEMENT_FRAMES = 2;

describe('live verdicts with the built-in model', { skip: NO_EMBEDDED_MODEL || NO_CLIPS }, () => {
  let browser: LiveBrowser;
  let server: StaticServer;
  let fileOffsetFrames: number | null = null;

  before(async () => {
    server = await serveLiveMedia();
    const checker = await Checker.open();
    try {
      const outcome = await checker.check({ video: makeMedia().real });
      if (outcome.ok) fileOffsetFrames = outcome.result.offsetFrames;
    } finally {
      await checker.close();
    }
    browser = await launchLive();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  // At 1.5×, already playing so when the check starts (before 2026-12-06 the first rate was
  // taken as 1: the real clip's confidence fell to 0.09, and at 2× it took 135 s, the
  // swapped one "no speech"). Measured here: offset +1 frame at 1.5×, +1…+2 at 2×.
  for (const [name, file, expected, badge, rate] of [
    ['a real clip is judged REAL', 'live-real.mp4', 'in-sync', 'REAL', 1],
    ["the same clip with another speaker's audio is judged FAKE", 'live-swapped.mp4', 'mismatch', 'FAKE', 1],
    ['a real clip watched at 1.5× is judged REAL', 'live-real.mp4', 'in-sync', 'REAL', 1.5],
    ['the swapped clip watched at 1.5× is judged FAKE', 'live-swapped.mp4', 'mismatch', 'FAKE', 1.5],
  ] as const) {
    test(name, { timeout: CHECK_MS + 30_000 }, async (t) => {
      const { page, url } = await openPlaying(browser, server.origin, `verdict-${file}-${rate}`, [
        { src: `/gen/${file}`, attrs: 'autoplay loop playsinline controls' },
      ]);
      try {
        await page.evaluate((r) => (document.querySelector('video')!.playbackRate = r), rate);
        await clickToolbarButton(browser, page);
        const [video] = await waitForVideos(
          browser,
          url,
          // Shifted ends the wait too, so a wrong verdict fails here rather than by timing out.
          (v) => [...VERDICT, 'shifted'].includes(v[0]?.session?.state.status ?? ''),
          CHECK_MS,
          (line) => t.diagnostic(line),
        );
        const state = video.session!.state;
        if (state.status === 'in-sync' || state.status === 'mismatch') {
          t.diagnostic(
            `${state.status}: offset ${state.evidence.offsetMs} ms, confidence ${state.evidence.confidence.toFixed(3)} (threshold ${state.evidence.threshold})`,
          );
        }
        assert.equal(state.status, expected);
        assert.equal((await badgeOf(browser, url)).text, badge);
        // The offset is compared at 1× only: in play time at 1.5× a first (provisional) REAL
        // put it at +1 in five local runs and +3 in one CI run (4991e54), past the 2 frames.
        if (state.status === 'in-sync') {
          const liveOffsetFrames = state.evidence.offsetMs / 40;
          t.diagnostic(`live offset ${liveOffsetFrames} frames, file check ${fileOffsetFrames}`);
          if (rate !== 1) return;
          assert.notEqual(fileOffsetFrames, null, 'the file check gave an offset');
          assert.ok(
            Math.abs(liveOffsetFrames - fileOffsetFrames!) <= OFFSET_AGREEMENT_FRAMES,
            `live ${liveOffsetFrames} vs file ${fileOffsetFrames} frames`,
          );
        }
      } finally {
        await page.close();
      }
    });
  }

  test(
    "played at 1.5× without pitch correction: can't judge, saying why; at 1× the check goes on",
    { timeout: CHECK_MS + 30_000 },
    async (t) => {
      const { page, url } = await openPlaying(browser, server.origin, 'verdict-pitch', [
        { src: '/gen/live-real.mp4', attrs: 'autoplay loop playsinline controls' },
      ]);
      try {
        await page.evaluate(() => {
          const video = document.querySelector('video')!;
          video.preservesPitch = false;
          video.playbackRate = 1.5;
        });
        await clickToolbarButton(browser, page);
        const [altered] = await waitForVideos(
          browser,
          url,
          (v) =>
            v[0]?.session?.state.status === 'cannot-judge' || VERDICT.has(v[0]?.session?.state.status ?? ''),
          CHECK_MS,
          (line) => t.diagnostic(line),
        );
        const state = altered.session!.state;
        assert.equal(state.status === 'cannot-judge' && state.reason, 'pitch-changed', JSON.stringify(state));
        assert.equal((await badgeOf(browser, url)).text, '?');
        await page.evaluate(() => (document.querySelector('video')!.playbackRate = 1));
        const [judged] = await waitForVideos(
          browser,
          url,
          (v) => VERDICT.has(v[0]?.session?.state.status ?? ''),
          CHECK_MS,
          (line) => t.diagnostic(line),
        );
        assert.equal(judged.session!.state.status, 'in-sync');
      } finally {
        await page.close();
      }
    },
  );

  test(
    'a source change (the next video) is judged afresh: a firm REAL does not hold back the new FAKE',
    { timeout: 2 * CHECK_MS + 30_000 },
    async (t) => {
      const { page, url } = await openPlaying(browser, server.origin, 'verdict-source-change', [
        { src: '/gen/live-real.mp4', attrs: 'autoplay loop playsinline controls' },
      ]);
      try {
        await clickToolbarButton(browser, page);
        const firm = (state: SyncState | undefined) =>
          (state?.status === 'in-sync' || state?.status === 'mismatch') &&
          state.evidence.provisional !== true;
        const [real] = await waitForVideos(
          browser,
          url,
          (v) => firm(v[0]?.session?.state),
          CHECK_MS,
          (line) => t.diagnostic(`real: ${line}`),
        );
        assert.equal(real.session!.state.status, 'in-sync');
        // The player moves on to another video in the same element (as an ad or a playlist does).
        await page.evaluate(() => {
          const video = document.querySelector('video')!;
          video.src = '/gen/live-swapped.mp4';
          void video.play();
        });
        const startedAt = Date.now();
        const [next] = await waitForVideos(
          browser,
          url,
          (v) => v[0]?.session?.state.status === 'mismatch',
          CHECK_MS,
          (line) => t.diagnostic(`next: ${line}`),
        );
        t.diagnostic(`FAKE ${((Date.now() - startedAt) / 1000).toFixed(1)} s after the source change`);
        assert.equal(next.session!.state.status, 'mismatch');
      } finally {
        await page.close();
      }
    },
  );
});
