// Folder mode of `npm run check` (issue 13, item 4): which files under a folder are media,
// the summary table and the totals line. Pure apart from reading directory entries and the
// first bytes of files, so tests pin the table on fabricated rows.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import type { CheckResult } from '../../src/engine/types';
import { resultFigures } from '../../src/shared/result-figures';

/** Containers by name: what Chromium plays, and what the CLI transcodes with ffmpeg first. */
export const MEDIA_EXTENSIONS = [
  '.mp4',
  '.m4v',
  '.mov',
  '.webm',
  '.mkv',
  '.mpg',
  '.mpeg',
  '.avi',
  '.ts',
  '.mts',
  '.m2ts',
  '.3gp',
  '.flv',
  '.ogv',
  '.wmv',
];

/**
 * The container a file's first bytes announce, or null: ISO BMFF (MP4/MOV/3GP: a box type at
 * bytes 4–8), EBML (WebM/Matroska), MPEG-PS pack header, MPEG-TS sync bytes 188 apart, RIFF
 * AVI, FLV, Ogg, ASF (WMV).
 */
export function sniffContainer(head: Uint8Array): string | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 8 && ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(ascii(4, 8)))
    return 'iso-bmff';
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3)
    return 'ebml';
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === 1 && head[3] === 0xba)
    return 'mpeg-ps';
  if (head.length >= 377 && head[0] === 0x47 && head[188] === 0x47 && head[376] === 0x47) return 'mpeg-ts';
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') return 'avi';
  if (head.length >= 3 && ascii(0, 3) === 'FLV') return 'flv';
  if (head.length >= 4 && ascii(0, 4) === 'OggS') return 'ogg';
  if (head.length >= 4 && head[0] === 0x30 && head[1] === 0x26 && head[2] === 0xb2 && head[3] === 0x75)
    return 'asf';
  return null;
}

function readHead(path: string, bytes = 512): Uint8Array {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const buffer = new Uint8Array(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } catch {
    return new Uint8Array(0);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * A media file: its extension is a media container's, or its first bytes are one's (a clip
 * saved without extension). A file with a media extension is media even when its bytes are
 * not: it is checked and reported as failed, never skipped in silence.
 */
export function isMediaFile(path: string): boolean {
  return MEDIA_EXTENSIONS.includes(extname(path).toLowerCase()) || sniffContainer(readHead(path)) !== null;
}

export interface FolderScan {
  /** Media files, sorted by path. */
  media: string[];
  /** Everything else (counted, not checked). */
  skipped: string[];
}

/** Every file under `dir`, recursively (symbolic links followed, hidden entries included), split into media and the rest. */
export function scanFolder(dir: string): FolderScan {
  const scan: FolderScan = { media: [], skipped: [] };
  const walk = (folder: string, seen: Set<string>) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      let stat;
      try {
        stat = statSync(path);
      } catch {
        scan.skipped.push(path); // a dangling link
        continue;
      }
      if (stat.isDirectory()) {
        const key = `${stat.dev}:${stat.ino}`;
        if (!seen.has(key)) walk(path, new Set([...seen, key]));
      } else if (stat.isFile() && isMediaFile(path)) scan.media.push(path);
      else scan.skipped.push(path);
    }
  };
  const root = statSync(dir);
  walk(dir, new Set([`${root.dev}:${root.ino}`]));
  scan.media.sort();
  return scan;
}

/** One checked (or failed) file of a batch. */
export interface BatchRow {
  /** As shown: relative to the folder given. */
  path: string;
  seconds: number;
  outcome: { ok: true; result: CheckResult; transcoded?: string | null } | { ok: false; error: string };
}

const VERDICT_WORD = {
  real: 'REAL',
  shifted: 'SHIFTED',
  fake: 'FAKE?',
  'cannot-judge': "CAN'T JUDGE",
} as const;

export const relativePath = (root: string, path: string) => relative(root, path) || path;

/** The summary table: file, verdict, p(mismatch), confidence, evidence seconds, time taken. */
export function summaryTable(rows: BatchRow[]): string {
  const head = ['file', 'verdict', 'p(mismatch)', 'confidence', 'evidence', 'time'];
  const cells = rows.map((row) => {
    if (!row.outcome.ok) return [row.path, 'FAILED', '—', '—', '—', `${row.seconds.toFixed(1)} s`];
    const result = row.outcome.result;
    const figures = resultFigures(result);
    return [
      row.path,
      `${VERDICT_WORD[result.verdict]}${result.reason ? ` (${result.reason})` : ''}`,
      figures.pMismatch === null ? '—' : figures.pMismatch.toFixed(2),
      result.confidence === null ? '—' : `${result.confidence.toFixed(3)}/${result.threshold}`,
      figures.evidenceSeconds === null ? '—' : `${figures.evidenceSeconds.toFixed(1)} s`,
      `${row.seconds.toFixed(1)} s`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i >= 2 ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** "4 media files in 41.3 s: 2 real, 0 shifted, 1 fake, 0 can't judge, 1 failed; 1 other file skipped". */
export function totalsLine(rows: BatchRow[], skipped: number, wallSeconds: number): string {
  const count = (verdict: CheckResult['verdict']) =>
    rows.filter((r) => r.outcome.ok && r.outcome.result.verdict === verdict).length;
  const failed = rows.filter((r) => !r.outcome.ok).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(rows.length, 'media file')} in ${wallSeconds.toFixed(1)} s: ${count('real')} real, ${count('shifted')} shifted, ${count('fake')} fake, ${count('cannot-judge')} can't judge, ${failed} failed; ${plural(skipped, 'other file')} skipped`;
}
