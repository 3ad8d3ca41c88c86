// The file page (options/check.html) in the built extension, headless Chromium:
// - "Export report" after a check downloads the HTML report (a Blob through <a download>)
//   with the verdict, the clip's SHA-256 and the extension's version (issue 14, item 4);
// - with SyncNet v2 weights imported in the options and chosen there, the page uses them
//   without any file picked here, says so, and a check runs on them (issue 14, item 6);
// - a file cut off after its index is checked up to the cut, and the page and its report
//   say where; an empty file and one cut off before its index are said to be so, in words.
// The weights are a random-init SyncNet v2 checkpoint made by the golden script (no official
// weights needed); what is tested is which model runs, not its verdict.
import { CLI_DIST } from '../../scripts/lib/checker';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchWithExtension, type ExtensionBrowser } from '../../scripts/lib/chromium';
import type { CheckResult } from '../../src/engine/types';
import { chooseModel } from '../helpers/options';
import { clip, cutFile, emptyVideo } from '../helpers/media';
import { CLIPS_DIR } from '../helpers/server';

const hasModel = existsSync('models/embedded/manifest.json');
const skip = !existsSync(CLIPS_DIR)
  ? 'no ../shared/media/clips here'
  : !hasModel
    ? 'models/embedded is not trained yet'
    : false;

const SHORT = 'PCAVS_misc_Pose_Source_00067.mp4'; // real, in sync, 4.6 s, 224×224
const LONGER = 'PCAVS_misc_Audio_Source_00104.mp4'; // real, in sync, 11.9 s, 224×224

async function runOnPage(page: Page, video: string): Promise<CheckResult | { error: string }> {
  await page.evaluate(() => {
    window.lipsyncResult = undefined;
  });
  await page.setInputFiles('#video-file', video);
  await page.click('#check');
  const handle = await page.waitForFunction(() => window.lipsyncResult, undefined, {
    timeout: 300_000,
    polling: 250,
  });
  return (await handle.jsonValue()) as CheckResult | { error: string };
}

async function checkOnPage(page: Page, video: string): Promise<CheckResult> {
  const result = await runOnPage(page, video);
  assert.ok(!('error' in result), 'error' in result ? result.error : '');
  return result;
}

describe('file page: Export report, and the imported weights and settings', { skip }, () => {
  let browser: ExtensionBrowser;
  const page = (path: string) => `chrome-extension://${browser.extensionId}/${path}`;

  before(async () => {
    spawnSync(process.execPath, ['scripts/build.mjs', 'chrome'], { stdio: 'ignore' });
    browser = await launchWithExtension(resolve(CLI_DIST));
  });
  after(async () => {
    await browser?.close();
  });

  it('after a check, Export report downloads the HTML report with the verdict, the hash and the version', async () => {
    const tab = await browser.context.newPage();
    await tab.goto(page('options/check.html'));
    await tab.waitForSelector('#video-file', { state: 'attached' });
    assert.match((await tab.textContent('#model-in-use')) ?? '', /^Model in use: Built-in model$/);
    const result = await checkOnPage(tab, clip(SHORT));
    assert.equal(result.verdict, 'real');
    const [download] = await Promise.all([tab.waitForEvent('download'), tab.click('#export-report')]);
    assert.equal(download.suggestedFilename(), `${SHORT}.lipsync-report.html`);
    const html = readFileSync((await download.path())!, 'utf8');
    assert.match(html, /id="verdict" data-verdict="real"[^>]*>Real — lips and voice are in sync</);
    assert.match(
      html,
      new RegExp(
        `<td id="sha256">${createHash('sha256')
          .update(readFileSync(clip(SHORT)))
          .digest('hex')}</td>`,
      ),
    );
    assert.match(
      html,
      new RegExp(
        `<span id="version">${JSON.parse(readFileSync('manifest.json', 'utf8')).version.replace(/\./g, '\\.')}</span>`,
      ),
    );
    assert.match(html, /<td id="model">lipsync-lens embedded model \(embedded\)<\/td>/);
    assert.match(html, /<svg class="distance-curve"/);
    await tab.waitForSelector('#exported');
    await tab.close();
  });

  it('a file cut off after its index is checked up to the cut, and the page and the report say where; an empty or index-less file is said to be so', async () => {
    const tab = await browser.context.newPage();
    await tab.goto(page('options/check.html'));
    await tab.waitForSelector('#video-file', { state: 'attached' });
    const result = await checkOnPage(
      tab,
      cutFile('page-moov-first', ['-i', clip(LONGER), '-c', 'copy', '-movflags', '+faststart'], 0.5),
    );
    assert.equal(result.verdict, 'real');
    assert.ok(result.cutOff && result.cutOff.atS > 4 && result.cutOff.atS < 8, JSON.stringify(result.cutOff));
    const line =
      /^The file stops at 0:0[4-7] of its 0:11 \(an unfinished download or recording\?\): only the part before 0:0[4-7] was checked\.$/;
    assert.match((await tab.textContent('#cut-off')) ?? '', line);
    const [download] = await Promise.all([tab.waitForEvent('download'), tab.click('#export-report')]);
    const html = readFileSync((await download.path())!, 'utf8');
    assert.match(html, /<td id="cut-off">The file stops at 0:0[4-7] of its 0:11 /);

    for (const [path, words] of [
      [emptyVideo(), /the file is empty/],
      [
        cutFile('page-moov-last', ['-i', clip(LONGER), '-c', 'copy'], 0.5),
        /the file is cut off before its index/,
      ],
    ] as const) {
      const failed = await runOnPage(tab, path);
      assert.ok('error' in failed && words.test(failed.error), JSON.stringify(failed));
      assert.match(
        (await tab.textContent('#error')) ?? '',
        /This file is empty or cut off before its index \(an unfinished download or recording\?\), so it cannot be checked\./,
      );
    }
    await tab.close();
  });

  it('SyncNet v2 weights imported and chosen in the options, a threshold set: the file page uses both with no file picked', async () => {
    const options = await browser.context.newPage();
    await options.goto(page('options/options.html'));
    await chooseModel(options, 'syncnet-v2');
    // The user's threshold too (choosing a model resets it to the model's default, so set it after).
    await options.evaluate(async () => {
      const { settings } = await chrome.storage.local.get('settings');
      await chrome.storage.local.set({ settings: { ...settings, threshold: 2.5 } });
    });
    await options.close();

    const tab = await browser.context.newPage();
    await tab.goto(page('options/check.html'));
    await tab.waitForSelector('#video-file', { state: 'attached' });
    assert.equal(await tab.getAttribute('#model-in-use', 'data-model'), 'syncnet-v2');
    assert.match(
      (await tab.textContent('#model-in-use')) ?? '',
      /^Model in use: SyncNet v2 with your imported weights \(syncnet_v2_zip\.model, imported .*\); threshold 2\.5 \(your setting\)$/,
    );
    assert.equal(await tab.inputValue('#model'), 'syncnet-v2');
    assert.deepEqual(
      await tab.$eval('#weights-file', (input) => (input as HTMLInputElement).files?.length),
      0,
      'no weights file picked here',
    );
    const result = await checkOnPage(tab, clip(SHORT));
    assert.equal(result.model, 'syncnet-v2', 'the check ran on the imported weights');
    assert.equal(result.threshold, 2.5, 'with the threshold from the settings');
    await tab.close();
  });
});
