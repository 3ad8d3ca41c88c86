// An in-browser test harness page (test/harness/*-page.ts) bundled, served and open in plain
// Chromium, ready when the page sets window.harnessReady; media paths mapped to the server's URLs.
import { relative } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { bundleTestPage } from './bundle';
import { CLIPS_DIR, serveStatic, type StaticServer } from './server';

export interface Harness {
  page: Page;
  close(): Promise<void>;
}

export async function openHarness(name: string, entry: string): Promise<Harness> {
  const pagePath = await bundleTestPage(name, entry);
  const server: StaticServer = await serveStatic();
  const browser: Browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`${server.origin}/${pagePath}`);
  await page.waitForFunction(() => (window as unknown as { harnessReady?: boolean }).harnessReady === true);
  return {
    page,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Clips under ../shared/media are served at /media/, generated media from the repo root. */
export const mediaUrl = (path: string): string =>
  path.startsWith(CLIPS_DIR)
    ? `/media/clips/${relative(CLIPS_DIR, path)}`
    : `/${relative(process.cwd(), path)}`;
