// The extension in the browser's language: real Chromium started in Chinese (--lang=zh-CN,
// LANGUAGE=zh_CN), Spanish and English, the popup showing a verdict (a tab record as the
// background stores it). chrome.i18n follows the browser's UI language; <html lang> says
// which. The Chinese and English popups are the screenshots in docs/screenshots/.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchInLanguage, openPopupOf, sampleEvidence, storeVerdict } from './a11y-helpers';
import { SCREENSHOT_DIR } from './live-helpers';

const catalogue = (locale: string): Record<string, { message: string }> =>
  JSON.parse(readFileSync(`_locales/${locale}/messages.json`, 'utf8'));

before(() => {
  execFileSync(process.execPath, ['scripts/build.mjs', 'chrome'], { stdio: 'ignore' });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

for (const [lang, locale, sentence] of [
  ['zh-CN', 'zh_CN', '口型与声音几乎可以肯定相符，而且同步（已检查 10 秒说话内容）。'],
  [
    'es',
    'es',
    'Los labios y la voz casi con certeza se corresponden y están sincronizados (se revisaron 10 s de habla).',
  ],
  [
    'en-US',
    'en',
    'Lips and voice almost certainly belong together and are in sync (10 s of speech checked).',
  ],
] as const) {
  test(`the popup in ${lang}: the verdict, its sentence, the page's words and <html lang>`, async () => {
    const messages = catalogue(locale);
    const browser = await launchInLanguage(lang);
    try {
      const errors: string[] = [];
      await storeVerdict(browser, 4242, {
        status: 'in-sync',
        evidence: sampleEvidence({ pMismatch: 0.004 }),
      });
      const popup = await openPopupOf(browser, 4242);
      popup.on('pageerror', (e) => errors.push(e.message));
      await popup.locator('section.video .badge').waitFor({ timeout: 10000 });
      assert.equal(
        await popup.evaluate(() => chrome.i18n.getUILanguage()),
        lang === 'en-US' ? 'en-US' : lang,
      );
      assert.equal(
        await popup.getAttribute('html', 'lang'),
        await popup.evaluate(() => chrome.i18n.getUILanguage()),
      );
      assert.equal(await popup.locator('section.video .badge').innerText(), messages.label_real.message);
      assert.equal(await popup.locator('p.state').innerText(), `${messages.label_real.message} ${sentence}`);
      assert.equal(await popup.locator('.blind-spots').innerText(), messages.popup_blind_spots.message);
      assert.equal(await popup.locator('button.recheck').innerText(), messages.button_check_again.message);
      assert.match(
        (await popup.locator('svg.timeline').getAttribute('aria-label'))!,
        new RegExp(messages.timeline_label_seek.message.slice(0, 6)),
      );
      if (locale === 'zh_CN') {
        assert.match(await popup.locator('main').innerText(), /口型与声音/);
        assert.match((await popup.locator('svg.distance-curve text.left').textContent())!, /\+15 声音提前/);
      }
      if (locale !== 'es')
        await popup.screenshot({ path: join(SCREENSHOT_DIR, `popup-${locale}.png`), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}
