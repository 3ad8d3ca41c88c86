// `npm run eval -- <clips dir> [--model embedded|syncnet-v2|syncnet-v4] [--out <folder>]
//     [--cache <feature cache>] [--weights <bundle dir>] [--folds 5] [--seed 1]
//     [--min-seconds 0] [--steps N] [--threshold T] [--keep-models <dir>]`
//
// The VidTIMIT study's protocol on any folder of real clips (the feature cache of
// `npm run features`): every real clip is scored with its own audio, against 3 fakes made
// by swapping in the audio of clips of other speakers (seeded), and with its own audio
// shifted by ±1…±12 frames. Leading and trailing silence is trimmed first (fakes that start
// with silence would leak their label), and a donor's speech is repeated to cover the real
// clip's speech. Reports ROC-AUC of real vs swapped, precision /
// recall / F1 over a threshold sweep and the chosen threshold, offset accuracy (relative to
// the clip's own offset on its untouched audio, and absolute), the cannot-judge rate, and
// writes report.md, results.json, confidence-histogram.svg and roc.svg.
//
// Speakers are held out: with --model embedded and no --weights, speakers are split into
// folds and each fold is scored by a model trained (same recipe as `npm run train`) on the
// other folds only. With --weights, that one model scores everything (say so if it saw
// the speakers). SyncNet v2 / v4 need the browser engine's cache of lip-window embeddings
// (`<clip>.<model>.embedding.{json,bin}`, written by `npm run features -- <dir> --model
// <model> --weights <weights>`, see src/core/train/window-cache.ts) and the converted
// weights (`npm run convert`); their audio side runs here.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mfccSyncnetV2, mfccSyncnetV4, type FeatureMatrix } from '../src/core/audio';
import { decodeWeights, encodeWeights } from '../src/core/convert/weights-bundle';
import type { ClipFeatures } from '../src/core/features';
import { createSyncModel } from '../src/core/models';
import { createEmbeddedModel, EMBEDDED_DEFAULT_THRESHOLD, type EmbeddedSyncModel } from '../src/core/models/embedded';
import type { SyncModel } from '../src/core/models/types';
import { DEFAULT_POLICY } from '../src/core/verdict';
import type { CannotJudgeReason } from '../src/core/state';
import { clipGrid, embeddedLipInputs, embedLipTrack, scoreAudioVariant, shiftAudio, tracksBySize, type LipTrack, type VariantScore } from '../src/core/train/clip-score';
import { EMBEDDED_RECIPE, recipeRealign, trainEmbedded } from '../src/core/train/embedded-training';
import { cropAudio, speechSpan } from '../src/core/train/evidence';
import { speakerFolds } from '../src/core/train/folds';
import { chooseThreshold, confusionAt, rocAuc, rocCurve, thresholdSweep } from '../src/core/train/metrics';
import { histogramSvg, rocSvg } from '../src/core/train/plots';
import { Rng } from '../src/core/train/rng';
import { lipTracksFromCache, parseWindowCache, windowCacheName } from '../src/core/train/window-cache';
import {
  cachedClips,
  findManifest,
  isTrainingClip,
  loadClip,
  modelOption,
  parseArgs,
  readBundle,
  readManifest,
  resolveCache,
  seconds,
  setupTf,
  writeBundle,
  type LoadedClip,
  type ManifestRow,
} from './ml-common';

/** The code a fold model depends on (part of the --keep-models key). */
const TRAINING_SOURCES = ['src/core/models/embedded.ts', 'src/core/train/embedded-training.ts', 'src/core/train/pairs.ts', 'src/core/train/trainer.ts', 'src/core/train/contrastive.ts'];

type ModelName = 'embedded' | 'syncnet-v2' | 'syncnet-v4';
const SHIFTS = [-12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const SWAPS_PER_CLIP = 3;
/** Tracks with at least this fraction of the longest track's frames are candidate speakers. */
const CANDIDATE_TRACK_FRACTION = 0.5;
/**
 * The study picked its threshold by precision; we take the best F1 at precision(fake) ≥ this.
 * 0.95 rather than 0.9: with 3 swaps per real clip, fakes are three quarters of the judged
 * set, so precision 0.9 still lets about one real clip in five be called fake — the error
 * that costs a user most (calling genuine video tampered).
 */
const MIN_PRECISION = 0.95;

type Verdict = 'real' | 'fake' | 'cannot-judge';

/** One row of results.json's perClip (exactly the published fields). */
interface PerClip {
  file: string;
  kind: 'real' | 'swap' | 'shift';
  shiftFrames?: number;
  confidence: number | null;
  offsetFrames: number | null;
  verdict: Verdict;
}

/** What the report needs beyond PerClip. */
interface Scored extends PerClip {
  speaker: string;
  fold: number;
  reason?: CannotJudgeReason;
  swapFrom?: string;
  evidenceWindows: number;
}

interface EvalClip extends LoadedClip {
  file: string;
  row?: ManifestRow;
  speaker: string;
}

/** Scores one clip's faces against audio variants with the model that may judge that clip. */
interface ClipScorer {
  model: SyncModel;
  mfcc: (samples: Int16Array) => FeatureMatrix;
  /** Candidate speaker tracks as lip embeddings. */
  lipTracks(clip: EvalClip): Promise<LipTrack[]>;
}

function candidateTracks(features: ClipFeatures): number[] {
  const tracks = tracksBySize(features);
  if (tracks.length === 0) return [];
  return tracks.filter((t) => t.frames >= CANDIDATE_TRACK_FRACTION * tracks[0].frames).map((t) => t.trackId);
}

function embeddedScorer(model: EmbeddedSyncModel): ClipScorer {
  return {
    model,
    mfcc: mfccSyncnetV2,
    async lipTracks(clip) {
      const segments = clipGrid(clip.features);
      const out: LipTrack[] = [];
      for (const id of candidateTracks(clip.features)) out.push(await embedLipTrack(model, embeddedLipInputs(clip.features, segments, id, model.normaliserPrior)));
      return out;
    },
  };
}

function syncNetScorer(kind: 'syncnet-v2' | 'syncnet-v4', model: SyncModel, cacheDir: string): ClipScorer {
  return {
    model,
    mfcc: kind === 'syncnet-v2' ? mfccSyncnetV2 : mfccSyncnetV4,
    async lipTracks(clip) {
      const base = join(cacheDir, windowCacheName(clip.file, kind, 'embedding'));
      if (!existsSync(`${base}.json`)) {
        throw new Error(`${base}.json: no cached ${kind} lip embeddings — write them with \`npm run features -- <clips dir> --model ${kind} --weights <weights>\``);
      }
      const cache = parseWindowCache(JSON.parse(readFileSync(`${base}.json`, 'utf8')), new Uint8Array(readFileSync(`${base}.bin`)), base);
      const wanted = new Set(candidateTracks(clip.features));
      return lipTracksFromCache(cache, clipGrid(clip.features), base).filter((t) => wanted.has(t.trackId));
    },
  };
}

/** Best-scoring candidate face for one audio variant (the engine's chooseSpeaker rule). */
async function scoreBest(scorer: ClipScorer, clip: EvalClip, tracks: LipTrack[], audio: { startS: number; samples: Int16Array } | null, range: { fromS: number; toS: number }): Promise<VariantScore> {
  const segments = clipGrid(clip.features);
  let best: VariantScore | null = null;
  let firstFailure: VariantScore | null = null;
  for (const track of tracks) {
    const score = await scoreAudioVariant(scorer.model, segments, track, audio, range, { mfcc: scorer.mfcc });
    if (score.result) {
      if (!best || score.result.confidence > best.result!.confidence) best = score;
    } else firstFailure ??= score;
  }
  return best ?? firstFailure ?? { result: null, reason: 'no-face', windows: 0, evidenceWindows: 0 };
}

function verdictOf(score: VariantScore, threshold: number): Verdict {
  if (!score.result) return 'cannot-judge';
  // The engine's rule (src/core/verdict.ts): lips and audio match, at a small offset.
  return score.result.confidence >= threshold && Math.abs(score.result.offsetFrames) <= DEFAULT_POLICY.maxInSyncOffsetFrames ? 'real' : 'fake';
}

function videoSpan(features: ClipFeatures): { fromS: number; toS: number } {
  const first = features.frames[0]?.t ?? 0;
  const last = features.frames.at(-1)?.t ?? 0;
  return { fromS: first, toS: last + 1 / (features.fps || 25) };
}

/** The clip's speech span inside its video, or null when nothing is heard. */
function scoringRange(clip: EvalClip): { fromS: number; toS: number } | null {
  if (!clip.features.audio || clip.samples.length === 0) return null;
  const speech = speechSpan(clip.samples, clip.features.audio.startS);
  if (!speech) return null;
  const video = videoSpan(clip.features);
  const fromS = Math.max(speech.startS, video.fromS);
  const toS = Math.min(speech.endS, video.toS);
  return toS > fromS ? { fromS, toS } : null;
}

/**
 * A donor's speech placed where the target's speech starts and repeated until it covers
 * the target's range, so a swapped clip offers as many windows as the real one (a shorter
 * fake would otherwise be judged on less evidence, or not at all).
 */
function donorAudio(donor: EvalClip, range: { fromS: number; toS: number }): { startS: number; samples: Int16Array } | null {
  if (!donor.features.audio) return null;
  const span = speechSpan(donor.samples, donor.features.audio.startS);
  if (!span) return null;
  const speech = cropAudio(donor.samples, donor.features.audio.startS, span.startS, span.endS).samples;
  if (speech.length === 0) return null;
  const needed = Math.ceil((range.toS - range.fromS) * 16000);
  const out = new Int16Array(Math.max(needed, speech.length));
  for (let at = 0; at < out.length; at += speech.length) out.set(speech.subarray(0, Math.min(speech.length, out.length - at)), at);
  return { startS: range.fromS, samples: out };
}

async function evaluateClip(
  clip: EvalClip,
  fold: number,
  scorer: ClipScorer,
  donors: EvalClip[],
  threshold: number,
  seed: number,
): Promise<Scored[]> {
  const tracks = await scorer.lipTracks(clip);
  const range = scoringRange(clip);
  const own = clip.features.audio ? { startS: clip.features.audio.startS, samples: clip.samples } : null;
  const entry = (kind: PerClip['kind'], score: VariantScore, extra: Partial<Scored> = {}): Scored => ({
    file: clip.file,
    kind,
    ...(extra.shiftFrames !== undefined ? { shiftFrames: extra.shiftFrames } : {}),
    confidence: score.result ? score.result.confidence : null,
    offsetFrames: score.result ? score.result.offsetFrames : null,
    verdict: verdictOf(score, threshold),
    speaker: clip.speaker,
    fold,
    ...(score.reason ? { reason: score.reason } : {}),
    ...(extra.swapFrom ? { swapFrom: extra.swapFrom } : {}),
    evidenceWindows: score.evidenceWindows,
  });
  const silent: VariantScore = { result: null, reason: own ? 'silent' : 'no-audio', windows: 0, evidenceWindows: 0 };
  const score = (audio: typeof own) => (range ? scoreBest(scorer, clip, tracks, audio, range) : Promise.resolve(silent));

  const out: Scored[] = [entry('real', await score(own))];
  // Swap donors: other speakers, seeded per clip so adding a clip does not change the others.
  const rng = new Rng(seed).fork(`swap:${clip.file}`);
  const chosen = rng.shuffle(donors.filter((d) => d.speaker !== clip.speaker)).slice(0, SWAPS_PER_CLIP);
  for (const donor of chosen) {
    const audio = range ? donorAudio(donor, range) : null;
    out.push(entry('swap', audio ? await score(audio) : silent, { swapFrom: donor.file }));
  }
  for (const k of SHIFTS) out.push(entry('shift', own ? await score(shiftAudio(own, k)) : silent, { shiftFrames: k }));
  return out;
}

interface Metrics {
  auc: number | null;
  chosen: ReturnType<typeof confusionAt> | null;
  rule: string;
  atDefault: ReturnType<typeof confusionAt> | null;
  sweep: ReturnType<typeof thresholdSweep>;
  offset: { cases: number; relExact: number; relWithin1: number; absExact: number; absWithin1: number };
  offsetByShift: Map<number, { n: number; relWithin1: number }>;
  cannotJudgeRate: number;
}

function computeMetrics(entries: Scored[], defaultThreshold: number): Metrics {
  const real = entries.filter((e) => e.kind === 'real' && e.confidence !== null).map((e) => e.confidence!);
  const swap = entries.filter((e) => e.kind === 'swap' && e.confidence !== null).map((e) => e.confidence!);
  const haveBoth = real.length > 0 && swap.length > 0;
  const sweep = haveBoth ? thresholdSweep(real, swap) : [];
  const choice = haveBoth ? chooseThreshold(sweep, MIN_PRECISION) : null;
  const ownOffset = new Map(entries.filter((e) => e.kind === 'real' && e.offsetFrames !== null).map((e) => [e.file, e.offsetFrames!]));
  const offset = { cases: 0, relExact: 0, relWithin1: 0, absExact: 0, absWithin1: 0 };
  const offsetByShift = new Map<number, { n: number; relWithin1: number }>();
  for (const e of entries) {
    if (e.kind !== 'shift' || e.offsetFrames === null || !ownOffset.has(e.file)) continue;
    const expected = ownOffset.get(e.file)! + e.shiftFrames!;
    offset.cases++;
    const relWithin1 = Math.abs(e.offsetFrames - expected) <= 1;
    if (e.offsetFrames === expected) offset.relExact++;
    if (relWithin1) offset.relWithin1++;
    if (e.offsetFrames === e.shiftFrames) offset.absExact++;
    if (Math.abs(e.offsetFrames - e.shiftFrames!) <= 1) offset.absWithin1++;
    const m = Math.abs(e.shiftFrames!);
    const row = offsetByShift.get(m) ?? { n: 0, relWithin1: 0 };
    row.n++;
    if (relWithin1) row.relWithin1++;
    offsetByShift.set(m, row);
  }
  return {
    auc: haveBoth ? rocAuc(real, swap) : null,
    chosen: choice?.row ?? null,
    rule: choice?.rule ?? 'no threshold (needs judged real and swapped clips)',
    atDefault: haveBoth ? confusionAt(real, swap, defaultThreshold) : null,
    sweep,
    offset,
    offsetByShift,
    cannotJudgeRate: entries.length ? entries.filter((e) => e.verdict === 'cannot-judge').length / entries.length : 0,
  };
}

const pct = (n: number, d: number): string => (d ? `${((100 * n) / d).toFixed(1)} %` : 'n/a');
const num = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '—' : v.toFixed(digits));

async function main(): Promise<void> {
  const { positional, options } = parseArgs(process.argv.slice(2));
  if (positional.length !== 1) throw new Error('usage: npm run eval -- <clips dir> [--model embedded|syncnet-v2|syncnet-v4] [--out <folder>] [--cache <dir>] [--weights <bundle dir>] [--folds N] [--seed N] [--min-seconds S] [--steps N] [--threshold T]');
  const clipsDir = resolve(positional[0]);
  const modelName: ModelName = modelOption(options);
  const cacheDir = resolveCache(clipsDir, options.get('cache'));
  const outDir = resolve(options.get('out') ?? `out/eval-${modelName}`);
  const seed = Number(options.get('seed') ?? 1);
  const folds = Number(options.get('folds') ?? 5);
  const minSeconds = Number(options.get('min-seconds') ?? 0);
  const steps = Number(options.get('steps') ?? EMBEDDED_RECIPE.steps);
  const weightsDir = options.get('weights');
  const manifestPath = findManifest(clipsDir);
  const manifest = manifestPath ? readManifest(manifestPath) : null;
  const backend = await setupTf();
  const started = Date.now();

  const all: EvalClip[] = cachedClips(cacheDir).map((file) => {
    const loaded = loadClip(cacheDir, file);
    const row = manifest?.get(file);
    return { file, row, speaker: row?.speaker ?? file, ...loaded };
  });
  const isReal = (c: EvalClip) => !c.row || c.row.status === 'real-in-sync';
  const reals = all.filter(isReal);
  const evaluated = reals.filter((c) => c.features.durationS >= minSeconds);
  const generated = all.filter((c) => c.row?.status.startsWith('generated-'));
  if (evaluated.length === 0) throw new Error(`${cacheDir}: no real clip of at least ${minSeconds} s to evaluate`);

  // Folds over the speakers of every real clip (independent of --min-seconds).
  const foldOf = speakerFolds(reals.map((c) => ({ speaker: c.speaker, seconds: c.features.durationS })), folds, seed);
  let scorers: ClipScorer[];
  let threshold: number;
  let setup: string;
  const disposers: (() => void)[] = [];
  if (modelName === 'embedded' && !weightsDir) {
    threshold = Number(options.get('threshold') ?? EMBEDDED_DEFAULT_THRESHOLD);
    scorers = [];
    const keep = options.get('keep-models');
    for (let f = 0; f < folds; f++) {
      const train = reals.filter((c) => foldOf.get(c.speaker) !== f && isTrainingClip(c.row) && c.samples.length > 0);
      const t0 = Date.now();
      // --keep-models <dir>: reuse fold models trained by the same code, recipe and clips (for iterating on scoring).
      const key = createHash('sha256')
        .update(JSON.stringify({ steps, seed, folds, f, recipe: EMBEDDED_RECIPE, train: train.map((c) => c.file) }))
        // The decision threshold does not change training: leave its line out of the key.
        .update(TRAINING_SOURCES.map((path) => readFileSync(path, 'utf8').replace(/^.*EMBEDDED_DEFAULT_THRESHOLD = .*$/m, '')).join('\0'))
        .digest('hex')
        .slice(0, 16);
      const kept = keep ? join(resolve(keep), key) : null;
      let weights;
      if (kept && existsSync(join(kept, 'manifest.json'))) {
        weights = decodeWeights(readBundle(kept), kept);
        console.log(`eval: fold ${f + 1}/${folds}: reusing ${kept}`);
      } else {
        const result = trainEmbedded(
          train.map((c) => ({ id: c.file, group: c.speaker, features: c.features, samples: c.samples })),
          { seed, steps, realign: recipeRealign(steps) },
        );
        weights = result.weights;
        if (kept) writeBundle(kept, encodeWeights('embedded', `fold ${f + 1}`, weights));
        console.log(`eval: fold ${f + 1}/${folds}: trained on ${train.length} clips (${new Set(train.map((c) => c.speaker)).size} speakers) in ${seconds(t0)}, final loss ${(result.losses.slice(-100).reduce((a, b) => a + b, 0) / Math.min(100, result.losses.length)).toFixed(4)}`);
      }
      const model = createEmbeddedModel(weights, 'both', `fold ${f + 1}`);
      disposers.push(() => model.dispose());
      scorers.push(embeddedScorer(model));
    }
    setup = `embedded model, ${folds} speaker-disjoint folds (seed ${seed}); each fold scored by a model trained with \`npm run train\`'s recipe (${steps} steps) on the other folds' real in-sync clips whose label confidence is not low`;
  } else {
    if (!weightsDir) throw new Error(`--model ${modelName} needs --weights <folder with manifest.json + weights.bin> (npm run convert)`);
    const bundle = readBundle(resolve(weightsDir));
    if (bundle.manifest.model !== modelName) throw new Error(`${weightsDir}: holds ${bundle.manifest.model} weights, not ${modelName}`);
    const weights = decodeWeights(bundle, weightsDir);
    let scorer: ClipScorer;
    if (modelName === 'embedded') {
      const model = createEmbeddedModel(weights, 'both', weightsDir);
      disposers.push(() => model.dispose());
      scorer = embeddedScorer(model);
      threshold = Number(options.get('threshold') ?? (bundle.json.threshold as number | undefined) ?? EMBEDDED_DEFAULT_THRESHOLD);
      const seen = new Set(((bundle.json.embedded as { trainingSpeakers?: string[] } | undefined)?.trainingSpeakers) ?? []);
      const overlap = evaluated.filter((c) => seen.has(c.speaker)).length;
      setup = `embedded model from ${weightsDir}` + (overlap ? ` — WARNING: ${overlap} evaluated clips are of speakers it was trained on; these figures are not speaker-held-out` : ' (none of the evaluated speakers is among its training speakers)');
    } else {
      const model = createSyncModel(modelName, weights, 'audio', weightsDir);
      disposers.push(() => model.dispose());
      scorer = syncNetScorer(modelName, model, cacheDir);
      threshold = Number(options.get('threshold') ?? 3.5);
      setup = `${modelName} from ${weightsDir} with lip embeddings cached by the browser engine`;
    }
    scorers = new Array(folds).fill(scorer);
  }

  const entries: Scored[] = [];
  for (const [i, clip] of evaluated.entries()) {
    const fold = foldOf.get(clip.speaker) ?? 0;
    // Swap audio from held-out clips of the same fold when there are enough, so no model
    // has heard the swapped-in voice either.
    const sameFold = reals.filter((d) => (foldOf.get(d.speaker) ?? 0) === fold && d.speaker !== clip.speaker);
    const donors = sameFold.length >= SWAPS_PER_CLIP ? sameFold : reals.filter((d) => d.speaker !== clip.speaker);
    const scored = await evaluateClip(clip, fold, scorers[fold], donors, threshold, seed);
    entries.push(...scored);
    const real = scored[0];
    console.log(`eval: ${i + 1}/${evaluated.length} ${clip.file}: ${real.verdict} conf ${num(real.confidence)} offset ${real.offsetFrames ?? '—'}${real.reason ? ` (${real.reason})` : ''}  ${seconds(started)}`);
  }

  // Generated clips with their own audio (not part of the metrics: what a sync check cannot catch).
  const generatedRows: { clip: EvalClip; fold: number; score: VariantScore }[] = [];
  for (const clip of generated) {
    const fold = foldOf.get(clip.speaker) ?? 0;
    const range = scoringRange(clip);
    const scorer = scorers[fold];
    const tracks = await scorer.lipTracks(clip);
    const own = clip.features.audio ? { startS: clip.features.audio.startS, samples: clip.samples } : null;
    const score = range ? await scoreBest(scorer, clip, tracks, own, range) : { result: null, reason: 'silent' as CannotJudgeReason, windows: 0, evidenceWindows: 0 };
    generatedRows.push({ clip, fold, score });
  }

  // Cannot-judge checks: each evaluated clip with digital silence, and with its faces removed.
  let silentJudged = 0;
  let facelessJudged = 0;
  for (const clip of evaluated) {
    const fold = foldOf.get(clip.speaker) ?? 0;
    const video = videoSpan(clip.features);
    const tracks = await scorers[fold].lipTracks(clip);
    const silence = { startS: video.fromS, samples: new Int16Array(Math.round((video.toS - video.fromS) * 16000)) };
    if ((await scoreBest(scorers[fold], clip, tracks, silence, video)).result) silentJudged++;
    const own = clip.features.audio ? { startS: clip.features.audio.startS, samples: clip.samples } : null;
    const faceless: EvalClip = { ...clip, features: { ...clip.features, frames: clip.features.frames.map((f) => ({ ...f, faces: [] })) } };
    if ((await scoreBest(scorers[fold], faceless, await scorers[fold].lipTracks(faceless), own, video)).result) facelessJudged++;
  }
  disposers.forEach((d) => d());

  const metrics = computeMetrics(entries, threshold);
  const chosenThreshold = metrics.chosen?.threshold ?? threshold;
  mkdirSync(outDir, { recursive: true });
  const perClip: PerClip[] = entries.map((e) => ({
    file: e.file,
    kind: e.kind,
    ...(e.shiftFrames !== undefined ? { shiftFrames: e.shiftFrames } : {}),
    confidence: e.confidence,
    offsetFrames: e.offsetFrames,
    verdict: e.verdict,
  }));
  const results = {
    model: modelName,
    clips: evaluated.length,
    auc: metrics.auc,
    threshold: chosenThreshold,
    precision: metrics.chosen?.precision ?? null,
    recall: metrics.chosen?.recall ?? null,
    f1: metrics.chosen?.f1 ?? null,
    offsetExact: metrics.offset.cases ? metrics.offset.relExact / metrics.offset.cases : null,
    offsetWithin1: metrics.offset.cases ? metrics.offset.relWithin1 / metrics.offset.cases : null,
    cannotJudgeRate: metrics.cannotJudgeRate,
    perClip,
  };
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');

  const realConf = entries.filter((e) => e.kind === 'real' && e.confidence !== null).map((e) => e.confidence!);
  const swapConf = entries.filter((e) => e.kind === 'swap' && e.confidence !== null).map((e) => e.confidence!);
  writeFileSync(
    join(outDir, 'confidence-histogram.svg'),
    histogramSvg(`${modelName}: confidence, real vs audio-swapped (speakers held out)`, [
      { label: 'real (own audio)', values: realConf, colour: '#2ca02c' },
      { label: 'fake (audio swapped)', values: swapConf, colour: '#d62728' },
    ], { threshold: chosenThreshold }),
  );
  if (metrics.auc !== null) writeFileSync(join(outDir, 'roc.svg'), rocSvg(`${modelName}: ROC, real vs audio-swapped`, rocCurve(realConf, swapConf), metrics.auc));

  // ------------------------------------------------------------ report.md
  const byKind = (kind: string) => entries.filter((e) => e.kind === kind);
  const judged = (list: Scored[]) => list.filter((e) => e.verdict !== 'cannot-judge');
  const lines: string[] = [];
  lines.push(`# Evaluation: ${modelName}`, '');
  lines.push(`Command: \`npm run eval -- ${process.argv.slice(2).join(' ')}\` (backend ${backend}, ${seconds(started)}).`, '');
  lines.push(`Setup: ${setup}.`, '');
  lines.push(`Protocol: ${evaluated.length} real clips${minSeconds > 0 ? ` of at least ${minSeconds} s` : ''} from ${new Set(evaluated.map((c) => c.speaker)).size} speakers (feature cache ${cacheDir}); each with its own audio, ${SWAPS_PER_CLIP} audio swaps from other speakers (seed ${seed}) and shifts of ±1…±12 frames. Leading/trailing silence trimmed before scoring. Confidence = median − min of the 31 mean distances (SyncNet's conf); fakes are the positive class of precision/recall.`, '');
  lines.push('| metric | value |', '|---|---|');
  lines.push(`| ROC-AUC, real vs audio-swapped | ${num(metrics.auc)} (${realConf.length} real, ${swapConf.length} swapped judged) |`);
  lines.push(`| chosen threshold (${metrics.rule}) | ${num(metrics.chosen?.threshold ?? null, 4)} |`);
  lines.push(`| precision / recall / F1 (fake) at it | ${num(metrics.chosen?.precision)} / ${num(metrics.chosen?.recall)} / ${num(metrics.chosen?.f1)} |`);
  lines.push(`| precision / recall / F1 at the model's default threshold ${threshold} | ${num(metrics.atDefault?.precision)} / ${num(metrics.atDefault?.recall)} / ${num(metrics.atDefault?.f1)} |`);
  const o = metrics.offset;
  lines.push(`| injected offset recovered exactly, relative to the clip's own offset | ${pct(o.relExact, o.cases)} (${o.relExact}/${o.cases}) |`);
  lines.push(`| … within ±1 frame, relative | ${pct(o.relWithin1, o.cases)} (${o.relWithin1}/${o.cases}) |`);
  lines.push(`| injected offset recovered exactly, absolute | ${pct(o.absExact, o.cases)} |`);
  lines.push(`| … within ±1 frame, absolute | ${pct(o.absWithin1, o.cases)} |`);
  lines.push(`| cannot-judge rate (all ${entries.length} scorings) | ${pct(entries.filter((e) => e.verdict === 'cannot-judge').length, entries.length)} |`);
  lines.push(`| verdicts on real clips (engine rule: confidence ≥ ${threshold} and abs(offset) ≤ ${DEFAULT_POLICY.maxInSyncOffsetFrames}) | ${judged(byKind('real')).filter((e) => e.verdict === 'real').length} real / ${judged(byKind('real')).filter((e) => e.verdict === 'fake').length} fake / ${byKind('real').length - judged(byKind('real')).length} cannot judge |`);
  lines.push(`| verdicts on swapped clips | ${judged(byKind('swap')).filter((e) => e.verdict === 'real').length} real / ${judged(byKind('swap')).filter((e) => e.verdict === 'fake').length} fake / ${byKind('swap').length - judged(byKind('swap')).length} cannot judge |`);
  lines.push(`| silent-audio variants given a verdict (should be 0) | ${silentJudged} / ${evaluated.length} |`);
  lines.push(`| faceless variants given a verdict (should be 0) | ${facelessJudged} / ${evaluated.length} |`);
  lines.push('', '![confidence histogram](confidence-histogram.svg)', '', '![ROC](roc.svg)', '');
  lines.push('## Offset recovery by shift size (relative, within ±1 frame)', '', '| abs(shift) frames | cases | within ±1 |', '|---|---|---|');
  for (const [m, r] of [...metrics.offsetByShift.entries()].sort((a, b) => a[0] - b[0])) lines.push(`| ${m} | ${r.n} | ${pct(r.relWithin1, r.n)} |`);
  lines.push('', '## Threshold sweep (fake = positive)', '', '| threshold | precision | recall | F1 | accuracy |', '|---|---|---|---|---|');
  const sweep = metrics.sweep;
  const picks = new Set<number>();
  for (let k = 0; k <= 16; k++) picks.add(Math.round((k * (sweep.length - 1)) / 16));
  const chosenIndex = sweep.findIndex((r) => r.threshold === metrics.chosen?.threshold);
  if (chosenIndex >= 0) picks.add(chosenIndex);
  for (const i of [...picks].sort((a, b) => a - b)) {
    const r = sweep[i];
    if (!r) continue;
    lines.push(`| ${r.threshold.toFixed(4)}${i === chosenIndex ? ' (chosen)' : ''} | ${num(r.precision)} | ${num(r.recall)} | ${num(r.f1)} | ${num(r.accuracy)} |`);
  }
  lines.push('', '## Real clips', '', '| clip | speaker | fold | s | own offset | confidence | swapped confidences | shifts within ±1 (relative) | verdict |', '|---|---|---|---|---|---|---|---|---|');
  for (const clip of evaluated) {
    const mine = entries.filter((e) => e.file === clip.file);
    const real = mine.find((e) => e.kind === 'real')!;
    const swaps = mine.filter((e) => e.kind === 'swap').map((e) => num(e.confidence)).join(', ');
    const shifts = mine.filter((e) => e.kind === 'shift' && e.offsetFrames !== null);
    const okShifts = real.offsetFrames === null ? 0 : shifts.filter((e) => Math.abs(e.offsetFrames! - real.offsetFrames! - e.shiftFrames!) <= 1).length;
    lines.push(`| ${clip.file} | ${clip.speaker} | ${real.fold + 1} | ${clip.features.durationS.toFixed(1)} | ${real.offsetFrames ?? '—'} | ${num(real.confidence)} | ${swaps} | ${okShifts}/${shifts.length} | ${real.verdict}${real.reason ? ` (${real.reason})` : ''} |`);
  }
  if (generatedRows.length) {
    lines.push('', '## Generated clips with their own audio (what a sync check cannot catch)', '');
    lines.push('Lip-sync generators are trained to be in sync and face swaps keep the original audio and mouth motion, so a sync check is expected to call many of these "real"; talking heads made from a still image and audio are in sync by construction.', '');
    lines.push('| clip | status | speaker | confidence | offset | verdict |', '|---|---|---|---|---|---|');
    for (const { clip, score } of generatedRows) {
      lines.push(`| ${clip.file} | ${clip.row?.status} | ${clip.speaker} | ${num(score.result?.confidence ?? null)} | ${score.result?.offsetFrames ?? '—'} | ${verdictOf(score, threshold)}${score.reason ? ` (${score.reason})` : ''} |`);
    }
  }
  writeFileSync(join(outDir, 'report.md'), lines.join('\n') + '\n');
  console.log(`eval: AUC ${num(metrics.auc)}, threshold ${num(chosenThreshold, 4)}, P/R/F1 ${num(results.precision)}/${num(results.recall)}/${num(results.f1)}, offset exact ${num(results.offsetExact)} within ±1 ${num(results.offsetWithin1)}, cannot-judge ${num(results.cannotJudgeRate)}; wrote ${outDir} in ${seconds(started)}`);
}

main().catch((error) => {
  console.error(`eval: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
