// The pure geometry behind the charts (src/ui/charts.tsx), kept apart so node tests can pin
// it: which offset each point of the distance curve is, and where media time falls on the
// timeline.
import type { SpanOutcome, SyncSpan } from '../core/state';
import { t } from '../shared/i18n';

/**
 * Offset in frames of distance index `index` of `count` (31): syncnet_python's
 * index j ↔ offset vshift − j, positive ⇒ the sound is heard early (see the SIGN
 * CONVENTION in src/core/sync/offset-search.ts). Index 0 is the sound 15 frames early.
 */
export function offsetOfIndex(index: number, count: number): number {
  return (count - 1) / 2 - index;
}

export function indexOfOffset(offsetFrames: number, count: number): number {
  return (count - 1) / 2 - offsetFrames;
}

/** "+15 sound early", "0 in sync", "−15 sound late". */
export function offsetLabel(offsetFrames: number): string {
  if (offsetFrames === 0) return t('chart_offset_zero');
  return offsetFrames > 0 ? t('chart_offset_early', offsetFrames) : t('chart_offset_late', -offsetFrames);
}

/** A stretch of media time, seconds. */
export interface MediaRange {
  from: number;
  to: number;
}

/**
 * What the timeline spans: the checked media span when the evidence has one, else the
 * extent of its points (each `step` long) and spans. A check started two minutes into a
 * video covers 2:00…2:10, not 0:00…2:10 with everything squashed at the right edge.
 */
export function timelineRange(
  points: readonly { t: number }[],
  segments: readonly SyncSpan[],
  checked: { from?: number; to?: number },
  step = timelineStep(points),
): MediaRange | null {
  const { from: checkedFrom, to: checkedTo } = checked;
  if (checkedFrom !== undefined && checkedTo !== undefined && checkedTo > checkedFrom) {
    // A point starting inside the span is drawn whole (the last bucket may end past checkedTo).
    const inside = points.filter((p) => p.t >= checkedFrom && p.t <= checkedTo).map((p) => p.t + step);
    return { from: checkedFrom, to: Math.max(checkedTo, ...inside) };
  }
  const starts = [...points.map((p) => p.t), ...segments.map((s) => s.start)];
  const ends = [...points.map((p) => p.t + step), ...segments.map((s) => s.end)];
  if (starts.length === 0) return null;
  const from = Math.min(...starts);
  return { from, to: Math.max(from + step, ...ends) };
}

/** Spacing of the timeline's points (the engine buckets them per second). */
export function timelineStep(points: readonly { t: number }[]): number {
  let step = Infinity;
  for (let i = 1; i < points.length; i++)
    if (points[i].t > points[i - 1].t) step = Math.min(step, points[i].t - points[i - 1].t);
  return Number.isFinite(step) ? step : 1;
}

export function mediaToX(t: number, range: MediaRange, width: number): number {
  return ((t - range.from) / (range.to - range.from)) * width;
}

/** The media time at x (clamped to the range): what a click there seeks to. */
export function xToMedia(x: number, range: MediaRange, width: number): number {
  const t = range.from + (x / width) * (range.to - range.from);
  return Math.min(range.to, Math.max(range.from, t));
}

export interface SpanRect {
  x: number;
  width: number;
  outcome: SpanOutcome;
}

/** The spans as rectangles on a timeline `width` wide, clipped to the range (at least 1 px, so a short span stays visible). */
export function spanRects(segments: readonly SyncSpan[], range: MediaRange, width: number): SpanRect[] {
  return segments
    .filter((s) => s.end > range.from && s.start < range.to)
    .map((s) => {
      const x = mediaToX(Math.max(s.start, range.from), range, width);
      const right = mediaToX(Math.min(s.end, range.to), range, width);
      return { x, width: Math.max(1, right - x), outcome: s.outcome };
    });
}

/** The distance curve drawn in a `width` × `height` box: what charts.tsx and the HTML report both draw. */
export interface CurveGeometry {
  /** SVG polyline points, "x,y x,y …". */
  points: string;
  /** x of each index. */
  xs: number[];
  /** x of offset 0. */
  zeroX: number;
  /** The chosen offset's point, when it is on the curve. */
  best: { x: number; y: number } | null;
  /** The end labels: index 0 (left) and the last index (right). */
  leftLabel: string;
  rightLabel: string;
}

export function curveGeometry(
  dists: readonly number[],
  offsetFrames: number | null,
  width: number,
  height: number,
): CurveGeometry | null {
  const n = dists.length;
  if (n === 0) return null;
  const min = Math.min(...dists);
  const max = Math.max(...dists);
  const x = (k: number) => 6 + (k / Math.max(1, n - 1)) * (width - 12);
  const y = (d: number) => 6 + (1 - (d - min) / (max - min || 1)) * (height - 26);
  const bestIndex = offsetFrames === null ? null : indexOfOffset(offsetFrames, n);
  return {
    points: dists.map((d, k) => `${x(k).toFixed(1)},${y(d).toFixed(1)}`).join(' '),
    xs: dists.map((_, k) => x(k)),
    zeroX: x(indexOfOffset(0, n)),
    best:
      bestIndex !== null && bestIndex >= 0 && bestIndex < n
        ? { x: x(bestIndex), y: y(dists[bestIndex]) }
        : null,
    leftLabel: offsetLabel(offsetOfIndex(0, n)),
    rightLabel: offsetLabel(offsetOfIndex(n - 1, n)),
  };
}

/** One per-second confidence bar of the timeline. */
export interface TimelineBar {
  t: number;
  confidence: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** At or above the threshold (drawn in the "real" colour). */
  above: boolean;
}

export interface TimelineGeometry {
  range: MediaRange;
  /** Height of the plot above the time axis. */
  plot: number;
  thresholdY: number;
  bars: TimelineBar[];
  spans: SpanRect[];
}

/** The timeline's bars and spans in a `width` × `height` box (`axis` px kept for the time labels). */
export function timelineGeometry(
  timeline: readonly { t: number; confidence: number }[],
  threshold: number,
  segments: readonly SyncSpan[],
  checked: { from?: number; to?: number },
  width: number,
  height: number,
  axis = 14,
): TimelineGeometry | null {
  const step = timelineStep(timeline);
  const range = timelineRange(timeline, segments, checked, step);
  if (!range) return null;
  const plot = height - axis;
  const top = Math.max(threshold * 2, ...timeline.map((p) => p.confidence));
  const bottom = Math.min(0, ...timeline.map((p) => p.confidence));
  const y = (c: number) => 4 + (1 - (c - bottom) / (top - bottom || 1)) * (plot - 8);
  const barWidth = Math.max(1.5, mediaToX(range.from + step, range, width) * 0.9);
  const bars = timeline
    .filter((p) => p.t + step > range.from && p.t < range.to)
    .map((p) => ({
      t: p.t,
      confidence: p.confidence,
      x: mediaToX(p.t, range, width),
      y: Math.min(y(p.confidence), y(0)),
      width: barWidth,
      height: Math.max(1, Math.abs(y(0) - y(p.confidence))),
      above: p.confidence >= threshold,
    }));
  return { range, plot, thresholdY: y(threshold), bars, spans: spanRects(segments, range, width) };
}
