// The Firefox build: MV3 with background scripts (the engine hosted in the background
// page, no offscreen document, no tabCapture), and `web-ext lint` finds no errors. The only
// warnings are Preact's dangerouslySetInnerHTML branch, which this code never takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

test('dist/firefox is an MV3 background-scripts build and web-ext lint finds no errors', { timeout: 300_000 }, (t) => {
  execFileSync(process.execPath, ['scripts/build.mjs', 'firefox'], { stdio: 'ignore' });
  const manifest = JSON.parse(readFileSync('dist/firefox/manifest.json', 'utf8'));
  assert.equal(manifest.manifest_version, 3);
  assert.deepEqual(manifest.background, { scripts: ['background/background.js'], type: 'module' });
  assert.equal(manifest.permissions.includes('offscreen') || manifest.permissions.includes('tabCapture'), false);
  assert.equal(manifest.host_permissions, undefined, 'host permissions are optional only');
  // The engine host is bundled into the background page.
  assert.match(readFileSync('dist/firefox/background/background.js', 'utf8'), /function startEngineHost\(/);

  const out = execFileSync(process.execPath, ['node_modules/web-ext/bin/web-ext.js', 'lint', '-s', 'dist/firefox', '--output', 'json', '--no-input'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const report = JSON.parse(out) as { errors: { code: string; file: string }[]; warnings: { code: string; file: string; message: string }[]; notices: unknown[] };
  assert.deepEqual(report.errors, []);
  const unexpected = report.warnings.filter((w) => w.code !== 'UNSAFE_VAR_ASSIGNMENT');
  assert.deepEqual(unexpected, []);
  for (const w of report.warnings) {
    // Preact's diff assigns innerHTML only for dangerouslySetInnerHTML, which no view uses.
    assert.match(readFileSync(`dist/firefox/${w.file}`, 'utf8'), /__html/, `${w.file}: innerHTML outside Preact's dangerouslySetInnerHTML branch`);
  }
  t.diagnostic(`web-ext lint: 0 errors, ${report.warnings.length} warnings (Preact's dangerouslySetInnerHTML branch), ${report.notices.length} notices`);
});
