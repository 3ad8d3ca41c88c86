// Video calls (issue 11 item 3): a muted <video> tile fed by a MediaStream from an
// RTCPeerConnection, its voice in a separate <audio srcObject> (test/e2e/call-fixtures.ts:
// a loopback in the page, no network). The content script takes the frames from the tile
// and the sound from the call's MediaStream audio tracks (cloned, tapped without taking
// the page's output), times both on the performance clock, and keeps checking: one
// verdict per tile; a voice played through Web Audio only is "can't judge", saying why.
// Skipped, with the reason, without models/embedded or the clips.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { StaticServer } from '../helpers/server';
import type { VideoRecord } from '../../src/background/tab-store';
import {
  NO_CLIPS,
  NO_EMBEDDED_MODEL,
  badgeOf,
  clickToolbarButton,
  engineStats,
  isFirmVerdict,
  launchLive,
  makeMedia,
  openPopupFor,
  overlayPills,
  serveLiveMedia,
  waitForVideos,
  type LiveBrowser,
} from './live-helpers';
import { CALL_FLAGS, callClip, callPage, type Participant } from './call-fixtures';

const CHECK_MS = 150_000;
const statusOf = (v: VideoRecord | undefined) => v?.session?.state.status ?? 'none';
/** The test asserts firm verdicts (docs/players-and-calls.md: a swapped tile was once provisionally in sync). */
const isFirm = (v: VideoRecord | undefined): boolean => isFirmVerdict(v?.session?.state);
/**
 * A genuine participant: in sync — or shifted, the voice belonging to the lips but out of
 * step. Measured: at low load the loopback call is in sync (offset 0 ms), but with the
 * 2-core machine at load ≈ 30 the received pictures rendered late and the same call was
 * judged shifted (−280 ms, sound early): the call as shown really was out of step.
 */
const GENUINE = new Set(['in-sync', 'shifted']);

describe(
  'live checks of a video call (MediaStream tiles, voices in <audio>)',
  { skip: NO_EMBEDDED_MODEL || NO_CLIPS },
  () => {
    let browser: LiveBrowser;
    let server: StaticServer;
    let real: string;
    let swapped: string;

    before(async () => {
      server = await serveLiveMedia();
      const media = makeMedia();
      real = callClip(media.real, 'call-real.mp4');
      swapped = callClip(media.swapped, 'call-swapped.mp4');
      browser = await launchLive(undefined, CALL_FLAGS);
    });

    after(async () => {
      await browser?.close();
      await server?.close();
    });

    async function openCall(
      name: string,
      participants: Participant[],
      sameStream: boolean,
      voice: 'audio' | 'web-audio' = 'audio',
    ): Promise<{ page: Page; url: string }> {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1100, height: 800 });
      const url = `${server.origin}/${callPage(name, participants, { sameStream, voice })}`;
      await page.goto(url);
      await page.waitForFunction(
        (n) =>
          (window as { callError?: string }).callError ||
          [...document.querySelectorAll<HTMLVideoElement>('.tiles video')].filter(
            (v) => v.srcObject && v.currentTime > 0.5,
          ).length === n,
        participants.length,
        { timeout: 30_000 },
      );
      const setup = await page.evaluate(() => ({
        error: (window as { callError?: string }).callError ?? null,
        tiles: [...document.querySelectorAll<HTMLVideoElement>('.tiles video')].map((v) => ({
          muted: v.muted,
          tracks: (v.srcObject as MediaStream).getTracks().map((t) => t.kind),
        })),
        voices: [...document.querySelectorAll<HTMLAudioElement>('.tiles audio')].map((a) =>
          ((a.srcObject as MediaStream | null)?.getTracks() ?? []).map((t) => t.kind),
        ),
      }));
      assert.equal(setup.error, null);
      assert.ok(
        setup.tiles.every((tile) => tile.muted),
        'the tiles are muted; the voices play in <audio>',
      );
      return { page, url };
    }

    for (const [clip, expected, badge] of [
      ['real', 'in-sync', 'REAL'],
      ['swapped', 'mismatch', 'FAKE'],
    ] as const) {
      test(
        `one remote participant, voice in its own <audio>: the ${clip} clip is ${badge}`,
        { timeout: CHECK_MS + 60_000 },
        async (t) => {
          const { page, url } = await openCall(
            `call-${clip}`,
            [{ src: clip === 'real' ? real : swapped }],
            false,
          );
          try {
            const clicked = Date.now();
            await clickToolbarButton(browser, page);
            const videos = await waitForVideos(
              browser,
              url,
              (v) => v.some(isFirm),
              CHECK_MS,
              (line) => t.diagnostic(line),
            );
            const checked = videos.filter((v) => v.session);
            assert.equal(checked.length, 1, 'the one tile is checked (the hidden source <video> is not)');
            const state = checked[0].session!.state;
            if (state.status === 'in-sync' || state.status === 'mismatch' || state.status === 'shifted') {
              t.diagnostic(
                `${state.status} ${((Date.now() - clicked) / 1000).toFixed(1)} s after the click: offset ${state.evidence.offsetMs} ms, confidence ${state.evidence.confidence.toFixed(3)}, pMismatch ${state.evidence.pMismatch}`,
              );
            }
            const stats = (await engineStats(browser)).sessions.find(
              (s) => s.sessionId === checked[0].session!.sessionId,
            );
            t.diagnostic(`frames ${stats?.framesAnalysed}, audio ${stats?.audioSeconds.toFixed(1)} s`);
            assert.equal(checked[0].session!.capture, 'element');
            if (expected === 'in-sync') {
              assert.ok(GENUINE.has(state.status), state.status);
              assert.ok(['REAL', 'SHFT'].includes((await badgeOf(browser, url)).text));
            } else {
              assert.equal(state.status, expected);
              assert.equal((await badgeOf(browser, url)).text, badge);
            }
            // The page's call audio still plays: its <audio> was not taken over.
            assert.equal(
              await page.$eval(
                'audio',
                (a: HTMLAudioElement) =>
                  !a.paused &&
                  !a.muted &&
                  (a.srcObject as MediaStream).getAudioTracks()[0].readyState === 'live',
              ),
              true,
            );
          } finally {
            await page.close();
          }
        },
      );
    }

    test(
      "one remote participant whose voice the page plays through Web Audio only: can't judge, no audio, saying why",
      { timeout: CHECK_MS + 60_000 },
      async (t) => {
        const { page, url } = await openCall('call-web-audio', [{ src: real }], false, 'web-audio');
        try {
          assert.equal(
            await page.$$eval('audio', (all) => all.length),
            0,
            'no <audio> element holds the voice',
          );
          await clickToolbarButton(browser, page);
          const [video] = await waitForVideos(
            browser,
            url,
            (v) => v.some((x) => statusOf(x) === 'cannot-judge'),
            CHECK_MS,
            (line) => t.diagnostic(line),
          ).then((v) => v.filter((x) => x.session));
          const state = video.session!.state;
          assert.ok(state.status === 'cannot-judge', state.status);
          assert.equal(state.reason, 'no-audio');
          assert.deepEqual(state.why, { kind: 'call-sound-unreachable' });
          assert.equal((await badgeOf(browser, url)).text, '?');
          // The popup says why in words (en catalogue: why_call_sound_unreachable).
          const popup = await openPopupFor(browser, url);
          const sentence = await popup.locator(`section[data-video="${video.videoKey}"] p.state`).innerText();
          t.diagnostic(`popup: ${sentence}`);
          assert.match(sentence, /Web Audio/);
          await popup.close();
        } finally {
          await page.close();
        }
      },
    );

    test(
      'a two-tile gallery, each participant with its own <audio>: the swapped tile is FAKE, the other REAL',
      { timeout: CHECK_MS + 60_000 },
      async (t) => {
        const { page, url } = await openCall('call-gallery', [{ src: real }, { src: swapped }], true);
        try {
          const clicked = Date.now();
          await clickToolbarButton(browser, page);
          const both = (v: VideoRecord[]) => v.filter(isFirm).length === 2;
          const videos = await waitForVideos(browser, url, both, CHECK_MS, (line) => t.diagnostic(line));
          t.diagnostic(`both tiles judged ${((Date.now() - clicked) / 1000).toFixed(1)} s after the click`);
          const checked = videos
            .filter((v) => v.session)
            .sort((a, b) => a.videoKey.localeCompare(b.videoKey));
          assert.equal(checked.length, 2, 'both tiles checked after one click');
          // Keys follow the document order: #video0 (real) is v1, #video1 (swapped) v2.
          for (const v of checked) {
            const s = v.session!.state;
            if (s.status === 'in-sync' || s.status === 'mismatch' || s.status === 'shifted')
              t.diagnostic(
                `${v.videoKey}: ${s.status}, offset ${s.evidence.offsetMs} ms, confidence ${s.evidence.confidence.toFixed(3)}, pMismatch ${s.evidence.pMismatch}`,
              );
          }
          // Keys carry the document's id before the number (src/content/videos.ts).
          assert.deepEqual(
            checked.map((v) => v.videoKey.replace(/^.*-(v\d+)$/, '$1')),
            ['v1', 'v2'],
          );
          assert.ok(GENUINE.has(statusOf(checked[0])), `tile 1 (real): ${statusOf(checked[0])}`);
          assert.equal(statusOf(checked[1]), 'mismatch', 'tile 2 (swapped)');
          // Each tile shows its own verdict.
          const pills = await overlayPills(page);
          t.diagnostic(`overlays: ${JSON.stringify(pills)}`);
          assert.equal(pills.length, 2);
          assert.ok(
            pills.some((p) => p.tone === 'fake') &&
              pills.some((p) => p.tone === 'real' || p.tone === 'shifted'),
            JSON.stringify(pills),
          );
          // The popup lists each participant's tile with its own verdict.
          const popup = await openPopupFor(browser, url);
          for (const [key, name, tone] of [
            [checked[0].videoKey, 'call tile 1', statusOf(checked[0]) === 'shifted' ? 'shifted' : 'real'],
            [checked[1].videoKey, 'call tile 2', 'fake'],
          ]) {
            const section = popup.locator(`section[data-video="${key}"]`);
            await section.locator(`p.state .badge.${tone}`).waitFor({ timeout: 10_000 });
            assert.equal(await section.locator('.name').innerText(), name);
          }
          await popup.close();
        } finally {
          await page.close();
        }
      },
    );
  },
);
