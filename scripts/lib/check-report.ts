// What `npm run check` prints for one file: the human report and the --json line. Pure (no
// browser), so tests pin both on a fabricated CheckResult. The sentences come from the same
// mapping the extension's views use (src/shared/state-look.ts, result-figures.ts).
import { CLI_DIST } from './checker';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { offsetWords, REASON_TEXT } from '../../src/core/state';
import type { CheckResult, ModelChoice } from '../../src/engine/types';
import { certaintyLine, cutOffLine, evidenceLine, resultFigures } from '../../src/shared/result-figures';
import { spanLines } from '../../src/shared/spans';
import { stateLook } from '../../src/shared/state-look';
import {
  modelFromManifest,
  reportFromCheck,
  reportHtml,
  type ReportData,
  type ReportModel,
} from '../../src/ui/report';

const sign = (n: number) => (n > 0 ? `+${n}` : `${n}`);

function bars(timeline: CheckResult['timeline'], threshold: number): string {
  const levels = '▁▂▃▄▅▆▇█';
  const top = Math.max(threshold * 2, ...timeline.map((p) => p.confidence));
  return timeline
    .map(
      (p) =>
        `${p.t.toFixed(0)}s ${levels[Math.max(0, Math.min(7, Math.floor((p.confidence / top) * 8)))]}${p.confidence >= threshold ? '' : '!'}`,
    )
    .join(' ');
}

function verdictLine(result: CheckResult): string {
  switch (result.verdict) {
    case 'real':
      return 'REAL — lips and voice in sync';
    case 'shifted':
      return `SHIFTED — lips and voice belong together, ${result.offsetMs === null ? 'out of step' : offsetWords(result.offsetMs)}`;
    case 'fake':
      return 'FAKE? — lips and voice do not match';
    case 'cannot-judge':
      return "CAN'T JUDGE";
  }
}

export function humanReport(file: string, result: CheckResult): string {
  const figures = resultFigures(result);
  const lines = [`${basename(file)}: ${verdictLine(result)}`];
  if (result.state.status === 'cannot-judge')
    lines.push(
      `  reason: ${REASON_TEXT[result.state.reason]}${result.state.detail ? ` (${result.state.detail})` : ''}`,
    );
  if (result.confidence !== null) {
    const direction = result.offsetFrames ? (result.offsetFrames > 0 ? ', sound early' : ', sound late') : '';
    lines.push(
      `  offset ${sign(result.offsetFrames!)} frames (${sign(result.offsetMs!)} ms${direction}) · min dist ${result.minDist!.toFixed(3)} · confidence ${result.confidence.toFixed(3)} (threshold ${result.threshold})`,
    );
  }
  const chosen = result.faces.find((f) => f.chosen);
  if (chosen)
    lines.push(
      `  face checked: #${chosen.trackId} at [${chosen.box.map((v) => Math.round(v)).join(', ')}], ${chosen.frames} frames${result.faces.length > 1 ? ` (of ${result.faces.length} faces tracked)` : ''}`,
    );
  if (result.state.status !== 'cannot-judge') lines.push(`  ${stateLook(result.state).sentence}`);
  const certainty = certaintyLine(result, figures.pMismatch);
  if (certainty) lines.push(`  certainty: ${certainty}`);
  const evidence = evidenceLine(figures);
  if (evidence) lines.push(`  evidence: ${evidence}`);
  const cutOff = cutOffLine(result.cutOff);
  if (cutOff) lines.push(`  cut off: ${cutOff}`);
  const spans = spanLines(figures.segments);
  if (spans.length) lines.push('  spans:', ...spans.map((line) => `    ${line}`));
  lines.push(
    `  ${result.model} on ${result.backend}, landmarks on ${result.landmarking} · ${result.durationS.toFixed(1)} s at ${result.fps} fps`,
  );
  if (result.timeline.length) lines.push(`  timeline: ${bars(result.timeline, result.threshold)}`);
  return lines.join('\n');
}

export function jsonReport(file: string, result: CheckResult) {
  const figures = resultFigures(result);
  return {
    file,
    model: result.model,
    backend: result.backend,
    landmarking: result.landmarking,
    fps: result.fps,
    durationS: result.durationS,
    offsetFrames: result.offsetFrames,
    offsetMs: result.offsetMs,
    minDist: result.minDist,
    confidence: result.confidence,
    threshold: result.threshold,
    verdict: result.verdict,
    ...(result.reason ? { reason: result.reason } : {}),
    /** Calibrated probability that voice and lips do not belong together (null: not judged). */
    pMismatch: figures.pMismatch,
    evidenceSeconds: figures.evidenceSeconds,
    /** Spans of the checked media by outcome, media time in seconds. */
    segments: figures.segments.map(({ start, end, outcome, confidence }) => ({
      start,
      end,
      outcome,
      confidence,
    })),
    dists: result.dists,
    timeline: result.timeline,
    faces: result.faces,
    /** The file stops before its own length (seconds): only what came before was checked. */
    ...(result.cutOff ? { cutOff: result.cutOff } : {}),
  };
}

// ---- The HTML report and its JSON (src/ui/report.ts), as the CLI writes them ----

/** SHA-256 of a file, read in 4 MB slices. */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(4 << 20);
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0;) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The extension's version as built (the CLI's build's manifest.json), else the source manifest's. */
export function extensionVersion(distDir = CLI_DIST): string {
  for (const path of [join(distDir, 'manifest.json'), 'manifest.json']) {
    if (existsSync(path)) return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/**
 * The model a CLI check ran with: the embedded model's manifest and weights.bin as built into
 * the extension, or the --weights given (a converted folder's manifest, or a checkpoint file).
 */
export function cliModel(choice: ModelChoice, weights?: string, distDir = CLI_DIST): ReportModel {
  const folder =
    choice === 'embedded'
      ? join(distDir, 'models/embedded')
      : weights && existsSync(join(weights, 'manifest.json'))
        ? weights
        : null;
  if (folder) {
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
    const bin = join(folder, 'weights.bin');
    return modelFromManifest(choice, manifest, existsSync(bin) ? sha256File(bin) : null);
  }
  if (!weights) return modelFromManifest(choice, null);
  return {
    ...modelFromManifest(choice, null, null, basename(weights)),
    version: `checkpoint sha256 ${sha256File(weights).slice(0, 12)}`,
  };
}

export interface CliReportContext {
  audio?: string;
  model: ReportModel;
  version: string;
  checkedAt: Date;
}

/** The report of one checked file: the file's hash, the model, the version and the time. */
export function cliReportData(file: string, result: CheckResult, context: CliReportContext): ReportData {
  return reportFromCheck(result, {
    checkedAt: context.checkedAt,
    extensionVersion: context.version,
    source: {
      kind: 'file',
      file,
      sha256: sha256File(file),
      ...(context.audio ? { audio: context.audio } : {}),
    },
    model: context.model,
  });
}

/** Writes `<stem>.html` and `<stem>.json` (htmlPath's extension replaced); returns both paths. */
export function writeReport(htmlPath: string, data: ReportData): { html: string; json: string } {
  const html = /\.html?$/i.test(htmlPath) ? htmlPath : `${htmlPath}.html`;
  const json = html.replace(/\.html?$/i, '.json');
  mkdirSync(dirname(html), { recursive: true });
  writeFileSync(html, reportHtml(data));
  writeFileSync(json, `${JSON.stringify(data, null, 1)}\n`);
  return { html, json };
}
