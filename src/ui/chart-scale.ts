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
  for (let i = 1; i < points.length; i++) if (points[i].t > points[i - 1].t) step = Math.min(step, points[i].t - points[i - 1].t);
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
