// The two evidence plots every view shows: the 31-point distance curve (syncnet_python's
// mean distance per candidate offset; the dip is the offset) and the timeline of the
// checked media span: per-second confidence bars over the spans coloured by outcome
// (click, or arrow keys + Enter, to seek there in media time). Geometry: ./chart-scale.ts.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { SpanOutcome, SyncSpan } from '../core/state';
import { t } from '../shared/i18n';
import { clockTime } from '../shared/spans';
import { indexOfOffset, mediaToX, offsetLabel, offsetOfIndex, spanRects, timelineRange, timelineStep, xToMedia } from './chart-scale';

export interface DistanceCurveProps {
  dists: number[];
  offsetFrames: number | null;
  width?: number;
  height?: number;
}

const LABEL_SIZE = 11;

export function DistanceCurve({ dists, offsetFrames, width = 300, height = 90 }: DistanceCurveProps) {
  if (dists.length === 0) return null;
  const n = dists.length;
  const min = Math.min(...dists);
  const max = Math.max(...dists);
  const x = (k: number) => 6 + (k / (n - 1)) * (width - 12);
  const y = (d: number) => 6 + (1 - (d - min) / (max - min || 1)) * (height - 26);
  const points = dists.map((d, k) => `${x(k).toFixed(1)},${y(d).toFixed(1)}`).join(' ');
  const best = offsetFrames === null ? null : indexOfOffset(offsetFrames, n);
  const zero = indexOfOffset(0, n);
  const described = t('chart_curve_label', offsetOfIndex(0, n));
  return (
    <svg class="distance-curve" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img"
      aria-label={offsetFrames === null ? described : t('chart_curve_best', described, offsetLabel(offsetFrames))}>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
      <line x1={x(zero)} x2={x(zero)} y1={4} y2={height - 18} stroke="#888" stroke-dasharray="2 3" />
      {best !== null && best >= 0 && best < n && <circle cx={x(best)} cy={y(dists[best])} r="3.5" fill="#f0b040" />}
      <text class="left" x={x(0)} y={height - 3} font-size={LABEL_SIZE} fill="currentColor" opacity="0.75">{offsetLabel(offsetOfIndex(0, n))}</text>
      <text x={x(zero)} y={height - 3} font-size={LABEL_SIZE} fill="currentColor" opacity="0.75" text-anchor="middle">0</text>
      <text class="right" x={x(n - 1)} y={height - 3} font-size={LABEL_SIZE} fill="currentColor" opacity="0.75" text-anchor="end">{offsetLabel(offsetOfIndex(n - 1, n))}</text>
    </svg>
  );
}

/** Span colours: the theme's verdict colours (each view defines these custom properties). */
const SPAN_FILL: Record<SpanOutcome, string> = {
  'in-sync': 'var(--real)',
  shifted: 'var(--shifted)',
  mismatch: 'var(--fake)',
  'no-evidence': 'var(--muted)',
};

export interface TimelineProps {
  timeline: { t: number; confidence: number }[];
  threshold: number;
  /** Spans of the checked media, coloured by outcome. */
  segments?: SyncSpan[];
  /** The checked media span; absent, the extent of the points and spans. */
  checkedFrom?: number;
  checkedTo?: number;
  width?: number;
  height?: number;
  /** Seek the video to this media time (seconds). */
  onSeek?: (mediaTime: number) => void;
}

const AXIS = 14;

export function Timeline({ timeline, threshold, segments = [], checkedFrom, checkedTo, width = 300, height = 60, onSeek }: TimelineProps) {
  const [cursor, setCursor] = useState<number | null>(null);
  const step = timelineStep(timeline);
  const range = timelineRange(timeline, segments, { from: checkedFrom, to: checkedTo }, step);
  if (!range) return null;
  const plot = height - AXIS;
  const top = Math.max(threshold * 2, ...timeline.map((p) => p.confidence));
  const bottom = Math.min(0, ...timeline.map((p) => p.confidence));
  const y = (c: number) => 4 + (1 - (c - bottom) / (top - bottom || 1)) * (plot - 8);
  const barWidth = Math.max(1.5, mediaToX(range.from + step, range, width) * 0.9);
  const at = cursor ?? range.from;
  const move = (t: number) => setCursor(Math.min(range.to, Math.max(range.from, t)));
  const onKeyDown = (event: KeyboardEvent) => {
    const moves: Record<string, number> = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -10, PageUp: 10 };
    if (event.key in moves) move(at + moves[event.key]);
    else if (event.key === 'Home') move(range.from);
    else if (event.key === 'End') move(range.to);
    else if (event.key === 'Enter' || event.key === ' ') onSeek?.(at);
    else return;
    event.preventDefault();
  };
  const onClick = (event: MouseEvent) => {
    const box = (event.currentTarget as SVGSVGElement).getBoundingClientRect();
    const t = xToMedia(((event.clientX - box.left) / (box.width || width)) * width, range, width);
    setCursor(t);
    onSeek?.(t);
  };
  const span = t('timeline_span', clockTime(range.from), clockTime(range.to));
  const seekable: JSX.SVGAttributes<SVGSVGElement> = onSeek
    ? { role: 'slider', tabIndex: 0, 'aria-valuemin': range.from, 'aria-valuemax': range.to, 'aria-valuenow': at, 'aria-valuetext': clockTime(at),
        'aria-label': t('timeline_label_seek', span), onKeyDown, onClick,
        onFocus: () => setCursor(at), style: { cursor: 'pointer' } }
    : { role: 'img', 'aria-label': t('timeline_label', span) };
  return (
    <svg class="timeline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} {...seekable}>
      {spanRects(segments, range, width).map((r) => (
        <g key={`${r.x}`} class={`span ${r.outcome}`}>
          <rect x={r.x} width={r.width} y={0} height={plot} fill={SPAN_FILL[r.outcome]} opacity="0.18" />
          <rect x={r.x} width={r.width} y={plot - 4} height={4} fill={SPAN_FILL[r.outcome]} />
        </g>
      ))}
      <line x1={0} x2={width} y1={y(threshold)} y2={y(threshold)} stroke="#888" stroke-dasharray="2 3" />
      {timeline.filter((p) => p.t + step > range.from && p.t < range.to).map((p) => (
        <rect key={p.t} class="bar" data-t={p.t} x={mediaToX(p.t, range, width)} width={barWidth} y={Math.min(y(p.confidence), y(0))}
          height={Math.max(1, Math.abs(y(0) - y(p.confidence)))} fill={p.confidence >= threshold ? 'var(--real)' : 'var(--fake)'}>
          <title>{t('timeline_bar', clockTime(p.t), p.confidence.toFixed(2))}</title>
        </rect>
      ))}
      {cursor !== null && <line class="cursor" x1={mediaToX(cursor, range, width)} x2={mediaToX(cursor, range, width)} y1={0} y2={plot} stroke="currentColor" />}
      <text x={0} y={height - 2} font-size={LABEL_SIZE} fill="currentColor" opacity="0.75">{clockTime(range.from)}</text>
      <text x={width} y={height - 2} font-size={LABEL_SIZE} fill="currentColor" opacity="0.75" text-anchor="end">{clockTime(range.to)}</text>
    </svg>
  );
}
