// WCAG 2.1 A/AA with the real axe-core on the built extension's views: the popup in each
// kind of state (verdict, provisional verdict, can't judge, error with its Details open),
// the options page, the file page (its form, a file that cannot be read, and the result of
// checking a real clip: sentence, figures, curve and timeline), and the overlay over a
// video (test/harness/overlay-page.tsx: the overlay's own view in an open shadow root).
// Also: the polite live regions say what changed, the popup's real error path (Chrome
// refusing a page) reads in plain words with the technical text behind "Details", and the
// timeline is operable from the keyboard in the popup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, launchWithExtension, type ExtensionBrowser } from '../helpers/browser';
import { bundleTestPage } from '../helpers/bundle';
import { serveStatic, type StaticServer } from '../helpers/server';
import { clip, makeMedia, MEDIA_DIR, X264_FAST } from '../helpers/media';
import { describeViolations, openPopupOf, runAxe, sampleEvidence, storeVerdict } from './a11y-helpers';
import type { SyncState } from '../../src/core/state';

const SHORT_CLIP = 'PCAVS_misc_Audio_Source_00104.mp4'; // a real talking head, 224×224 (MANIFEST.tsv: real-in-sync)
const NO_CLIP = existsSync(clip(SHORT_CLIP)) ? false : `../shared/media/clips lacks ${SHORT_CLIP}`;
const NO_MODEL = existsSync('models/embedded/manifest.json') ? false : 'models/embedded is missing';

async function assertNoViolations(page: Page, what: string, context: string | null = null) {
  const violations = await runAxe(page, context);
  assert.equal(violations.length, 0, `${what}: axe found\n${describeViolations(violations)}`);
}

const liveText = (page: Page) => page.locator('[role=status][aria-live=polite]').first().textContent();

describe('extension pages', () => {
  let browser: ExtensionBrowser;
  before(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs', 'chrome'], { stdio: 'ignore' });
    // The test build: its popup takes ?tabId=N (the popup opened in a tab of its own).
    browser = await launchWithExtension(resolve('dist/chrome-test'));
  });
  after(() => browser?.close());

  const STATES: [string, SyncState, RegExp][] = [
    ['a final verdict', { status: 'in-sync', evidence: sampleEvidence() }, /^Verdict: Real — Lips and voice/],
    [
      'a provisional mismatch',
      {
        status: 'mismatch',
        evidence: sampleEvidence({
          provisional: true,
          pMismatch: 0.93,
          segments: [{ start: 2, end: 6, outcome: 'mismatch', confidence: 0.9 }],
        }),
      },
      /^Verdict so far: Fake\?\.$/,
    ],
    ['checking', { status: 'checking', progress: 0.42 }, /^Checking started\.$/],
    ["can't judge", { status: 'cannot-judge', reason: 'no-speaking-face' }, /^Can't judge: Someone is heard/],
    [
      'an error',
      {
        status: 'error',
        message:
          'unknown session 7:0:v1:x (closed, or the engine host restarted) (in handler for content→engine:frame)',
      },
      /^Error: The checker restarted; start the check again\.$/,
    ],
  ];
  for (const [name, state, announced] of STATES) {
    test(`popup with ${name}: no WCAG 2.1 A/AA violations; the live region says what changed`, async () => {
      const tabId = 5000 + STATES.findIndex(([n]) => n === name);
      await storeVerdict(browser, tabId, state);
      const popup = await openPopupOf(browser, tabId);
      try {
        await popup.locator('section.video .badge').waitFor();
        assert.match((await liveText(popup))!, announced);
        if (state.status === 'error') {
          // Plain words in view; the internal text only behind Details.
          assert.match(
            await popup.locator('p.state').innerText(),
            /The checker restarted; start the check again\./,
          );
          assert.doesNotMatch(await popup.locator('p.state').innerText(), /session|handler/);
          await popup.locator('details.error-detail summary').click();
          assert.match(
            await popup.locator('details.error-detail code').innerText(),
            /unknown session 7:0:v1:x/,
          );
        }
        await assertNoViolations(popup, `popup (${name})`);
      } finally {
        await popup.close();
      }
    });
  }

  test('popup: the timeline is a keyboard slider — Tab reaches it, arrows move, Enter seeks (asks the tab to seek)', async () => {
    await storeVerdict(browser, 5100, { status: 'in-sync', evidence: sampleEvidence() });
    const popup = await openPopupOf(browser, 5100);
    try {
      const timeline = popup.locator('svg.timeline');
      await timeline.waitFor();
      assert.equal(await timeline.getAttribute('role'), 'slider');
      for (let i = 0; i < 10 && !(await timeline.evaluate((el) => el === document.activeElement)); i++)
        await popup.keyboard.press('Tab');
      assert.ok(await timeline.evaluate((el) => el === document.activeElement), 'Tab reaches the timeline');
      await popup.keyboard.press('Home');
      for (let i = 0; i < 4; i++) await popup.keyboard.press('ArrowRight');
      assert.equal(await timeline.getAttribute('aria-valuetext'), '0:04');
      await popup.keyboard.press('Enter');
      // Tab 5100 does not exist: the seek message fails, which proves Enter sent it — in plain words.
      await popup.locator('section.video .error-message').waitFor({ timeout: 5000 });
    } finally {
      await popup.close();
    }
  });

  test("popup's real error path: checking a page Chrome will not let extensions script reads in plain words, Chrome's text behind Details", async () => {
    // Opened as a tab without ?tabId, the popup checks the active tab — itself, an extension page no extension may script.
    const popup = await browser.context.newPage();
    try {
      await popup.setViewportSize({ width: 380, height: 640 });
      await popup.goto(`chrome-extension://${browser.extensionId}/popup/popup.html`);
      const message = popup.locator('.note .error-message');
      await message.waitFor({ timeout: 15000 });
      assert.equal(
        await message.locator('p.error').innerText(),
        "This page doesn't let extensions read its video.",
      );
      assert.equal(await message.locator('details').getAttribute('open'), null, 'the detail starts closed');
      await message.locator('summary').click();
      assert.match(await message.locator('code').innerText(), /Cannot access|cannot be scripted/);
      assert.match((await liveText(popup))!, /^Error: This page doesn't let extensions read its video\.$/);
      await assertNoViolations(popup, 'popup (error)');
    } finally {
      await popup.close();
    }
  });

  test('options page: no WCAG 2.1 A/AA violations', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`chrome-extension://${browser.extensionId}/options/options.html`);
      await page.locator('#sites input').first().waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'en-US');
      assert.equal(await page.title(), 'lipsync-lens options');
      await assertNoViolations(page, 'options');
      // axe really runs here: an image without alt text and grey-on-grey text are caught.
      await page.evaluate(() => {
        const img = document.createElement('img');
        img.src = '../icons/16.png';
        const faint = document.createElement('p');
        faint.textContent = 'faint text';
        faint.style.cssText = 'color: #333; background: #181f2c;';
        document.body.append(img, faint);
      });
      const caught = (await runAxe(page)).map((v) => v.id).sort();
      assert.deepEqual(caught, ['color-contrast', 'image-alt']);
    } finally {
      await page.close();
    }
  });

  test("file page: a file that cannot be read says so plainly (the browser's words behind Details); no violations", async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`chrome-extension://${browser.extensionId}/options/check.html`);
      await page.locator('#check').waitFor();
      await assertNoViolations(page, 'file page (empty)');
      const broken = join(MEDIA_DIR, 'a11y-not-a-video.mp4');
      execFileSync('mkdir', ['-p', MEDIA_DIR]);
      writeFileSync(broken, Buffer.from('this is not a video file at all '.repeat(64)));
      await page.setInputFiles('#video-file', broken);
      await page.click('#check');
      const error = page.locator('#error');
      await error.waitFor({ timeout: 60000 });
      assert.equal(
        await error.locator('p.error').innerText(),
        "Could not check: This browser can't read this file's format. Convert it to MP4 (H.264), for example with ffmpeg, and try again.",
      );
      await error.locator('summary').click();
      assert.match(await error.locator('code').innerText(), /a11y-not-a-video\.mp4: /);
      assert.match(
        (await liveText(page))!,
        /^Error: This browser can't read this file's format\. Convert it to MP4 \(H\.264\), for example with ffmpeg, and try again\.$/,
      );
      await assertNoViolations(page, 'file page (error)');
    } finally {
      await page.close();
    }
  });

  test(
    'file page after checking a real clip: verdict, figures, curve and timeline — no violations, the verdict announced',
    { skip: NO_CLIP || NO_MODEL },
    async () => {
      const short = makeMedia('a11y-short', ['-i', clip(SHORT_CLIP), '-t', '5', ...X264_FAST, '-c:a', 'aac']);
      const page = await browser.context.newPage();
      try {
        await page.goto(`chrome-extension://${browser.extensionId}/options/check.html`);
        await page.setInputFiles('#video-file', short);
        await page.click('#check');
        await page.locator('#result').waitFor({ timeout: 300000 });
        assert.match((await liveText(page))!, /^(Verdict: |Can't judge: )/);
        await page.locator('svg.distance-curve').waitFor();
        await assertNoViolations(page, 'file page (result)');
      } finally {
        await page.close();
      }
    },
  );
});

describe('overlay over a video (its own view, in an open shadow root)', () => {
  let server: StaticServer;
  let chromium: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  before(async () => {
    const path = await bundleTestPage('overlay', 'test/harness/overlay-page.tsx');
    server = await serveStatic();
    chromium = await launchBrowser();
    page = await chromium.newPage();
    await page.setViewportSize({ width: 800, height: 600 });
    await page.goto(`${server.origin}/${path}`);
    await page.waitForFunction(() => window.harnessReady === true);
  });
  after(async () => {
    await chromium?.close();
    await server?.close();
  });

  const show = (state: SyncState, expanded: boolean) =>
    page.evaluate(([s, e]) => window.showOverlay(s, e), [state, expanded] as const);
  const inOverlay = (selector: string) => page.locator(`lipsync-lens-overlay ${selector}`);

  for (const [name, state] of [
    ['checking', { status: 'checking', progress: 0.3 }],
    [
      'a verdict, expanded with the curve and timeline',
      {
        status: 'mismatch',
        evidence: sampleEvidence({
          pMismatch: 0.97,
          segments: [{ start: 3, end: 8, outcome: 'mismatch', confidence: 0.95 }],
        }),
      },
    ],
    ["can't judge", { status: 'cannot-judge', reason: 'no-face' }],
    [
      'an error, its Details open',
      {
        status: 'error',
        message:
          'Cannot access contents of the page. Extension manifest must request permission to access the respective host.',
      },
    ],
  ] as [string, SyncState][]) {
    test(`overlay with ${name}: no WCAG 2.1 A/AA violations`, async () => {
      await show(state, true);
      await inOverlay('.pill').waitFor();
      assert.equal(await inOverlay('.pill').getAttribute('aria-expanded'), 'true');
      if (state.status === 'error') {
        assert.match(
          await inOverlay('.panel').innerText(),
          /This page doesn't let extensions read its video\./,
        );
        await inOverlay('summary').click();
        assert.match(await inOverlay('details code').innerText(), /Cannot access contents of the page/);
      }
      if (state.status === 'mismatch') {
        await inOverlay('svg.timeline').waitFor();
        assert.match(
          (await inOverlay('[role=status]').textContent())!,
          /^Verdict: Fake\? — The voice very likely does not belong to the lips on screen from 0:03 to 0:08/,
        );
      }
      await assertNoViolations(page, `overlay (${name})`);
    });
  }

  test('overlay: the timeline seeks from the keyboard', async () => {
    await show({ status: 'in-sync', evidence: sampleEvidence() }, true);
    const timeline = inOverlay('svg.timeline');
    await timeline.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    assert.deepEqual(await page.evaluate(() => window.seeks.splice(0)), [2]);
  });
});
