// Auto-scan on a page nobody has interacted with, in Chromium with its default autoplay
// policy (the other tests turn it off): the page's AudioContext stays suspended, so the
// content script cannot take the sound from the element and asks for tab capture, which
// Chrome grants only after the toolbar button (or the menu) was used on the tab. That is
// "can't judge — sound-blocked", saying to click the video and check again; it used to fail
// as "This video comes from another site…", which was not why. Nothing here may touch the
// page from the test (page.evaluate counts as a user gesture): the page is only loaded and
// its muted video autoplays.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StaticServer } from '../helpers/server';
import {
  NO_CLIPS,
  badgeOf,
  fixturePage,
  launchWithGrantedHosts,
  pollUntil,
  registeredScripts,
  serveLiveMedia,
  TEST_DIST,
  waitForVideos,
  worker,
  type LiveBrowser,
} from './live-helpers';
import { sitePatterns } from '../../src/shared/settings';

const SITE = '127.0.0.1';
const WAIT_MS = 90_000;

describe('auto-scan before any interaction with the page (Chromium)', { skip: NO_CLIPS }, () => {
  let browser: LiveBrowser;
  let server: StaticServer;

  before(async () => {
    server = await serveLiveMedia();
    browser = await launchWithGrantedHosts(TEST_DIST, sitePatterns(SITE), [
      '--autoplay-policy=document-user-activation-required',
    ]);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test(
    "a muted autoplaying video is can't judge — sound-blocked, not another site's video",
    { timeout: 3 * WAIT_MS },
    async (t) => {
      // The site is added in the options, as the user would (its access is already granted).
      const options = await browser.context.newPage();
      await options.goto(`chrome-extension://${browser.extensionId}/options/options.html`);
      await options.locator('#new-site').fill(`${server.origin}/`);
      await options.getByRole('button', { name: 'Add' }).click();
      await options.locator(`input[type=checkbox][name="${SITE}"]:checked`).waitFor({ timeout: 10_000 });
      await pollUntil(
        () => registeredScripts(browser),
        (r) => r.length > 0,
        10_000,
        'the auto-scan registration',
      );
      await options.close();

      const page = await browser.context.newPage();
      const url = `${server.origin}/${fixturePage('sound-blocked', [
        { src: '/gen/live-real.mp4', attrs: 'autoplay muted loop playsinline' },
      ])}`;
      await page.goto(url);
      const [video] = await waitForVideos(
        browser,
        url,
        (v) => v.some((x) => x.session && x.session.phase !== 'opening' && x.session.phase !== 'running'),
        WAIT_MS,
        (line) => t.diagnostic(line),
      ).then((v) => v.filter((x) => x.session));
      const session = video.session!;
      t.diagnostic(`phase ${session.phase}, state ${JSON.stringify(session.state)}`);
      assert.equal(session.state.status, 'cannot-judge', JSON.stringify(session));
      assert.equal(session.state.status === 'cannot-judge' && session.state.reason, 'sound-blocked');
      assert.equal((await badgeOf(browser, url)).text, '?');
      // The page really had no user activation (read from the extension, not the page).
      const sw = await worker(browser);
      // A string: the test's compiler would wrap a nested function in a helper the worker lacks.
      const active = await sw.evaluate(`(async () => {
        const [tab] = await chrome.tabs.query({ url: ${JSON.stringify(url)} });
        const [result] = await chrome.scripting.executeScript({
          target: { tabId: tab.id },
          func: () => navigator.userActivation.hasBeenActive,
        });
        return result.result;
      })()`);
      assert.equal(active, false, 'no user activation on the page');
      await page.close();
    },
  );
});
