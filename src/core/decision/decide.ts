// The one decision. Every door — the live engine, the file page, the `check` CLI and
// `npm run eval` — hands it the same per-window evidence and gets the same SyncState.
//
// 1. Context: protected, no audio track, no face, digital silence.
// 2. Speech, not loudness: only windows the speech detector hears speech in can vote.
// 3. Who speaks when: in each speech window the voice belongs to the visible face whose
//    lips move most; a face whose lips stay still (a listener) is not a candidate, and a
//    window with no candidate does not vote. Shot ids keep faces of different shots apart
//    (the tracker never carries a track across a cut).
// 4. The voting windows' distances are averaged per offset as in syncnet_python evaluate
//    (mean over windows, offset = vshift − argmin, conf = median − min).
// 5. How sure: conf and the amount of evidence → calibrated p(mismatch) (calibration.ts).
// 6. Where: windows that do not match at the clip's offset are laid out as spans (spans.ts);
//    the stretch that stands out furthest from the rest, past chance, is tampering (scan.ts),
//    and so is one person's whole turn that matches at no offset while the others' speech
//    matches (tampering.ts).
// 7. What: mismatch (p high, or a tampered stretch amid matching speech), shifted
//    (matching, at an offset past what viewers accept: ITU-R BT.1359, sound more than 90 ms
//    early or 185 ms late — the whole clip's, or one person's of several, each searched on
//    their own: people.ts), in sync, or can't judge with the reason.
import { offsetFramesToMs } from '../sync/offset-search';
import {
  whyText,
  type CannotJudgeReason,
  type CannotJudgeWhy,
  type SpanOutcome,
  type SyncEvidence,
  type SyncSpan,
  type SyncState,
} from '../state';
import type { DecisionCalibration } from './calibration';
import {
  WINDOW_SECONDS,
  WINDOW_STEP,
  type ClipContext,
  type FaceWindow,
  type WindowEvidence,
} from './evidence';
import { findSpans, type ScoredWindow } from './spans';
import { farMatch } from './far-offset';
import { interleaveSpans, peopleApart, type OwnMatch } from './people';
import { asMatched, markStretch, mergeSpans, weakestStretch, weakestTurn, type Weakness } from './tampering';
import { pooledSearch, probabilityOf, voteRuns, windowScores, type ClipSearch, type Vote } from './votes';

export interface DecisionPolicy {
  /** A window holds speech at or above this speech probability. */
  speechProbability: number;
  /** Lip activity (lip-activity.ts) at or above which a face may be the one speaking. */
  minLipActivity: number;
  /** Voting windows (0.2 s each, one per 40 ms) needed before judging: 50 = 2 s. */
  minEvidenceWindows: number;
  /** Speech windows needed before a no-speech call is replaced by judging. */
  minSpeechWindows: number;
  /**
   * Speech comes in phrases: at least one stretch this long (s) of consecutive speech
   * windows. The detector's false alarms on music come in bursts of 0.3–0.6 s
   * (docs/speech-detection.md); over a long video those add up to "enough speech".
   */
  minSpeechRunSeconds: number;
  /** Face-box width (video px) below which a mouth is too small to judge. */
  minFaceWidthPx: number;
  /** Fraction of frames that must show a face; below it (with enough frames seen) → no-face. */
  minFaceFraction: number;
  /** p(mismatch) at or above which the voice is judged not to belong to the lips. */
  mismatchAt: number;
  /** p(mismatch) at or below which the voice is judged to belong to the lips (in sync). */
  matchAt: number;
  /**
   * p(mismatch) at or below which a match within ±15 frames but away from the in-sync
   * offsets is believed (shifted). Stricter than matchAt: when nothing matches, the smallest
   * of 31 noisy distances lands outside the tolerated offsets 24 times in 31 — but a
   * swapped voice rarely reaches a low p at all, so the bar need not be far below matchAt
   * (docs/evaluation.md, "How firm a shifted match"). On fewer than shiftedMinWindows votes
   * firmMatchAt applies instead.
   */
  shiftedAt: number;
  /**
   * Votes (3 s) below which a shifted match must be as firm as firmMatchAt: short sentences
   * of one rhythm (GRID's) match another speaker's lips at some offset more often than the
   * calibration, fitted over all lengths, allows for.
   */
  shiftedMinWindows: number;
  /**
   * p(mismatch) at or below which a match is believed where more is searched than
   * syncnet_python's 31 offsets: past ±15 frames (far-offset.ts, 81 offsets) or one
   * person's own offset beside another's (people.ts). More chances to dip by chance, a
   * firmer bar.
   */
  firmMatchAt: number;
  /**
   * p(mismatch) at or below which a match past ±15 frames (far-offset.ts) keeps a mismatch
   * from being said: the voice may be this one far out of step. Looser than matchAt: a
   * genuine file far out of step often matches only weakly there, while a swap's best far
   * offset rarely reaches even this (docs/evaluation.md).
   */
  farMatchAt: number;
  /** Sound heard early by more than this is "shifted" (ITU-R BT.1359 acceptability: 90 ms). */
  acceptEarlyMs: number;
  /** Sound heard late by more than this is "shifted" (ITU-R BT.1359 acceptability: 185 ms). */
  acceptLateMs: number;
  /**
   * How far the measured offset itself may be off (ms): "shifted" needs the offset past the
   * acceptable bounds by more than this. 0 for files, where sound and pictures carry their
   * own timestamps; live checks place sound by the clocks of a playing page
   * (LIVE_DECISION_POLICY), and a genuine clip measured there 40–80 ms early (160 ms on a
   * heavily loaded machine: docs/decision.md).
   */
  offsetUncertaintyMs: number;
  /** Shortest mismatched stretch reported as tampering inside matching speech (s); the partial swaps are 2 s or more. */
  minSpanSeconds: number;
  /**
   * How far (z, scan.ts) a stretch must fall below the rest of the speech to be called
   * tampering, with up to 10 s of votes; more evidence raises it (more stretches, more chance).
   */
  stretchZAt: number;
  /**
   * How far (z, raised with the evidence as stretchZAt is) a stretch that does not match on
   * its own must fall below the rest to keep the clip from being called in sync. Calling a
   * video in sync asks less doubt than calling it fake does (docs/decision.md rule 8).
   */
  stretchDoubtZ: number;
  /** Voting windows the speech outside a stretch must keep to be its reference (3 s). */
  minRestWindows: number;
  /**
   * The same for one person's whole turn (tampering.ts weakestTurn), which must reach
   * stretchZAt to be called another voice: "in sync" should mean every person who spoke was
   * checked, and a turn in doubt is not.
   */
  turnDoubtZ: number;
  /** Live: seconds without enough faces before no-face is reported. */
  noFaceAfterSeconds: number;
  /** Share of lost frames (frame-drops.ts) above which lips cannot be followed: frame rate too low. */
  maxDroppedFrameRatio: number;
  /**
   * Live: seconds seen after which a check still short of evidence, with over
   * maxDroppedFrameRatio of its frames lost in stalls, says so instead of "checking" on a
   * video that may never end. Long enough that the engine's start-up stall alone never does.
   */
  framesLostAfterSeconds: number;
}

export const DEFAULT_DECISION_POLICY: DecisionPolicy = {
  speechProbability: 0.6,
  minLipActivity: 0.008,
  minEvidenceWindows: 50,
  minSpeechWindows: 25,
  minSpeechRunSeconds: 1,
  minFaceWidthPx: 40,
  minFaceFraction: 0.2,
  mismatchAt: 0.95,
  matchAt: 0.3,
  shiftedAt: 0.15,
  shiftedMinWindows: 75,
  firmMatchAt: 0.05,
  farMatchAt: 0.5,
  acceptEarlyMs: 90,
  acceptLateMs: 185,
  offsetUncertaintyMs: 0,
  minSpanSeconds: 2,
  stretchZAt: 4.25,
  stretchDoubtZ: 3.5,
  minRestWindows: 75,
  turnDoubtZ: 2,
  noFaceAfterSeconds: 10,
  maxDroppedFrameRatio: 0.5,
  framesLostAfterSeconds: 30,
};

/** Live checks: the offset measured on a playing page is off by up to two frames (offsetUncertaintyMs). */
export const LIVE_DECISION_POLICY: Partial<DecisionPolicy> = { offsetUncertaintyMs: 80 };

/** int16 peak below which the audio counts as digital silence (−60 dBFS). */
const SILENT_PEAK = 32768 * 1e-3;
/** Timeline resolution (s). */
const TIMELINE_STEP = 1;

export interface Decision {
  state: SyncState;
  /** The pooled search over the voting windows, when there were any. */
  search: ClipSearch | null;
  /** Voting windows per face track (who spoke, and how much). */
  votesByTrack: Map<number, number>;
}

const cannotJudge = (
  reason: CannotJudgeReason,
  why?: CannotJudgeWhy,
  evidence?: SyncEvidence,
): SyncState => ({
  status: 'cannot-judge',
  reason,
  ...(why ? { detail: whyText(why), why } : {}),
  ...(evidence ? { evidence } : {}),
});
const percent = (fraction: number): number => Math.round(100 * fraction);
const tenths = (seconds: number): number => Math.round(10 * seconds) / 10;

const isCandidate = (face: FaceWindow, policy: DecisionPolicy): boolean =>
  face.faceWidth >= policy.minFaceWidthPx && face.lipActivity >= policy.minLipActivity;

/** The speaking face of a speech window: among big-enough faces, the one whose lips move most, if they move at all. */
function speakingFace(window: WindowEvidence, policy: DecisionPolicy): FaceWindow | null {
  let best: FaceWindow | null = null;
  for (const face of window.faces) {
    if (!isCandidate(face, policy)) continue;
    if (!best || face.lipActivity > best.lipActivity) best = face;
  }
  return best;
}

/**
 * Two faces on screen together whose lips both move while someone speaks: the voice goes
 * to the one it matches. If both match, at offsets more than RIVAL_OFFSET_FRAMES apart,
 * nobody can say which one speaks. Returns the votes with shared windows given to the
 * better-matching face, or null when that is unresolved.
 */
function resolveRivals(
  votes: Vote[],
  calibration: DecisionCalibration,
  policy: DecisionPolicy,
): Vote[] | null {
  const shared = votes.filter((v) => v.window.faces.filter((f) => isCandidate(f, policy)).length >= 2);
  if (shared.length < policy.minEvidenceWindows) return votes;
  const byTrack = new Map<number, Vote[]>();
  for (const v of shared) {
    for (const face of v.window.faces) {
      if (!isCandidate(face, policy)) continue;
      const list = byTrack.get(face.trackId) ?? [];
      list.push({ window: v.window, face });
      byTrack.set(face.trackId, list);
    }
  }
  const ranked = [...byTrack]
    .filter(([, list]) => list.length >= policy.minEvidenceWindows)
    .map(([trackId, list]) => {
      const search = pooledSearch(list);
      return { trackId, search, p: probabilityOf(list, search, calibration) };
    })
    .sort((a, b) => a.p - b.p);
  if (ranked.length < 2) return votes;
  const [best, second] = ranked;
  if (
    second.p <= policy.matchAt &&
    Math.abs(best.search.offsetFrames - second.search.offsetFrames) > RIVAL_OFFSET_FRAMES
  )
    return null;
  return votes.map((v) => {
    const face = v.window.faces.find((f) => f.trackId === best.trackId && isCandidate(f, policy));
    return face ? { window: v.window, face } : v;
  });
}

/** Offsets (frames) two matching faces may differ by and still be one voice's. */
const RIVAL_OFFSET_FRAMES = 2;

/** The speech windows (in time order) that vote, each with its speaking face. */
export function collectVotes(
  windows: readonly WindowEvidence[],
  policy: DecisionPolicy = DEFAULT_DECISION_POLICY,
): Vote[] {
  const votes: Vote[] = [];
  for (const window of windows) {
    if (window.speech < policy.speechProbability) continue;
    const face = speakingFace(window, policy);
    if (face) votes.push({ window, face });
  }
  return votes.sort((a, b) => a.window.t - b.window.t);
}

/** The gates that need no sync evidence; null when judging may go on. */
function contextGate(context: ClipContext, policy: DecisionPolicy): SyncState | null {
  if (context.protectedContent) return cannotJudge('protected-content');
  if (context.hasAudioTrack === false) return cannotJudge('no-audio');
  // Live checking may never end (a looping video): after a while without faces, say so.
  const faceVerdictDue = context.final || context.secondsSeen >= policy.noFaceAfterSeconds;
  if (faceVerdictDue && context.framesSeen > 0 && context.framesWithFace === 0) return cannotJudge('no-face');
  // Windows over lost frames never vote (frozen mouths); with this many lost, few are left and those are suspect.
  if (faceVerdictDue && context.droppedFrameRatio > policy.maxDroppedFrameRatio) {
    return cannotJudge('frame-rate-too-low', {
      kind: 'frames-lost',
      percent: percent(context.droppedFrameRatio),
    });
  }
  if (faceVerdictDue && context.framesWithFace < policy.minFaceFraction * context.framesSeen) {
    return cannotJudge('no-face', {
      kind: 'face-share',
      percent: percent(context.framesWithFace / context.framesSeen),
    });
  }
  if (context.hasAudioTrack && context.audioPeak < SILENT_PEAK) {
    return context.final
      ? cannotJudge('silent')
      : { status: 'waiting-for-speech', seconds: context.secondsSeen };
  }
  return null;
}

/** Of the speech windows: those with a face in all 5 frames, and of those the ones with a face wide enough to judge. */
export function speechWithFaces(
  speech: readonly WindowEvidence[],
  policy: DecisionPolicy,
): { withFace: WindowEvidence[]; bigFace: WindowEvidence[] } {
  const withFace = speech.filter((w) => w.faces.length > 0);
  return {
    withFace,
    bigFace: withFace.filter((w) => w.faces.some((f) => f.faceWidth >= policy.minFaceWidthPx)),
  };
}

/** Seconds covered by the longest stretch of consecutive windows (one per WINDOW_STEP), in time order. */
export function longestRun(windows: readonly WindowEvidence[]): number {
  let longest = 0;
  let start = 0;
  for (let i = 0; i < windows.length; i++) {
    if (i > 0 && windows[i].t - windows[i - 1].t > 1.5 * WINDOW_STEP) start = i;
    longest = Math.max(longest, windows[i].t - windows[start].t + WINDOW_SECONDS);
  }
  return longest;
}

/** Why there are too few voting windows, in the most useful words. */
function notEnough(
  speech: readonly WindowEvidence[],
  votes: number,
  context: ClipContext,
  policy: DecisionPolicy,
): SyncState {
  const { withFace, bigFace } = speechWithFaces(speech, policy);
  const enoughSpeech = speech.length >= policy.minEvidenceWindows;
  // Too little evidence because stalls took most of what was shown (frame-drops.ts).
  const lostDue = context.final || context.secondsSeen >= policy.framesLostAfterSeconds;
  if (lostDue && context.lostFrameRatio > policy.maxDroppedFrameRatio)
    return cannotJudge('frame-rate-too-low', {
      kind: 'frames-lost',
      percent: percent(context.lostFrameRatio),
    });
  if (!context.final)
    return { status: 'checking', progress: Math.min(0.99, votes / policy.minEvidenceWindows) };
  if (
    enoughSpeech &&
    withFace.length >= policy.minEvidenceWindows &&
    bigFace.length < policy.minEvidenceWindows
  )
    return cannotJudge('mouth-too-small');
  if (enoughSpeech && bigFace.length >= policy.minEvidenceWindows) {
    return cannotJudge('no-speaking-face', {
      kind: 'voice-without-lips',
      heard: tenths(speech.length * WINDOW_STEP),
      moving: tenths(votes * WINDOW_STEP),
    });
  }
  if (context.framesWithFace === 0) return cannotJudge('no-face');
  return cannotJudge('too-short', {
    kind: 'evidence-short',
    have: tenths(votes * WINDOW_STEP),
    need: tenths(policy.minEvidenceWindows * WINDOW_STEP),
  });
}

function timelineOf(scored: readonly ScoredWindow[], scale: number): { t: number; confidence: number }[] {
  const buckets = new Map<number, { sum: number; n: number }>();
  for (const { t, score } of scored) {
    const key = Math.floor(t / TIMELINE_STEP) * TIMELINE_STEP;
    const bucket = buckets.get(key) ?? { sum: 0, n: 0 };
    bucket.sum += score * scale;
    bucket.n++;
    buckets.set(key, bucket);
  }
  return [...buckets].sort(([a], [b]) => a - b).map(([t, { sum, n }]) => ({ t, confidence: sum / n }));
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Spans over the voting windows; a gap in the evidence (voteRuns) becomes no-evidence. */
function spansOf(
  votes: readonly Vote[],
  scored: readonly ScoredWindow[],
  calibration: DecisionCalibration,
  matched: SpanOutcome,
): SyncSpan[] {
  const found = findSpans(scored, calibration);
  const out: SyncSpan[] = [];
  const push = (span: SyncSpan) => {
    const last = out.at(-1);
    if (last && last.outcome === span.outcome && span.start - last.end < 1e-6) last.end = span.end;
    else out.push(span);
  };
  for (const span of found) {
    const outcome: SpanOutcome = span.mismatch ? 'mismatch' : matched;
    const p = sigmoid(span.mismatch ? span.logOdds : -span.logOdds);
    voteRuns(votes.slice(span.from, span.to)).forEach((run, i, runs) => {
      if (i > 0) push({ start: runs[i - 1].end, end: run.start, outcome: 'no-evidence', confidence: 0 });
      push({ ...run, outcome, confidence: p });
    });
  }
  return out;
}

function isShifted(offsetFrames: number, policy: DecisionPolicy): boolean {
  const ms = offsetFramesToMs(offsetFrames);
  return (
    ms > policy.acceptEarlyMs + policy.offsetUncertaintyMs ||
    -ms > policy.acceptLateMs + policy.offsetUncertaintyMs
  );
}

/** What every verdict's evidence shares: the model's scale, the checked span, the faces. */
interface EvidenceFrame {
  scale: number;
  checkedFrom: number;
  checkedTo: number;
  faceId: string;
  final: boolean;
}

/** The evidence of a verdict reached at `at` over `votes` voting windows. */
function evidenceOf(
  frame: EvidenceFrame,
  at: ClipSearch,
  scored: readonly ScoredWindow[],
  pMismatch: number,
  segments: SyncSpan[],
  votes: number,
): SyncEvidence {
  return {
    offsetFrames: at.offsetFrames,
    offsetMs: offsetFramesToMs(at.offsetFrames),
    minDist: at.minDist,
    confidence: at.confidence,
    threshold: frame.scale,
    pMismatch,
    evidenceSeconds: votes * WINDOW_STEP,
    dists: Array.from(at.meanDists),
    timeline: timelineOf(scored, frame.scale),
    segments,
    checkedFrom: frame.checkedFrom,
    checkedTo: frame.checkedTo,
    faceId: frame.faceId,
    ...(frame.final ? {} : { provisional: true }),
  };
}

/**
 * Why a clip the decision holds back on is uncertain: a person's turn or a stretch in doubt
 * (matching only far out of step, or not clearly), a best match out of step that would have
 * been believed in step (`shiftedMs`: its offset when past what viewers accept), or simply
 * how likely a mismatch is.
 */
function uncertainWhy(
  doubt: Weakness | null,
  shiftedMs: number | null,
  pMismatch: number,
  policy: DecisionPolicy,
): CannotJudgeWhy {
  if (doubt?.far)
    return {
      kind: 'far-match',
      offsetMs: offsetFramesToMs(doubt.far.offsetFrames),
      percent: percent(doubt.far.p),
    };
  if (doubt)
    return {
      kind: 'turn-unclear',
      spans: doubt.spans.map(({ start, end }) => ({ start, end })),
      percent: percent(doubt.p),
    };
  if (shiftedMs !== null && pMismatch <= policy.matchAt)
    return { kind: 'weak-shift', offsetMs: shiftedMs, percent: percent(pMismatch) };
  return { kind: 'likely-mismatch', percent: percent(pMismatch) };
}

/** The p(mismatch) a match past the tolerated offsets must reach to be called shifted. */
const shiftedBar = (votes: number, policy: DecisionPolicy): number =>
  votes >= policy.shiftedMinWindows ? policy.shiftedAt : policy.firmMatchAt;

/** Rules 5–8 of docs/decision.md over enough voting windows: the offset, how sure, where, what. */
function judgeVotes(
  votes: readonly Vote[],
  frame: EvidenceFrame,
  calibration: DecisionCalibration,
  policy: DecisionPolicy,
): { state: SyncState; search: ClipSearch } {
  const search = pooledSearch(votes);
  const scored = windowScores(votes, search, calibration.scale);
  const pMismatch = probabilityOf(votes, search, calibration);

  // People in step with their own lips but not with each other's (people.ts): the one out
  // of step is shifted, each person's turns marked at their own offset.
  const apart = peopleApart(votes, calibration, policy, (o) => isShifted(o, policy), RIVAL_OFFSET_FRAMES);
  if (apart) return peopleShifted(apart, frame, calibration, policy);

  // No firm match within ±15 frames: look further (far-offset.ts). A firm match there, and
  // firmer than any within ±15, is the sound far out of step.
  const far = pMismatch > policy.firmMatchAt ? farMatch(votes, calibration, policy.minEvidenceWindows) : null;
  if (far && far.p <= policy.firmMatchAt && far.p < pMismatch) {
    const spans = asMatched(spansOf(far.votes, far.scored, calibration, 'shifted'), 'shifted');
    const evidence = evidenceOf(frame, far.search, far.scored, far.p, spans, far.votes.length);
    return { state: { status: 'shifted', evidence }, search: far.search };
  }

  const shifted = isShifted(search.offsetFrames, policy);
  const matched: SpanOutcome = shifted ? 'shifted' : 'in-sync';
  const segments = spansOf(votes, scored, calibration, matched);
  // Only a clip whose voice as a whole is not a mismatch can have a tampered stretch.
  const turn = pMismatch >= policy.mismatchAt ? null : weakestTurn(votes, scored, calibration, policy);
  // A turn that matches that person's lips further out of step is not shown to be another voice.
  const swapped = turn && turn.firm && turn.p >= policy.mismatchAt && !turn.far ? turn : null;
  const stretch =
    pMismatch >= policy.mismatchAt || swapped
      ? null
      : weakestStretch(votes, scored, search.offsetFrames, calibration, policy);
  const tampered = stretch?.firm ? stretch.spans[0] : null;
  // A stretch or a turn short of tampering still keeps the clip from being called in sync.
  const doubt = turn ?? stretch;
  const evidence = evidenceOf(frame, search, scored, pMismatch, segments, votes.length);

  let state: SyncState;
  if (pMismatch >= policy.mismatchAt && far && far.p <= policy.farMatchAt) {
    // Nothing matches within ±15 frames, something weakly does further off: this voice far
    // out of step cannot be told from another voice, so neither is said.
    const why: CannotJudgeWhy = {
      kind: 'far-match',
      offsetMs: offsetFramesToMs(far.search.offsetFrames),
      percent: percent(far.p),
    };
    state = frame.final
      ? cannotJudge('uncertain', why, evidence)
      : { status: 'checking', progress: 0.99, evidence };
  } else if (pMismatch >= policy.mismatchAt) {
    // The whole clip: no offset matches. Spans then only say where evidence was missing.
    evidence.segments = mergeSpans(
      segments.map((s) =>
        s.outcome === 'no-evidence' ? s : { ...s, outcome: 'mismatch', confidence: pMismatch },
      ),
    );
    state = { status: 'mismatch', evidence };
  } else if (swapped) {
    // One person's speech matches, another's whole turn matches at no offset: a voice put on them.
    evidence.pMismatch = swapped.p;
    evidence.segments = swapped.spans.reduce(markStretch, asMatched(segments, matched));
    state = { status: 'mismatch', evidence };
  } else if (tampered) {
    // Matching speech with a stretch that stands out as not matching: partial tampering.
    evidence.pMismatch = tampered.confidence;
    evidence.segments = markStretch(asMatched(segments, matched), tampered);
    state = { status: 'mismatch', evidence };
  } else if (!doubt && pMismatch <= (shifted ? shiftedBar(votes.length, policy) : policy.matchAt)) {
    // In sync (or shifted) only when no stretch or person's turn stands apart as unmatched.
    evidence.segments = asMatched(segments, matched);
    state = { status: matched, evidence };
  } else if (!frame.final) {
    state = { status: 'checking', progress: 0.99, evidence };
  } else {
    const why = uncertainWhy(doubt, shifted ? evidence.offsetMs : null, pMismatch, policy);
    state = cannotJudge('uncertain', why, evidence);
  }
  return { state, search };
}

/** Rule 8's people apart (people.ts): shifted at the out-of-step person's offset, every person's turns at their own. */
function peopleShifted(
  people: readonly OwnMatch[],
  frame: EvidenceFrame,
  calibration: DecisionCalibration,
  policy: DecisionPolicy,
): { state: SyncState; search: ClipSearch } {
  const [out] = people;
  const segments = interleaveSpans(
    people.map((m) => {
      const outcome: SpanOutcome = isShifted(m.search.offsetFrames, policy) ? 'shifted' : 'in-sync';
      return asMatched(spansOf(m.votes, m.scored, calibration, outcome), outcome);
    }),
  );
  const scored = people.flatMap((m) => m.scored).sort((a, b) => a.t - b.t);
  const votes = people.reduce((n, m) => n + m.votes.length, 0);
  const evidence = evidenceOf(frame, out.search, scored, out.p, segments, votes);
  return { state: { status: 'shifted', evidence }, search: out.search };
}

/**
 * The decision: per-window evidence (any order) and what is known of the clip → the state
 * every view shows. `threshold` is the model's confidence scale, reported with the evidence.
 */
export function decide(
  windows: readonly WindowEvidence[],
  context: ClipContext,
  calibration: DecisionCalibration,
  policy: DecisionPolicy = DEFAULT_DECISION_POLICY,
): Decision {
  const votesByTrack = new Map<number, number>();
  const gate = contextGate(context, policy);
  if (gate) return { state: gate, search: null, votesByTrack };

  const ordered = [...windows].sort((a, b) => a.t - b.t);
  const speech = ordered.filter((w) => w.speech >= policy.speechProbability);
  if (speech.length < policy.minSpeechWindows || longestRun(speech) < policy.minSpeechRunSeconds) {
    const state: SyncState = context.final
      ? cannotJudge('no-speech')
      : { status: 'waiting-for-speech', seconds: context.secondsSeen };
    return { state, search: null, votesByTrack };
  }
  const resolved = resolveRivals(collectVotes(speech, policy), calibration, policy);
  if (!resolved) {
    const state: SyncState = context.final
      ? cannotJudge('several-speakers-unresolved')
      : { status: 'checking', progress: 0.99 };
    return { state, search: null, votesByTrack };
  }
  const votes = resolved;
  for (const { face } of votes) votesByTrack.set(face.trackId, (votesByTrack.get(face.trackId) ?? 0) + 1);
  if (votes.length < policy.minEvidenceWindows)
    return { state: notEnough(speech, votes.length, context, policy), search: null, votesByTrack };

  const faceIds = [...votesByTrack].sort((a, b) => b[1] - a[1]).map(([id]) => id);
  const frame: EvidenceFrame = {
    scale: calibration.scale,
    checkedFrom: ordered[0].t,
    checkedTo: ordered.at(-1)!.t + WINDOW_SECONDS,
    faceId: faceIds.join(','),
    final: context.final,
  };
  return { ...judgeVotes(votes, frame, calibration, policy), votesByTrack };
}
