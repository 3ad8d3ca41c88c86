// The self-contained HTML report of one check (issue 14, item 4): the verdict in plain words,
// the spans, the distance curve and the timeline as inline SVG, the model and the decision
// policy, what was checked (a file's SHA-256, or the page's address) and when, and the
// report's data as JSON inside it. One pure function of the data — no DOM — so the CLI
// (node), the file page and the popup write the same document. Every word is t() from the
// catalogue (the browser's UI language in the extension, English in node), much of it the
// views' own mappings (src/shared/state-look.ts, spans.ts, result-figures.ts), and the
// geometry comes from src/ui/chart-scale.ts, so the report cannot say other than the views do.
import { DEFAULT_DECISION_POLICY, type DecisionPolicy } from '../core/decision/decide';
import {
  verdictOf,
  type SpanOutcome,
  type SyncEvidence,
  type SyncSpan,
  type SyncState,
  type Verdict,
} from '../core/state';
import type { CheckResult, FaceSummary, ModelChoice } from '../engine/types';
import { certaintyLine, cutOffLine, evidenceLine, resultFigures } from '../shared/result-figures';
import { clockSpan, clockTime, SPAN_WORDS, spansOf } from '../shared/spans';
import { t, uiLanguage, type MessageKey } from '../shared/i18n';
import { offsetText, shownEvidence, stateLook, TONE_COLORS, type Tone } from '../shared/state-look';
import { curveGeometry, timelineGeometry } from './chart-scale';

/** The verdict in the report's badge and title ("unfinished": a live check without a final verdict). */
const VERDICT_TEXT: Record<Verdict | 'unfinished', MessageKey> = {
  real: 'verdict_real',
  shifted: 'verdict_shifted',
  fake: 'verdict_fake',
  'cannot-judge': 'label_cannot_judge',
  unfinished: 'report_unfinished',
};

/** What was checked. */
export type ReportSource =
  | { kind: 'file'; file: string; sha256: string | null; audio?: string }
  | { kind: 'page'; url: string | null; video: string };

export interface ReportModel {
  choice: ModelChoice;
  /** The weights' own name: the manifest's `source` (embedded) or the imported checkpoint's file name. */
  name: string;
  /** What identifies these weights: the manifest format and the first 12 hex digits of weights.bin's SHA-256, when known. */
  version: string | null;
  /** Where the calibration came from (the manifest's decision.fittedOn), when known. */
  calibration?: string;
}

/** Everything a report says; written as the JSON beside the HTML and embedded in it. */
export interface ReportData {
  format: 'lipsync-lens-report';
  formatVersion: 1;
  /** ISO 8601, UTC. */
  checkedAt: string;
  extensionVersion: string;
  source: ReportSource;
  model: ReportModel;
  decision: { threshold: number | null; userThreshold: boolean; policy: DecisionPolicy };
  /** The four outcomes; null while a live check has not finished. */
  verdict: Verdict | null;
  state: SyncState;
  figures: {
    offsetFrames: number | null;
    offsetMs: number | null;
    minDist: number | null;
    confidence: number | null;
    pMismatch: number | null;
    evidenceSeconds: number | null;
    checkedFrom: number | null;
    checkedTo: number | null;
    segments: SyncSpan[];
    dists: number[];
    timeline: { t: number; confidence: number }[];
  };
  /** File checks: the media and how it was read. */
  media?: {
    durationS: number;
    fps: number;
    backend: string;
    landmarking: string;
    faces: FaceSummary[];
    /** A file that stops before its own length: only what came before was checked. */
    cutOff?: CheckResult['cutOff'];
  };
}

export interface ReportMeta {
  checkedAt: Date | string;
  extensionVersion: string;
  source: ReportSource;
  model: ReportModel;
  userThreshold?: boolean;
  policy?: DecisionPolicy;
}

const iso = (at: Date | string) => (typeof at === 'string' ? at : at.toISOString());

/** What every report opens with: its format, when, what read the media and by which decision. */
function reportHeader(
  meta: ReportMeta,
  threshold: number | null,
): Pick<
  ReportData,
  'format' | 'formatVersion' | 'checkedAt' | 'extensionVersion' | 'source' | 'model' | 'decision'
> {
  return {
    format: 'lipsync-lens-report',
    formatVersion: 1,
    checkedAt: iso(meta.checkedAt),
    extensionVersion: meta.extensionVersion,
    source: meta.source,
    model: meta.model,
    decision: {
      threshold,
      userThreshold: meta.userThreshold ?? false,
      policy: meta.policy ?? DEFAULT_DECISION_POLICY,
    },
  };
}

/** The report of a finished file check (CLI, file page). */
export function reportFromCheck(result: CheckResult, meta: ReportMeta): ReportData {
  const figures = resultFigures(result);
  return {
    ...reportHeader(meta, result.threshold),
    verdict: result.verdict,
    state: result.state,
    figures: {
      offsetFrames: result.offsetFrames,
      offsetMs: result.offsetMs,
      minDist: result.minDist,
      confidence: result.confidence,
      pMismatch: figures.pMismatch,
      evidenceSeconds: figures.evidenceSeconds,
      checkedFrom: figures.checkedFrom,
      checkedTo: figures.checkedTo,
      segments: figures.segments,
      dists: result.dists,
      timeline: result.timeline,
    },
    media: {
      durationS: result.durationS,
      fps: result.fps,
      backend: result.backend,
      landmarking: result.landmarking,
      faces: result.faces,
      ...(result.cutOff ? { cutOff: result.cutOff } : {}),
    },
  };
}

/** The report of a live check's state (popup): its evidence so far, or its final verdict. */
export function reportFromState(state: SyncState, meta: ReportMeta): ReportData {
  const e: SyncEvidence | undefined = shownEvidence(state);
  return {
    ...reportHeader(meta, e?.threshold ?? null),
    verdict: e?.provisional ? null : verdictOf(state),
    state,
    figures: {
      offsetFrames: e?.offsetFrames ?? null,
      offsetMs: e?.offsetMs ?? null,
      minDist: e?.minDist ?? null,
      confidence: e?.confidence ?? null,
      pMismatch: e?.pMismatch ?? null,
      evidenceSeconds: e?.evidenceSeconds ?? null,
      checkedFrom: e?.checkedFrom ?? null,
      checkedTo: e?.checkedTo ?? null,
      segments: e?.segments ?? [],
      dists: e?.dists ?? [],
      timeline: e?.timeline ?? [],
    },
  };
}

/** "lipsync-lens embedded model" + "weights format 1 · weights.bin sha256 3f2a…" (in the UI language) from a weights manifest (and the hash of its weights.bin). */
export function modelFromManifest(
  choice: ModelChoice,
  manifest: { source?: string; formatVersion?: number; decision?: { fittedOn?: unknown } } | null,
  weightsSha256?: string | null,
  fallbackName?: string,
): ReportModel {
  const parts = [
    manifest?.formatVersion !== undefined ? t('report_weights_format', manifest.formatVersion) : null,
    weightsSha256 ? t('report_weights_sha256', weightsSha256.slice(0, 12)) : null,
  ].filter(Boolean);
  const fittedOn = manifest?.decision?.fittedOn;
  return {
    choice,
    name: manifest?.source ?? fallbackName ?? choice,
    version: parts.length ? parts.join(' · ') : null,
    ...(typeof fittedOn === 'string' ? { calibration: fittedOn } : {}),
  };
}

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** A file name to save the report as: "<name>.lipsync-report.html", without path separators or odd characters. */
export function reportFileName(data: ReportData, extension = 'html'): string {
  const base =
    data.source.kind === 'file'
      ? data.source.file.split(/[\\/]/).pop()!
      : `${data.source.video}-${data.checkedAt.slice(0, 19)}`;
  return `${base.replace(/[^\w.-]+/g, '_').slice(0, 120) || 'check'}.lipsync-report.${extension}`;
}

const SPAN_TONE: Record<SpanOutcome, Tone> = {
  'in-sync': 'real',
  shifted: 'shifted',
  mismatch: 'fake',
  'no-evidence': 'idle',
};
const VERDICT_TONE: Record<Verdict, Tone> = {
  real: 'real',
  shifted: 'shifted',
  fake: 'fake',
  'cannot-judge': 'unsure',
};

const CURVE = { width: 620, height: 150 };
const TIMELINE = { width: 620, height: 110 };
/** SVG coordinates to 0.1 px. */
const px = (v: number) => String(Math.round(v * 10) / 10);
const LABEL = 'font-size="11" fill="currentColor" opacity="0.75"';

function curveSvg(dists: number[], offsetFrames: number | null): string {
  const g = curveGeometry(dists, offsetFrames, CURVE.width, CURVE.height);
  if (!g) return '';
  const { width, height } = CURVE;
  return [
    `<svg class="distance-curve" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(t('report_curve'))}">`,
    `<polyline points="${g.points}" fill="none" stroke="currentColor" stroke-width="1.5"/>`,
    `<line x1="${px(g.zeroX)}" x2="${px(g.zeroX)}" y1="4" y2="${height - 18}" stroke="#888" stroke-dasharray="2 3"/>`,
    g.best ? `<circle cx="${px(g.best.x)}" cy="${px(g.best.y)}" r="3.5" fill="#f0b040"/>` : '',
    `<text x="${px(g.xs[0])}" y="${height - 3}" ${LABEL}>${escapeHtml(g.leftLabel)}</text>`,
    `<text x="${px(g.zeroX)}" y="${height - 3}" ${LABEL} text-anchor="middle">0</text>`,
    `<text x="${px(g.xs.at(-1)!)}" y="${height - 3}" ${LABEL} text-anchor="end">${escapeHtml(g.rightLabel)}</text>`,
    '</svg>',
  ].join('');
}

function timelineSvg(data: ReportData): string {
  const f = data.figures;
  const threshold = data.decision.threshold ?? 0;
  const checked = { from: f.checkedFrom ?? undefined, to: f.checkedTo ?? undefined };
  const g = timelineGeometry(f.timeline, threshold, f.segments, checked, TIMELINE.width, TIMELINE.height);
  if (!g) return '';
  const { width, height } = TIMELINE;
  const label = t('timeline_label', t('timeline_span', clockTime(g.range.from), clockTime(g.range.to)));
  return [
    `<svg class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(label)}">`,
    ...g.spans.map((r) => {
      const color = TONE_COLORS[SPAN_TONE[r.outcome]];
      return `<g class="span ${r.outcome}"><rect x="${px(r.x)}" width="${px(r.width)}" y="0" height="${g.plot}" fill="${color}" opacity="0.18"/><rect x="${px(r.x)}" width="${px(r.width)}" y="${g.plot - 4}" height="4" fill="${color}"/></g>`;
    }),
    `<line x1="0" x2="${width}" y1="${px(g.thresholdY)}" y2="${px(g.thresholdY)}" stroke="#888" stroke-dasharray="2 3"/>`,
    ...g.bars.map(
      (b) =>
        `<rect class="bar" x="${px(b.x)}" width="${px(b.width)}" y="${px(b.y)}" height="${px(b.height)}" fill="${TONE_COLORS[b.above ? 'real' : 'fake']}"><title>${escapeHtml(t('timeline_bar', clockTime(b.t), b.confidence.toFixed(2)))}</title></rect>`,
    ),
    `<text x="0" y="${height - 2}" ${LABEL}>${clockTime(g.range.from)}</text>`,
    `<text x="${width}" y="${height - 2}" ${LABEL} text-anchor="end">${clockTime(g.range.to)}</text>`,
    '</svg>',
  ].join('');
}

const row = (head: string, value: string | null | undefined, id?: string) =>
  value
    ? `<tr><th scope="row">${escapeHtml(head)}</th><td${id ? ` id="${id}"` : ''}>${escapeHtml(value)}</td></tr>`
    : '';

/** The certainty and evidence lines the views show, from the report's own figures. */
function judgement(data: ReportData): { certainty: string | null; evidence: string | null } {
  const f = data.figures;
  const asResult = { verdict: data.verdict ?? 'cannot-judge' } as CheckResult;
  const certainty = data.verdict ? certaintyLine(asResult, f.pMismatch) : null;
  const evidence = evidenceLine({
    segments: f.segments,
    pMismatch: f.pMismatch,
    evidenceSeconds: f.evidenceSeconds,
    checkedFrom: f.checkedFrom,
    checkedTo: f.checkedTo,
  });
  return { certainty, evidence };
}

function spansTable(segments: SyncSpan[]): string {
  const spans = (Object.keys(SPAN_WORDS) as SpanOutcome[])
    .flatMap((o) => spansOf(segments, o))
    .sort((a, b) => a.start - b.start);
  if (spans.length === 0) return `<p>${escapeHtml(t('report_no_spans'))}</p>`;
  const head = (
    ['report_th_span', 'report_th_seconds', 'report_th_outcome', 'report_th_probability'] as const
  )
    .map((h) => `<th scope="col">${escapeHtml(t(h))}</th>`)
    .join('');
  const rows = spans.map(
    (s) =>
      `<tr class="span ${s.outcome}"><td>${clockSpan(s.start, s.end)}</td><td>${escapeHtml(t('report_span_seconds', s.start.toFixed(2), s.end.toFixed(2)))}</td><td><span class="dot" style="background:${TONE_COLORS[SPAN_TONE[s.outcome]]}"></span>${escapeHtml(t(SPAN_WORDS[s.outcome]))}</td><td>${s.outcome === 'no-evidence' ? '—' : s.confidence.toFixed(2)}</td></tr>`,
  );
  return `<table id="spans" class="grid"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function policyText(policy: DecisionPolicy): string {
  return Object.entries(policy)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
}

/** JSON inside <script type="application/json">: "<" escaped so no text can close the element. */
function embeddedJson(data: ReportData): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The report's stylesheet (prints on white). */
const STYLE = `body { font: 14px/1.45 system-ui, sans-serif; color: #202124; background: #fff; max-width: 680px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 20px; margin: 0 0 8px; } h2 { font-size: 15px; margin: 20px 0 6px; }
.verdict { display: inline-block; padding: 4px 12px; border-radius: 12px; color: #fff; font-weight: 600; font-size: 16px; }
table { border-collapse: collapse; } th, td { text-align: left; vertical-align: top; padding: 2px 12px 2px 0; }
th[scope=row] { color: #5f6368; font-weight: normal; white-space: nowrap; } td { overflow-wrap: anywhere; }
.grid th, .grid td { border-bottom: 1px solid #dadce0; padding: 3px 10px 3px 0; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 6px; }
svg { max-width: 100%; height: auto; display: block; } .muted, footer { color: #5f6368; font-size: 12px; }
@media print { body { margin: 0; max-width: none; } .verdict, .dot, svg { print-color-adjust: exact; -webkit-print-color-adjust: exact; } section { break-inside: avoid; } }`;

/**
 * The report as one self-contained HTML document (no scripts to run, no remote resources;
 * prints on white), in the UI language: the browser's in the extension, English in node (the CLI).
 */
export function reportHtml(data: ReportData, lang = uiLanguage()): string {
  const look = stateLook(data.state);
  const verdictText = t(VERDICT_TEXT[data.verdict ?? 'unfinished']);
  const tone: Tone = data.verdict ? VERDICT_TONE[data.verdict] : look.tone;
  const f = data.figures;
  const { certainty, evidence } = judgement(data);
  const what = data.source.kind === 'file' ? data.source.file.split(/[\\/]/).pop()! : data.source.video;
  const heading = t('label_colon_text', t('report_title'), what);
  const checkedAt = data.checkedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  const source =
    data.source.kind === 'file'
      ? row(t('report_file'), data.source.file, 'file') +
        row('SHA-256', data.source.sha256, 'sha256') +
        row(t('report_audio'), data.source.audio)
      : row(t('report_page'), data.source.url ?? t('report_no_url'), 'page-url') +
        row(t('report_video_on_page'), data.source.video);
  const media = data.media
    ? t(
        'report_media',
        t('row_video', data.media.durationS.toFixed(1), data.media.fps, data.media.faces.length),
        data.media.backend,
        data.media.landmarking,
      )
    : null;
  const offset =
    f.offsetMs !== null && f.offsetFrames !== null
      ? t('offset_frames', offsetText(f.offsetMs), `${f.offsetFrames > 0 ? '+' : ''}${f.offsetFrames}`)
      : null;
  const confidence =
    f.confidence !== null
      ? t(
          'row_confidence',
          f.confidence.toFixed(3),
          String(data.decision.threshold),
          f.minDist?.toFixed(3) ?? '—',
        )
      : null;
  const threshold =
    data.decision.threshold === null
      ? null
      : data.decision.userThreshold
        ? t('report_threshold_user', data.decision.threshold)
        : String(data.decision.threshold);
  const curve = curveSvg(f.dists, f.offsetFrames);
  const timeline = timelineSvg(data);
  const section = (title: string, body: string) =>
    `<section><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lipsync-lens ${escapeHtml(data.extensionVersion)}">
<title>${escapeHtml(`${heading} — ${verdictText}`)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<main>
<h1>${escapeHtml(heading)}</h1>
<p><span class="verdict" id="verdict" data-verdict="${data.verdict ?? 'unfinished'}" style="background:${TONE_COLORS[tone]}">${escapeHtml(verdictText)}</span></p>
<p id="sentence">${escapeHtml(look.sentence)}</p>
<section>
<table class="figures"><tbody>
${source}${row(t('report_checked_at'), checkedAt, 'checked-at')}${row(t('th_certainty'), certainty)}${row(t('th_evidence'), evidence)}${row(t('th_cut_off'), cutOffLine(data.media?.cutOff), 'cut-off')}${row(t('th_offset'), offset)}${row(t('th_confidence'), confidence)}${row(t('th_video'), media)}
</tbody></table>
</section>
${section(t('report_spans'), spansTable(f.segments))}
${curve ? section(t('report_curve'), curve) : ''}
${timeline ? section(t('report_timeline'), timeline) : ''}
${section(
  t('report_model_heading'),
  `<table class="figures"><tbody>
${row(t('th_model'), `${data.model.name} (${data.model.choice})`, 'model')}${row(t('report_version'), data.model.version)}${row(t('report_threshold'), threshold)}${row(t('report_calibration'), data.model.calibration)}${row(t('report_policy'), policyText(data.decision.policy))}
</tbody></table>`,
)}
<footer><p>${escapeHtml(t('popup_blind_spots'))}</p><p>${escapeHtml(t('ext_name'))} <span id="version">${escapeHtml(data.extensionVersion)}</span> · ${escapeHtml(checkedAt)} · ${escapeHtml(t('report_footer'))}</p></footer>
</main>
<script type="application/json" id="report-data">${embeddedJson(data)}</script>
</body>
</html>
`;
}
