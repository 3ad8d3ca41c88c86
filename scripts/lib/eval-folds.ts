// The models evaluation judges with, speakers held out: with the embedded model and no
// --weights, speakers are split into folds and each fold is scored by a model trained
// (`npm run train`'s recipe) on the other folds only; with --weights, one model scores
// everything. SyncNet v2 / v4 need the browser engine's cache of lip-window embeddings.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mfccSyncnetV2, mfccSyncnetV4, type FeatureMatrix } from '../../src/core/audio';
import { decodeWeights, encodeWeights } from '../../src/core/convert/weights-bundle';
import { defaultCalibration, type DecisionCalibration } from '../../src/core/decision/calibration';
import type { ClipFeatures } from '../../src/core/features';
import { createSyncModel } from '../../src/core/models';
import {
  createEmbeddedModel,
  EMBEDDED_DEFAULT_THRESHOLD,
  type EmbeddedSyncModel,
} from '../../src/core/models/embedded';
import type { SyncModel } from '../../src/core/models/types';
import {
  clipGrid,
  embeddedLipInputs,
  embedLipTrack,
  tracksBySize,
  type LipTrack,
} from '../../src/core/train/clip-score';
import {
  EMBEDDED_RECIPE,
  recipeRealign,
  trainEmbedded,
  type TrainingClip,
} from '../../src/core/train/embedded-training';
import type { WeightMap } from '../../src/core/models/types';
import type { GridSegment } from '../../src/core/sync/windows';
import { lipTracksFromCache, parseWindowCache, windowCacheName } from '../../src/core/train/window-cache';
import { readBundle, seconds, writeBundle, type LoadedClip, type ManifestRow } from '../ml-common';

export type ModelName = 'embedded' | 'syncnet-v2' | 'syncnet-v4';

/** The code a fold model depends on (part of the --keep-models key). */
const TRAINING_SOURCES = [
  'src/core/models/embedded.ts',
  'src/core/train/embedded-training.ts',
  'src/core/train/pairs.ts',
  'src/core/train/trainer.ts',
  'src/core/train/contrastive.ts',
  'src/core/train/vtlp-batches.ts',
  'src/core/audio/vtlp.ts',
];
/** Tracks with at least this fraction of the longest track's frames are candidate speakers. */
const CANDIDATE_TRACK_FRACTION = 0.2;

export interface EvalClip extends LoadedClip {
  file: string;
  row?: ManifestRow;
  speaker: string;
}

/** Scores one clip's faces with the model that may judge that clip. */
export interface ClipScorer {
  model: SyncModel;
  mfcc: (samples: Int16Array) => FeatureMatrix;
  /** The model's confidence scale (its manifest threshold). */
  scale: number;
  /**
   * Candidate speaker tracks as lip embeddings, on the clip's own 25-fps grid or on `grid`
   * (frames lost on the way: eval-lost-frames.ts; the embedded model only).
   */
  lipTracks(clip: { file: string; features: ClipFeatures }, grid?: LipGrid): Promise<LipTrack[]>;
}

/** A 25-fps grid other than the clip's own, and the windows on it whose lips are not embedded (frozen mouths). */
export interface LipGrid {
  segments: GridSegment[];
  frozen: (segment: number, gridStart: number) => boolean;
}

export function candidateTracks(features: ClipFeatures): number[] {
  const tracks = tracksBySize(features);
  if (tracks.length === 0) return [];
  return tracks.filter((t) => t.frames >= CANDIDATE_TRACK_FRACTION * tracks[0].frames).map((t) => t.trackId);
}

export function embeddedScorer(model: EmbeddedSyncModel, scale: number): ClipScorer {
  return {
    model,
    mfcc: mfccSyncnetV2,
    scale,
    async lipTracks(clip, grid) {
      const segments = grid?.segments ?? clipGrid(clip.features);
      const out: LipTrack[] = [];
      for (const id of candidateTracks(clip.features)) {
        const inputs = embeddedLipInputs(clip.features, segments, id, model.normaliserPrior);
        if (grid)
          inputs.windows = inputs.windows.map((rows, s) =>
            rows.map((r, g) => (grid.frozen(s, g) ? null : r)),
          );
        out.push(await embedLipTrack(model, inputs));
      }
      return out;
    },
  };
}

function syncNetScorer(
  kind: 'syncnet-v2' | 'syncnet-v4',
  model: SyncModel,
  cacheDir: string,
  scale: number,
): ClipScorer {
  return {
    model,
    mfcc: kind === 'syncnet-v2' ? mfccSyncnetV2 : mfccSyncnetV4,
    scale,
    async lipTracks(clip, grid) {
      if (grid) throw new Error(`${kind}: lost frames are simulated for the embedded model only`);
      const base = join(cacheDir, windowCacheName(clip.file, kind, 'embedding'));
      if (!existsSync(`${base}.json`)) {
        throw new Error(
          `${base}.json: no cached ${kind} lip embeddings — write them with \`npm run features -- <clips dir> --model ${kind} --weights <weights>\``,
        );
      }
      const cache = parseWindowCache(
        JSON.parse(readFileSync(`${base}.json`, 'utf8')),
        new Uint8Array(readFileSync(`${base}.bin`)),
        base,
      );
      const wanted = new Set(candidateTracks(clip.features));
      return lipTracksFromCache(cache, clipGrid(clip.features), base).filter((t) => wanted.has(t.trackId));
    },
  };
}

export interface FoldModels {
  /** One scorer per fold (the same one everywhere with --weights). */
  scorers: ClipScorer[];
  /** The calibration shipped with --weights (null for fold models: evaluation fits its own). */
  shippedCalibration: DecisionCalibration | null;
  setup: string;
  dispose(): void;
}

/** How a fold model is made from the other folds' clips (default: `npm run train`'s recipe from scratch). */
export interface FoldTrainer {
  /** Part of the --keep-models key: what the trainer starts from and how. */
  name: string;
  train(clips: TrainingClip[]): WeightMap;
}

export interface FoldOptions {
  modelName: ModelName;
  trainer?: FoldTrainer;
  weightsDir?: string;
  folds: number;
  seed: number;
  steps: number;
  /** VTLP spread for the fold models' training audio (EmbeddedTrainOptions.vtlp); the recipe's by default. */
  vtlp?: number;
  keepModels?: string;
  cacheDir: string;
  foldOf: Map<string, number>;
  /** Clips a fold model may train on (isTrainingClip): the real ones and the generated in-sync ones. */
  training: EvalClip[];
  evaluated: EvalClip[];
}

/** Trains (or reuses from --keep-models) one embedded model per fold, on the other folds' training clips. */
async function trainFoldModels(o: FoldOptions): Promise<FoldModels> {
  const scorers: ClipScorer[] = [];
  const models: EmbeddedSyncModel[] = [];
  const vtlp = o.vtlp ?? EMBEDDED_RECIPE.vtlp;
  for (let f = 0; f < o.folds; f++) {
    // A generated clip of a held-out speaker (a lip-sync of their face) stays out too.
    const train = o.training.filter((c) => o.foldOf.get(c.speaker) !== f && c.samples.length > 0);
    const t0 = Date.now();
    const key = createHash('sha256')
      .update(
        JSON.stringify({
          steps: o.steps,
          seed: o.seed,
          folds: o.folds,
          f,
          recipe: { ...EMBEDDED_RECIPE, vtlp },
          train: train.map((c) => c.file),
          ...(o.trainer ? { trainer: o.trainer.name } : {}),
        }),
      )
      // The decision threshold does not change training: leave its line out of the key.
      .update(
        TRAINING_SOURCES.map((path) =>
          readFileSync(path, 'utf8').replace(/^.*EMBEDDED_DEFAULT_THRESHOLD = .*$/m, ''),
        ).join('\0'),
      )
      .digest('hex')
      .slice(0, 16);
    const kept = o.keepModels ? join(resolve(o.keepModels), key) : null;
    let weights;
    if (kept && existsSync(join(kept, 'manifest.json'))) {
      weights = decodeWeights(readBundle(kept), kept);
      console.log(`eval: fold ${f + 1}/${o.folds}: reusing ${kept}`);
    } else {
      const clips = train.map((c) => ({
        id: c.file,
        group: c.speaker,
        features: c.features,
        samples: c.samples,
      }));
      weights = o.trainer
        ? o.trainer.train(clips)
        : trainEmbedded(clips, { seed: o.seed, steps: o.steps, realign: recipeRealign(o.steps), vtlp })
            .weights;
      if (kept) writeBundle(kept, encodeWeights('embedded', `fold ${f + 1}`, weights));
      console.log(
        `eval: fold ${f + 1}/${o.folds}: trained on ${train.length} clips (${new Set(train.map((c) => c.speaker)).size} speakers) in ${seconds(t0)}`,
      );
    }
    const model = createEmbeddedModel(weights, 'both', `fold ${f + 1}`);
    models.push(model);
    scorers.push(embeddedScorer(model, EMBEDDED_DEFAULT_THRESHOLD));
  }
  return {
    scorers,
    shippedCalibration: null,
    setup:
      `embedded model, ${o.folds} speaker-disjoint folds (seed ${o.seed}); ` +
      `each fold scored by a model trained with \`npm run train\`'s recipe (${o.steps} steps${vtlp !== EMBEDDED_RECIPE.vtlp ? `, VTLP ±${vtlp}` : ''}) ` +
      "on the other folds' speakers' in-sync clips (real, and generated talking heads and lip-syncs) whose label confidence is not low",
    dispose: () => models.forEach((m) => m.dispose()),
  };
}

/** The model(s) that judge each fold. */
export async function foldModels(o: FoldOptions): Promise<FoldModels> {
  if (o.modelName === 'embedded' && !o.weightsDir) return trainFoldModels(o);
  if (!o.weightsDir)
    throw new Error(
      `--model ${o.modelName} needs --weights <folder with manifest.json + weights.bin> (npm run convert)`,
    );
  const bundle = readBundle(resolve(o.weightsDir));
  if (bundle.manifest.model !== o.modelName)
    throw new Error(`${o.weightsDir}: holds ${bundle.manifest.model} weights, not ${o.modelName}`);
  const weights = decodeWeights(bundle, o.weightsDir);
  const stored = bundle.json.decision as DecisionCalibration | undefined;
  let scorer: ClipScorer;
  let setup: string;
  let model: SyncModel;
  if (o.modelName === 'embedded') {
    const embedded = createEmbeddedModel(weights, 'both', o.weightsDir);
    model = embedded;
    scorer = embeddedScorer(
      embedded,
      (bundle.json.threshold as number | undefined) ?? EMBEDDED_DEFAULT_THRESHOLD,
    );
    const seen = new Set(
      (bundle.json.embedded as { trainingSpeakers?: string[] } | undefined)?.trainingSpeakers ?? [],
    );
    const overlap = o.evaluated.filter((c) => seen.has(c.speaker)).length;
    setup =
      `embedded model from ${o.weightsDir}` +
      (overlap
        ? ` — WARNING: ${overlap} evaluated clips are of speakers it was trained on; these figures are not speaker-held-out`
        : ' (none of the evaluated speakers is among its training speakers)');
  } else {
    model = createSyncModel(o.modelName, weights, 'audio', o.weightsDir);
    scorer = syncNetScorer(
      o.modelName,
      model,
      o.cacheDir,
      (bundle.json.threshold as number | undefined) ?? 3.5,
    );
    setup = `${o.modelName} from ${o.weightsDir} with lip embeddings cached by the browser engine`;
  }
  return {
    scorers: new Array(o.folds).fill(scorer),
    shippedCalibration: stored ?? defaultCalibration(scorer.scale),
    setup,
    dispose: () => model.dispose(),
  };
}
