// The Firefox build: MV3 with background scripts (the engine hosted in the background
// page, no offscreen document, no tabCapture), and `web-ext lint` finds no errors. The only
// warnings are Preact's dangerouslySetInnerHTML branch, which this code never takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

test(
  'dist/firefox is an MV3 background-scripts build and web-ext lint finds no errors',
  { timeout: 300_000 },
  (t) => {
    execFileSync(process.execPath, ['scripts/build.mjs', 'firefox'], { stdio: 'ignore' });
    const manifest = JSON.parse(readFileSync('dist/firefox/manifest.json', 'utf8'));
    assert.equal(manifest.manifest_version, 3);
    assert.deepEqual(manifest.background, { scripts: ['background/background.js'], type: 'module' });
    assert.equal(
      manifest.permissions.includes('offscreen') || manifest.permissions.includes('tabCapture'),
      false,
    );
    assert.equal(manifest.host_permissions, undefined, 'host permissions are optional only');
    // The engine host is bundled into the background page.
    assert.match(readFileSync('dist/firefox/background/background.js', 'utf8'), /function startEngineHost\(/);

    const out = execFileSync(
      process.execPath,
      ['node_modules/web-ext/bin/web-ext.js', 'lint', '-s', 'dist/firefox', '--output', 'json', '--no-input'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const report = JSON.parse(out) as {
      errors: { code: string; file: string }[];
      warnings: { code: string; file: string; message: string }[];
      notices: unknown[];
    };
    assert.deepEqual(report.errors, []);
    const unexpected = report.warnings.filter((w) => w.code !== 'UNSAFE_VAR_ASSIGNMENT');
    assert.deepEqual(unexpected, []);
    for (const w of report.warnings) {
      // Preact's diff assigns innerHTML only for dangerouslySetInnerHTML, which no view uses.
      assert.match(
        readFileSync(`dist/firefox/${w.file}`, 'utf8'),
        /__html/,
        `${w.file}: innerHTML outside Preact's dangerouslySetInnerHTML branch`,
      );
    }
    t.diagnostic(
      `web-ext lint: 0 errors, ${report.warnings.length} warnings (Preact's dangerouslySetInnerHTML branch), ${report.notices.length} notices`,
    );
  },
);

const FIREFOX = process.env.LIPSYNC_FIREFOX ?? '/usr/bin/firefox-esr';

test(
  'Firefox ESR installs dist/firefox as a temporary add-on and its background page starts without a script error',
  {
    skip: existsSync(FIREFOX) ? false : `${FIREFOX} not found — bash scripts/setup.sh installs firefox-esr`,
    timeout: 120_000,
  },
  async (t) => {
    execFileSync(process.execPath, ['scripts/build.mjs', 'firefox'], { stdio: 'ignore' });
    // web-ext starts Firefox headless with a fresh profile and installs the build over the
    // remote protocol; with the console prefs Firefox prints script errors of extension
    // pages ("JavaScript error: moz-extension://…") on its own stdout/stderr, which web-ext
    // relays with --verbose. A build whose background throws is caught this way (checked by
    // hand with a `throw` prepended to background.js).
    const child = spawn(
      process.execPath,
      [
        'node_modules/web-ext/bin/web-ext.js',
        'run',
        '--source-dir',
        'dist/firefox',
        '--firefox',
        FIREFOX,
        '--arg=-headless',
        '--no-reload',
        '--no-input',
        '--verbose',
        '--pref',
        'devtools.console.stdout.chrome=true',
        '--pref',
        'devtools.console.stdout.content=true',
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const installed = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/Installed .*dist\/firefox as a temporary add-on/.test(output)) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) =>
        reject(new Error(`web-ext exited (${code}) before installing:\n${output.slice(-2000)}`)),
      );
    });
    try {
      await Promise.race([
        installed,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`not installed within 90 s:\n${output.slice(-2000)}`)), 90_000),
        ),
      ]);
      // The background page runs at install; give its module graph time to load and throw.
      await new Promise((resolve) => setTimeout(resolve, 8000));
    } finally {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    const extensionErrors = output
      .split('\n')
      .filter((line) => /moz-extension:\/\//.test(line) && /error/i.test(line));
    assert.deepEqual(extensionErrors, [], 'no script error from the extension');
    t.diagnostic(`${FIREFOX}: installed as a temporary add-on, no extension script error in 8 s`);
  },
);
