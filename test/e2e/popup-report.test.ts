// The popup's "Export report" (issue 14, item 4) in the built extension: a video's live
// state as the background stores it (storage.session, tab record) → the popup → a download
// of the HTML report with the verdict, the spans, the page's address (tabs API; the host is
// granted here as the toolbar click's activeTab would) and the time of the state. No engine
// runs: the state is written the way the background writes it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { TabRecord } from '../../src/background/tab-store';
import type { SyncEvidence } from '../../src/core/state';
import { sitePatterns } from '../../src/shared/settings';
import { serveStatic, type StaticServer } from '../helpers/server';
import { launchWithGrantedHosts, worker, type LiveBrowser } from './live-helpers';

const evidence: SyncEvidence = {
  offsetFrames: 0,
  offsetMs: 0,
  minDist: 0.9,
  confidence: 0.02,
  threshold: 0.1173,
  pMismatch: 0.97,
  evidenceSeconds: 9.6,
  dists: Array.from({ length: 31 }, (_, i) => 1 + Math.abs(i - 15) / 100),
  timeline: Array.from({ length: 10 }, (_, t) => ({ t: 20 + t, confidence: 0.02 })),
  segments: [{ start: 20, end: 30, outcome: 'mismatch', confidence: 0.97 }],
  checkedFrom: 20,
  checkedTo: 30,
};

describe('popup: Export report', () => {
  let server: StaticServer;
  let browser: LiveBrowser;
  before(async () => {
    server = await serveStatic();
    // The test build: its popup takes ?tabId=N (the popup opened in a tab of its own).
    browser = await launchWithGrantedHosts(resolve('dist/chrome-test'), sitePatterns('127.0.0.1'));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it("downloads the report of the video's state with the page URL and the time", async () => {
    const watched = await browser.context.newPage();
    const url = `${server.origin}/src/options/check.html?v=1&t=20`; // any HTML page of this machine
    await watched.goto(url);
    const sw = await worker(browser);
    const updatedAt = Date.parse('2026-12-02T11:30:00Z');
    const tabId = await sw.evaluate(
      async ({ pageUrl, evidence, updatedAt }) => {
        const [tab] = await chrome.tabs.query({ url: pageUrl });
        const record: TabRecord = {
          tabId: tab.id!,
          videos: {
            '0/v1': {
              videoKey: 'v1',
              label: 'talk.mp4',
              width: 640,
              height: 360,
              playing: true,
              frameId: 0,
              session: {
                sessionId: 's1',
                phase: 'running',
                restarts: 0,
                state: { status: 'mismatch', evidence },
                model: 'embedded',
                capture: 'element',
                startedAt: updatedAt - 10_000,
                updatedAt,
              },
            },
          },
        };
        await chrome.storage.session.set({ [`tab:${tab.id}`]: record });
        return tab.id!;
      },
      { pageUrl: url, evidence, updatedAt },
    );

    const popup = await browser.context.newPage();
    // The <a download> click is caught and its Blob read here: this browser's second CDP
    // connection (launchWithGrantedHosts) takes download handling away from Playwright. The
    // download event itself is tested on the file page (test/e2e/check-page.test.ts), through
    // the same downloadReport().
    await popup.addInitScript(() => {
      const click = HTMLAnchorElement.prototype.click;
      HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
        if (!this.download) return click.call(this);
        const saved = { name: this.download, text: fetch(this.href).then((r) => r.text()) };
        void saved.text.then(
          (text) =>
            ((window as unknown as { savedReport: unknown }).savedReport = { name: saved.name, text }),
        );
      };
    });
    await popup.goto(`chrome-extension://${browser.extensionId}/popup/popup.html?tabId=${tabId}`);
    await popup.waitForSelector('.export-report');
    await popup.click('.export-report');
    const saved = await popup.waitForFunction(
      () => (window as unknown as { savedReport?: { name: string; text: string } }).savedReport,
      undefined,
      { timeout: 30_000 },
    );
    const { name, text: html } = (await saved.jsonValue()) as { name: string; text: string };
    assert.match(html, /id="verdict" data-verdict="fake"[^>]*>Fake\? — lips and voice do not match</);
    assert.match(
      html,
      new RegExp(`<td id="page-url">${url.replace(/[.?]/g, '\\$&').replace('&', '&amp;')}</td>`),
    );
    assert.match(html, /<td id="checked-at">2026-12-02 11:30:00 UTC<\/td>/);
    assert.match(html, /<td>0:20–0:30<\/td><td>20\.00–30\.00 s<\/td>/);
    assert.match(html, /<td id="model">lipsync-lens embedded model \(embedded\)<\/td>/);
    assert.match(html, /<svg class="timeline"/);
    assert.match(name, /^talk\.mp4-2026-12-02T11_30_00\.lipsync-report\.html$/);
  });
});
