// `npm run eval -- <clips dir> [--model embedded|syncnet-v2|syncnet-v4] [--out <folder>]
//     [--cache <feature cache>] [--weights <bundle dir>] [--folds 5] [--seed 1]
//     [--min-seconds 0] [--steps N] [--vtlp S] [--keep-models <dir>] [--music <dir>] [--speech detector|loudness]
//     [--conditions [--conditions-out out/conditions] [--conditions-limit N]]`
//     (the set's default folder is out/conditions for seed 1, out/conditions-seed<N> for others)
//
// The product's own decision (src/core/decision) on every real clip of a folder (the
// feature cache of `npm run features`), speakers held out, under the conditions that can be
// made from the audio alone: its own audio, 3 swaps from other speakers, shifts of ±1…±12
// frames and of ±20, ±30 (past the ±15 search), its own speech with music under it, music
// alone, and a 2–4 s partial swap (scripts/lib/eval-variants.ts). Leading and trailing
// silence is trimmed first (fakes that start with silence would leak their label). The decision's calibration is fitted per fold
// on the other folds' variants (held out), and once on all of them (calibration.json, what
// `npm run train` writes into the model's manifest). Writes report.md, results.json,
// p-histogram.svg and roc.svg.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { DecisionCalibration } from '../src/core/decision/calibration';
import type { SyncModelKind } from '../src/core/models/types';
import { judgedEvidence } from '../src/core/state';
import { detectorSpeech, loudnessSpeech, type WindowSpeech } from '../src/core/train/clip-evidence';
import { histogramSvg, rocSvg } from '../src/core/train/plots';
import { EMBEDDED_RECIPE } from '../src/core/train/embedded-training';
import { evidenceFor, fitOrDefault, judge, type Evidenced, type Judged } from './lib/eval-decision';
import { heldOutEvidence, type HeldOut } from './lib/held-out';
import { runConditions, type ConditionsResult } from './lib/eval-conditions';
import { liveTable, replayRecord, replayRow, type ReplayRow } from './lib/eval-live';
import { judgeLostFrames } from './lib/eval-lost-frames';
import {
  conditionRows,
  conditionTable,
  mismatchRoc,
  summarize,
  summaryTable,
  type ConditionRow,
  type Summary,
} from './lib/eval-report';
import { SWAPS_PER_CLIP, variantsOf } from './lib/eval-variants';
import {
  findManifest,
  modelOption,
  parseArgs,
  readManifest,
  resolveCache,
  type ManifestRow,
  seconds,
  setupTf,
} from './ml-common';

const USAGE =
  'usage: npm run eval -- <clips dir> [--model embedded|syncnet-v2|syncnet-v4] [--out <folder>] [--cache <dir>] ' +
  '[--weights <bundle dir>] [--folds N] [--seed N] [--min-seconds S] [--steps N] [--vtlp S] [--keep-models <dir>] [--music <dir>] ' +
  '[--speech detector|loudness] [--conditions [--conditions-out <dir>] [--conditions-limit N]]';

/** The command line, resolved. */
interface EvalArgs {
  clipsDir: string;
  modelName: SyncModelKind;
  cacheDir: string;
  manifest: Map<string, ManifestRow> | null;
  outDir: string;
  seed: number;
  folds: number;
  minSeconds: number;
  musicDir: string;
  steps: number;
  vtlp: number;
  weightsDir: string | undefined;
  keepModels: string | undefined;
  speechOf: WindowSpeech;
  /** --conditions: where the ffmpeg-built set goes and how many clips it takes. */
  conditions: { outDir: string; limit: number | undefined } | null;
}

function parseEvalArgs(argv: string[]): EvalArgs {
  const { positional, options } = parseArgs(argv, ['conditions']);
  if (positional.length !== 1) throw new Error(USAGE);
  const clipsDir = resolve(positional[0]);
  const modelName = modelOption(options);
  const manifestPath = findManifest(clipsDir);
  return {
    clipsDir,
    modelName,
    cacheDir: resolveCache(clipsDir, options.get('cache')),
    manifest: manifestPath ? readManifest(manifestPath) : null,
    outDir: resolve(options.get('out') ?? `out/eval-${modelName}`),
    seed: Number(options.get('seed') ?? 1),
    folds: Number(options.get('folds') ?? 5),
    minSeconds: Number(options.get('min-seconds') ?? 0),
    musicDir: options.get('music') ?? join(dirname(clipsDir), 'music'),
    steps: Number(options.get('steps') ?? EMBEDDED_RECIPE.steps),
    vtlp: Number(options.get('vtlp') ?? EMBEDDED_RECIPE.vtlp),
    weightsDir: options.get('weights'),
    keepModels: options.get('keep-models'),
    // --speech loudness: the old rule (a window is speech when it is loud), for comparison.
    speechOf: options.get('speech') === 'loudness' ? loudnessSpeech : detectorSpeech,
    conditions: options.has('conditions')
      ? {
          // Each seed plans its own set: a run with another seed must not re-make this one's
          // files in place, which would leave every file's cached features stale.
          outDir: resolve(options.get('conditions-out') ?? conditionsDir(Number(options.get('seed') ?? 1))),
          limit: options.has('conditions-limit') ? Number(options.get('conditions-limit')) : undefined,
        }
      : null,
  };
}

/** Fold models and every clip's audio variants with their evidence (scripts/lib/held-out.ts). */
function foldEvidence(args: EvalArgs): Promise<HeldOut> {
  return heldOutEvidence({
    modelName: args.modelName,
    weightsDir: args.weightsDir,
    folds: args.folds,
    seed: args.seed,
    steps: args.steps,
    vtlp: args.vtlp,
    keepModels: args.keepModels,
    cacheDir: args.cacheDir,
    manifest: args.manifest,
    minSeconds: args.minSeconds,
    musicDir: args.musicDir,
    speechOf: args.speechOf,
    log: (line) => console.log(`eval: ${line}`),
  });
}

/** Per fold, the calibration fitted on the other folds' variants (or the shipped one for --weights). */
function heldOutCalibrations(
  evidenced: readonly Evidenced[],
  folds: number,
  scale: number,
  shipped: DecisionCalibration | null,
): DecisionCalibration[] {
  return Array.from(
    { length: folds },
    (_, f) =>
      shipped ??
      fitOrDefault(
        evidenced.filter((e) => e.fold !== f),
        scale,
        `folds other than ${f + 1}`,
      ),
  );
}

interface Decided {
  calibrations: DecisionCalibration[];
  judged: Judged[];
  /** Fitted on every fold's variants: what `npm run train` ships. */
  overall: DecisionCalibration;
}

/** The decision on every variant, each with its fold's held-out calibration. */
function decide(held: HeldOut, args: EvalArgs): Decided {
  const { evaluated, models, evidenced } = held;
  const scale = models.scorers[0].scale;
  const calibrations = heldOutCalibrations(evidenced, args.folds, scale, models.shippedCalibration);
  const judged = evidenced.map((e) => judge(e, calibrations[e.fold]));
  const speakers = new Set(evaluated.map((c) => c.speaker)).size;
  const fittedOn =
    `${evaluated.length} real clips of ${speakers} speakers, ` +
    `${args.folds} speaker-held-out folds (seed ${args.seed}), ${basename(args.clipsDir)}`;
  const overall = models.shippedCalibration ?? fitOrDefault(evidenced, scale, fittedOn);
  return { calibrations, judged, overall };
}

/** Generated clips with their own audio, judged with the overall calibration. */
async function judgeGenerated(
  held: HeldOut,
  args: EvalArgs,
  overall: DecisionCalibration,
): Promise<Judged[]> {
  const rows: Judged[] = [];
  for (const clip of held.all.filter((c) => c.row?.status.startsWith('generated-'))) {
    const fold = held.foldOf.get(clip.speaker) ?? 0;
    const scorer = held.models.scorers[fold];
    const [own] = variantsOf(clip, { donors: [], music: [], seed: args.seed });
    if (own)
      rows.push(
        judge(
          await evidenceFor(clip, fold, own, scorer, args.speechOf, await scorer.lipTracks(clip)),
          overall,
        ),
      );
  }
  return rows;
}

/** --conditions: the ffmpeg-built conditions set through the engine, judged with each fold's model and held-out calibration. */
function judgeConditions(held: HeldOut, args: EvalArgs, decided: Decided): Promise<ConditionsResult> | null {
  if (!args.conditions) return null;
  return runConditions({
    clipsDir: args.clipsDir,
    outDir: args.conditions.outDir,
    seed: args.seed,
    musicDir: args.musicDir,
    limit: args.conditions.limit,
    foldOf: held.foldOf,
    models: held.models,
    calibrations: decided.calibrations,
    speechOf: args.speechOf,
  });
}

const num = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined ? '—' : v.toFixed(digits);

/** Where --conditions builds its set by default: one folder per seed (seed 1's is out/conditions). */
const conditionsDir = (seed: number): string =>
  seed === 1 ? 'out/conditions' : `out/conditions-seed${seed}`;

/** One row of results.json's perVariant. */
function variantRecord(j: Judged): Record<string, unknown> {
  const spans = judgedEvidence(j.decision.state)
    ?.segments.filter((s) => s.outcome === 'mismatch')
    .map((s) => [s.start, s.end, s.confidence]);
  return {
    file: j.clip.file,
    labelConfidence: j.clip.row?.confidence ?? null,
    fold: j.fold,
    kind: j.variant.kind,
    ...(j.variant.shiftFrames !== undefined ? { shiftFrames: j.variant.shiftFrames } : {}),
    ...(j.variant.donor ? { donor: j.variant.donor } : {}),
    expected: j.variant.expected,
    verdict: j.verdict,
    pMismatch: j.pMismatch,
    clipP: j.clipP,
    offsetFrames: j.decision.search?.offsetFrames ?? null,
    spans: spans ?? [],
    confidence: j.figures?.confidence ?? null,
    votes: j.votes,
    ...(j.decision.state.status === 'cannot-judge' ? { reason: j.decision.state.reason } : {}),
    ...(j.far ? { far: j.far } : {}),
  };
}

/** Every node-made variant replayed as a live check with its fold's calibration (eval-live.ts). */
function replayAll(decided: Decided): { rows: ReplayRow[]; table: string[] } {
  const rows = decided.judged.map((j) => replayRow(j, decided.calibrations[j.fold]));
  return { rows, table: liveTable(rows) };
}

/** calibration.json, results.json, p-histogram.svg and roc.svg. */
function writeResults(
  args: EvalArgs,
  held: HeldOut,
  decided: Decided,
  summary: Summary,
  rows: ConditionRow[],
): void {
  const { judged, overall, calibrations } = decided;
  const { modelName, outDir } = args;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'calibration.json'), JSON.stringify(overall, null, 2) + '\n');
  const results = {
    model: modelName,
    clips: held.evaluated.length,
    summary,
    conditions: rows,
    calibration: overall,
    foldCalibrations: calibrations,
    perVariant: judged.map(variantRecord),
  };
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  const pOf = (kind: string) =>
    judged.filter((j) => j.variant.kind === kind && j.pMismatch !== null).map((j) => j.pMismatch!);
  const realP = pOf('real');
  const swapP = pOf('swap');
  const histogram = histogramSvg(
    `${modelName}: p(mismatch), real vs audio-swapped (speakers held out)`,
    [
      { label: 'real (own audio)', values: realP, colour: '#2ca02c' },
      { label: 'fake (audio swapped)', values: swapP, colour: '#d62728' },
    ],
    {},
  );
  writeFileSync(join(outDir, 'p-histogram.svg'), histogram);
  if (realP.length && swapP.length) {
    const title = `${modelName}: ROC on p(mismatch), real vs audio-swapped, variants with a p(mismatch)`;
    const { curve, auc } = mismatchRoc(realP, swapP);
    writeFileSync(join(outDir, 'roc.svg'), rocSvg(title, curve, auc));
  }
}

interface ReportParts {
  backend: string;
  started: number;
  summary: Summary;
  rows: ConditionRow[];
  conditions: ConditionsResult | null;
  generated: Judged[];
  /** The live replay's section (eval-live.ts). */
  live: string[];
  /** Frames lost on the way (eval-lost-frames.ts); null for the SyncNet models, whose lips come from caches. */
  lostFrames: string[] | null;
}

/** report.md's lines. */
function reportLines(args: EvalArgs, held: HeldOut, judged: readonly Judged[], parts: ReportParts): string[] {
  const { evaluated, models } = held;
  const speakers = new Set(evaluated.map((c) => c.speaker)).size;
  const command = `npm run eval -- ${process.argv.slice(2).join(' ')}`;
  const music = held.musicCount
    ? ` (${held.musicCount} tracks from ${args.musicDir})`
    : ' (no music folder: skipped)';
  const lines = [`# Evaluation: ${args.modelName}`, ''];
  lines.push(`Command: \`${command}\` (backend ${parts.backend}, ${seconds(parts.started)}).`, '');
  lines.push(`Setup: ${models.setup}.`, '');
  lines.push(
    `Protocol: ${evaluated.length} real clips from ${speakers} speakers (feature cache ${args.cacheDir}); ` +
      `per clip its own audio, ${SWAPS_PER_CLIP} swaps, shifts of ±1…±12 and ±20, ±30 frames, music ${'−10 dB'} under its speech, ` +
      `music alone${music}, a 2–4 s partial swap; ` +
      "judged by the product's decision with the calibration fitted on the other folds.",
    '',
  );
  lines.push(...summaryTable(parts.summary), '', '## Per condition (audio variants made in node)', '');
  lines.push(...conditionTable(parts.rows), '');
  lines.push(
    '## Live checks replayed (node-made variants)',
    '',
    "Each variant's evidence growing by 0.5 s per update through the live decision and the badge's " +
      'stabiliser (scripts/lib/eval-live.ts); what the badge showed at any update, provisional or firm.',
    '',
    ...parts.live,
    '',
  );
  if (parts.lostFrames) {
    lines.push(
      '## Frames lost on the way (live checks replayed on the frames a busy machine sees)',
      '',
      "Each clip's own audio and swaps judged again on the frames kept, as the engine treats lost " +
        "frames (the grid's nearest frame, frozen mouths never vote, the share lost in the decision's " +
        'context; scripts/lib/eval-lost-frames.ts), replayed as above; "at the end" is the decision on all of it.',
      '',
      ...parts.lostFrames,
      '',
    );
  }
  if (parts.conditions) {
    lines.push(
      '## The conditions set (ffmpeg-built files through the engine)',
      '',
      parts.conditions.table,
      '',
      '### The conditions set replayed as live checks',
      '',
      ...parts.conditions.live,
      '',
    );
  }
  lines.push('## Real clips', '', '| clip | speaker | fold | voting s | conf | p(mismatch) | verdict |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const j of judged.filter((x) => x.variant.kind === 'real')) {
    const reason = j.decision.state.status === 'cannot-judge' ? ` (${j.decision.state.reason})` : '';
    const votingS = (j.votes * 0.04).toFixed(1);
    lines.push(
      `| ${j.clip.file} | ${j.clip.speaker} | ${j.fold + 1} | ${votingS} | ${num(j.figures?.confidence)} | ` +
        `${num(j.pMismatch)} | ${j.verdict}${reason} |`,
    );
  }
  if (parts.generated.length) {
    lines.push('', '## Generated clips with their own audio (what a sync check cannot catch)', '');
    lines.push('| clip | status | p(mismatch) | verdict |', '|---|---|---|---|');
    for (const j of parts.generated) {
      lines.push(`| ${j.clip.file} | ${j.clip.row?.status} | ${num(j.pMismatch)} | ${j.verdict} |`);
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const args = parseEvalArgs(process.argv.slice(2));
  const backend = await setupTf();
  const started = Date.now();
  const held = await foldEvidence(args);
  const decided = decide(held, args);
  const generated = await judgeGenerated(held, args, decided.overall);
  const conditions = await judgeConditions(held, args, decided);
  const lostFrames =
    args.modelName === 'embedded'
      ? await judgeLostFrames({
          evidenced: held.evidenced,
          scorers: held.models.scorers,
          calibrations: decided.calibrations,
          speechOf: args.speechOf,
          seed: args.seed,
        })
      : null;
  held.models.dispose();

  const summary = summarize(decided.judged);
  const rows = conditionRows(decided.judged);
  const live = replayAll(decided);
  writeResults(args, held, decided, summary, rows);
  writeFileSync(join(args.outDir, 'live-replay.json'), JSON.stringify(live.rows.map(replayRecord)) + '\n');
  if (lostFrames)
    writeFileSync(
      join(args.outDir, 'lost-frames.json'),
      JSON.stringify(lostFrames.rows.map(replayRecord)) + '\n',
    );
  const parts: ReportParts = {
    backend,
    started,
    summary,
    rows,
    conditions,
    generated,
    live: live.table,
    lostFrames: lostFrames?.lines ?? null,
  };
  writeFileSync(
    join(args.outDir, 'report.md'),
    reportLines(args, held, decided.judged, parts).join('\n') + '\n',
  );
  console.log(summaryTable(summary).join('\n'));
  console.log(conditionTable(rows).join('\n'));
  console.log(live.table.join('\n'));
  if (lostFrames) console.log(lostFrames.lines.join('\n'));
  if (conditions) console.log([conditions.table, ...conditions.live].join('\n'));
  console.log(`eval: wrote ${args.outDir} in ${seconds(started)}`);
}

main().catch((error) => {
  console.error(`eval: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
