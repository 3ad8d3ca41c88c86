// The conditions set (issue 10 item 7): from a folder of real clips, seeded ffmpeg-made
// variants of each — music only, speech under music, a faceless cutaway, a listener's
// reaction shot, two speakers in turn, a partial and a full audio swap, a social
// re-encode, audio shifts — plus conditions.json with each file's ground truth.
// `npm run conditions` and `npm run eval -- <dir> --conditions` call buildConditions.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { findManifest, readManifest, speakerOf, type ManifestRow } from '../ml-common';
import { videosIn } from './checker';
import { ffmpegArgs } from './conditions-ffmpeg';
import { planClip, type ConditionJob, type MusicTrack, type SourceClip } from './conditions-plan';
import { ffmpeg, measureAudio, probe } from './conditions-probe';
import type { ConditionEntry } from './conditions-types';

import { conditionReport, conditionSummary, type ConditionOutcome } from './conditions-report';

export type { ConditionEntry } from './conditions-types';
export { conditionReport, conditionSummary, type ConditionOutcome } from './conditions-report';

export const CONDITIONS_FILE = 'conditions.json';
export const DEFAULT_SHIFTS = [3, -3, 4, -4, 8, -8, 12, -12] as const;
/** Bumped when a recipe changes in a way the ffmpeg arguments do not show. */
const RECIPE_VERSION = 1;
const MUSIC_EXTENSIONS = /\.(ogg|oga|opus|mp3|wav|flac|m4a)$/i;
/** The shared manifest, used when the clips folder has none beside it. */
const SHARED_MANIFEST = resolve('../shared/media/MANIFEST.tsv');

export interface BuildOptions {
  clipsDir: string;
  outDir: string;
  seed?: number;
  /** Instrumental music for music-only / speech-under-music; without it those conditions are not made (and the log says so). */
  musicDir?: string | null;
  /** Build from the first N clips only (donors still come from every clip, so choices do not change). */
  limit?: number;
  shifts?: readonly number[];
  /** How many of `shifts` each clip gets (a seeded subset). */
  shiftsPerClip?: number;
  log?: (line: string) => void;
}

interface ConditionsFile {
  version: number;
  seed: number;
  clipsDir: string;
  musicDir: string | null;
  entries: ConditionEntry[];
}

/** The entries of a built conditions folder. */
export function readConditions(outDir: string): ConditionEntry[] {
  const path = join(outDir, CONDITIONS_FILE);
  if (!existsSync(path))
    throw new Error(
      `${path}: no conditions manifest — run \`npm run conditions -- <real clips dir> --out ${outDir}\``,
    );
  return (JSON.parse(readFileSync(path, 'utf8')) as ConditionsFile).entries;
}

/** Real clips of the folder: MANIFEST status real-in-sync, or every video when the manifest does not list it. */
function realClips(clipsDir: string, log: (line: string) => void): { path: string; row?: ManifestRow }[] {
  const manifestPath = findManifest(clipsDir) ?? (existsSync(SHARED_MANIFEST) ? SHARED_MANIFEST : null);
  const manifest = manifestPath ? readManifest(manifestPath) : null;
  log(
    manifestPath ? `labels from ${manifestPath}` : `${clipsDir}: no MANIFEST.tsv, every video counts as real`,
  );
  return videosIn(clipsDir)
    .map((path) => ({ path, row: manifest?.get(basename(path)) }))
    .filter(({ row }) => !row || row.status === 'real-in-sync');
}

function measureClip(
  path: string,
  row: ManifestRow | undefined,
  log: (line: string) => void,
): SourceClip | null {
  const file = basename(path);
  const info = probe(path);
  if (!info.hasVideo || !info.hasAudio || info.durationS <= 0) {
    log(`skip ${file}: ${!info.hasAudio ? 'no audio' : 'no video'}`);
    return null;
  }
  const { meanDb, speech } = measureAudio(path, info.durationS);
  return {
    file,
    path,
    speaker: speakerOf(file, row),
    ...(row?.confidence ? { labelConfidence: row.confidence } : {}),
    durationS: info.durationS,
    width: info.width,
    height: info.height,
    speech,
    meanDb,
  };
}

function measureMusic(musicDir: string): MusicTrack[] {
  return readdirSync(musicDir)
    .filter((f) => MUSIC_EXTENSIONS.test(f))
    .sort()
    .map((file) => {
      const path = join(musicDir, file);
      const { durationS } = probe(path);
      return { file, path, durationS, meanDb: measureAudio(path, durationS).meanDb };
    });
}

const keyOf = (args: string[]): string =>
  createHash('sha256').update(JSON.stringify({ RECIPE_VERSION, args })).digest('hex').slice(0, 16);

/** Makes one file unless the same recipe already made it; returns its entry. */
function buildOne(
  job: ConditionJob,
  outDir: string,
  previous: Map<string, ConditionEntry>,
): { entry: ConditionEntry; built: boolean } {
  const out = join(outDir, job.entry.file);
  // The key hashes the arguments with the final name, so the temporary name does not change it.
  const key = keyOf(ffmpegArgs(job.clip, job.recipe, out));
  const entry: ConditionEntry = { ...job.entry, key };
  if (existsSync(out) && previous.get(entry.file)?.key === key) return { entry, built: false };
  const partial = `${out}.part`;
  try {
    ffmpeg(ffmpegArgs(job.clip, job.recipe, partial));
    renameSync(partial, out);
  } finally {
    rmSync(partial, { force: true });
  }
  return { entry, built: true };
}

function writeConditions(outDir: string, file: ConditionsFile): void {
  const path = join(outDir, CONDITIONS_FILE);
  writeFileSync(`${path}.part`, JSON.stringify(file, null, 1) + '\n');
  renameSync(`${path}.part`, path);
}

/**
 * Builds the conditions set of `clipsDir` into `outDir` (seeded, deterministic) and
 * writes conditions.json; files already made by the same recipe are kept.
 */
export function buildConditions(opts: BuildOptions): ConditionEntry[] {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const clipsDir = resolve(opts.clipsDir);
  const outDir = resolve(opts.outDir);
  const seed = opts.seed ?? 1;
  const musicDir = opts.musicDir ? resolve(opts.musicDir) : null;
  mkdirSync(outDir, { recursive: true });
  const previous = new Map(
    existsSync(join(outDir, CONDITIONS_FILE)) ? readConditions(outDir).map((e) => [e.file, e]) : [],
  );

  const pool = realClips(clipsDir, log).flatMap(({ path, row }) => measureClip(path, row, log) ?? []);
  if (pool.length === 0) throw new Error(`${clipsDir}: no real clip with audio and video`);
  const music = musicDir ? measureMusic(musicDir) : [];
  if (music.length === 0)
    log(
      `no music${musicDir ? ` in ${musicDir}` : ' (--music)'}: music-only and speech-under-music are not made`,
    );
  const planOptions = { seed, shifts: opts.shifts ?? DEFAULT_SHIFTS, shiftsPerClip: opts.shiftsPerClip ?? 2 };

  const entries: ConditionEntry[] = [];
  const file: ConditionsFile = { version: RECIPE_VERSION, seed, clipsDir, musicDir, entries };
  for (const clip of pool.slice(0, opts.limit ?? pool.length)) {
    const jobs = planClip(clip, pool, music, planOptions);
    let built = 0;
    for (const job of jobs) {
      const r = buildOne(job, outDir, previous);
      entries.push(r.entry);
      built += r.built ? 1 : 0;
    }
    log(`${clip.file}: ${jobs.length} files (${built} made, ${jobs.length - built} kept)`);
    writeConditions(outDir, file);
  }
  return entries;
}

/** Writes conditions-report.md (the table) and conditions-report.json (summary and one row per file) into `dir`; returns the table. */
export function writeConditionReport(dir: string, rows: readonly ConditionOutcome[]): string {
  mkdirSync(dir, { recursive: true });
  const table = conditionReport(rows);
  writeFileSync(join(dir, 'conditions-report.md'), table);
  const perFile = rows.map((r) => ({
    file: r.entry.file,
    condition: r.entry.condition,
    expected: r.entry.expected,
    verdict: r.verdict,
    reason: r.reason,
    pMismatch: r.pMismatch ?? null,
    spans: r.spans ?? [],
  }));
  writeFileSync(
    join(dir, 'conditions-report.json'),
    JSON.stringify({ summary: conditionSummary(rows), files: perFile }, null, 1) + '\n',
  );
  return table;
}
