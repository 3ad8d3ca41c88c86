// `npm run eval -- <real clips dir> --conditions`: the conditions that change the picture
// (cutaways, listeners, two speakers in turn, social re-encodes) and the rest of the
// conditions set, built with ffmpeg (scripts/lib/conditions.ts), read by the browser engine
// (`npm run features` on exactly the built files), and judged by the product's decision
// with the model and calibration of the source speaker's fold.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DecisionCalibration } from '../../src/core/decision/calibration';
import { judgedEvidence } from '../../src/core/state';
import type { WindowSpeech } from '../../src/core/train/clip-evidence';
import {
  buildConditions,
  writeConditionReport,
  type ConditionEntry,
  type ConditionOutcome,
} from './conditions';
import { evidenceFor, judge } from './eval-decision';
import { liveTable, replayLive, replayRecord, type ReplayRow } from './eval-live';
import type { EvalClip, FoldModels } from './eval-folds';
import { scoringRange, type Variant } from './eval-variants';
import { loadClip, seconds } from '../ml-common';

export interface ConditionsRun {
  clipsDir: string;
  outDir: string;
  seed: number;
  musicDir: string | null;
  limit?: number;
  foldOf: Map<string, number>;
  models: FoldModels;
  calibrations: DecisionCalibration[];
  speechOf: WindowSpeech;
}

/** Runs the engine's feature extraction on exactly these files (a folder of links to them). */
function extractFeatures(entries: readonly ConditionEntry[], dir: string, cache: string): void {
  const subset = join(dir, '.selected');
  rmSync(subset, { recursive: true, force: true });
  mkdirSync(subset, { recursive: true });
  for (const e of entries) symlinkSync(resolve(dir, e.file), join(subset, e.file));
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/features.ts', subset, '--out', cache],
    { stdio: 'inherit' },
  );
  // Exit 1 also when only some files failed (each named above): the others are judged.
  if (run.status !== 0 && run.status !== 1)
    throw new Error(`features on ${subset} failed (exit ${run.status})`);
}

/** The whole file with its own sound, judged like any file the user checks. */
function ownVariant(clip: EvalClip, entry: ConditionEntry): Variant | null {
  if (!clip.features.audio) return null;
  const first = clip.features.frames[0]?.t ?? 0;
  const range = scoringRange(clip) ?? { fromS: first, toS: first + clip.features.durationS };
  return {
    kind: 'real',
    audio: { startS: clip.features.audio.startS, samples: clip.samples },
    range,
    expected: entry.expected,
    accept: [entry.expected],
  };
}

export interface ConditionsResult {
  rows: ConditionOutcome[];
  table: string;
  /** Each file replayed as a live check (eval-live.ts): report.md's table. */
  live: string[];
}

export async function runConditions(o: ConditionsRun): Promise<ConditionsResult> {
  const started = Date.now();
  const entries = buildConditions({
    clipsDir: o.clipsDir,
    outDir: o.outDir,
    seed: o.seed,
    musicDir: o.musicDir,
    limit: o.limit,
    log: (line) => console.log(`conditions: ${line}`),
  });
  const cache = join(o.outDir, '.features');
  extractFeatures(entries, o.outDir, cache);
  const rows: ConditionOutcome[] = [];
  const replays: ReplayRow[] = [];
  const unread = new Set(entries.filter((e) => !existsSync(join(cache, `${e.file}.features.json`))));
  if (unread.size > 0)
    console.log(
      `conditions: ${unread.size} file(s) left out, the engine could not read them: ${[...unread].map((e) => e.file).join(', ')}`,
    );
  for (const entry of entries) {
    if (unread.has(entry)) continue;
    const loaded = loadClip(cache, entry.file);
    const clip: EvalClip = { file: entry.file, speaker: entry.speaker, ...loaded };
    const fold = o.foldOf.get(entry.speaker) ?? 0;
    const scorer = o.models.scorers[fold];
    const variant = ownVariant(clip, entry);
    if (!variant) {
      rows.push({ entry, verdict: 'cannot-judge', reason: 'no-audio', pMismatch: null, spans: [] });
      continue;
    }
    const judged = judge(
      await evidenceFor(clip, fold, variant, scorer, o.speechOf, await scorer.lipTracks(clip)),
      o.calibrations[fold],
    );
    replays.push({
      file: entry.file,
      kind: entry.condition,
      genuine: entry.expected !== 'fake',
      lowLabel: entry.labelConfidence === 'low',
      replay: replayLive(judged, o.calibrations[fold]),
    });
    const state = judged.decision.state;
    const evidence = judgedEvidence(state);
    rows.push({
      entry,
      verdict: judged.verdict,
      ...(state.status === 'cannot-judge' ? { reason: state.reason } : {}),
      pMismatch: judged.pMismatch,
      spans: evidence?.segments ?? [],
    });
  }
  const table = writeConditionReport(o.outDir, rows);
  writeFileSync(join(o.outDir, 'live-replay.json'), JSON.stringify(replays.map(replayRecord)) + '\n');
  console.log(`conditions: ${rows.length} files judged in ${seconds(started)}`);
  return { rows, table, live: liveTable(replays) };
}
