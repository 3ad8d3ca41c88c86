// The one decision (src/core/decision): each rule on synthetic per-window evidence.
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  calibrationFeatures,
  expectedCalibrationError,
  fitLogistic,
  mismatchProbability,
  parseCalibration,
} from '../../src/core/decision/calibration';
import {
  decide,
  DEFAULT_DECISION_POLICY,
  LIVE_DECISION_POLICY,
  longestRun,
} from '../../src/core/decision/decide';
import {
  onePerMoment,
  type ClipContext,
  type FaceWindow,
  type WindowEvidence,
} from '../../src/core/decision/evidence';
import { runEvidence } from '../../src/core/decision/build';
import { lipActivity } from '../../src/core/decision/lip-activity';
import { findSpans } from '../../src/core/decision/spans';
import { summariseEvidence } from '../../src/core/decision/summary';
import { Rng } from '../../src/core/train/rng';
import { finishedFile, TEST_CALIBRATION } from '../helpers/decision';

const CAL = TEST_CALIBRATION;
const CONTEXT: ClipContext = finishedFile(250);

interface Plan {
  /** Offset of the matching voice in frames (positive: sound early), or null for no match. */
  offset: number | null;
  trackId?: number;
  activity?: number;
  width?: number;
  /** Depth of the dip at the matching offset (default 1). */
  dip?: number;
}

/** calc_pdist-like row: 2 ± noise everywhere, 1 ± noise at the matching offset's index. */
function face(rng: Rng, plan: Plan): FaceWindow {
  const dists = new Float32Array(31);
  for (let k = 0; k < 31; k++) dists[k] = 2 + 0.3 * rng.normal();
  if (plan.offset !== null) dists[15 - plan.offset] = 2 - (plan.dip ?? 1) + 0.3 * rng.normal();
  return {
    trackId: plan.trackId ?? 1,
    dists,
    lipActivity: plan.activity ?? 0.05,
    faceWidth: plan.width ?? 120,
  };
}

/** Windows every 40 ms over [from, to) seconds; `planAt(t)` says what each shows (null: no face). */
function clip(
  seconds: number,
  planAt: (t: number) => Plan | Plan[] | null,
  speech: (t: number) => number = () => 1,
  seed = 1,
): WindowEvidence[] {
  const rng = new Rng(seed);
  const out: WindowEvidence[] = [];
  for (let i = 0; i * 0.04 + 0.2 <= seconds + 1e-9; i++) {
    const t = i * 0.04;
    const plan = planAt(t);
    const plans = plan === null ? [] : Array.isArray(plan) ? plan : [plan];
    out.push({ t, shot: 0, speech: speech(t), faces: plans.map((p) => face(rng, p)) });
  }
  return out;
}

const status = (windows: WindowEvidence[], context: Partial<ClipContext> = {}) =>
  decide(windows, { ...CONTEXT, ...context }, CAL).state;

test('context gates: protected, no audio track, no face, digital silence', () => {
  const w = clip(10, () => ({ offset: 0 }));
  assert.deepEqual(status(w, { protectedContent: true }), {
    status: 'cannot-judge',
    reason: 'protected-content',
  });
  assert.deepEqual(status(w, { hasAudioTrack: false }), { status: 'cannot-judge', reason: 'no-audio' });
  assert.deepEqual(status(w, { framesWithFace: 0 }), { status: 'cannot-judge', reason: 'no-face' });
  assert.equal((status(w, { framesWithFace: 10 }) as { reason: string }).reason, 'no-face');
  assert.deepEqual(status(w, { audioPeak: 5 }), { status: 'cannot-judge', reason: 'silent' });
  assert.equal(status(w, { audioPeak: 5, final: false }).status, 'waiting-for-speech');
  // Frames lost on the way (a machine that cannot keep up): over half → frame rate too low.
  assert.deepEqual(status(w, { droppedFrameRatio: 0.6 }), {
    status: 'cannot-judge',
    reason: 'frame-rate-too-low',
    detail: '60 % of frames were lost',
    why: { kind: 'frames-lost', percent: 60 },
  });
  assert.equal(status(w, { droppedFrameRatio: 0.4 }).status, 'in-sync');
  assert.notEqual(
    status(w, { droppedFrameRatio: 0.6, final: false, secondsSeen: 3 }).status,
    'cannot-judge',
    'live: not before noFaceAfterSeconds',
  );
  // Stalls (frame-drops.ts) cost evidence only: judged on the whole windows left, and when too
  // few are left at the end, the stalls are the reason given.
  assert.equal(status(w, { droppedFrameRatio: 0.1, lostFrameRatio: 0.7 }).status, 'in-sync');
  const short = clip(1.5, () => ({ offset: 0 }));
  assert.deepEqual(status(short, { lostFrameRatio: 0.7 }), {
    status: 'cannot-judge',
    reason: 'frame-rate-too-low',
    detail: '70 % of frames were lost',
    why: { kind: 'frames-lost', percent: 70 },
  });
  assert.equal((status(short, { lostFrameRatio: 0.4 }) as { reason: string }).reason, 'too-short');
  assert.equal(status(short, { lostFrameRatio: 0.7, final: false }).status, 'checking');
  // Live, a video that may never end: after framesLostAfterSeconds seen, said while checking.
  assert.equal(
    (status(short, { lostFrameRatio: 0.7, final: false, secondsSeen: 30 }) as { reason: string }).reason,
    'frame-rate-too-low',
  );
  assert.equal(status(short, { lostFrameRatio: 0.4, final: false, secondsSeen: 30 }).status, 'checking');
  assert.equal(status(w, { lostFrameRatio: 0.7, final: false, secondsSeen: 30 }).status, 'in-sync');
});

test('a genuine clip is in sync, with its offset, p(mismatch) and one in-sync span', () => {
  const state = status(clip(10, () => ({ offset: 1 })));
  assert.equal(state.status, 'in-sync');
  if (state.status !== 'in-sync') return;
  assert.equal(state.evidence.offsetFrames, 1);
  assert.equal(state.evidence.offsetMs, 40);
  assert.ok(state.evidence.pMismatch < 0.05, `p ${state.evidence.pMismatch}`);
  assert.ok(Math.abs(state.evidence.evidenceSeconds - 9.84) < 0.05);
  assert.deepEqual(
    state.evidence.segments.map((s) => s.outcome),
    ['in-sync'],
  );
  assert.equal(state.evidence.dists.length, 31);
});

test('speech, not loudness: music without speech is no-speech (waiting while live); speech windows alone vote', () => {
  assert.deepEqual(
    status(
      clip(
        10,
        () => ({ offset: null }),
        () => 0.1,
      ),
    ),
    { status: 'cannot-judge', reason: 'no-speech' },
  );
  assert.equal(
    status(
      clip(
        10,
        () => ({ offset: null }),
        () => 0.1,
      ),
      { final: false },
    ).status,
    'waiting-for-speech',
  );
  // Speech for half the clip (matching), music the other half where nothing matches: in sync.
  const state = status(
    clip(
      10,
      (t) => ({ offset: t < 5 ? 0 : null }),
      (t) => (t < 5 ? 0.9 : 0.2),
    ),
  );
  assert.equal(state.status, 'in-sync');
});

test('speech comes in phrases: scattered bursts of "speech" in music (false alarms of the detector) are no-speech', () => {
  // 60 s of music over a talking face, heard as speech for 0.6 s every 4 s: 9 s of "speech"
  // windows in all, none of them a phrase of 1 s. Nothing matches the lips.
  const bursts = (t: number) => (t % 4 < 0.6 ? 0.9 : 0.1);
  const music = clip(60, () => ({ offset: null }), bursts);
  assert.deepEqual(status(music), { status: 'cannot-judge', reason: 'no-speech' });
  assert.equal(status(music, { final: false }).status, 'waiting-for-speech');
  // Bursts of 1.2 s (windows starting there, 0.2 s each: 1.36 s of sound) are phrases: judged.
  const phrases = clip(
    60,
    () => ({ offset: null }),
    (t) => (t % 4 < 1.2 ? 0.9 : 0.1),
  );
  assert.equal(status(phrases).status, 'mismatch');
  const heard = (windows: WindowEvidence[]) => longestRun(windows.filter((w) => w.speech >= 0.6));
  assert.ok(heard(phrases) >= 1.36 - 1e-6 && heard(phrases) <= 1.4 + 1e-6, `${heard(phrases)}`);
  assert.ok(Math.abs(heard(music) - 0.76) < 0.05, `${heard(music)}`);
});

test('who speaks: a listener with still lips does not vote; only listeners → no-speaking-face', () => {
  // A third of the clip cuts to another person's still face while the speaker talks on.
  const listener = status(
    clip(9, (t) =>
      t >= 3 && t < 6 ? { offset: null, trackId: 2, activity: 0.002 } : { offset: 0, trackId: 1 },
    ),
  );
  assert.equal(listener.status, 'in-sync');
  const onlyListeners = status(clip(9, () => ({ offset: null, trackId: 2, activity: 0.002 })));
  assert.equal(onlyListeners.status, 'cannot-judge');
  assert.equal((onlyListeners as { reason: string }).reason, 'no-speaking-face');
  // Two faces on screen: the one whose lips move is the speaker.
  const twoShot = status(
    clip(9, () => [
      { offset: 0, trackId: 1, activity: 0.06 },
      { offset: null, trackId: 2, activity: 0.01 },
    ]),
  );
  assert.equal(twoShot.status, 'in-sync');
});

test('two moving-lip faces that both match the voice at different offsets: several speakers, unresolved', () => {
  const d = status(
    clip(9, () => [
      { offset: 0, trackId: 1 },
      { offset: -10, trackId: 2 },
    ]),
  );
  assert.deepEqual(d, { status: 'cannot-judge', reason: 'several-speakers-unresolved' });
  const live = status(
    clip(9, () => [
      { offset: 0, trackId: 1 },
      { offset: -10, trackId: 2 },
    ]),
    { final: false },
  );
  assert.equal(live.status, 'checking');
});

test('two people in turn, each with their own voice: in sync, and both counted as speakers', () => {
  const d = decide(
    clip(10, (t) => ({ offset: 0, trackId: t < 5 ? 1 : 2 })),
    CONTEXT,
    CAL,
  );
  assert.equal(d.state.status, 'in-sync');
  assert.ok(d.votesByTrack.get(1)! > 100 && d.votesByTrack.get(2)! > 100);
});

test("what: shifted past viewers' tolerance (90 ms early, 185 ms late), within it in sync", () => {
  const at = (offset: number) => status(clip(10, () => ({ offset })));
  assert.equal(at(2).status, 'in-sync'); // 80 ms early
  assert.equal(at(3).status, 'shifted'); // 120 ms early
  assert.equal(at(-4).status, 'in-sync'); // 160 ms late
  assert.equal(at(-5).status, 'shifted'); // 200 ms late
  const s = at(-8);
  assert.ok(
    s.status === 'shifted' &&
      s.evidence.offsetMs === -320 &&
      s.evidence.segments.every((x) => x.outcome === 'shifted'),
  );
});

test('live: "shifted" needs the offset past the bounds by the live measurement uncertainty (2 frames)', () => {
  const at = (offset: number) =>
    decide(
      clip(10, () => ({ offset })),
      CONTEXT,
      CAL,
      { ...DEFAULT_DECISION_POLICY, ...LIVE_DECISION_POLICY },
    ).state.status;
  assert.equal(LIVE_DECISION_POLICY.offsetUncertaintyMs, 80);
  assert.equal(at(4), 'in-sync'); // 160 ms early: within 90 + 80
  assert.equal(at(5), 'shifted'); // 200 ms early
  assert.equal(at(-6), 'in-sync'); // 240 ms late: within 185 + 80
  assert.equal(at(-7), 'shifted'); // 280 ms late
});

test('a weak dip: in sync at p ≤ matchAt at the in-sync offsets; away from them shifted only at p ≤ shiftedAt, else uncertain', () => {
  const { matchAt, shiftedAt } = DEFAULT_DECISION_POLICY;
  assert.ok(shiftedAt < matchAt);
  const judged = (offset: number, dip: number) => {
    const state = status(clip(10, () => ({ offset, dip })));
    const p = 'evidence' in state && state.evidence ? state.evidence.pMismatch : NaN;
    return { state, p };
  };
  // dip 0.4: p ≈ 0.18 (between the bars); 0.45: p ≈ 0.11 (under shiftedAt 0.15, over 0.05).
  const between = judged(8, 0.4);
  assert.ok(between.p > shiftedAt && between.p <= matchAt, `p ${between.p}`);
  assert.equal(judged(0, 0.4).state.status, 'in-sync');
  assert.equal(between.state.status, 'cannot-judge');
  assert.equal((between.state as { reason: string }).reason, 'uncertain');
  // Said as such: the best match is out of step, not a likely mismatch.
  assert.deepEqual((between.state as { why?: unknown }).why, {
    kind: 'weak-shift',
    offsetMs: 320,
    percent: Math.round(between.p * 100),
  });
  const under = judged(8, 0.45);
  assert.ok(under.p > 0.05 && under.p <= shiftedAt, `p ${under.p}`);
  assert.equal(under.state.status, 'shifted');
});

test('a short clip (under 3 s of votes) is called shifted only on a match as firm as firmMatchAt', () => {
  const { shiftedAt, firmMatchAt, shiftedMinWindows } = DEFAULT_DECISION_POLICY;
  const decided = (offset: number, dip: number) =>
    decide(
      clip(2.8, () => ({ offset, dip })),
      finishedFile(70),
      CAL,
    );
  // dip 0.7 over 2.8 s: p ≈ 0.12, under shiftedAt but not under firmMatchAt.
  const short = decided(8, 0.7);
  const votes = [...short.votesByTrack.values()].reduce((a, b) => a + b, 0);
  assert.ok(
    votes >= DEFAULT_DECISION_POLICY.minEvidenceWindows && votes < shiftedMinWindows,
    `votes ${votes}`,
  );
  const p = (short.state as { evidence: { pMismatch: number } }).evidence.pMismatch;
  assert.ok(p > firmMatchAt && p <= shiftedAt, `p ${p}`);
  assert.equal(decided(0, 0.7).state.status, 'in-sync');
  assert.equal(short.state.status, 'cannot-judge');
  const firm = decided(8, 0.9);
  assert.ok((firm.state as { evidence: { pMismatch: number } }).evidence.pMismatch <= firmMatchAt);
  assert.equal(firm.state.status, 'shifted');
});

test('a loop watched five times is the evidence of one viewing: a weak dip does not become a verdict by repetition', () => {
  const pass = (shot: number) => clip(6, () => ({ offset: 0, dip: 0.3 })).map((w) => ({ ...w, shot }));
  const judged = (windows: WindowEvidence[]) => decide(windows, finishedFile(750), CAL).state;
  const once = judged(pass(0));
  assert.equal(once.status, 'cannot-judge');
  const fivePasses = [0, 1, 2, 3, 4].flatMap(pass);
  // Counted as five times the windows, the chance dip would read as a match.
  assert.equal(judged(fivePasses).status, 'in-sync');
  assert.deepEqual(judged(onePerMoment(fivePasses)), once);
});

test('a moment seen again fills what the first viewing missed: the first window with a face per moment', () => {
  const first = clip(4, (t) => (t >= 1 && t < 2 ? null : { offset: 0 })).filter((w) => w.t < 3);
  const again = clip(4, () => ({ offset: 0 }), undefined, 2).map((w) => ({ ...w, shot: 1 }));
  const kept = onePerMoment([...first, ...again]);
  assert.deepEqual(
    kept.map((w) => Math.round(w.t / 0.04)),
    again.map((w) => Math.round(w.t / 0.04)),
    'each moment once',
  );
  for (const w of kept) {
    const fromFirst = w.t < 3 && !(w.t >= 1 && w.t < 2);
    assert.equal(w.shot, fromFirst ? 0 : 1, `t ${w.t}`);
    assert.ok(w.faces.length > 0, `t ${w.t}`);
  }
});

test("a tab capture's second viewing, on its own grid in wall-clock time, is known by the page's media time", () => {
  // First viewing: media 0–4 s, nothing kept between 1 and 2 s (frames lost). Second: the
  // same 4 s on the wall clock from 100 s, its frames 17 ms off the first viewing's grid.
  const first = clip(4, () => ({ offset: 0 })).filter((w) => w.t < 1 || w.t >= 2);
  const again = clip(4, () => ({ offset: 0 }), undefined, 2).map((w) => ({
    ...w,
    t: 100.017 + w.t,
    shot: 1,
  }));
  const mediaTimeOf = (t: number) => (t >= 100 ? t - 100 : t);
  const kept = onePerMoment([...first, ...again], mediaTimeOf);
  const filled = kept.filter((w) => w.shot === 1).map((w) => mediaTimeOf(w.t));
  assert.equal(kept.length - filled.length, first.length, 'the first viewing kept whole');
  // Only the missed second: moments 1.00 s (17 ms before 1.017) to 1.96 s are filled.
  assert.ok(filled.length >= 24 && filled.length <= 26, `${filled.length} filled`);
  assert.ok(
    filled.every((m) => m > 0.98 && m < 2.02),
    `filled at ${filled.join(', ')}`,
  );
  // Within one viewing time only moves on: windows 20 ms apart in media time (watched at
  // half speed) are all kept.
  const slow = clip(2, () => ({ offset: 0 }));
  assert.equal(onePerMoment(slow, (t) => t / 2).length, slow.length);
});

test('a swapped voice is a mismatch over the whole clip, with a high p(mismatch)', () => {
  const state = status(clip(10, () => ({ offset: null })));
  assert.equal(state.status, 'mismatch');
  if (state.status !== 'mismatch') return;
  assert.ok(state.evidence.pMismatch >= 0.9);
  assert.deepEqual(
    state.evidence.segments.map((s) => s.outcome),
    ['mismatch'],
  );
});

test('where: 3 s of another voice inside a genuine clip is a mismatch with that span marked', () => {
  const state = status(clip(12, (t) => ({ offset: t >= 5 && t < 8 ? null : 0 })));
  assert.equal(state.status, 'mismatch');
  if (state.status !== 'mismatch') return;
  const spans = state.evidence.segments.filter((s) => s.outcome === 'mismatch');
  assert.equal(spans.length, 1);
  assert.ok(Math.abs(spans[0].start - 5) < 0.5 && Math.abs(spans[0].end - 8) < 0.5, JSON.stringify(spans));
  assert.ok(state.evidence.segments.some((s) => s.outcome === 'in-sync'));
});

test('a stretch that matches at an offset of its own (a second speaker recorded with another offset) is not a partial swap', () => {
  const state = status(clip(12, (t) => (t < 7 ? { offset: 0, trackId: 1 } : { offset: -8, trackId: 2 })));
  assert.equal(state.status, 'shifted');
  if (state.status === 'shifted') {
    assert.equal(state.evidence.offsetMs, -320);
    assert.deepEqual(
      state.evidence.segments.map((s) => s.outcome),
      ['in-sync', 'shifted'],
    );
  }
});

test('how much: under 2 s of evidence is too short (checking while live); a faint dip is uncertain', () => {
  const short = clip(1.8, () => ({ offset: 0 }));
  assert.equal((status(short) as { reason: string }).reason, 'too-short');
  const live = status(short, { final: false });
  assert.ok(live.status === 'checking' && live.progress > 0.5 && live.progress < 1);
  const faint = status(
    clip(2.4, () => ({ offset: 0 })).map((w) => ({
      ...w,
      faces: w.faces.map((f) => ({ ...f, dists: f.dists.map((d, k) => (k === 15 ? d + 0.75 : d)) })),
    })),
  );
  assert.equal(faint.status, 'cannot-judge');
  assert.equal((faint as { reason: string }).reason, 'uncertain');
});

test('a mouth too small to judge', () => {
  assert.equal(
    (status(clip(10, () => ({ offset: 0, width: 20 }))) as { reason: string }).reason,
    'mouth-too-small',
  );
});

test('live verdicts are provisional', () => {
  const state = status(
    clip(10, () => ({ offset: 0 })),
    { final: false },
  );
  assert.ok(state.status === 'in-sync' && state.evidence.provisional === true);
});

test('calibration: logistic fit recovers a known model; probability falls as the dip deepens and rises with evidence for a shallow dip', () => {
  const rng = new Rng(3);
  const truth = [2, -1.5, -1, -3, -1];
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const x = calibrationFeatures(
      {
        confidence: rng.next() * 2,
        windows: 20 + rng.int(400),
        speech: 0.5 + 0.5 * rng.next(),
        farDepth: rng.next() * 3,
      },
      1,
    );
    rows.push(x);
    labels.push(rng.next() < 1 / (1 + Math.exp(-x.reduce((z, v, j) => z + v * truth[j], 0))) ? 1 : 0);
  }
  const fitted = fitLogistic(rows, labels);
  fitted.forEach((w, j) => assert.ok(Math.abs(w - truth[j]) < 0.5, `coefficient ${j}: ${w} vs ${truth[j]}`));
  const p = (confidence: number, farDepth?: number) =>
    mismatchProbability(CAL, { confidence, windows: 100, farDepth });
  assert.ok(p(1.2) < p(0.4));
  // A four-coefficient calibration (fitted before farDepth) ignores it.
  assert.equal(p(0.4, 5), p(0.4));
  assert.ok(expectedCalibrationError([0.1, 0.9], [0, 1]) - 0.1 < 1e-12);
  assert.throws(() => parseCalibration({ scale: 1 }, 'm.json'), /m\.json/);
});

test('spans: Viterbi keeps a short blip inside a match, opens a span for a sustained mismatch', () => {
  const scores = (pattern: (i: number) => number) =>
    Array.from({ length: 300 }, (_, i) => ({ t: i * 0.04, score: pattern(i) }));
  assert.equal(
    findSpans(
      scores((i) => (i === 100 ? -2 : 1)),
      CAL,
    ).length,
    1,
  );
  const spans = findSpans(
    scores((i) => (i >= 100 && i < 175 ? 0 : 1)),
    CAL,
  );
  assert.deepEqual(
    spans.map((s) => [s.from, s.to, s.mismatch]),
    [
      [0, 100, false],
      [100, 175, true],
      [175, 300, false],
    ],
  );
});

test('lip activity: still lips ≈ 0, speaking lips move; evidence rows are calc_pdist rows', () => {
  const still = lipActivity(Array.from({ length: 50 }, () => 0.1));
  assert.ok(still.every((v) => v !== null && v < 1e-6));
  const talking = lipActivity(Array.from({ length: 50 }, (_, i) => 0.1 + 0.1 * Math.sin(i)));
  assert.ok(talking[25]! > 0.05);
  assert.equal(lipActivity([null, 0.1])[0], null);
  const audio = [new Float32Array([0, 0]), new Float32Array([1, 0]), new Float32Array([0, 1])];
  const [w0] = runEvidence(
    {
      times: [0, 0.04, 0.08],
      shots: [0, 0, 0],
      speech: [1, 1, 1],
      audio,
      tracks: [
        {
          trackId: 7,
          lip: [new Float32Array([1, 0]), null, null],
          activity: [0.1, null, null],
          width: [100, null, null],
        },
      ],
    },
    1,
  );
  assert.equal(w0.faces.length, 1);
  // k = 0: zero padding; k = 1: audio window 0; k = 2: audio window 1.
  assert.ok(Math.abs(w0.faces[0].dists[1] - 1) < 1e-5 && w0.faces[0].dists[2] < 1e-5);
});

test('defaults are the documented ones', () => {
  assert.equal(DEFAULT_DECISION_POLICY.minEvidenceWindows * 0.04, 2);
  assert.equal(DEFAULT_DECISION_POLICY.acceptEarlyMs, 90);
  assert.equal(DEFAULT_DECISION_POLICY.acceptLateMs, 185);
});

test('the evidence summary says which filter removed the windows', () => {
  // 4 s: speech in the first 3; a face only after 1 s, too small after 2 s; a still mouth in the last one.
  const windows = clip(
    4,
    (t) => (t < 1 ? null : { offset: 0, width: t < 2 ? 120 : 20, activity: t < 3 ? 0.05 : 0 }),
    (t) => (t < 3 ? 1 : 0),
  ).map((w) => ({ ...w, shot: w.t < 2 ? 0 : 1 }));
  const s = summariseEvidence(windows);
  const count = (from: number, to: number) =>
    windows.filter((w) => w.t >= from - 1e-9 && w.t < to - 1e-9).length;
  assert.equal(s.windows, windows.length);
  assert.equal(s.speechWindows, count(0, 3));
  assert.equal(s.speechWithFace, count(1, 3));
  assert.equal(s.speechWithBigFace, count(1, 2));
  assert.equal(s.votes, count(1, 2));
  assert.equal(s.shots, 2);
  assert.equal(s.tracks, 2);
  assert.equal(s.medianFaceWidth, 20);
  assert.equal(s.medianLipActivity, 0.05);
  assert.equal(summariseEvidence([]).medianLipActivity, null);
});
