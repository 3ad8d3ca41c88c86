// Builds the extension with esbuild into dist/chrome and dist/firefox, each loadable
// unpacked. One source tree; the per-browser manifest patch (scripts/browser/*.json)
// and the per-browser platform module (src/platform/<browser>.ts, equal exports) are
// the only differences. dist/chrome-test and dist/firefox-test are the builds with the test hooks
// (__TEST_HOOKS__: debug messages, the popup's ?tabId=N) that the e2e tests load; the
// product builds contain none of them (test/build/test-hooks.test.ts).
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawIcon } from './icon.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const browsers = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const coreOnly = process.argv.includes('--core-only');
const targets = coreOnly
  ? []
  : browsers.length
    ? browsers
    : ['chrome', 'chrome-test', 'firefox', 'firefox-test'];
/** A target's browser (platform module, manifest patch) and whether it carries the test hooks. */
const variantOf = (target) =>
  target.endsWith('-test')
    ? { browser: target.slice(0, -'-test'.length), testHooks: true }
    : { browser: target, testHooks: false };
const watchFree = !process.argv.includes('--dev');

/** Deep merge for manifest patches: objects merge, arrays and scalars replace. */
function merge(base, patch) {
  const out = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '//') continue;
    out[key] =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      base[key] &&
      typeof base[key] === 'object'
        ? merge(base[key], value)
        : value;
  }
  return out;
}

// Entry points per extension context: [source, output path inside dist/<browser>].
const entries = [
  ['src/background/index.ts', 'background/background.js'],
  ['src/offscreen/index.ts', 'offscreen/offscreen.js'],
  ['src/popup/index.tsx', 'popup/popup.js'],
  ['src/options/index.tsx', 'options/options.js'],
  ['src/options/check.tsx', 'options/check.js'],
];
// Classic scripts: an injected content script, an AudioWorklet module and a classic worker
// must not contain import/export statements, so these are bundled as IIFEs.
const classicEntries = [
  ['src/content/index.ts', 'content/content.js'],
  ['src/content/capture-worklet.ts', 'content/capture-worklet.js'],
  // MediaPipe loads its wasm loader with importScripts, which module workers lack.
  ['src/engine/face/landmarker-worker.ts', 'engine/landmarker-worker.js'],
  ['src/engine/model-worker.ts', 'engine/model-worker.js'],
];
const staticFiles = [
  ['src/offscreen/offscreen.html', 'offscreen/offscreen.html'],
  ['src/popup/popup.html', 'popup/popup.html'],
  ['src/options/options.html', 'options/options.html'],
  ['src/options/check.html', 'options/check.html'],
  ['src/ui/theme.css', 'ui/theme.css'],
  // chrome.i18n's catalogues (manifest.json's default_locale and __MSG_…__ need them in every build).
  ['_locales', '_locales'],
];
// Runtime files the engine loads with runtime.getURL — never from a CDN. Of MediaPipe's
// three wasm builds only the SIMD one the engine names (src/engine/face/mediapipe-wasm.ts;
// test/core/build-output.test.ts checks the two lists agree).
const MEDIAPIPE_WASM = ['vision_wasm_internal.js', 'vision_wasm_internal.wasm'];
const vendorFiles = [
  [
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
    'vendor/tfjs/tfjs-backend-wasm.wasm',
  ],
  [
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
    'vendor/tfjs/tfjs-backend-wasm-simd.wasm',
  ],
  ...MEDIAPIPE_WASM.map((file) => [
    `node_modules/@mediapipe/tasks-vision/wasm/${file}`,
    `vendor/mediapipe/${file}`,
  ]),
];

// The core as a plain ESM module for node scripts (`import … from './dist/core/index.js'`),
// TF.js left external so a script shares the caller's TF.js instance and backend.
await build({
  entryPoints: [join(root, 'src/core/index.ts')],
  outfile: join(root, 'dist/core/index.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@tensorflow/*'],
  logLevel: 'warning',
});
console.log('built dist/core');

const baseManifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));

for (const target of targets) {
  const { browser, testHooks } = variantOf(target);
  const out = join(root, 'dist', target);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  for (const [group, format] of [
    [entries, 'esm'],
    [classicEntries, 'iife'],
  ]) {
    await build({
      entryPoints: Object.fromEntries(group.map(([src, dst]) => [dst.replace(/\.js$/, ''), join(root, src)])),
      outdir: out,
      bundle: true,
      format,
      // The manifests' minimum versions (test/build/min-versions.test.ts keeps them equal).
      target: ['chrome120', 'firefox132'],
      sourcemap: watchFree ? false : 'inline',
      minify: false,
      // Dead-code elimination only (names and layout stay readable): drops the test hooks'
      // branches from the product builds, where __TEST_HOOKS__ is false.
      minifySyntax: true,
      legalComments: 'none',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      alias: { '#platform': join(root, 'src/platform', `${browser}.ts`) },
      define: {
        'process.env.NODE_ENV': '"production"',
        __BROWSER__: JSON.stringify(browser),
        __TEST_HOOKS__: JSON.stringify(testHooks),
      },
      logLevel: 'warning',
    });
  }

  for (const [src, dst] of [...staticFiles, ...vendorFiles]) {
    const from = join(root, src);
    if (!existsSync(from))
      throw new Error(`build: missing ${src}${src.startsWith('node_modules') ? ' (run npm ci)' : ''}`);
    mkdirSync(dirname(join(out, dst)), { recursive: true });
    cpSync(from, join(out, dst), { recursive: true });
  }
  const landmarker = join(root, 'models', 'face_landmarker.task');
  if (existsSync(landmarker)) {
    mkdirSync(join(out, 'models'), { recursive: true });
    cpSync(landmarker, join(out, 'models', 'face_landmarker.task'));
  } else {
    console.warn(
      'build: models/face_landmarker.task is missing — run `npm run models` (mouth tracking will report it).',
    );
  }

  // The embedded model (committed, small) ships in every build.
  const embedded = join(root, 'models', 'embedded');
  if (existsSync(join(embedded, 'manifest.json'))) {
    mkdirSync(join(out, 'models', 'embedded'), { recursive: true });
    for (const file of ['manifest.json', 'weights.bin'])
      cpSync(join(embedded, file), join(out, 'models', 'embedded', file));
  } else {
    console.warn('build: models/embedded is missing — the built-in model will report model-unavailable.');
  }

  mkdirSync(join(out, 'icons'), { recursive: true });
  for (const size of [16, 32, 48, 128]) writeFileSync(join(out, 'icons', `${size}.png`), drawIcon(size));

  const patch = JSON.parse(readFileSync(join(root, 'scripts', 'browser', `${browser}.json`), 'utf8'));
  const manifest = merge(baseManifest, patch);
  manifest.version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));
  console.log(`built dist/${target}`);
}
