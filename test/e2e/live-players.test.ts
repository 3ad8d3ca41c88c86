// Real streaming players (issue 11): the live test clips played through hls.js, dash.js and
// shaka-player — Media Source with separate audio and video SourceBuffers, as streaming
// sites do — are judged like a plain file: the real clip REAL, the same pictures with
// another speaker's voice FAKE. One browser for the file; the libraries' own dist files
// are served from node_modules, the HLS and DASH renditions made with ffmpeg at test time
// (test/e2e/player-fixtures.ts, cached by input hash). Skipped, with the reason, without
// models/embedded or the clips.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StaticServer } from '../helpers/server';
import {
  NO_CLIPS,
  NO_EMBEDDED_MODEL,
  badgeOf,
  clickToolbarButton,
  fixturePage,
  launchLive,
  makeMedia,
  serveLiveMedia,
  waitForVideos,
  type LiveBrowser,
} from './live-helpers';
import { PLAYER_FORMAT, playerManifest, playerScript, type PlayerKind } from './player-fixtures';

const VERDICT = new Set(['in-sync', 'mismatch']);
const CHECK_MS = 120_000;
const PLAYERS: PlayerKind[] = ['hls.js', 'dash.js', 'shaka-player'];

describe('live verdicts on real streaming players', { skip: NO_EMBEDDED_MODEL || NO_CLIPS }, () => {
  let browser: LiveBrowser;
  let server: StaticServer;
  let media: ReturnType<typeof makeMedia>;

  before(async () => {
    server = await serveLiveMedia();
    media = makeMedia();
    browser = await launchLive();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const kind of PLAYERS) {
    for (const [clip, expected, badge] of [
      ['real', 'in-sync', 'REAL'],
      ['swapped', 'mismatch', 'FAKE'],
    ] as const) {
      test(
        `${kind} (${PLAYER_FORMAT[kind].toUpperCase()}, separate audio and video renditions): the ${clip} clip is ${badge}`,
        { timeout: CHECK_MS + 60_000 },
        async (t) => {
          const manifest = playerManifest(kind, `live-${clip}`, media[clip]);
          const page = await browser.context.newPage();
          try {
            const name = `player-${kind}-${clip}`;
            const url = `${server.origin}/${fixturePage(name, [{ src: '', attrs: 'playsinline controls' }], playerScript(kind, manifest))}`;
            await page.goto(url);
            await page.waitForFunction(
              () =>
                document.querySelector('video')!.currentTime > 0.3 ||
                (window as { playerError?: string }).playerError,
              null,
              { timeout: 30_000 },
            );
            const playing = await page.evaluate(() => ({
              error: (window as { playerError?: string }).playerError ?? null,
              src: document.querySelector('video')!.currentSrc,
              sourceBuffers: (window as { sourceBuffers?: string[] }).sourceBuffers ?? [],
            }));
            t.diagnostic(`${kind}: ${JSON.stringify(playing)}`);
            assert.equal(playing.error, null);
            assert.match(playing.src, /^blob:/, 'played through Media Source');
            assert.equal(playing.sourceBuffers.length, 2, 'one SourceBuffer for video, one for audio');
            assert.ok(
              playing.sourceBuffers.some((type) => /^video\//.test(type)) &&
                playing.sourceBuffers.some((type) => /^audio\//.test(type)),
              playing.sourceBuffers.join(', '),
            );

            const clicked = Date.now();
            await clickToolbarButton(browser, page);
            const [video] = await waitForVideos(
              browser,
              url,
              (v) => VERDICT.has(v[0]?.session?.state.status ?? ''),
              CHECK_MS,
              (line) => t.diagnostic(line),
            );
            const state = video.session!.state;
            if (state.status === 'in-sync' || state.status === 'mismatch') {
              t.diagnostic(
                `${state.status} ${((Date.now() - clicked) / 1000).toFixed(1)} s after the click: offset ${state.evidence.offsetMs} ms, confidence ${state.evidence.confidence.toFixed(3)}, pMismatch ${state.evidence.pMismatch}, provisional ${state.evidence.provisional === true}`,
              );
            }
            assert.equal(video.session!.capture, 'element');
            assert.equal(state.status, expected);
            assert.equal((await badgeOf(browser, url)).text, badge);
          } finally {
            await page.close();
          }
        },
      );
    }
  }
});
