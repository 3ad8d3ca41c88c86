// The scan for a tampered stretch (src/core/decision/scan.ts) and its use by the decision.
import assert from 'node:assert/strict';
import test from 'node:test';
import { decide, DEFAULT_DECISION_POLICY } from '../../src/core/decision/decide';
import type { ClipContext, WindowEvidence } from '../../src/core/decision/evidence';
import {
  logNormalTail,
  REFERENCE_SECONDS,
  stretchLengths,
  stretchThreshold,
  worstStretch,
} from '../../src/core/decision/scan';
import { finishedFile, TEST_CALIBRATION } from '../helpers/decision';

const near = (a: number, b: number, relative: number, what: string) =>
  assert.ok(Math.abs(a - b) <= relative * Math.abs(b), `${what}: ${a} vs ${b}`);

/** Scored windows every 40 ms for `seconds`, score 1, or `inside` within [from, to). */
function scored(seconds: number, from: number, to: number, inside: number) {
  const out: { t: number; score: number }[] = [];
  for (let i = 0; i * 0.04 + 0.2 <= seconds + 1e-9; i++) {
    const t = i * 0.04;
    out.push({ t, score: t >= from - 1e-9 && t + 0.2 <= to + 1e-9 ? inside : 1 });
  }
  return out;
}

test('normal tail: the standard values of Q(z)', () => {
  near(Math.exp(logNormalTail(2)), 0.0227501, 1e-5, 'Q(2)');
  near(Math.exp(logNormalTail(4)), 3.16712e-5, 1e-5, 'Q(4)');
  near(Math.exp(logNormalTail(6)), 9.86588e-10, 1e-5, 'Q(6)');
});

test('threshold: the policy z up to 10 s of votes, then as rare by chance as at 10 s', () => {
  assert.equal(stretchThreshold(4, 3), 4);
  assert.equal(stretchThreshold(4, REFERENCE_SECONDS), 4);
  for (const seconds of [60, 600, 3600]) {
    const z = stretchThreshold(4, seconds);
    near(logNormalTail(z), logNormalTail(4) + Math.log(REFERENCE_SECONDS / seconds), 1e-6, `${seconds} s`);
  }
  assert.ok(stretchThreshold(4, 60) < stretchThreshold(4, 600));
  assert.ok(stretchThreshold(4, 600) < stretchThreshold(4, 3600));
  assert.ok(stretchThreshold(4, 3600) < 5.5, String(stretchThreshold(4, 3600)));
});

test('lengths: 2 to 4 s, then a quarter longer each up to half the evidence', () => {
  assert.deepEqual(stretchLengths(2, 8), [2, 2.5, 3, 3.5, 4]);
  assert.deepEqual(stretchLengths(2, 14), [2, 2.5, 3, 3.5, 4, 5, 6.25]);
});

test('scan: the stretch that falls furthest below the rest, as z in its own noise', () => {
  const stretch = worstStretch(scored(20, 8, 11, 0), 0.5, { minSeconds: 2, minRestWindows: 75 });
  assert.ok(stretch);
  assert.equal(stretch.from, 200, 'starts at 8 s');
  assert.equal(stretch.to, 271, 'the last window wholly inside starts at 10.8 s');
  // (rest − stretch) · √(seconds inside) / sd: 71 windows of 40 ms.
  near(stretch.z, (1 * Math.sqrt(71 * 0.04)) / 0.5, 1e-9, 'z');
  // Without a dip anywhere, the best stretch has z 0.
  assert.equal(worstStretch(scored(20, 0, 0, 0), 0.5, { minSeconds: 2, minRestWindows: 75 })!.z, 0);
  // 4 s of votes cannot keep 3 s outside a stretch of 2 s.
  assert.equal(worstStretch(scored(4, 1, 3, 0), 0.5, { minSeconds: 2, minRestWindows: 75 }), null);
});

const CAL = TEST_CALIBRATION;

/** Noise-free evidence: distance 2 at every offset but the in-sync one, where it is 2 − dip. */
function windows(seconds: number, dipAt: (t: number) => number): WindowEvidence[] {
  const out: WindowEvidence[] = [];
  for (let i = 0; i * 0.04 + 0.2 <= seconds + 1e-9; i++) {
    const t = i * 0.04;
    const dists = new Float32Array(31).fill(2);
    dists[15] = 2 - dipAt(t);
    out.push({ t, shot: 0, speech: 1, faces: [{ trackId: 1, dists, lipActivity: 0.05, faceWidth: 120 }] });
  }
  return out;
}

/** A finished file of `seconds` with a face in every frame. */
const contextFor = (seconds: number): ClipContext => finishedFile(seconds * 25);

const stateOf = (seconds: number, dipAt: (t: number) => number) =>
  decide(windows(seconds, dipAt), contextFor(seconds), CAL).state;

test('decision: a weak stretch is tampering amid 12 s of matching speech, chance amid 5 min of it', () => {
  // Inside 5–8 s (71 windows, 2.84 s) the dip is a fifth of the rest's: z = 0.8 · √2.84 / 0.3 ≈ 4.49,
  // past the threshold at 11.8 s of votes (4.29) and short of it at 5 min (4.96).
  const dip = (t: number) => (t >= 5 && t + 0.2 <= 8 ? 0.2 : 1);
  const zAt = DEFAULT_DECISION_POLICY.stretchZAt;
  assert.ok(stretchThreshold(zAt, 11.84) < 4.49 && stretchThreshold(zAt, 300) > 4.49);
  const short = stateOf(12, dip);
  assert.equal(short.status, 'mismatch');
  if (short.status !== 'mismatch') return;
  const marked = short.evidence.segments.filter((s) => s.outcome === 'mismatch');
  assert.equal(marked.length, 1);
  near(marked[0].start, 5, 0.01, 'start');
  near(marked[0].end, 8, 0.01, 'end');
  assert.ok(short.evidence.segments.some((s) => s.outcome === 'in-sync' && s.end <= 5 + 1e-6));
  assert.ok(short.evidence.segments.some((s) => s.outcome === 'in-sync' && s.start >= 8 - 1e-6));
  // The same stretch in five minutes of speech: the threshold has risen past it, so it is
  // not called tampering; it still stands out past the bar for doubt (stretchDoubtZ, 4.32
  // at 5 min), so the clip is not called in sync either, and the stretch is named.
  const long = stateOf(300, dip);
  assert.ok(stretchThreshold(DEFAULT_DECISION_POLICY.stretchDoubtZ, 300) < 4.49);
  assert.equal(long.status, 'cannot-judge');
  if (long.status === 'cannot-judge') assert.match(long.detail ?? '', /5\.0–8\.0 s does not clearly match/);
  // In 12 s, a stretch at z ≈ 3.9 is doubt (not tampering, not in sync); at z ≈ 3.4, in sync.
  const doubt = stateOf(12, (t) => (t >= 5 && t + 0.2 <= 8 ? 0.3 : 1));
  assert.equal(doubt.status, 'cannot-judge');
  if (doubt.status === 'cannot-judge') assert.match(doubt.detail ?? '', /5\.0–8\.0 s does not clearly match/);
  assert.equal(stateOf(12, (t) => (t >= 5 && t + 0.2 <= 8 ? 0.4 : 1)).status, 'in-sync');
});

test("decision: windows whose sound at the clip's offset is calc_pdist's zero padding are no evidence of tampering", () => {
  // Sound 10 frames early throughout (distance dip at k = 15 − 10). The run's first 10
  // windows find only padding there: a large distance, as the zero vector gives.
  const shifted = windows(12, () => 1).map((w, i, all) => {
    const dists = new Float32Array(31).fill(2);
    dists[5] = i < 10 ? 8 : 1;
    return {
      ...w,
      faces: [{ ...w.faces[0], dists }],
      audioAround: { before: Math.min(15, i), after: Math.min(15, all.length - 1 - i) },
    };
  });
  const context = contextFor(12);
  const state = decide(shifted, context, CAL).state;
  assert.equal(state.status, 'shifted');
  // Without knowing where the run's sound ends, the padded start stands out as tampering.
  const unknown = shifted.map(({ audioAround: _, ...w }) => w);
  const blind = decide(unknown, context, CAL).state;
  assert.equal(blind.status, 'mismatch');
  if (blind.status === 'mismatch')
    assert.ok(blind.evidence.segments.some((s) => s.outcome === 'mismatch' && s.start < 0.1));
});

test('decision: two people in turn are each scanned on their own — a turn that does not clearly match is not tampering, nor in sync', () => {
  // Person 1 for 6 s with a deep dip, person 2 for the next 6 s with a shallow one (their
  // own turn on its own is no clear match). Across both, person 2's turn would stand out.
  const shallow = turns((dists) => (dists[15] = 2 - 0.2));
  const weak = decide(shallow, contextFor(12), CAL).state;
  // Not a mismatch, and not "in sync" either: person 2's turn is named as unclear.
  assert.equal(weak.status, 'cannot-judge');
  if (weak.status === 'cannot-judge') {
    assert.equal(weak.reason, 'uncertain');
    assert.match(weak.detail ?? '', /6\.0–12\.0 s does not clearly match/);
  }
  // A turn matched less well but still clearly on its own: in sync.
  const lesser = turns((dists) => (dists[15] = 2 - 0.6));
  assert.equal(decide(lesser, contextFor(12), CAL).state.status, 'in-sync');
  // The same evidence as one person: the shallow half stands out as another voice.
  const onePerson = shallow.map((w) => ({ ...w, faces: [{ ...w.faces[0], trackId: 1 }] }));
  assert.equal(decide(onePerson, contextFor(12), CAL).state.status, 'mismatch');
});

/** Two people in turn, 6 s each: person 1 matches (dip 1); person 2's windows from `second`. */
function turns(second: (dists: Float32Array) => void, seconds = 12, split = 6): WindowEvidence[] {
  return windows(seconds, () => 1).map((w) => {
    if (w.t < split) return w;
    const dists = new Float32Array(31).fill(2);
    second(dists);
    return { ...w, faces: [{ ...w.faces[0], trackId: 2, dists }] };
  });
}

test("decision: one person's whole turn in another voice is a mismatch with that turn marked", () => {
  // Person 2's turn matches at no offset: distances flat but for noise-free ripples.
  const d = decide(
    turns((dists) => dists.forEach((_, k) => (dists[k] = 2 + 0.01 * (k % 3)))),
    contextFor(12),
    CAL,
  );
  assert.equal(d.state.status, 'mismatch');
  if (d.state.status !== 'mismatch') return;
  const marked = d.state.evidence.segments.filter((s) => s.outcome === 'mismatch');
  assert.equal(marked.length, 1);
  near(marked[0].start, 6, 0.01, 'turn start');
  near(marked[0].end, 12, 0.01, 'turn end');
  assert.ok(d.state.evidence.pMismatch >= DEFAULT_DECISION_POLICY.mismatchAt);
  assert.ok(d.state.evidence.segments.some((s) => s.outcome === 'in-sync' && s.end <= 6 + 1e-6));
});

test('decision: a short turn in doubt keeps a clip from "in sync" before it could be called another voice', () => {
  // Person 2 speaks the last 2.24 s (56 windows) with a dip of 0.5 against person 1's 1: on
  // its own p(mismatch) ≈ 0.47, and it falls z = 0.5 · √2.24 / 0.3 ≈ 2.5 below person 1 —
  // past turnDoubtZ (2), short of the stretch threshold (4.25) a swapped turn must reach.
  const policy = DEFAULT_DECISION_POLICY;
  assert.ok(policy.turnDoubtZ < 2.5 && 2.5 < policy.stretchZAt);
  const doubt = decide(
    turns((dists) => (dists[15] = 2 - 0.5), 12, 9.6),
    contextFor(12),
    CAL,
  ).state;
  assert.equal(doubt.status, 'cannot-judge');
  if (doubt.status === 'cannot-judge') {
    assert.equal(doubt.reason, 'uncertain');
    assert.match(doubt.detail ?? '', /9\.6–12\.0 s does not clearly match/);
  }
  // The same turn with the bar for doubt raised to the threshold (the rule before): in sync.
  const before = decide(
    turns((dists) => (dists[15] = 2 - 0.5), 12, 9.6),
    contextFor(12),
    CAL,
    { ...policy, turnDoubtZ: policy.stretchZAt },
  ).state;
  assert.equal(before.status, 'in-sync');
  // Two people matched about as well (dips 0.55 and 0.45, z ≈ 0.5): the second turn on its
  // own is no clear match (p ≈ 0.57), but it does not stand out from the first: in sync.
  const alike = windows(12, (t) => (t < 9.6 ? 0.55 : 0.45)).map((w) =>
    w.t < 9.6 ? w : { ...w, faces: [{ ...w.faces[0], trackId: 2 }] },
  );
  assert.equal(decide(alike, contextFor(12), CAL).state.status, 'in-sync');
});

test('decision: a turn that matches at an offset of its own, or one person in several shots, is not a swapped turn', () => {
  // Person 2 recorded 8 frames early (a remote guest): their turn matches, elsewhere.
  const offset = decide(
    turns((dists) => (dists[15 - 8] = 1)),
    contextFor(12),
    CAL,
  ).state;
  assert.equal(
    offset.status,
    'shifted',
    'their turn is out of step with them (people.ts), not another voice',
  );
  if (offset.status === 'shifted') assert.equal(offset.evidence.offsetFrames, 8);
  // One speaker, three shots (a track per shot), all matching: in sync.
  const shots = windows(12, () => 1).map((w) => ({
    ...w,
    faces: [{ ...w.faces[0], trackId: 1 + Math.floor(w.t / 4) }],
  }));
  assert.equal(decide(shots, contextFor(12), CAL).state.status, 'in-sync');
  // Too little of the second person to judge their turn alone (under 2 s): no call on it.
  const brief = decide(
    turns(() => undefined, 7.5, 6),
    contextFor(7.5),
    CAL,
  ).state;
  assert.notEqual(brief.status, 'mismatch');
});
