// The charts' geometry: which offset each point of the distance curve is (issue 14: the
// curve's ends were labelled the wrong way round), and where media time falls on the
// timeline (a check started mid-video fills the width; spans sit where they happened).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VNode } from 'preact';
import { searchOffset } from '../../src/core/sync/offset-search';
import {
  indexOfOffset,
  mediaToX,
  offsetLabel,
  offsetOfIndex,
  spanRects,
  timelineRange,
  timelineStep,
  xToMedia,
} from '../../src/ui/chart-scale';
import { DistanceCurve } from '../../src/ui/charts';
import type { SyncSpan } from '../../src/core/state';

test('curve index ↔ offset: index 0 is +15 (sound early), the middle 0, the last −15 (sound late)', () => {
  assert.deepEqual([offsetOfIndex(0, 31), offsetOfIndex(15, 31), offsetOfIndex(30, 31)], [15, 0, -15]);
  for (let k = 0; k < 31; k++) assert.equal(indexOfOffset(offsetOfIndex(k, 31), 31), k);
  // Sound far out of step: the curve spans ±40 (81 points), the same mapping.
  assert.deepEqual([offsetOfIndex(0, 81), offsetOfIndex(40, 81), offsetOfIndex(80, 81)], [40, 0, -40]);
  assert.equal(indexOfOffset(-25, 81), 65);
  assert.deepEqual(
    [offsetLabel(15), offsetLabel(0), offsetLabel(-15)],
    ['+15 sound early', '0 in sync', '−15 sound late'],
  );
});

/** Unit vectors that differ per window, so only the true alignment matches. */
function embeddings(count: number): Float32Array[] {
  return Array.from({ length: count }, (_, i) =>
    Float32Array.from({ length: 16 }, (_, d) => Math.sin(i * 1.7 + d * 0.9) + Math.cos(i * i * 0.31 + d)),
  );
}

test('the curve agrees with the offset search: sound 3 windows early ⇒ the dip left of centre, labelled "sound early"', () => {
  const v = embeddings(60);
  const lip = v.slice(0, 54);
  const audio = v.slice(3, 57); // audio[i − 3] = lip[i]: the sound of video window i comes 3 windows early
  const result = searchOffset(lip, audio);
  assert.equal(result.offsetFrames, 3);
  const dists = [...result.meanDists];
  const argmin = dists.indexOf(Math.min(...dists));
  assert.equal(offsetOfIndex(argmin, dists.length), 3);
  assert.match(offsetLabel(offsetOfIndex(argmin, dists.length)), /sound early/);

  // The rendered curve: the marker at the dip, left of the centre line; the left end says "sound early".
  const svg = DistanceCurve({ dists, offsetFrames: result.offsetFrames }) as VNode<{ children: unknown[] }>;
  const children = (svg.props.children as (VNode<Record<string, unknown>> | false)[]).filter(
    (c): c is VNode<Record<string, unknown>> => !!c,
  );
  const circle = children.find((c) => c.type === 'circle')!;
  const centre = children.find((c) => c.type === 'line')!;
  assert.ok(Number(circle.props.cx) < Number(centre.props.x1), 'the dip of a sound-early clip is left of 0');
  const texts = children.filter((c) => c.type === 'text');
  assert.deepEqual(
    texts.map((t) => t.props.children),
    ['+15 sound early', '0', '−15 sound late'],
  );
  assert.ok(Number(texts[0].props.x) < Number(texts[2].props.x));
  assert.match(
    String(svg.props['aria-label' as never]),
    /sound 15 frames early \(left\) to 15 frames late \(right\); best \+3 sound early/,
  );
});

const points = (from: number, seconds: number) =>
  Array.from({ length: seconds }, (_, i) => ({ t: from + i, confidence: 5 }));

test('timeline range: a check from 2:00 covering 10 s fills the width, not a sliver at the right', () => {
  const range = timelineRange(points(120, 10), [], { from: 120, to: 130 })!;
  assert.deepEqual(range, { from: 120, to: 130 });
  assert.equal(mediaToX(120, range, 300), 0);
  assert.equal(mediaToX(130, range, 300), 300);
  assert.equal(mediaToX(125, range, 300), 150);
  // A checked span ending at the last point's start still draws that last second whole.
  assert.deepEqual(timelineRange(points(120, 10), [], { from: 120, to: 129 }), { from: 120, to: 130 });
  // Without a checked span (evidence from before the field existed): the points' own extent.
  assert.deepEqual(timelineRange(points(120, 10), [], { from: 0, to: 0 }), { from: 120, to: 130 });
  assert.deepEqual(timelineRange([], [{ start: 3, end: 9, outcome: 'in-sync', confidence: 1 }], {}), {
    from: 3,
    to: 9,
  });
  assert.equal(timelineRange([], [], {}), null);
  assert.equal(timelineStep(points(0, 5)), 1);
  assert.equal(timelineStep([{ t: 4 }]), 1);
});

test('a click seeks to the media time under it (clamped to the checked span)', () => {
  const range = { from: 120, to: 130 };
  assert.equal(xToMedia(0, range, 300), 120);
  assert.equal(xToMedia(150, range, 300), 125);
  assert.equal(xToMedia(300, range, 300), 130);
  assert.equal(xToMedia(-20, range, 300), 120);
  assert.equal(xToMedia(999, range, 300), 130);
});

test('spans are placed where they happened in media time, clipped to the range, never invisible', () => {
  const range = { from: 120, to: 130 };
  const segments: SyncSpan[] = [
    { start: 110, end: 122, outcome: 'in-sync', confidence: 0.9 },
    { start: 122, end: 125, outcome: 'mismatch', confidence: 0.95 },
    { start: 125, end: 125.01, outcome: 'shifted', confidence: 0.7 },
    { start: 125.01, end: 140, outcome: 'no-evidence', confidence: 0 },
    { start: 200, end: 210, outcome: 'mismatch', confidence: 0.9 },
  ];
  const rects = spanRects(segments, range, 300);
  assert.deepEqual(
    rects.map((r) => r.outcome),
    ['in-sync', 'mismatch', 'shifted', 'no-evidence'],
  );
  assert.deepEqual([rects[0].x, rects[0].width], [0, 60]);
  assert.deepEqual([rects[1].x, rects[1].width], [60, 90]);
  assert.equal(rects[2].width, 1, 'a 10 ms span is still a pixel wide');
  assert.ok(Math.abs(rects[3].x + rects[3].width - 300) < 1e-9, 'clipped at the end of the range');
});
