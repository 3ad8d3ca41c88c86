// `npm run finetune -- <clips dir> [--model embedded|syncnet-v2|syncnet-v4] [--weights <bundle dir>]
//     [--out <folder>] [--cache <feature cache>] [--steps N] [--seed N] [--lr X] [--margin M]`
//
// Fine-tunes the fully connected layers on the user's own clips (the feature cache of
// `npm run features`; every clip is taken as real and in sync unless a MANIFEST.tsv says
// otherwise) with SyncNet's contrastive loss, conv layers frozen — the VidTIMIT study's
// unfinished future work, with a differentiable distance and loss:
//   embedded:   the head (lip.fc1/fc2, audio.fc1/fc2) of models/embedded (or --weights),
//               from the cached landmarks and audio — runs entirely here.
//   syncnet-v2: fc1 + fc2 of both streams (netfclip / netfcaud), BatchNorm frozen;
//   syncnet-v4: fc6 + fc7 of both streams, BatchNorm frozen. Both need --weights (npm run
//               convert) and the lip pre-fc activations the browser engine caches as
//               `<clip>.<model>.pre-fc.{json,bin}` (`npm run features -- <dir> --model
//               <model> --weights <weights> --stage pre-fc`); the audio activations are
//               computed here.
// Writes a complete weights bundle (manifest.json + weights.bin) to --out; for the embedded
// model with its decision calibration refitted on speaker-held-out folds of the same clips.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { defaultCalibration, type DecisionCalibration } from '../src/core/decision/calibration';
import { EMBEDDED_DEFAULT_THRESHOLD } from '../src/core/models/embedded';
import type { WeightMap } from '../src/core/models/types';
import { detectorSpeech } from '../src/core/train/clip-evidence';
import { fitOrDefault } from './lib/eval-decision';
import { heldOutEvidence } from './lib/held-out';
import { decodeWeights, encodeWeights } from '../src/core/convert/weights-bundle';
import { clipGrid, tracksBySize } from '../src/core/train/clip-score';
import { trainEmbedded, type TrainingClip } from '../src/core/train/embedded-training';
import {
  finetuneSyncNetHead,
  syncNetActivationTables,
  type SyncNetFinetuneClip,
} from '../src/core/train/syncnet-head';
import type { TrainProgress } from '../src/core/train/trainer';
import { lipTracksFromCache, parseWindowCache, windowCacheName } from '../src/core/train/window-cache';
import {
  findManifest,
  isTrainingClip,
  loadTrainingClips,
  modelOption,
  parseArgs,
  readBundle,
  readManifest,
  resolveCache,
  seconds,
  setupTf,
  writeBundle,
} from './ml-common';

/**
 * The decision's calibration for the fine-tuned model, fitted held out: per fold, the base
 * weights fine-tuned the same way on the other folds' clips judge the fold's clips and their
 * audio variants (scripts/lib/held-out.ts). The default one, saying why, when the clips
 * cannot support a fit (too few speakers or judged variants).
 */
async function finetuneCalibration(
  clipsDir: string,
  cacheDir: string,
  manifest: ReturnType<typeof readManifest> | null,
  seed: number,
  steps: number,
  tune: (clips: TrainingClip[]) => WeightMap,
  scale: number,
): Promise<DecisionCalibration> {
  try {
    const held = await heldOutEvidence({
      modelName: 'embedded',
      folds: 5,
      seed,
      steps,
      cacheDir,
      manifest,
      minSeconds: 0,
      musicDir: join(dirname(clipsDir), 'music'),
      speechOf: detectorSpeech,
      trainer: { name: `finetune ${steps} steps`, train: tune },
    });
    held.models.dispose();
    return fitOrDefault(
      held.evidenced,
      scale,
      `fine-tuned model: ${held.evaluated.length} clips, 5 speaker-held-out folds (seed ${seed})`,
    );
  } catch (error) {
    return {
      ...defaultCalibration(scale),
      fittedOn: `default: ${error instanceof Error ? error.message : error}`,
    };
  }
}

const meanOf = (values: Float32Array): number =>
  values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

async function main(): Promise<void> {
  const { positional, options } = parseArgs(process.argv.slice(2));
  if (positional.length !== 1)
    throw new Error(
      'usage: npm run finetune -- <clips dir> [--model embedded|syncnet-v2|syncnet-v4] [--weights <bundle dir>] [--out <folder>] [--steps N]',
    );
  const clipsDir = resolve(positional[0]);
  const model = modelOption(options);
  const cacheDir = resolveCache(clipsDir, options.get('cache'));
  const outDir = resolve(options.get('out') ?? `out/finetune-${model}`);
  const seed = Number(options.get('seed') ?? 1);
  const weightsDir = options.get('weights') ?? (model === 'embedded' ? 'models/embedded' : undefined);
  if (!weightsDir)
    throw new Error(
      `--model ${model} needs --weights <folder with manifest.json + weights.bin> (npm run convert)`,
    );
  const bundle = readBundle(resolve(weightsDir));
  if (bundle.manifest.model !== model)
    throw new Error(`${weightsDir}: holds ${bundle.manifest.model} weights, not ${model}`);
  const weights = decodeWeights(bundle, weightsDir);
  const manifestPath = findManifest(clipsDir);
  const manifest = manifestPath ? readManifest(manifestPath) : null;
  const backend = await setupTf();
  const started = Date.now();
  const clips = loadTrainingClips(cacheDir, manifest, (_f, row) => isTrainingClip(row, true));
  if (clips.length === 0) throw new Error(`${cacheDir}: no clip with a face and audio to fine-tune on`);
  const progress = (p: TrainProgress) =>
    console.log(`  step ${p.step}/${p.steps}  loss ${p.meanLoss.toFixed(4)}  ${seconds(started)}`);
  console.log(`finetune: ${model} from ${weightsDir} on ${clips.length} clips (backend ${backend})`);

  let losses: Float32Array;
  let out = weights;
  let extra: Record<string, unknown> = {};
  if (model === 'embedded') {
    const steps = Number(options.get('steps') ?? 1500);
    const result = trainEmbedded(
      clips,
      {
        seed,
        steps,
        learningRate: Number(options.get('lr') ?? 5e-4),
        onProgress: progress,
        progressEvery: 250,
      },
      'head',
      weights,
    );
    losses = result.losses;
    out = result.weights;
    const decision = await finetuneCalibration(
      clipsDir,
      cacheDir,
      manifest,
      seed,
      steps,
      (train) =>
        trainEmbedded(
          train,
          { seed, steps, learningRate: Number(options.get('lr') ?? 5e-4) },
          'head',
          weights,
        ).weights,
      Number(bundle.json.threshold ?? EMBEDDED_DEFAULT_THRESHOLD),
    );
    extra = {
      threshold: bundle.json.threshold,
      decision,
      embedded: {
        ...(bundle.json.embedded as object),
        finetunedOn: clips.map((c) => c.id),
        finetuneSteps: steps,
      },
    };
  } else {
    const kind = model;
    const steps = Number(options.get('steps') ?? 1000);
    const ftClips: SyncNetFinetuneClip[] = [];
    for (const clip of clips) {
      const base = join(cacheDir, windowCacheName(clip.id, kind, 'pre-fc'));
      if (!existsSync(`${base}.json`)) {
        console.log(
          `  skip ${clip.id}: no ${base}.json (npm run features --model ${kind} --stage pre-fc writes it)`,
        );
        continue;
      }
      const segments = clipGrid(clip.features);
      const cache = parseWindowCache(
        JSON.parse(readFileSync(`${base}.json`, 'utf8')),
        new Uint8Array(readFileSync(`${base}.bin`)),
        base,
      );
      const main = tracksBySize(clip.features)[0]?.trackId;
      const lip = lipTracksFromCache(cache, segments, base).find((t) => t.trackId === main);
      if (!lip) continue;
      ftClips.push({
        id: clip.id,
        group: clip.group,
        segments,
        lip,
        audio: { startS: clip.features.audio!.startS, samples: clip.samples },
      });
    }
    if (ftClips.length === 0) {
      throw new Error(
        `${cacheDir}: no cached ${kind} pre-fc lip activations — ` +
          `write them with \`npm run features -- <clips dir> --model ${kind} --weights <weights> --stage pre-fc\``,
      );
    }
    const tables = syncNetActivationTables(kind, weights, ftClips);
    const margin = options.has('margin') ? Number(options.get('margin')) : undefined;
    const result = finetuneSyncNetHead(kind, weights, tables, {
      seed,
      steps,
      margin,
      learningRate: options.has('lr') ? Number(options.get('lr')) : undefined,
      onProgress: progress,
      progressEvery: 100,
    });
    losses = result.losses;
    out = result.weights;
    // The SyncNet heads are not re-fitted per fold here: the base weights' calibration (or
    // the default) is kept; `npm run eval --model ${kind} --weights <out>` measures how it holds.
    extra = {
      ...(bundle.json.decision ? { decision: bundle.json.decision } : {}),
      finetune: { margin: result.margin, clips: ftClips.map((c) => c.id), steps },
    };
  }
  const window = Math.min(100, Math.max(1, Math.floor(losses.length / 5)));
  const first = meanOf(losses.slice(0, window)).toFixed(4);
  const last = meanOf(losses.slice(-window)).toFixed(4);
  console.log(
    `finetune: loss ${first} (first ${window} steps) → ${last} (last ${window}) in ${seconds(started)}`,
  );
  writeBundle(outDir, encodeWeights(model, `${bundle.manifest.source} (fine-tuned)`, out), extra);
  console.log(`finetune: wrote ${outDir}/manifest.json and weights.bin`);
}

main().catch((error) => {
  console.error(`finetune: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
