// The built Chrome extension loads unpacked in real Chromium: its service worker starts,
// the manifest has the CSP that lets WebAssembly run, and the popup renders a state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { launchWithExtension } from '../helpers/browser';

test('dist/chrome loads in Chromium and the popup renders the idle state', async () => {
  execFileSync(process.execPath, ['scripts/build.mjs', 'chrome'], { stdio: 'ignore' });
  const manifest = JSON.parse(readFileSync('dist/chrome/manifest.json', 'utf8'));
  assert.match(manifest.content_security_policy.extension_pages, /'wasm-unsafe-eval'/);
  assert.match(manifest.content_security_policy.extension_pages, /connect-src 'self'/);
  assert.deepEqual(manifest.host_permissions, undefined, 'host permissions must be optional only');

  const browser = await launchWithExtension();
  try {
    assert.match(browser.extensionId, /^[a-p]{32}$/);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`chrome-extension://${browser.extensionId}/popup/popup.html`);
    await page.getByText('No video checked in this tab yet.').waitFor({ timeout: 10000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
