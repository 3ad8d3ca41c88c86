// The evaluation report's two figures as self-contained SVG text (no plotting library,
// no DOM): the confidence histogram of real vs fake clips — the VidTIMIT study's figure —
// with the decision threshold, and the ROC curve of real vs audio-swapped.
import type { RocPoint } from './metrics';

const W = 640;
const H = 400;
const M = { left: 60, right: 20, top: 40, bottom: 50 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number): string =>
  Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(2);

function frame(title: string, xLabel: string, yLabel: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<text x="${M.left + PW / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(16 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#333"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function ticks(lo: number, hi: number, count: number): number[] {
  const step = (hi - lo) / count;
  return Array.from({ length: count + 1 }, (_, i) => lo + i * step);
}

export interface HistogramSeries {
  label: string;
  values: readonly number[];
  colour: string;
}

/** Overlaid histograms (outlined bars, one colour per series) with an optional threshold line. */
export function histogramSvg(
  title: string,
  series: readonly HistogramSeries[],
  options: { bins?: number; threshold?: number; xLabel?: string } = {},
): string {
  const bins = options.bins ?? 30;
  const all = series.flatMap((s) => s.values);
  const lo0 = all.length ? Math.min(...all, options.threshold ?? Infinity) : 0;
  const hi0 = all.length ? Math.max(...all, options.threshold ?? -Infinity) : 1;
  const pad = (hi0 - lo0) * 0.02 || 0.5;
  const lo = lo0 - pad;
  const hi = hi0 + pad;
  const width = (hi - lo) / bins;
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s.values) c[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
    return c;
  });
  const top = Math.max(1, ...counts.flat());
  const x = (v: number) => M.left + ((v - lo) / (hi - lo)) * PW;
  const y = (c: number) => M.top + PH - (c / top) * PH;
  const body: string[] = [];
  for (const t of ticks(lo, hi, 8))
    body.push(`<text x="${x(t)}" y="${M.top + PH + 16}" text-anchor="middle">${fmt(t)}</text>`);
  for (const t of ticks(0, top, Math.min(5, top)))
    body.push(`<text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  series.forEach((s, k) => {
    counts[k].forEach((c, b) => {
      if (c === 0) return;
      const box = `x="${x(lo + b * width)}" y="${y(c)}" width="${(PW / bins).toFixed(2)}" height="${(M.top + PH - y(c)).toFixed(2)}"`;
      body.push(`<rect ${box} fill="${s.colour}" fill-opacity="0.35" stroke="${s.colour}"/>`);
    });
    body.push(
      `<rect x="${M.left + 10}" y="${M.top + 10 + 18 * k}" width="12" height="12" fill="${s.colour}" fill-opacity="0.5" stroke="${s.colour}"/>`,
    );
    body.push(
      `<text x="${M.left + 28}" y="${M.top + 21 + 18 * k}">${esc(`${s.label} (n = ${s.values.length})`)}</text>`,
    );
  });
  if (options.threshold !== undefined) {
    const tx = x(options.threshold);
    body.push(
      `<line x1="${tx}" y1="${M.top}" x2="${tx}" y2="${M.top + PH}" stroke="#000" stroke-dasharray="5 4"/>`,
    );
    body.push(`<text x="${tx + 4}" y="${M.top + 14}">threshold ${fmt(options.threshold)}</text>`);
  }
  return frame(title, options.xLabel ?? 'confidence (median − min distance)', 'clips', body);
}

/** ROC curve (true-positive rate of "real" against false-positive rate) with the chance diagonal. */
export function rocSvg(title: string, points: readonly RocPoint[], auc: number): string {
  const x = (v: number) => M.left + v * PW;
  const y = (v: number) => M.top + PH - v * PH;
  const body: string[] = [];
  for (const t of ticks(0, 1, 5)) {
    body.push(`<text x="${x(t)}" y="${M.top + PH + 16}" text-anchor="middle">${fmt(t)}</text>`);
    body.push(`<text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  body.push(
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 4"/>`,
  );
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.fpr).toFixed(2)},${y(p.tpr).toFixed(2)}`)
    .join(' ');
  body.push(`<path d="${path} L${x(1)},${y(1)}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  body.push(`<text x="${x(0.55)}" y="${y(0.12)}" font-size="14">AUC = ${auc.toFixed(3)}</text>`);
  return frame(
    title,
    'false-positive rate (fakes called real)',
    'true-positive rate (reals called real)',
    body,
  );
}
