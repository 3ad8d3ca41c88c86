// Test hooks only in the test build (issue 11, item 6): the product Chrome and Firefox builds
// carry no debug message handler and no popup.html?tabId=N; dist/chrome-test carries both
// (the e2e tests rely on them). Greps the bundles esbuild wrote (non-ASCII is escaped there,
// so the message name is matched by its ASCII tail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const HOOKS = [/engine:stats/, /get\("tabId"\)/, /lipsyncResult/, /lipsyncExtractFeatures/];

function scripts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'vendor' ? [] : scripts(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

const found = (dist: string) =>
  HOOKS.filter((hook) => scripts(dist).some((file) => hook.test(readFileSync(file, 'utf8')))).map(String);

test(
  'the product builds contain none of the test hooks; the test builds contain the debug handler (Chrome: the popup hook too)',
  { timeout: 120_000 },
  () => {
    execFileSync(
      process.execPath,
      ['scripts/build.mjs', 'chrome', 'chrome-test', 'firefox', 'firefox-test'],
      {
        stdio: 'ignore',
      },
    );
    assert.deepEqual(found('dist/chrome'), []);
    assert.deepEqual(found('dist/firefox'), []);
    assert.deepEqual(found('dist/chrome-test'), HOOKS.map(String));
    assert.ok(found('dist/firefox-test').length > 0, 'the Firefox test build answers the debug messages');
  },
);
