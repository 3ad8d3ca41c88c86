// The minimum browser versions the manifests declare (Chrome: minimum_chrome_version in
// scripts/browser/chrome.json; Firefox: browser_specific_settings.gecko.strict_min_version
// in scripts/browser/firefox.json) against the APIs the code uses. The table below says
// in which version each API arrived (MDN / Chrome Platform Status); the test greps src/
// for each and fails when
//  - an API the code uses arrived after the version a manifest declares,
//  - the code uses an extension API (`chrome.<namespace>.<member>`) or a web API from the
//    watch list that the table does not list (add it with its versions),
//  - an API marked as not reached in one browser shows up outside the files only that
//    browser runs,
//  - esbuild's syntax targets (scripts/build.mjs) differ from the declared versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

type Browser = 'chrome' | 'firefox';

interface Api {
  /** What the table row is about (the extension API path, the web API, the manifest key). */
  name: string;
  /** Where it is used: in the source (default) or in the merged manifest of that browser. */
  pattern: RegExp;
  in?: 'source' | 'manifest';
  /** Version it arrived in; null: never reached in that browser (only in that browser's `onlyIn` files). */
  chrome: number | null;
  firefox: number | null;
  /** Older versions ignore it harmlessly (a manifest key they do not know): it does not raise the minimum. */
  ignoredBelow?: boolean;
  note?: string;
}

/** Files only one browser runs: the per-browser platform module and what only it reaches. */
const ONLY_IN: Record<Browser, string[]> = {
  chrome: ['src/platform/chrome.ts', 'src/offscreen/index.ts', 'src/offscreen/tab-capture.ts'],
  firefox: ['src/platform/firefox.ts'],
};

const ext = (path: string, chrome: number | null, firefox: number | null, note?: string): Api => ({
  name: `chrome.${path}`,
  pattern: new RegExp(`chrome\\s*\\.\\s*${path.split('.').join('\\s*\\.\\s*')}\\b`),
  chrome,
  firefox,
  ...(note ? { note } : {}),
});
const web = (
  name: string,
  pattern: RegExp,
  chrome: number | null,
  firefox: number | null,
  note?: string,
): Api => ({ name, pattern, chrome, firefox, ...(note ? { note } : {}) });
const key = (
  name: string,
  pattern: RegExp,
  chrome: number | null,
  firefox: number | null,
  extra: Partial<Api> = {},
): Api => ({ name, pattern, in: 'manifest', chrome, firefox, ...extra });

export const APIS: Api[] = [
  // Extension APIs (MV3 itself: Chrome 88, Firefox 109).
  ext('action', 88, 109, 'MV3 action'),
  ext('commands', 25, 48),
  ext('contextMenus', 6, 55),
  ext('i18n', 5, 45),
  ext(
    'offscreen',
    109,
    null,
    'Chrome only (src/platform/chrome.ts); Firefox hosts the engine in its event page',
  ),
  ext('permissions', 16, 77, 'permissions.onAdded / onRemoved: Firefox 77'),
  ext('runtime.getContexts', 116, null, 'Chrome only (src/platform/chrome.ts)'),
  ext('runtime.ContextType', 116, null, 'Chrome only (src/platform/chrome.ts)'),
  ext('runtime.getPlatformInfo', 29, 45),
  ext('runtime', 26, 45),
  ext('scripting', 96, 102, 'registerContentScripts & co.: Chrome 96; executeScript: Chrome 88'),
  ext('storage.session', 102, 115),
  ext('storage', 20, 45),
  ext(
    'tabCapture.getMediaStreamId',
    116,
    null,
    'the promise form: Chrome 116 (callback: 71); Firefox has no tabCapture',
  ),
  ext('tabCapture', 116, null, 'Chrome only'),
  ext('tabs', 16, 45),
  // Web APIs.
  web(
    'requestVideoFrameCallback',
    /\brequestVideoFrameCallback\b/,
    83,
    132,
    'the capture loop (content script) and the file page',
  ),
  web('AudioWorklet', /\b(AudioWorkletNode|audioWorklet|registerProcessor)\b/, 66, 76),
  web(
    'HTMLMediaElement.preservesPitch',
    /\bpreservesPitch\b/,
    86,
    101,
    'read to tell a voice at 1.5× with its pitch moved',
  ),
  web('OffscreenCanvas', /\bOffscreenCanvas\b|transferToImageBitmap/, 69, 105),
  web('MediaStreamTrackProcessor', /\bMediaStreamTrackProcessor\b/, 94, null, 'tab capture only (Chrome)'),
  web(
    'WebCodecs',
    /\b(VideoDecoder|AudioDecoder|VideoEncoder|EncodedVideoChunk|EncodedAudioChunk|AudioData)\b/,
    94,
    130,
    'the file page decodes with WebCodecs',
  ),
  web('VideoFrame', /\bnew VideoFrame\b|ReadableStream<VideoFrame>/, 94, 130),
  web('AudioContext.getOutputTimestamp', /\bgetOutputTimestamp\b/, 57, 70),
  web('AudioContext.outputLatency', /\boutputLatency\b/, 102, 70),
  web('AudioContext.baseLatency', /\bbaseLatency\b/, 58, 70),
  web('ResizeObserver', /\bResizeObserver\b/, 64, 69),
  web('createImageBitmap', /\bcreateImageBitmap\b/, 50, 52),
  web('WebGL 2', /\bwebgl2\b/, 56, 51),
  web('Array.prototype.at', /\.at\(-?\d/, 92, 90),
  web('structuredClone', /\bstructuredClone\(/, 98, 94),
  web('AbortSignal.timeout', /\bAbortSignal\.timeout\(/, 103, 100),
  web('AbortSignal.any', /\bAbortSignal\.any\(/, 116, 124),
  web('Promise.withResolvers', /\bPromise\.withResolvers\(/, 119, 121),
  web('Object.groupBy', /\b(Object|Map)\.groupBy\(/, 117, 119),
  web('Array.fromAsync', /\bArray\.fromAsync\(/, 121, 115),
  web('change-array-by-copy', /\.(toSorted|toReversed|toSpliced)\(/, 110, 115),
  web('findLast', /\.findLast(Index)?\(/, 97, 104),
  web('CompressionStream', /\b(CompressionStream|DecompressionStream)\b/, 80, 113),
  web('requestIdleCallback', /\brequestIdleCallback\(/, 47, 55),
  web(
    'Set methods',
    /\.(union|intersection|symmetricDifference|isSubsetOf|isSupersetOf|isDisjointFrom)\(/,
    122,
    127,
  ),
  web('WebGPU', /\bnavigator\.gpu\b/, 113, 141),
  // Manifest keys.
  key('background.service_worker type module', /"service_worker"/, 92, null),
  key('background.scripts type module (event page)', /"scripts"/, null, 112),
  key('optional_host_permissions', /"optional_host_permissions"/, 88, 128),
  key("CSP 'wasm-unsafe-eval'", /wasm-unsafe-eval/, 103, 102),
  key('web_accessible_resources use_dynamic_url', /"use_dynamic_url"/, 101, 110),
  key('gecko data_collection_permissions', /"data_collection_permissions"/, null, 140, {
    ignoredBelow: true,
    note: 'older Firefox warns about the unknown key and goes on',
  }),
];

/**
 * Web APIs that arrived recently or unevenly across browsers: a use of one needs a table
 * row of the same name (with its versions). Rows above cover the ones in use today.
 */
const WATCHED: [string, RegExp][] = [
  ...APIS.filter((api) => !api.name.startsWith('chrome.') && api.in !== 'manifest').map(
    (api): [string, RegExp] => [api.name, api.pattern],
  ),
  ['HTMLInputElement.showPicker', /\.showPicker\(/],
  ['navigator.userActivation', /\bnavigator\.userActivation\b/],
  ['scheduler.postTask', /\bscheduler\.(postTask|yield)\(/],
  ['Atomics.waitAsync', /\bAtomics\.waitAsync\(/],
  ['import.meta.resolve', /\bimport\.meta\.resolve\(/],
  ['MediaStreamTrackGenerator', /\b(MediaStreamTrackGenerator|VideoTrackGenerator)\b/],
  ['ImageDecoder', /\bImageDecoder\b/],
  ['WebTransport', /\bWebTransport\b/],
  ['Float16Array', /\bFloat16Array\b/],
  ['Iterator helpers', /\bIterator\.from\(|\.values\(\)\.(map|filter|take|drop|toArray)\(/],
  ['RegExp.escape', /\bRegExp\.escape\(/],
  ['Promise.try', /\bPromise\.try\(/],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

/** Comments out, so a comment naming an API is not a use. */
const stripComments = (text: string) =>
  text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

function merge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, value] of Object.entries(patch)) {
    if (k === '//') continue;
    const previous = base[k];
    out[k] =
      value && typeof value === 'object' && !Array.isArray(value) && previous && typeof previous === 'object'
        ? merge(previous as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

const manifestOf = (browser: Browser) =>
  merge(
    JSON.parse(readFileSync('manifest.json', 'utf8')),
    JSON.parse(readFileSync(`scripts/browser/${browser}.json`, 'utf8')),
  );

function declared(browser: Browser): number {
  const manifest = manifestOf(browser) as {
    minimum_chrome_version?: string;
    browser_specific_settings?: { gecko?: { strict_min_version?: string } };
  };
  const version =
    browser === 'chrome'
      ? manifest.minimum_chrome_version
      : manifest.browser_specific_settings?.gecko?.strict_min_version;
  assert.ok(version, `the ${browser} manifest declares a minimum version`);
  return Number.parseInt(version!, 10);
}

const files = sourceFiles('src').map((path) => ({ path, text: stripComments(readFileSync(path, 'utf8')) }));

/** The table rows the source (or a browser's manifest) uses, with the files using them. */
function uses(api: Api, browser: Browser): string[] {
  if (api.in === 'manifest') return api.pattern.test(JSON.stringify(manifestOf(browser))) ? ['manifest'] : [];
  const other: Browser = browser === 'chrome' ? 'firefox' : 'chrome';
  return files.filter((f) => !ONLY_IN[other].includes(f.path) && api.pattern.test(f.text)).map((f) => f.path);
}

for (const browser of ['chrome', 'firefox'] as const) {
  test(`${browser}: every API the code uses arrived by the declared minimum version`, (t) => {
    const minimum = declared(browser);
    const needed: string[] = [];
    let highest = { version: 0, name: '' };
    for (const api of APIS) {
      const where = uses(api, browser);
      if (where.length === 0) continue;
      const since = api[browser];
      if (since === null) {
        // Not reached in this browser: only in the files only the other browser runs.
        const shared = where.filter((path) => path !== 'manifest');
        assert.deepEqual(
          shared,
          [],
          `${api.name} is marked as not used in ${browser}, but ${shared.join(', ')} use it`,
        );
        assert.ok(api.in !== 'manifest' || where.length === 0, `${api.name} is in the ${browser} manifest`);
        continue;
      }
      if (api.ignoredBelow) continue;
      if (since > minimum) needed.push(`${api.name} (${browser} ${since}; used in ${where.join(', ')})`);
      if (since > highest.version) highest = { version: since, name: api.name };
    }
    assert.deepEqual(needed, [], `the ${browser} manifest declares ${minimum}`);
    t.diagnostic(`${browser} ${minimum}: the newest API used is ${highest.name} (${highest.version})`);
  });
}

test('every extension API and every watched web API the source uses is in the table', () => {
  const unlisted = new Set<string>();
  for (const { path, text } of files) {
    for (const match of text.matchAll(/\bchrome\s*\.\s*(\w+)\s*\.\s*(\w+)/g)) {
      const used = `chrome.${match[1]}.${match[2]}`;
      if (
        !APIS.some(
          (api) => api.name.startsWith('chrome.') && (used === api.name || used.startsWith(`${api.name}.`)),
        )
      )
        unlisted.add(`${used} (${path})`);
    }
  }
  for (const [name, pattern] of WATCHED) {
    const where = files.filter((f) => pattern.test(f.text)).map((f) => f.path);
    if (where.length > 0 && !APIS.some((api) => api.name === name))
      unlisted.add(`${name} (${where.join(', ')})`);
  }
  assert.deepEqual([...unlisted], [], 'add these APIs to the table with the versions they arrived in');
});

test("esbuild's syntax targets are the declared minimum versions", () => {
  const build = readFileSync('scripts/build.mjs', 'utf8');
  assert.match(
    build,
    new RegExp(`'chrome${declared('chrome')}'`),
    'scripts/build.mjs targets the declared Chrome version',
  );
  assert.match(
    build,
    new RegExp(`'firefox${declared('firefox')}'`),
    'scripts/build.mjs targets the declared Firefox version',
  );
});
