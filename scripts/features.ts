// npm run features -- <dir> [--out <cache>] [--force]
//     [--model syncnet-v2|syncnet-v4 --weights <checkpoint or converted folder> [--stage embedding|pre-fc|both]]
// Runs the engine's face tracking on every video in <dir> (headless Chromium, one browser)
// and caches, per clip, <cache>/<file>.features.json (ClipFeatures: per-frame face boxes,
// lip landmarks, blendshapes, pose) and <cache>/<file>.pcm (mono 16 kHz int16 as the
// engine resamples it), so training and evaluation run in node without decoding video
// again. A clip whose cache is newer than the clip is skipped unless --force.
//
// With --model, the same run also writes the SyncNet window caches that `npm run eval
// --model …` (stage 'embedding', the default) and `npm run finetune --model …` (stage
// 'pre-fc') read: <file>.<model>.<stage>.{json,bin}, the model's lip stream on every face
// track's 5-frame windows of the feature cache's 25-fps grid (src/core/train/window-cache.ts,
// src/engine/window-cache-writer.ts). Node has no video decoder, so only the browser can
// crop the lips. features.json is rewritten with them, so both come from one run; a clip is
// skipped only when its window caches were made with the same weights.
//
// Exit status: 0 every clip cached, 1 some clips failed (each named), 2 nothing could run.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { convertCheckpoint } from '../src/core/convert';
import {
  checkWeightShapes,
  decodeWeights,
  encodeWeights,
  type WeightsBundle,
} from '../src/core/convert/weights-bundle';
import { syncNetV2WeightShapes } from '../src/core/models/syncnet-v2';
import { syncNetV4WeightShapes } from '../src/core/models/syncnet-v4';
import {
  windowCacheName,
  type WindowCacheManifest,
  type WindowCacheStage,
} from '../src/core/train/window-cache';
import type { PageProgress } from '../src/options/automation';
import { Checker, ensureCliExtension, videosIn } from './lib/checker';
import { parseArgs, readBundle, writeBundle } from './ml-common';

const USAGE =
  'usage: npm run features -- <dir> [--out <cache>] [--force] ' +
  '[--model syncnet-v2|syncnet-v4 --weights <checkpoint or converted folder> [--stage embedding|pre-fc|both]]';
type SyncNetKind = WindowCacheManifest['model'];

interface WindowOptions {
  model: SyncNetKind;
  stages: WindowCacheStage[];
  /** The converted bundle (a checkpoint is converted once, here). */
  bundle: WeightsBundle;
  /** What the manifests record: the weights' source and the sha256 of their data. */
  weights: { source: string; sha256: string };
}

function parse(argv: string[]) {
  const { positional, options } = parseArgs(argv, ['force']);
  for (const name of options.keys())
    if (!['out', 'force', 'model', 'weights', 'stage'].includes(name))
      throw new Error(`unknown option --${name}\n${USAGE}`);
  if (positional.length !== 1) throw new Error(USAGE);
  const dir = resolve(positional[0]);
  const model = options.get('model');
  const stage = options.get('stage') ?? 'embedding';
  if (model !== undefined && model !== 'syncnet-v2' && model !== 'syncnet-v4')
    throw new Error(
      `--model ${model}: window caches are for syncnet-v2 or syncnet-v4 (the embedded model reads features.json itself)`,
    );
  if (!['embedding', 'pre-fc', 'both'].includes(stage))
    throw new Error(`--stage ${stage}: expected embedding, pre-fc or both`);
  if (!model && (options.has('weights') || options.has('stage')))
    throw new Error(`--weights and --stage go with --model syncnet-v2|syncnet-v4\n${USAGE}`);
  if (model && !options.has('weights'))
    throw new Error(`--model ${model} needs --weights <checkpoint or folder from npm run convert>`);
  return {
    dir,
    out: resolve(options.get('out') ?? join('.cache', 'features', basename(dir))),
    force: options.has('force'),
    windows: model
      ? {
          model: model as SyncNetKind,
          stages: (stage === 'both' ? ['embedding', 'pre-fc'] : [stage]) as WindowCacheStage[],
          weightsPath: options.get('weights')!,
        }
      : null,
  };
}

/** An official checkpoint or a converted folder, checked to hold the lip stream of `model`; errors are one line naming the file. */
function loadWeights(path: string, model: SyncNetKind): WindowOptions['bundle'] {
  const full = resolve(path);
  if (!existsSync(full)) throw new Error(`${path}: no such checkpoint or converted weights folder`);
  let bundle: WeightsBundle;
  if (statSync(full).isDirectory()) {
    if (!existsSync(join(full, 'manifest.json')) || !existsSync(join(full, 'weights.bin')))
      throw new Error(
        `${path}: not a converted weights folder (needs manifest.json + weights.bin from npm run convert)`,
      );
    bundle = readBundle(full);
  } else {
    const converted = convertCheckpoint(new Uint8Array(readFileSync(full)), basename(full));
    bundle = encodeWeights(converted.model, basename(full), converted.weights);
  }
  if (bundle.manifest.model !== model)
    throw new Error(`${path}: holds ${bundle.manifest.model} weights, not ${model}`);
  const shapes = model === 'syncnet-v2' ? syncNetV2WeightShapes('lip') : syncNetV4WeightShapes('lip');
  checkWeightShapes(
    decodeWeights(bundle, path),
    shapes,
    path,
    model === 'syncnet-v2' ? 'SyncNet v2' : 'SyncNet v4',
  );
  return bundle;
}

/** The clip's caches exist, are newer than the clip and (window caches) were made with these weights. */
function upToDate(out: string, video: string, windows: WindowOptions | null): boolean {
  const name = basename(video);
  const fresh = (path: string) => existsSync(path) && statSync(path).mtimeMs > statSync(video).mtimeMs;
  if (!fresh(join(out, `${name}.features.json`))) return false;
  return (windows?.stages ?? []).every((stage) => {
    const base = join(out, windowCacheName(name, windows!.model, stage));
    if (!fresh(`${base}.json`) || !existsSync(`${base}.bin`)) return false;
    const manifest = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Partial<WindowCacheManifest>;
    return manifest.weights?.sha256 === windows!.weights.sha256;
  });
}

async function main() {
  const { dir, out, force, windows: windowArgs } = parse(process.argv.slice(2));
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
  const videos = videosIn(dir);
  if (videos.length === 0) throw new Error(`${dir}: no video files`);
  let windows: WindowOptions | null = null;
  let weightsDir: string | null = null;
  if (windowArgs) {
    const bundle = loadWeights(windowArgs.weightsPath, windowArgs.model);
    windows = {
      model: windowArgs.model,
      stages: windowArgs.stages,
      bundle,
      weights: {
        source: bundle.manifest.source,
        sha256: createHash('sha256').update(bundle.data).digest('hex'),
      },
    };
  }
  mkdirSync(out, { recursive: true });
  // One progress line on a terminal, rewritten in place; a log gets only the per-clip lines.
  let current = '';
  let shownAt = 0;
  const tty = process.stderr.isTTY;
  if (!ensureCliExtension((line) => process.stderr.write(`features: ${line}\n`))) process.exit(2);
  const checker = await Checker.open((p: PageProgress) => {
    if (!tty || p.phase !== 'frames' || Date.now() - shownAt < 500) return;
    shownAt = Date.now();
    process.stderr.write(`\r  ${current}: ${p.mediaTime.toFixed(1)} / ${p.duration.toFixed(1)} s\x1b[K`);
  });
  let failed = 0;
  try {
    if (windows) {
      // The page gets the converted bundle, so a checkpoint is converted once, not per clip.
      weightsDir = mkdtempSync(join(tmpdir(), 'lipsync-weights-'));
      writeBundle(weightsDir, windows.bundle);
    }
    for (const [i, video] of videos.entries()) {
      const name = basename(video);
      if (!force && upToDate(out, video, windows)) continue;
      const started = Date.now();
      current = name;
      const result = await checker.extractFeatures(
        video,
        undefined,
        windows ? { model: windows.model, stages: windows.stages, weights: weightsDir! } : undefined,
      );
      if (tty) process.stderr.write('\r\x1b[K');
      if (!result.ok) {
        failed++;
        process.stderr.write(`features: ${name}: ${result.error}\n`);
        continue;
      }
      if (result.pcm)
        writeFileSync(
          join(out, `${name}.pcm`),
          new Uint8Array(result.pcm.buffer, result.pcm.byteOffset, result.pcm.byteLength),
        );
      writeFileSync(join(out, `${name}.features.json`), JSON.stringify(result.features));
      for (const cache of result.windowCaches) {
        const base = join(out, windowCacheName(name, cache.manifest.model, cache.manifest.stage));
        writeFileSync(`${base}.bin`, cache.data);
        // The manifest last: it is what marks the cache complete.
        writeFileSync(`${base}.json`, JSON.stringify({ ...cache.manifest, weights: windows!.weights }));
      }
      const withFace = result.features.frames.filter((f) => f.faces.length > 0).length;
      const cached = result.windowCaches.map(
        (c) => `${c.manifest.stage} ${c.manifest.windows.length} windows × ${c.manifest.dim}`,
      );
      const tracks = new Set(result.windowCaches[0]?.manifest.windows.map((w) => w.trackId) ?? []).size;
      const audio = result.pcm ? (result.pcm.length / 16000).toFixed(1) + ' s' : 'none';
      process.stderr.write(
        `[${i + 1}/${videos.length}] ${name}: ${result.features.frames.length} frames, face in ${withFace}, ` +
          `audio ${audio}${result.transcoded ? ' (transcoded)' : ''}` +
          (windows
            ? `; ${windows.model} ${cached.join(', ')} (${tracks} face track${tracks === 1 ? '' : 's'})`
            : '') +
          ` — ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    }
  } finally {
    await checker.close();
    if (weightsDir) rmSync(weightsDir, { recursive: true, force: true });
  }
  process.stderr.write(`features: cache in ${out}${failed ? `, ${failed} clip(s) failed` : ''}\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((error: Error) => {
  process.stderr.write(`features: ${error.message}\n`);
  process.exit(2);
});
