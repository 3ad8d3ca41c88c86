// `npm run eval -- <clips dir> [--model embedded|syncnet-v2|syncnet-v4] [--out <folder>]
//     [--cache <feature cache>] [--weights <bundle dir>] [--folds 5] [--seed 1]
//     [--min-seconds 0] [--steps N] [--keep-models <dir>] [--music <dir>] [--speech detector|loudness]
//     [--conditions [--conditions-out out/conditions] [--conditions-limit N]]`
//
// The product's own decision (src/core/decision) on every real clip of a folder (the
// feature cache of `npm run features`), speakers held out, under the conditions that can be
// made from the audio alone: its own audio, 3 swaps from other speakers, shifts of ±1…±12
// frames, its own speech with music under it, music alone, and a 2–4 s partial swap
// (scripts/lib/eval-variants.ts). Leading and trailing silence is trimmed first (fakes that
// start with silence would leak their label). The decision's calibration is fitted per fold
// on the other folds' variants (held out), and once on all of them (calibration.json, what
// `npm run train` writes into the model's manifest). Writes report.md, results.json,
// p-histogram.svg and roc.svg.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { DecisionCalibration } from '../src/core/decision/calibration';
import { judgedEvidence } from '../src/core/state';
import { detectorSpeech, loudnessSpeech, type WindowSpeech } from '../src/core/train/clip-evidence';
import { rocCurve } from '../src/core/train/metrics';
import { histogramSvg, rocSvg } from '../src/core/train/plots';
import { EMBEDDED_RECIPE } from '../src/core/train/embedded-training';
import { evidenceFor, fitOrDefault, judge, type Evidenced, type Judged } from './lib/eval-decision';
import { heldOutEvidence } from './lib/held-out';
import { runConditions } from './lib/eval-conditions';
import { conditionRows, conditionTable, summarize, summaryTable } from './lib/eval-report';
import { SWAPS_PER_CLIP, variantsOf } from './lib/eval-variants';
import { findManifest, modelOption, parseArgs, readManifest, resolveCache, seconds, setupTf } from './ml-common';

const USAGE = 'usage: npm run eval -- <clips dir> [--model embedded|syncnet-v2|syncnet-v4] [--out <folder>] [--cache <dir>] [--weights <bundle dir>] [--folds N] [--seed N] [--min-seconds S] [--steps N] [--keep-models <dir>] [--music <dir>] [--speech detector|loudness] [--conditions [--conditions-out <dir>] [--conditions-limit N]]';

/** Per fold, the calibration fitted on the other folds' variants (or the shipped one for --weights). */
function heldOutCalibrations(evidenced: readonly Evidenced[], folds: number, scale: number, shipped: DecisionCalibration | null): DecisionCalibration[] {
  return Array.from({ length: folds }, (_, f) => shipped ?? fitOrDefault(evidenced.filter((e) => e.fold !== f), scale, `folds other than ${f + 1}`));
}

const num = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '—' : v.toFixed(digits));

async function main(): Promise<void> {
  const { positional, options } = parseArgs(process.argv.slice(2), ['conditions']);
  if (positional.length !== 1) throw new Error(USAGE);
  const clipsDir = resolve(positional[0]);
  const modelName = modelOption(options);
  const cacheDir = resolveCache(clipsDir, options.get('cache'));
  const outDir = resolve(options.get('out') ?? `out/eval-${modelName}`);
  const seed = Number(options.get('seed') ?? 1);
  const folds = Number(options.get('folds') ?? 5);
  const minSeconds = Number(options.get('min-seconds') ?? 0);
  const musicDir = options.get('music') ?? join(dirname(clipsDir), 'music');
  const manifestPath = findManifest(clipsDir);
  const manifest = manifestPath ? readManifest(manifestPath) : null;
  const backend = await setupTf();
  const started = Date.now();
  // --speech loudness: the old rule (a window is speech when it is loud), for comparison.
  const speechOf: WindowSpeech = options.get('speech') === 'loudness' ? loudnessSpeech : detectorSpeech;

  const held = await heldOutEvidence({
    modelName, weightsDir: options.get('weights'), folds, seed, steps: Number(options.get('steps') ?? EMBEDDED_RECIPE.steps),
    keepModels: options.get('keep-models'), cacheDir, manifest, minSeconds, musicDir, speechOf, log: (line) => console.log(`eval: ${line}`),
  });
  const { all, evaluated, foldOf, models, evidenced } = held;
  const generated = all.filter((c) => c.row?.status.startsWith('generated-'));
  const scale = models.scorers[0].scale;
  const calibrations = heldOutCalibrations(evidenced, folds, scale, models.shippedCalibration);
  const judged: Judged[] = evidenced.map((e) => judge(e, calibrations[e.fold]));
  const overall = models.shippedCalibration ?? fitOrDefault(evidenced, scale, `${evaluated.length} real clips of ${new Set(evaluated.map((c) => c.speaker)).size} speakers, ${folds} speaker-held-out folds (seed ${seed}), ${basename(clipsDir)}`);

  const generatedRows: Judged[] = [];
  for (const clip of generated) {
    const fold = foldOf.get(clip.speaker) ?? 0;
    const [own] = variantsOf(clip, { donors: [], music: [], seed });
    if (own) generatedRows.push(judge(await evidenceFor(clip, fold, own, models.scorers[fold], speechOf, await models.scorers[fold].lipTracks(clip)), overall));
  }
  // --conditions: the ffmpeg-built conditions set through the engine, judged with each fold's model and held-out calibration.
  const conditions = options.has('conditions')
    ? await runConditions({
        clipsDir, outDir: resolve(options.get('conditions-out') ?? 'out/conditions'), seed, musicDir,
        limit: options.has('conditions-limit') ? Number(options.get('conditions-limit')) : undefined,
        foldOf, models, calibrations, speechOf,
      })
    : null;
  models.dispose();

  const summary = summarize(judged);
  const rows = conditionRows(judged);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'calibration.json'), JSON.stringify(overall, null, 2) + '\n');
  const perVariant = judged.map((j) => ({
    file: j.clip.file, fold: j.fold, kind: j.variant.kind, ...(j.variant.shiftFrames !== undefined ? { shiftFrames: j.variant.shiftFrames } : {}),
    expected: j.variant.expected, verdict: j.verdict, pMismatch: j.pMismatch, clipP: j.clipP, offsetFrames: j.decision.search?.offsetFrames ?? null, spans: judgedEvidence(j.decision.state)?.segments.filter((s) => s.outcome === 'mismatch').map((s) => [s.start, s.end, s.confidence]) ?? [], confidence: j.confidence, votes: j.votes,
    ...(j.decision.state.status === 'cannot-judge' ? { reason: j.decision.state.reason } : {}),
  }));
  writeFileSync(join(outDir, 'results.json'), JSON.stringify({ model: modelName, clips: evaluated.length, summary, conditions: rows, calibration: overall, foldCalibrations: calibrations, perVariant }, null, 2) + '\n');
  const realP = judged.filter((j) => j.variant.kind === 'real' && j.pMismatch !== null).map((j) => j.pMismatch!);
  const swapP = judged.filter((j) => j.variant.kind === 'swap' && j.pMismatch !== null).map((j) => j.pMismatch!);
  writeFileSync(join(outDir, 'p-histogram.svg'), histogramSvg(`${modelName}: p(mismatch), real vs audio-swapped (speakers held out)`, [
    { label: 'real (own audio)', values: realP, colour: '#2ca02c' },
    { label: 'fake (audio swapped)', values: swapP, colour: '#d62728' },
  ], {}));
  if (summary.auc !== null && realP.length && swapP.length) writeFileSync(join(outDir, 'roc.svg'), rocSvg(`${modelName}: ROC on p(mismatch), real vs audio-swapped`, rocCurve(realP, swapP), summary.auc));

  const lines = [`# Evaluation: ${modelName}`, '', `Command: \`npm run eval -- ${process.argv.slice(2).join(' ')}\` (backend ${backend}, ${seconds(started)}).`, '', `Setup: ${models.setup}.`, ''];
  lines.push(`Protocol: ${evaluated.length} real clips from ${new Set(evaluated.map((c) => c.speaker)).size} speakers (feature cache ${cacheDir}); per clip its own audio, ${SWAPS_PER_CLIP} swaps, shifts of ±1…±12 frames, music ${'−10 dB'} under its speech, music alone${held.musicCount ? ` (${held.musicCount} tracks from ${musicDir})` : ' (no music folder: skipped)'}, a 2–4 s partial swap; judged by the product's decision with the calibration fitted on the other folds.`, '');
  lines.push(...summaryTable(summary), '', '## Per condition (audio variants made in node)', '', ...conditionTable(rows), '');
  if (conditions) lines.push('## The conditions set (ffmpeg-built files through the engine)', '', conditions.table, '');
  lines.push('## Real clips', '', '| clip | speaker | fold | voting s | conf | p(mismatch) | verdict |', '|---|---|---|---|---|---|---|');
  for (const j of judged.filter((x) => x.variant.kind === 'real')) {
    const reason = j.decision.state.status === 'cannot-judge' ? ` (${j.decision.state.reason})` : '';
    lines.push(`| ${j.clip.file} | ${j.clip.speaker} | ${j.fold + 1} | ${(j.votes * 0.04).toFixed(1)} | ${num(j.confidence)} | ${num(j.pMismatch)} | ${j.verdict}${reason} |`);
  }
  if (generatedRows.length) {
    lines.push('', '## Generated clips with their own audio (what a sync check cannot catch)', '', '| clip | status | p(mismatch) | verdict |', '|---|---|---|---|');
    for (const j of generatedRows) lines.push(`| ${j.clip.file} | ${j.clip.row?.status} | ${num(j.pMismatch)} | ${j.verdict} |`);
  }
  writeFileSync(join(outDir, 'report.md'), lines.join('\n') + '\n');
  console.log(summaryTable(summary).join('\n'));
  console.log(conditionTable(rows).join('\n'));
  if (conditions) console.log(conditions.table);
  console.log(`eval: wrote ${outDir} in ${seconds(started)}`);
}

main().catch((error) => {
  console.error(`eval: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
