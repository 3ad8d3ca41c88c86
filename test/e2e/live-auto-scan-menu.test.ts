// The two ways a check starts without the toolbar button, in real Chromium on the built
// extension: auto-scan (off by default; a site picked in the options and granted as an
// optional host permission gets the content script registered, and its playing videos are
// checked without a click; turning the site off unregisters it and releases the access)
// and the context menu on a video (the item is registered for videos; the menu checks the
// right-clicked video, not the largest).
//
// What headless Chromium cannot do is stood in for, nothing else: it shows no permission
// prompt, so the fixture site's access is granted beforehand the way Chrome keeps a grant
// (launchWithGrantedHosts: the options' permissions.request then resolves true without a
// prompt and permissions.remove really removes it); it shows no native menu, so after a
// real right-click the background's own menu listener is called with the info and tab
// Chrome would pass (chooseMenuItemOnVideo). There is no activeTab grant from a menu
// click either: the granted access lets the listener inject the content script.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { StaticServer } from '../helpers/server';
import {
  NO_CLIPS,
  allTabs,
  badgeOf,
  chooseMenuItemOnVideo,
  engineStats,
  grantedOrigins,
  launchWithGrantedHosts,
  openPlaying,
  pollUntil,
  serveLiveMedia,
  TEST_DIST,
  registeredScripts,
  tabRecord,
  videosWithOverlay,
  worker,
  type FixtureVideo,
  type LiveBrowser,
} from './live-helpers';
import { migrateSettings, sitePatterns } from '../../src/shared/settings';
import type { VideoRecord } from '../../src/background/tab-store';

/** The fixture server's host, as the user would add it. */
const SITE = '127.0.0.1';
const MENU_ID = 'check-video';
// The machine is small and shared: generous limits.
const START_MS = 90_000;
const TEST_MS = 3 * START_MS;

describe('auto-scan and the context menu in Chromium', { skip: NO_CLIPS }, () => {
  let browser: LiveBrowser;
  let server: StaticServer;
  let options: Page;

  before(async () => {
    server = await serveLiveMedia();
    browser = await launchWithGrantedHosts(TEST_DIST, sitePatterns(SITE));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const open = (name: string, videos: FixtureVideo[]) => openPlaying(browser, server.origin, name, videos);
  const autoScanSites = async () =>
    migrateSettings(
      (await (await worker(browser)).evaluate(() => chrome.storage.local.get('settings'))).settings,
    ).autoScanSites;
  const sessions = async (url: string) =>
    Object.values((await tabRecord(browser, url))?.videos ?? {}).filter((v) => v.session);

  /** Waits until the video shown `width` px wide has a check whose session the engine is feeding frames; returns its record. */
  async function checkRunningOn(page: Page, url: string, width: number, id: string): Promise<VideoRecord> {
    const checked = await pollUntil(
      () => sessions(url),
      (v) => v.some((x) => x.width === width),
      START_MS,
      `a session on the ${width}-px video`,
    );
    const video = checked.find((x) => x.width === width)!;
    await pollUntil(
      () => videosWithOverlay(page),
      (ids) => ids.includes(id),
      START_MS,
      `the overlay on #${id}`,
    );
    await pollUntil(
      // The engine host may still be starting (no receiver yet).
      () => engineStats(browser).catch(() => null),
      (s) => (s?.sessions.find((x) => x.sessionId === video.session!.sessionId)?.framesAnalysed ?? 0) > 0,
      START_MS,
      'frames analysed in the engine',
    );
    assert.notEqual((await badgeOf(browser, url)).text, '', 'the toolbar badge shows the state');
    return video;
  }

  /**
   * Lets the page play 3 s, then asserts that nothing was injected into it or checked: no
   * overlay, and no tab has a record of videos (the content script reports them at once)
   * or a badge. By tab id, not URL: after the site's access is released the extension
   * cannot find the tab by its URL.
   */
  async function assertNotScanned(page: Page): Promise<void> {
    await page.waitForFunction(
      () => [...document.querySelectorAll('video')].every((v) => v.currentTime > 3),
      null,
      { timeout: 30000 },
    );
    assert.equal(await page.locator('lipsync-lens-overlay').count(), 0, 'no overlay');
    assert.deepEqual(
      (await allTabs(browser)).filter((tab) => tab.videos > 0 || tab.badge !== ''),
      [],
      'no tab with videos reported or a badge',
    );
  }

  test('the context menu item "Check this video\'s lip sync" is registered for videos', async () => {
    const created = await (
      await worker(browser)
    ).evaluate(async (id) => {
      // update() fails for an item that does not exist: the item was registered at install.
      await chrome.contextMenus.update(id, {});
      // Its properties cannot be read back: the install listener is run again, its create call recorded.
      const calls: chrome.contextMenus.CreateProperties[] = [];
      const create = chrome.contextMenus.create;
      chrome.contextMenus.create = (properties, callback) => (
        calls.push(properties),
        create.call(chrome.contextMenus, properties, callback)
      );
      try {
        await chrome.contextMenus.removeAll();
        (
          chrome.runtime.onInstalled as unknown as {
            dispatch(details: chrome.runtime.InstalledDetails): void;
          }
        ).dispatch({ reason: 'install' as chrome.runtime.InstalledDetails['reason'] });
        await chrome.contextMenus.update(id, {});
      } finally {
        chrome.contextMenus.create = create;
      }
      return calls;
    }, MENU_ID);
    assert.deepEqual(created, [{ id: MENU_ID, title: "Check this video's lip sync", contexts: ['video'] }]);
  });

  test(
    'auto-scan is off by default: a page with playing videos gets no content script, no check; the context menu then checks the right-clicked, smaller video',
    { timeout: TEST_MS },
    async () => {
      assert.deepEqual(await autoScanSites(), []);
      assert.deepEqual(await registeredScripts(browser), []);
      const { page, url } = await open('menu-two-sources', [
        { src: '/gen/live-real.mp4', attrs: 'autoplay loop playsinline controls', width: 560 },
        { src: '/gen/live-swapped.mp4', attrs: 'autoplay loop playsinline controls', width: 320 },
      ]);
      await assertNotScanned(page);

      // Here the content script arrives with the menu click: Chrome's srcUrl picks the video.
      await chooseMenuItemOnVideo(browser, page, '#video1', MENU_ID);
      await checkRunningOn(page, url, 320, 'video1');
      assert.equal((await sessions(url)).length, 1, 'only the right-clicked video is checked');
      assert.deepEqual(await videosWithOverlay(page), ['video1']);
      await page.close();
    },
  );

  test(
    'auto-scan on a site added in the options: its playing videos are checked without a click',
    { timeout: TEST_MS },
    async () => {
      options = await browser.context.newPage();
      await options.goto(`chrome-extension://${browser.extensionId}/options/options.html`);
      await options.locator('#new-site').fill('not a site');
      await options.getByRole('button', { name: 'Add' }).click();
      assert.match(await options.locator('#message.error').innerText(), /"not a site" is not a site/);

      // The user pastes the page's address; the options keep its host.
      await options.locator('#new-site').fill(`${server.origin}/test/.generated/pages/`);
      await options.getByRole('button', { name: 'Add' }).click();
      await options.locator(`input[type=checkbox][name="${SITE}"]:checked`).waitFor({ timeout: 10000 });
      assert.equal(await options.locator('#message').count(), 0, 'no error');
      assert.deepEqual(await autoScanSites(), [SITE]);
      const [registration] = await pollUntil(
        () => registeredScripts(browser),
        (r) => r.length > 0,
        10000,
        'the auto-scan registration',
      );
      assert.deepEqual(
        { id: registration.id, matches: registration.matches, js: registration.js },
        { id: 'auto-scan', matches: sitePatterns(SITE), js: ['content/content.js'] },
      );

      // The larger of two playing videos is checked; nobody clicked anything.
      const { page, url } = await open('auto-scan-two-videos', [
        { src: '/gen/live-real.mp4', attrs: 'autoplay loop playsinline controls', width: 560 },
        { src: '/gen/live-real.mp4', attrs: 'autoplay loop playsinline controls', width: 320 },
      ]);
      await checkRunningOn(page, url, 560, 'video0');
      assert.equal((await sessions(url)).length, 1, 'one video checked');

      // The context menu on the smaller one, whose source is the same: the content script
      // saw the right-click, so that video is checked, not the larger one again.
      await chooseMenuItemOnVideo(browser, page, '#video1', MENU_ID);
      await checkRunningOn(page, url, 320, 'video1');
      assert.deepEqual((await videosWithOverlay(page)).sort(), ['video0', 'video1']);
      await page.close();
    },
  );

  test(
    'turning the site off unregisters auto-scan and releases its permission: a new page load is not scanned',
    { timeout: TEST_MS },
    async () => {
      const [origin] = sitePatterns(SITE);
      assert.ok((await grantedOrigins(browser)).includes(origin));
      // A click, not uncheck(): the box is gone before Playwright could read it unchecked.
      await options.locator(`input[type=checkbox][name="${SITE}"]:checked`).click();
      // An added site leaves the list when it is turned off.
      await options
        .locator(`input[type=checkbox][name="${SITE}"]`)
        .waitFor({ state: 'detached', timeout: 10000 });
      assert.equal(await options.locator('#message').count(), 0, 'no error');
      assert.deepEqual(await autoScanSites(), []);
      await pollUntil(
        () => registeredScripts(browser),
        (r) => r.length === 0,
        10000,
        'auto-scan unregistered',
      );
      await pollUntil(
        () => grantedOrigins(browser),
        (o) => !o.includes(origin),
        10000,
        `${origin} released`,
      );

      const { page } = await open('auto-scan-after', [
        { src: '/gen/live-real.mp4', attrs: 'autoplay loop playsinline controls' },
      ]);
      await assertNotScanned(page);
      await page.close();
    },
  );
});
