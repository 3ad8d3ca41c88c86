// How every state reads: the four outcomes' badges, tones and sentences (certainty in words,
// "so far" while provisional, where a mismatch is), and which state a tab's badge shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  announcement,
  BADGE_COLORS,
  certaintyWords,
  headlineState,
  shownEvidence,
  stateLook,
} from '../../src/shared/state-look';
import { clockSpan, clockTime, spanLines, spansOf, whereWords } from '../../src/shared/spans';
import type { SyncEvidence, SyncSpan, SyncState } from '../../src/core/state';
import { evidenceOf } from '../helpers/states';

const evidence = (over: Partial<SyncEvidence> = {}): SyncEvidence =>
  evidenceOf({ pMismatch: 0.02, checkedTo: 30, ...over });
const span = (start: number, end: number, outcome: SyncSpan['outcome'], confidence = 0.9): SyncSpan => ({
  start,
  end,
  outcome,
  confidence,
});

test('in sync: REAL, green, certainty from 1 − pMismatch, the seconds of speech', () => {
  const look = stateLook({ status: 'in-sync', evidence: evidence({ pMismatch: 0.02 }) });
  assert.deepEqual([look.badge, look.tone, look.label, look.color], ['REAL', 'real', 'Real', '#188038']);
  assert.equal(
    look.sentence,
    'Lips and voice very likely belong together and are in sync (8 s of speech checked).',
  );
});

test('shifted: its own violet tone (not the fake red), the offset in words, and not called a fake', () => {
  const look = stateLook({
    status: 'shifted',
    evidence: evidence({ offsetFrames: 5, offsetMs: 200, pMismatch: 0.2 }),
  });
  assert.deepEqual([look.badge, look.tone, look.label], ['SHFT', 'shifted', 'Shifted']);
  assert.notEqual(look.color, stateLook({ status: 'mismatch', evidence: evidence() }).color);
  assert.match(
    look.sentence,
    /^Lips and voice likely belong together, but out of step \(sound 200 ms early\)/,
  );
  assert.match(look.sentence, /not a sign of a fake/);
  assert.match(
    stateLook({ status: 'shifted', evidence: evidence({ offsetFrames: -6, offsetMs: -240 }) }).sentence,
    /sound 240 ms late/,
  );
});

test('mismatch: FAKE, certainty from pMismatch, and where: one span, two spans, many, throughout, none', () => {
  const at = (segments: SyncSpan[], pMismatch = 0.95) =>
    stateLook({ status: 'mismatch', evidence: evidence({ segments, pMismatch }) }).sentence;
  const look = stateLook({ status: 'mismatch', evidence: evidence() });
  assert.deepEqual([look.badge, look.tone, look.label], ['FAKE', 'fake', 'Fake?']);
  assert.equal(
    at([span(0, 12, 'in-sync'), span(12, 15, 'mismatch'), span(15, 30, 'in-sync')]),
    'The voice very likely does not belong to the lips on screen from 0:12 to 0:15: swapped, dubbed or a voice-over (or its sound is more than 0.6 s out of step).',
  );
  assert.match(
    at([span(12, 14, 'mismatch'), span(14, 15.5, 'mismatch')], 0.995),
    /almost certainly .* from 0:12 to 0:15:/,
    'touching spans join',
  );
  assert.match(
    at([span(2, 4, 'mismatch'), span(20, 23, 'mismatch')], 0.7),
    /likely .* from 0:02 to 0:04 and from 0:20 to 0:23:/,
  );
  assert.match(
    at([span(1, 2, 'mismatch'), span(5, 6, 'mismatch'), span(9, 10, 'mismatch')]),
    /in 3 places, first from 0:01 to 0:02:/,
  );
  assert.match(at([span(0, 29, 'mismatch')]), /throughout the part checked \(0:00–0:30\):/);
  assert.match(at([], 0.5), /^The voice possibly does not belong to the lips on screen: swapped/);
});

test('provisional verdicts read as "so far", in the label and the sentence', () => {
  const real = stateLook({ status: 'in-sync', evidence: evidence({ provisional: true }) });
  assert.equal(real.label, 'Real so far');
  assert.match(real.sentence, /^So far, lips and voice very likely belong together/);
  assert.match(
    stateLook({ status: 'mismatch', evidence: evidence({ provisional: true }) }).sentence,
    /^So far, the voice/,
  );
  assert.match(
    stateLook({ status: 'shifted', evidence: evidence({ provisional: true, offsetMs: 200 }) }).label,
    /^Shifted so far$/,
  );
  assert.equal(real.badge, 'REAL', 'the badge stays 4 characters');
});

test("can't judge: '?', the reason in words (new reasons included), detail appended; evidence it carries is shown", () => {
  const look = stateLook({ status: 'cannot-judge', reason: 'no-speaking-face' });
  assert.deepEqual([look.badge, look.tone], ['?', 'unsure']);
  assert.match(look.sentence, /no face on screen is speaking/);
  assert.match(
    stateLook({ status: 'cannot-judge', reason: 'uncertain', detail: '1.2 s' }).sentence,
    /not clear enough .*\(1\.2 s\)$/,
  );
  const e = evidence();
  assert.equal(shownEvidence({ status: 'cannot-judge', reason: 'uncertain', evidence: e }), e);
  assert.equal(shownEvidence({ status: 'shifted', evidence: e }), e);
  assert.equal(shownEvidence({ status: 'idle' }), undefined);
});

test('every badge fits 4 characters and every badge colour carries white text at ≥ 4.5:1', () => {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5]
      .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const states: SyncState[] = [
    { status: 'idle' },
    { status: 'loading', what: 'x' },
    { status: 'waiting-for-speech', seconds: 1 },
    { status: 'checking', progress: 0.999 },
    { status: 'in-sync', evidence: evidence() },
    { status: 'shifted', evidence: evidence() },
    { status: 'mismatch', evidence: evidence() },
    { status: 'cannot-judge', reason: 'no-face' },
    { status: 'error', message: 'x' },
  ];
  for (const state of states) {
    const look = stateLook(state);
    assert.ok(look.badge.length <= 4, `${state.status}: ${look.badge}`);
    assert.ok(1.05 / (luminance(look.color) + 0.05) >= 4.5, `${state.status}: ${look.color}`);
  }
});

test('certainty words follow the verbal probability scale', () => {
  assert.deepEqual([0.995, 0.95, 0.7, 0.5].map(certaintyWords), [
    'almost certainly',
    'very likely',
    'likely',
    'possibly',
  ]);
});

test('headline: mismatch > shifted > in sync > work in progress > cannot-judge', () => {
  const e = evidence();
  const all: SyncState[] = [
    { status: 'checking', progress: 0.2 },
    { status: 'in-sync', evidence: e },
    { status: 'shifted', evidence: e },
    { status: 'mismatch', evidence: e },
  ];
  assert.equal(headlineState(all).status, 'mismatch');
  assert.equal(headlineState(all.slice(0, 3)).status, 'shifted');
  assert.equal(headlineState(all.slice(0, 2)).status, 'in-sync');
  assert.equal(headlineState([{ status: 'cannot-judge', reason: 'silent' }, all[0]]).status, 'checking');
  assert.equal(headlineState([]).status, 'idle');
});

test('media times and spans in words', () => {
  assert.deepEqual(
    [clockTime(0), clockTime(7.9), clockTime(125), clockTime(3723)],
    ['0:00', '0:07', '2:05', '1:02:03'],
  );
  assert.equal(clockSpan(12, 15), '0:12–0:15');
  assert.equal(clockSpan(12.2, 12.8), '0:12–0:13', 'a sub-second span still shows an end');
  const segments = [
    span(15, 30, 'in-sync'),
    span(12, 14, 'mismatch'),
    span(0, 12, 'in-sync'),
    span(14, 15, 'mismatch'),
    span(30, 31, 'no-evidence'),
  ];
  assert.deepEqual(
    spansOf(segments, 'mismatch').map((s) => [s.start, s.end]),
    [[12, 15]],
  );
  assert.deepEqual(spanLines(segments), [
    '0:00–0:12 voice matches the lips',
    '0:12–0:15 voice does not match the lips',
    '0:15–0:30 voice matches the lips',
    '0:30–0:31 nothing to judge (no speaking face or no speech)',
  ]);
  assert.equal(whereWords([]), '');
});

/** WCAG 2.1 contrast ratio of two colours (#rrggbb / #rgb), composited over `under` when `alpha` < 1. */
function contrast(fg: string, bg: string, alpha = 1, under = '#000000'): number {
  const rgb = (hex: string) =>
    hex.length === 4
      ? [1, 2, 3].map((i) => parseInt(hex[i] + hex[i], 16))
      : [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const base = rgb(bg).map((v, i) => v * alpha + rgb(under)[i] * (1 - alpha));
  const luminance = (c: number[]) => {
    const [r, g, b] = c
      .map((v) => v / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [luminance(rgb(fg)), luminance(base)].sort((a, b) => b - a);
  return (hi + 0.05) / (lo + 0.05);
}

test("WCAG AA contrast (≥ 4.5:1) for every badge, pill and text colour: toolbar badges, the views' verdict pills, text on the page and on the overlay", () => {
  // Toolbar badges: white text (the background sets it) on each tone's colour.
  for (const [tone, color] of Object.entries(BADGE_COLORS))
    assert.ok(
      contrast('#ffffff', color) >= 4.5,
      `badge ${tone} ${color}: ${contrast('#ffffff', color).toFixed(2)}`,
    );
  // The views' pills (theme.css): `.badge.<tone> { background: var(--x); color: #y }`.
  const css = readFileSync('src/ui/theme.css', 'utf8');
  const vars = Object.fromEntries(
    [...css.matchAll(/--([a-z]+): (#[0-9a-f]{3,6})/g)].map((m) => [m[1], m[2]]),
  );
  const pills = [
    ...css.matchAll(
      /((?:\.badge\.[a-z]+,? ?)+) \{ background: var\(--([a-z]+)\); color: (#[0-9a-f]{3,6}); \}/g,
    ),
  ];
  const tones = pills.flatMap((m) => [...m[1].matchAll(/\.badge\.([a-z]+)/g)].map((c) => c[1]));
  assert.deepEqual([...tones].sort(), Object.keys(BADGE_COLORS).sort(), 'every tone has a pill style');
  for (const [, classes, bg, fg] of pills)
    assert.ok(
      contrast(fg, vars[bg]) >= 4.5,
      `${classes}: ${fg} on ${vars[bg]} ${contrast(fg, vars[bg]).toFixed(2)}`,
    );
  // Text on the views' background (and on the buttons), chart labels drawn at 75 % opacity.
  for (const name of ['fg', 'muted', 'real', 'shifted', 'fake', 'unsure', 'accent'])
    assert.ok(contrast(vars[name], vars.bg) >= 4.5, `--${name} on --bg`);
  for (const name of ['fg', 'muted'])
    assert.ok(contrast(vars[name], '#2c3648') >= 4.5, `--${name} on a button`);
  const chartLabel =
    '#' +
    [1, 3, 5]
      .map((i) =>
        Math.round(
          parseInt(vars.fg.slice(i, i + 2), 16) * 0.75 + parseInt(vars.bg.slice(i, i + 2), 16) * 0.25,
        )
          .toString(16)
          .padStart(2, '0'),
      )
      .join('');
  assert.ok(contrast(chartLabel, vars.bg) >= 4.5, 'chart labels');
  // The overlay's pill: rgba(24, 31, 44, 0.88) over the video, worst case a white picture.
  for (const text of ['#e9edf3', '#9aa6b8'])
    assert.ok(contrast(text, '#181f2c', 0.88, '#ffffff') >= 4.5, `overlay ${text}`);
});

test('chart labels are at least 11 px', () => {
  const charts = readFileSync('src/ui/charts.tsx', 'utf8');
  const size = Number(/const LABEL_SIZE = (\d+)/.exec(charts)?.[1]);
  assert.ok(size >= 11, `${size}`);
  assert.doesNotMatch(charts, /font-size=\{?["']?([0-9]|10)["'}]/, 'no smaller literal font size');
});

test("the live region announces changes of state, not progress: checking, so far, final with its sentence, can't judge with the reason", () => {
  assert.equal(
    announcement({ status: 'checking', progress: 0.1 }),
    announcement({ status: 'checking', progress: 0.7 }),
  );
  assert.equal(announcement({ status: 'loading', what: 'the engine' }), 'Checking started.');
  assert.equal(
    announcement({ status: 'in-sync', evidence: evidence({ provisional: true, evidenceSeconds: 3 }) }),
    'Verdict so far: Real.',
  );
  assert.equal(
    announcement({ status: 'in-sync', evidence: evidence({ provisional: true, evidenceSeconds: 9 }) }),
    'Verdict so far: Real.',
    'more evidence, same announcement',
  );
  assert.match(
    announcement({ status: 'mismatch', evidence: evidence() }),
    /^Verdict: Fake\? — The voice possibly does not belong/,
  );
  assert.equal(
    announcement({ status: 'cannot-judge', reason: 'no-face' }),
    "Can't judge: No face was found in the video.",
  );
  assert.equal(
    announcement({ status: 'error', message: 'unknown session 1 (closed, or the engine host restarted)' }),
    'Error: The checker restarted; start the check again.',
  );
  assert.equal(announcement({ status: 'idle' }), '');
});

test('checking with evidence (the decision holds back in doubt, or a live verdict was withdrawn) says the evidence is not clear', () => {
  const collecting = stateLook({ status: 'checking', progress: 0.4 });
  assert.equal(collecting.sentence, 'Collecting face-plus-speech evidence…');
  const doubt = stateLook({ status: 'checking', progress: 0.99, evidence: evidence({ pMismatch: 0.6 }) });
  assert.equal(doubt.tone, collecting.tone);
  assert.equal(doubt.sentence, 'The evidence so far is not clear either way. Still checking…');
});
