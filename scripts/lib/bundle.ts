// Bundles a browser page's entry (tests, bench) (TypeScript) with esbuild into
// test/.generated/pages/<name>.{js,html} (and the engine's workers beside them), so engine
// code can be tested in real Chromium from a page served by test/helpers/server.ts.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const PAGES_DIR = resolve('test/.generated/pages');
/** The face tracker's landmarker worker for test pages (EngineAssets.landmarkerWorkerUrl), served from the repo root. */
export const LANDMARKER_WORKER_URL = '/test/.generated/pages/landmarker-worker.js';
const WORKERS = {
  'landmarker-worker': 'src/engine/face/landmarker-worker.ts',
  'model-worker': 'src/engine/model-worker.ts',
};

/** Returns the page's path relative to the repo root (serve it with serveStatic). */
export async function bundleTestPage(name: string, entry: string): Promise<string> {
  mkdirSync(PAGES_DIR, { recursive: true });
  await build({
    entryPoints: [resolve(entry)],
    outfile: join(PAGES_DIR, `${name}.js`),
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    alias: { '#platform': resolve('src/platform/chrome.ts') },
    define: { __BROWSER__: '"chrome"' },
    logLevel: 'warning',
  });
  // Classic scripts, as scripts/build.mjs makes them for the extension.
  await build({
    entryPoints: Object.fromEntries(Object.entries(WORKERS).map(([name, src]) => [name, resolve(src)])),
    outdir: PAGES_DIR,
    bundle: true,
    format: 'iife',
    target: 'chrome120',
    logLevel: 'warning',
  });
  writeFileSync(
    join(PAGES_DIR, `${name}.html`),
    `<!doctype html><meta charset="utf-8"><title>${name}</title><body><script type="module" src="${name}.js"></script></body>`,
  );
  return `test/.generated/pages/${name}.html`;
}
