// The conditions evaluation without ffmpeg: span IoU, calibration error, the report's
// counts and rates, the shift ground truth (ITU-R BT.1359 acceptability), the seeded
// plan (donors of other speakers, spans inside the clip and its speech, choices that do
// not move when a clip is added) and silencedetect parsing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeConditionReport } from '../../scripts/lib/conditions';
import {
  conditionReport,
  conditionSummary,
  expectedCalibrationError,
  mergeSpans,
  spanIoU,
  type ConditionOutcome,
} from '../../scripts/lib/conditions-report';
import {
  expectedForShift,
  planClip,
  rendezvous,
  type MusicTrack,
  type SourceClip,
} from '../../scripts/lib/conditions-plan';
import { speechSpan } from '../../scripts/lib/conditions-probe';
import type { ConditionEntry } from '../../scripts/lib/conditions-types';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

describe('spanIoU', () => {
  it('is intersection over union against the union of the reported spans', () => {
    close(spanIoU({ start: 2, end: 5 }, [{ start: 2, end: 5 }]), 1);
    close(spanIoU({ start: 2, end: 5 }, []), 0);
    close(spanIoU({ start: 2, end: 5 }, [{ start: 4, end: 7 }]), 1 / 5);
    // Overlapping reports count once: union [1, 4] ∩ [2, 5] = 2, union of both = 4.
    close(
      spanIoU({ start: 2, end: 5 }, [
        { start: 1, end: 3 },
        { start: 2.5, end: 4 },
      ]),
      2 / 4,
    );
    // Two separate pieces inside the truth.
    close(
      spanIoU({ start: 0, end: 4 }, [
        { start: 0, end: 1 },
        { start: 3, end: 4 },
      ]),
      2 / 4,
    );
  });

  it('merges touching and overlapping spans, drops empty ones', () => {
    assert.deepEqual(
      mergeSpans([
        { start: 3, end: 4 },
        { start: 0, end: 1 },
        { start: 1, end: 2 },
        { start: 5, end: 5 },
      ]),
      [
        { start: 0, end: 2 },
        { start: 3, end: 4 },
      ],
    );
  });
});

describe('expectedCalibrationError', () => {
  it('is 0 when each bin’s mean p equals its positive rate, and weights bins by count', () => {
    const perfect = [0.25, 0.25, 0.25, 0.25].map((p, i) => ({ p, label: i === 0 }));
    close(expectedCalibrationError(perfect)!, 0);
    // Bin 0.9 (2 points, none positive): |0.9 − 0| · 2/4; bin 0.1 (2 points, both positive): |0.1 − 1| · 2/4.
    const bad = [
      { p: 0.9, label: false },
      { p: 0.9, label: false },
      { p: 0.1, label: true },
      { p: 0.1, label: true },
    ];
    close(expectedCalibrationError(bad)!, 0.45 + 0.45);
    close(expectedCalibrationError([{ p: 1, label: true }])!, 0, 1e-12); // p = 1 falls in the last bin
    assert.equal(expectedCalibrationError([]), null);
  });
});

function entry(
  condition: ConditionEntry['condition'],
  expected: ConditionEntry['expected'],
  extra: Partial<ConditionEntry> = {},
): ConditionEntry {
  return {
    file: `x.${condition}.mp4`,
    source: 'x.mp4',
    condition,
    speaker: 's',
    fold: 's',
    expected,
    seed: 1,
    durationS: 10,
    key: 'k',
    ...extra,
  };
}

describe('conditionReport', () => {
  const rows: ConditionOutcome[] = [
    { entry: entry('music-only', 'cannot-judge'), verdict: 'cannot-judge', reason: 'no-speech' },
    { entry: entry('music-only', 'cannot-judge'), verdict: 'fake', pMismatch: 0.8 },
    { entry: entry('reencode', 'real'), verdict: 'real', pMismatch: 0.1 },
    {
      entry: entry('partial-swap', 'fake', { span: { start: 2, end: 5 } }),
      verdict: 'fake',
      pMismatch: 0.9,
      spans: [
        { start: 0, end: 2, outcome: 'in-sync' },
        { start: 2, end: 5, outcome: 'mismatch' },
      ],
    },
    {
      entry: entry('partial-swap', 'fake', { span: { start: 2, end: 5 } }),
      verdict: 'real',
      pMismatch: 0.3,
      spans: [{ start: 4, end: 7, outcome: 'mismatch' }],
    },
    { entry: entry('shift', 'shifted', { shiftFrames: 4 }), verdict: 'real' },
    { entry: entry('shift', 'shifted', { shiftFrames: 4 }), verdict: 'shifted' },
    { entry: entry('shift', 'real', { shiftFrames: -3 }), verdict: 'fake', pMismatch: null },
    { entry: entry('listener', 'real', { labelConfidence: 'low' }), verdict: 'fake', pMismatch: 0.97 },
  ];
  const summary = conditionSummary(rows);

  it('counts verdicts and rates per condition, shifts by signed k, in the builder’s order', () => {
    assert.deepEqual(Object.keys(summary.conditions), [
      'music-only',
      'listener',
      'partial-swap',
      'reencode',
      'shift-3',
      'shift+4',
    ]);
    const music = summary.conditions['music-only'];
    assert.deepEqual(music.verdicts, { real: 0, shifted: 0, fake: 1, 'cannot-judge': 1 });
    assert.equal(music.falseFakeRate, 0.5);
    assert.equal(music.cannotJudgeRate, 0.5);
    assert.equal(music.fakeRate, null);
    const partial = summary.conditions['partial-swap'];
    assert.equal(partial.fakeRate, 0.5);
    assert.equal(partial.falseFakeRate, null);
    close(partial.meanIoU!, (1 + 1 / 5) / 2);
    assert.equal(partial.iouAtLeastHalf, 0.5);
    assert.equal(summary.conditions['shift+4'].shiftCaught, 0.5);
    assert.equal(
      summary.conditions['shift+4'].falseFakeRate,
      0,
      'a shifted file is genuine: FAKE on it would be false',
    );
    assert.equal(
      summary.conditions['shift-3'].falseFakeRate,
      1,
      'an acceptable shift called FAKE is a false FAKE',
    );
    // The brief counts |k| ≥ 3 as caught when shifted or fake, although −3 and −4 are within what viewers accept.
    assert.equal(summary.conditions['shift-3'].shiftCaught, 1);
  });

  it('pools everything in the overall row, with the ECE over rows that have a pMismatch', () => {
    assert.equal(summary.overall.count, rows.length);
    assert.equal(summary.overall.falseFakeRate, 3 / 7); // genuine: 2 music-only, reencode, 2 shift+4, shift-3, listener
    assert.equal(summary.overall.eceCount, 5, 'a null pMismatch is left out');
    // Bins 8, 1, 9, 3 and 9: |0.8 − 0| + |0.1 − 0| + |(0.9 + 0.97)/2 − 1/2|·2 + |0.3 − 1|, over 5 rows.
    close(summary.overall.ece!, (0.8 + 0.1 + 2 * Math.abs(0.935 - 0.5) + 0.7) / 5, 1e-9);
  });

  it('splits the genuine files called FAKE by the source clip’s label confidence', () => {
    assert.deepEqual(summary.falseFakeByLabel, { low: { n: 1, of: 1 }, other: { n: 2, of: 6 } });
    assert.match(
      conditionReport(rows),
      /Genuine files called FAKE: 2 of 6 made from clips whose in-sync label is sure, 1 of 1 from clips whose label is low-confidence/,
    );
  });

  it('prints one markdown row per condition plus the overall row and the calibration line', () => {
    const md = conditionReport(rows);
    const lines = md.trim().split('\n');
    assert.match(lines[0], /^\| condition \| n \| real \| shifted \| fake \| can't judge \| false FAKE/);
    assert.equal(lines.filter((l) => l.startsWith('| ')).length, 1 + 6 + 1);
    assert.ok(
      lines.some((l) =>
        l.startsWith('| partial-swap | 2 | 1 | 0 | 1 | 0 | — | 0.0 % | 50.0 % | 0.60 | 50.0 % | — |'),
      ),
      md,
    );
    assert.match(
      md,
      /Expected calibration error of pMismatch \(10 bins, label = truth fake\): \d\.\d{3} over 5 files\./,
    );
  });

  it('writes the table and a JSON summary with one row per file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conditions-report-'));
    try {
      assert.equal(writeConditionReport(dir, rows), conditionReport(rows));
      assert.equal(readFileSync(join(dir, 'conditions-report.md'), 'utf8'), conditionReport(rows));
      const json = JSON.parse(readFileSync(join(dir, 'conditions-report.json'), 'utf8'));
      assert.deepEqual(json.summary, JSON.parse(JSON.stringify(summary)));
      assert.equal(json.files.length, rows.length);
      assert.deepEqual(json.files[3].spans[1], { start: 2, end: 5, outcome: 'mismatch' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('expectedForShift', () => {
  it('calls shifted past 90 ms early (k ≥ 3) or 185 ms late (k ≤ −5), else real', () => {
    assert.deepEqual([-12, -5, -4, -1, 0, 1, 2, 3, 12].map(expectedForShift), [
      'shifted',
      'shifted',
      'real',
      'real',
      'real',
      'real',
      'real',
      'shifted',
      'shifted',
    ]);
  });
});

const clip = (file: string, speaker: string, durationS = 8): SourceClip => ({
  file,
  path: `/clips/${file}`,
  speaker,
  durationS,
  width: 640,
  height: 360,
  speech: { start: 0.5, end: durationS - 0.5 },
  meanDb: -20,
});
const music: MusicTrack[] = [
  { file: 'a.ogg', path: '/m/a.ogg', durationS: 30, meanDb: -18 },
  { file: 'b.ogg', path: '/m/b.ogg', durationS: 30, meanDb: -15 },
];
const opts = { seed: 1, shifts: [3, -3, 4, -4, 8, -8, 12, -12], shiftsPerClip: 2 };

describe('planClip', () => {
  const pool = [
    clip('a.mp4', 'A'),
    clip('a2.mp4', 'A', 6),
    clip('b.mp4', 'B'),
    clip('c.mp4', 'C', 5),
    clip('d.mp4', 'D', 1.2),
  ];
  const jobs = planClip(pool[0], pool, music, opts);
  const byCondition = new Map(jobs.map((j) => [j.entry.condition + (j.entry.shiftFrames ?? ''), j]));

  it('plans every condition with its ground truth, two seeded shifts, unique file names', () => {
    assert.deepEqual(
      jobs.filter((j) => j.entry.condition !== 'shift').map((j) => [j.entry.condition, j.entry.expected]),
      [
        ['music-only', 'cannot-judge'],
        ['speech-under-music', 'real'],
        ['cutaway', 'real'],
        ['listener', 'real'],
        ['two-speakers', 'real'],
        ['turn-shift', 'shifted'],
        ['turn-swap', 'fake'],
        ['partial-swap', 'fake'],
        ['reencode', 'real'],
        ['swap', 'fake'],
      ],
    );
    const shifts = jobs.filter((j) => j.entry.condition === 'shift');
    assert.equal(shifts.length, 2);
    for (const s of shifts) assert.equal(s.entry.expected, expectedForShift(s.entry.shiftFrames!));
    assert.equal(new Set(jobs.map((j) => j.entry.file)).size, jobs.length);
    assert.ok(
      jobs.every(
        (j) =>
          j.entry.file.startsWith('a.') &&
          j.entry.file.endsWith('.mp4') &&
          j.entry.speaker === 'A' &&
          j.entry.fold === 'A' &&
          j.entry.seed === 1,
      ),
    );
  });

  it('takes donors from other speakers only, long enough for their use', () => {
    for (const j of jobs.filter((j) => j.entry.donor)) {
      assert.notEqual(j.entry.donorSpeaker, 'A');
      assert.notEqual(j.entry.donor, 'a2.mp4');
    }
    assert.notEqual(
      byCondition.get('two-speakers')!.entry.donor,
      'd.mp4',
      'a 1.2 s clip is too short to be the second speaker',
    );
  });

  it("turn-swap: the same two people in turn, the second one's whole turn voiced by a third speaker", () => {
    const two = byCondition.get('two-speakers')!.entry;
    const turn = byCondition.get('turn-swap')!.entry;
    assert.equal(turn.donor, two.donor, 'the same second person');
    assert.equal(turn.durationS, two.durationS);
    assert.ok(turn.voiceSpeaker && ![turn.speaker, turn.donorSpeaker].includes(turn.voiceSpeaker));
    // The second turn starts after the first clip's 200 whole frames and lasts the donor's 8 s.
    assert.deepEqual(turn.span, { start: 8, end: 16 });
    assert.equal(turn.durationS, 16);
  });

  it("turn-shift: the same two people in turn, the second one's own sound 1 s early or late", () => {
    const two = byCondition.get('two-speakers')!.entry;
    const [shifted] = jobs.filter((j) => j.entry.condition === 'turn-shift');
    const { entry, recipe } = shifted;
    assert.equal(entry.donor, two.donor, 'the same second person');
    assert.equal(entry.durationS, two.durationS);
    assert.equal(Math.abs(entry.shiftFrames!), 25);
    assert.equal(recipe.kind, 'turn-shift');
    if (recipe.kind === 'turn-shift') {
      assert.equal(recipe.donor.file, two.donor);
      assert.equal(recipe.donorDurationS, 8);
      assert.equal(recipe.frames, entry.shiftFrames);
    }
    assert.deepEqual(entry.span, { start: 8, end: 16 });
    assert.equal(entry.file, 'a.turn-shift.mp4');
    // A second part too short to keep 2 s under a sound moved by 1 s has none.
    const shortSecond = planClip(pool[0], [pool[0], clip('s.mp4', 'S', 3)], music, opts);
    assert.ok(shortSecond.some((j) => j.entry.condition === 'two-speakers'));
    assert.ok(!shortSecond.some((j) => j.entry.condition === 'turn-shift'));
  });

  it('places spans inside the clip: cutaway 2–3 s on the frame grid, listener a third, partial swap 2–4 s inside the speech', () => {
    const cut = byCondition.get('cutaway')!.entry.span!;
    assert.ok(
      cut.start >= 0.5 &&
        cut.end <= 7.5 &&
        cut.end - cut.start >= 2 - 1e-9 &&
        cut.end - cut.start <= 3 + 1e-9,
    );
    for (const t of [cut.start, cut.end])
      assert.equal(t, Math.round(t * 25) / 25, `${t} is on the 25-fps grid, to the ms`);
    const listen = byCondition.get('listener')!.entry.span!;
    close(listen.end - listen.start, 8 / 3, 0.05);
    const swap = byCondition.get('partial-swap')!.entry.span!;
    assert.ok(
      swap.start >= 0.75 && swap.end <= 7.25 && swap.end - swap.start >= 2 && swap.end - swap.start <= 4,
    );
  });

  it('is deterministic, depends on the seed, and keeps a clip’s choices when another clip is added', () => {
    assert.deepEqual(
      planClip(pool[0], pool, music, opts).map((j) => j.entry),
      jobs.map((j) => j.entry),
    );
    const other = planClip(pool[0], pool, music, { ...opts, seed: 2 }).map((j) => j.entry);
    assert.notDeepEqual(
      other,
      jobs.map((j) => j.entry),
    );
    // A newcomer changes a choice only where it wins the rendezvous for that purpose.
    const grown = [...pool, clip('e.mp4', 'E')];
    for (const j of planClip(pool[0], grown, music, opts)) {
      const before = jobs.find((b) => b.entry.file === j.entry.file)!;
      if (j.entry.donor !== 'e.mp4') assert.deepEqual(j.entry, before.entry);
    }
  });

  it('leaves out what does not fit: no music conditions without music, no spans on a 1.2 s clip', () => {
    const bare = planClip(pool[4], pool, [], opts).map((j) => j.entry.condition);
    assert.deepEqual(
      bare.filter((c) => c !== 'shift'),
      ['two-speakers', 'turn-shift', 'turn-swap', 'reencode', 'swap'],
    );
  });

  it('rendezvous picks the same winner whatever the candidates’ order', () => {
    const a = rendezvous(1, 'x', 'swap', pool);
    assert.equal(rendezvous(1, 'x', 'swap', [...pool].reverse()), a);
    assert.equal(rendezvous(1, 'x', 'swap', []), null);
  });
});

describe('speechSpan', () => {
  it('is the clip between a leading and a trailing silence', () => {
    const log =
      'silence_start: 0\nsilence_end: 0.46 | silence_duration: 0.46\nsilence_start: 0.67\nsilence_end: 1.0\nsilence_start: 2.5\nsilence_end: 2.978 | x';
    assert.deepEqual(speechSpan(log, 3), { start: 0.46, end: 2.5 });
    assert.deepEqual(
      speechSpan('silence_start: 5.5', 8),
      { start: 0, end: 5.5 },
      'a final silence without an end line',
    );
    assert.deepEqual(speechSpan('', 4), { start: 0, end: 4 });
    assert.deepEqual(speechSpan('silence_start: 0', 4), { start: 0, end: 4 }, 'all silence: the whole clip');
  });
});
