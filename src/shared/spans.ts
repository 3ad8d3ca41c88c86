// Media times and spans in words, for every view that names where something happened
// (state sentences, the file page's span list, the CLI report). Media time is the time
// the player shows, so "0:12" here is what a viewer finds on the video's own scrubber.
import type { SpanOutcome, SyncSpan } from '../core/state';
import { t, type MessageKey } from './i18n';

/** "0:07", "2:05", "1:02:03" — the player's own clock format (whole seconds, rounded down). */
export function clockTime(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds + 1e-6));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** "0:12–0:15" (a span shorter than a displayed second still shows a distinct end). */
export function clockSpan(start: number, end: number): string {
  const from = clockTime(start);
  const to = clockTime(end);
  return from === to ? `${from}–${clockTime(end + 1)}` : `${from}–${to}`;
}

/**
 * Spans of one outcome, with touching or overlapping neighbours joined: the decision may
 * cut a long stretch into windows, but a reader wants "0:12–0:18", not three pieces.
 */
export function spansOf(segments: readonly SyncSpan[], outcome: SpanOutcome): SyncSpan[] {
  const joined: SyncSpan[] = [];
  for (const span of [...segments].filter((s) => s.outcome === outcome).sort((a, b) => a.start - b.start)) {
    const last = joined.at(-1);
    if (last && span.start <= last.end + 1e-3) {
      last.confidence = Math.max(last.confidence, span.confidence);
      last.end = Math.max(last.end, span.end);
    } else joined.push({ ...span });
  }
  return joined;
}

export const SPAN_WORDS: Record<SpanOutcome, MessageKey> = {
  'in-sync': 'span_in_sync',
  shifted: 'span_shifted',
  mismatch: 'span_mismatch',
  'no-evidence': 'span_no_evidence',
};

/** One line per span in time order, e.g. "0:12–0:15 voice does not match the lips". */
export function spanLines(segments: readonly SyncSpan[]): string[] {
  const outcomes = Object.keys(SPAN_WORDS) as SpanOutcome[];
  return outcomes
    .flatMap((outcome) => spansOf(segments, outcome))
    .sort((a, b) => a.start - b.start)
    .map((span) => `${clockSpan(span.start, span.end)} ${t(SPAN_WORDS[span.outcome])}`);
}

/** "from 0:12 to 0:15", "from 0:12 to 0:15 and from 0:40 to 0:44", "in 4 places, first from 0:12 to 0:15". */
export function whereWords(spans: readonly SyncSpan[]): string {
  const one = (s: SyncSpan) => {
    const [from, to] = clockSpan(s.start, s.end).split('–');
    return t('where_from_to', from, to);
  };
  if (spans.length === 0) return '';
  if (spans.length === 1) return one(spans[0]);
  if (spans.length === 2) return t('where_two', one(spans[0]), one(spans[1]));
  return t('where_many', spans.length, one(spans[0]));
}
