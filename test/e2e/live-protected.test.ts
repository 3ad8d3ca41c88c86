// Issue #4: a DRM-protected video (EME) shows the page's scripts black frames, so the check
// must say "can't judge — protected content" instead of judging black pictures, and must
// not disturb playback. The fixture page plays the live test clip, Common-Encrypted at
// test time (test/helpers/cenc.ts), through Encrypted Media Extensions with Chromium's
// built-in Clear Key system and Media Source, the way a DRM player does with Widevine.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StaticServer } from '../helpers/server';
import { REASON_TEXT } from '../../src/core/state';
import { stateLook } from '../../src/shared/state-look';
import {
  FINAL,
  NO_CLIPS,
  badgeOf,
  clearKeyPlayer,
  clickToolbarButton,
  engineStats,
  launchLive,
  openPlaying,
  openPopupFor,
  overlayPills,
  serveLiveMedia,
  videosWithOverlay,
  waitForVideos,
  type LiveBrowser,
} from './live-helpers';

const CHECK_MS = 60_000;
const SENTENCE = REASON_TEXT['protected-content'];

describe('DRM-protected (EME) video in Chromium', { skip: NO_CLIPS }, () => {
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

  test(
    'an encrypted-media video is "can\'t judge — protected content", nothing is analysed, and playback carries on',
    { timeout: CHECK_MS + 60_000 },
    async (t) => {
      const { page, url } = await openPlaying(
        browser,
        server.origin,
        'live-protected',
        [{ src: '', attrs: 'loop playsinline controls' }],
        clearKeyPlayer('/gen/live-clearkey.mp4'),
      );
      const playing = await page.$eval('video', (v: HTMLVideoElement) => {
        // What a page script (and so the content script) reads of the picture: black.
        const canvas = document.createElement('canvas');
        canvas.width = 64;
        canvas.height = 36;
        const context = canvas.getContext('2d')!;
        context.drawImage(v, 0, 0, 64, 36);
        const pixels = context.getImageData(0, 0, 64, 36).data;
        let brightest = 0;
        for (let i = 0; i < pixels.length; i += 4)
          brightest = Math.max(brightest, pixels[i], pixels[i + 1], pixels[i + 2]);
        return {
          mediaKeys: v.mediaKeys !== null,
          src: v.currentSrc,
          error: (window as { emeError?: string }).emeError ?? null,
          brightest,
        };
      });
      t.diagnostic(`EME playback: ${JSON.stringify(playing)}`);
      assert.equal(playing.error, null);
      assert.equal(playing.mediaKeys, true, 'the page plays it through EME');
      assert.match(playing.src, /^blob:/, 'through Media Source');

      await clickToolbarButton(browser, page);
      const [video] = await waitForVideos(
        browser,
        url,
        (v) => FINAL.has(v[0]?.session?.state.status ?? ''),
        CHECK_MS,
        (line) => t.diagnostic(line),
      );
      const session = video.session!;
      assert.deepEqual(session.state, { status: 'cannot-judge', reason: 'protected-content' });
      assert.equal(session.capture, 'element', 'no tab capture either: it would read black too');

      // The badge, the overlay and the popup all say "can't judge", the popup and the overlay's tooltip in plain words.
      const look = stateLook(session.state);
      const badge = await badgeOf(browser, url);
      assert.equal(badge.text, '?');
      assert.equal(look.color, '#b05a00', "the can't-judge colour (white on it ≥ 4.5:1)");
      assert.deepEqual(badge.color, [0xb0, 0x5a, 0x00, 255], `the can't-judge colour ${look.color}`);
      assert.deepEqual(await videosWithOverlay(page), ['video0'], 'the overlay sits on the video');
      assert.deepEqual(await overlayPills(page), [{ label: "Can't judge", title: SENTENCE, tone: 'unsure' }]);
      const popup = await openPopupFor(browser, url);
      const line = popup.locator(`section[data-video="${video.videoKey}"] p.state`);
      await line.waitFor({ timeout: 10_000 });
      assert.equal(await line.innerText(), `Can't judge ${SENTENCE}`);
      await popup.close();

      // Nothing was analysed, and the page's playback goes on (the element was neither hooked nor paused).
      const before = await page.$eval('video', (v: HTMLVideoElement) => v.currentTime);
      await new Promise((r) => setTimeout(r, 3000));
      const now = await page.$eval('video', (v: HTMLVideoElement) => ({
        t: v.currentTime,
        paused: v.paused,
        muted: v.muted,
        error: v.error?.message ?? null,
      }));
      const mine = (await engineStats(browser)).sessions.find((s) => s.sessionId === session.sessionId);
      t.diagnostic(
        `after the verdict: video ${JSON.stringify(now)} (was at ${before.toFixed(2)} s), engine session ${JSON.stringify(mine)}`,
      );
      assert.ok(mine, 'the session is open in the engine host');
      assert.equal(mine.framesAnalysed, 0, 'no frames analysed');
      assert.equal(mine.audioSeconds, 0, 'no sound analysed');
      assert.deepEqual(
        { paused: now.paused, muted: now.muted, error: now.error },
        { paused: false, muted: false, error: null },
      );
      assert.ok(
        now.t > before + 1.5 || now.t < before,
        `playback advanced (${before.toFixed(2)} → ${now.t.toFixed(2)} s, looping)`,
      );
      assert.deepEqual(
        (await waitForVideos(browser, url, () => true, 1000))[0].session!.state,
        session.state,
        'still protected-content',
      );
    },
  );
});
