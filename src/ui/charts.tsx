// The two evidence plots every view shows: the 31-point distance curve (syncnet_python's
// mean distance per candidate offset, 81 points when the sound is far out of step; the dip
// is the offset) and the timeline of the checked media span: per-second confidence bars
// over the spans coloured by outcome (click, or arrow keys + Enter, to seek there in media
// time). Geometry: ./chart-scale.ts.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { SpanOutcome, SyncSpan } from '../core/state';
import { t } from '../shared/i18n';
import { clockTime } from '../shared/spans';
import {
  curveGeometry,
  mediaToX,
  offsetLabel,
  offsetOfIndex,
  timelineGeometry,
  xToMedia,
} from './chart-scale';

export interface DistanceCurveProps {
  dists: number[];
  offsetFrames: number | null;
  width?: number;
  height?: number;
}

const LABEL_SIZE = 11;

export function DistanceCurve({ dists, offsetFrames, width = 300, height = 90 }: DistanceCurveProps) {
  const curve = curveGeometry(dists, offsetFrames, width, height);
  if (!curve) return null;
  const n = dists.length;
  const described = t('chart_curve_label', offsetOfIndex(0, n));
  return (
    <svg
      class="distance-curve"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={
        offsetFrames === null ? described : t('chart_curve_best', described, offsetLabel(offsetFrames))
      }
    >
      <polyline points={curve.points} fill="none" stroke="currentColor" stroke-width="1.5" />
      <line x1={curve.zeroX} x2={curve.zeroX} y1={4} y2={height - 18} stroke="#888" stroke-dasharray="2 3" />
      {curve.best && <circle cx={curve.best.x} cy={curve.best.y} r="3.5" fill="#f0b040" />}
      <text
        class="left"
        x={curve.xs[0]}
        y={height - 3}
        font-size={LABEL_SIZE}
        fill="currentColor"
        opacity="0.75"
      >
        {curve.leftLabel}
      </text>
      <text
        x={curve.zeroX}
        y={height - 3}
        font-size={LABEL_SIZE}
        fill="currentColor"
        opacity="0.75"
        text-anchor="middle"
      >
        0
      </text>
      <text
        class="right"
        x={curve.xs[n - 1]}
        y={height - 3}
        font-size={LABEL_SIZE}
        fill="currentColor"
        opacity="0.75"
        text-anchor="end"
      >
        {curve.rightLabel}
      </text>
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

export function Timeline({
  timeline,
  threshold,
  segments = [],
  checkedFrom,
  checkedTo,
  width = 300,
  height = 60,
  onSeek,
}: TimelineProps) {
  const [cursor, setCursor] = useState<number | null>(null);
  const geometry = timelineGeometry(
    timeline,
    threshold,
    segments,
    { from: checkedFrom, to: checkedTo },
    width,
    height,
    AXIS,
  );
  if (!geometry) return null;
  const { range, plot } = geometry;
  const at = cursor ?? range.from;
  const move = (t: number) => setCursor(Math.min(range.to, Math.max(range.from, t)));
  const onKeyDown = (event: KeyboardEvent) => {
    const moves: Record<string, number> = {
      ArrowLeft: -1,
      ArrowDown: -1,
      ArrowRight: 1,
      ArrowUp: 1,
      PageDown: -10,
      PageUp: 10,
    };
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
    ? {
        role: 'slider',
        tabIndex: 0,
        'aria-valuemin': range.from,
        'aria-valuemax': range.to,
        'aria-valuenow': at,
        'aria-valuetext': clockTime(at),
        'aria-label': t('timeline_label_seek', span),
        onKeyDown,
        onClick,
        onFocus: () => setCursor(at),
        style: { cursor: 'pointer' },
      }
    : { role: 'img', 'aria-label': t('timeline_label', span) };
  return (
    <svg class="timeline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} {...seekable}>
      {geometry.spans.map((r) => (
        <g key={`${r.x}`} class={`span ${r.outcome}`}>
          <rect x={r.x} width={r.width} y={0} height={plot} fill={SPAN_FILL[r.outcome]} opacity="0.18" />
          <rect x={r.x} width={r.width} y={plot - 4} height={4} fill={SPAN_FILL[r.outcome]} />
        </g>
      ))}
      <line
        x1={0}
        x2={width}
        y1={geometry.thresholdY}
        y2={geometry.thresholdY}
        stroke="#888"
        stroke-dasharray="2 3"
      />
      {geometry.bars.map((b) => (
        <rect
          key={b.t}
          class="bar"
          data-t={b.t}
          x={b.x}
          width={b.width}
          y={b.y}
          height={b.height}
          fill={b.above ? 'var(--real)' : 'var(--fake)'}
        >
          <title>{t('timeline_bar', clockTime(b.t), b.confidence.toFixed(2))}</title>
        </rect>
      ))}
      {cursor !== null && (
        <line
          class="cursor"
          x1={mediaToX(cursor, range, width)}
          x2={mediaToX(cursor, range, width)}
          y1={0}
          y2={plot}
          stroke="currentColor"
        />
      )}
      <text x={0} y={height - 2} font-size={LABEL_SIZE} fill="currentColor" opacity="0.75">
        {clockTime(range.from)}
      </text>
      <text
        x={width}
        y={height - 2}
        font-size={LABEL_SIZE}
        fill="currentColor"
        opacity="0.75"
        text-anchor="end"
      >
        {clockTime(range.to)}
      </text>
    </svg>
  );
}
