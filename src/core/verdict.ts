// Verdict rules: when there is enough face-plus-speech evidence to judge, and what the
// judgement is. Pure; the engine feeds it counts and the combined offset search, and every
// view renders the SyncState it returns. No real/fake verdict from too little evidence.
import type { CannotJudgeReason, SyncEvidence, SyncState } from './state';
import type { CombinedOffset } from './sync/offset-search';
import { offsetFramesToMs } from './sync/offset-search';

export interface VerdictPolicy {
  /** Confidence (median − min distance) at or above which lips and audio are judged to match. */
  threshold: number;
  /** |offset| in 25-fps frames up to which a matching clip is "in sync" (many genuine files are a few frames off). */
  maxInSyncOffsetFrames: number;
  /** Windows (0.2 s each, one per 40 ms) with a face and speech needed before judging: 75 ≈ 3 s. */
  minEvidenceWindows: number;
  /** Windows with speech needed before a no-speech call is replaced by judging. */
  minSpeechWindows: number;
  /** Median face-box width (video px) below which the mouth is too small to judge. */
  minFaceWidthPx: number;
  /** Fraction of frames that must show a face; below it (with enough frames seen) → no-face. */
  minFaceFraction: number;
  /** Two faces whose confidences are within this ratio and whose verdicts differ are unresolved. */
  speakerAmbiguityRatio: number;
}

export const DEFAULT_POLICY: Omit<VerdictPolicy, 'threshold'> = {
  maxInSyncOffsetFrames: 5,
  minEvidenceWindows: 75,
  minSpeechWindows: 25,
  minFaceWidthPx: 40,
  minFaceFraction: 0.2,
  speakerAmbiguityRatio: 0.85,
};

/** What the engine measured, for one face track (the candidate speaker). */
export interface TrackEvidence {
  trackId: number;
  /** Windows with this face in all 5 frames and speech in the audio. */
  evidenceWindows: number;
  medianFaceWidth: number;
  search: CombinedOffset | null;
  timeline: { t: number; confidence: number }[];
}

export interface EvidenceSummary {
  /** null: not known yet (live, before any audio arrived). */
  hasAudioTrack: boolean | null;
  /** Largest |sample| seen (int16 scale). */
  audioPeak: number;
  /** Windows whose 0.2 s of audio holds speech-level energy. */
  speechWindows: number;
  framesSeen: number;
  framesWithFace: number;
  /** Frames were readable but black / protected (EME). */
  protectedContent: boolean;
  tracks: TrackEvidence[];
  /** Final (file finished) or provisional (live, more may come). */
  final: boolean;
  /** For provisional states: media seconds observed so far. */
  secondsSeen: number;
}

/** Live: seconds of video without enough faces before no-face is reported. */
export const NO_FACE_AFTER_SECONDS = 10;

/** int16 peak below which the audio counts as digital silence (−60 dBFS). */
const SILENT_PEAK = 32768 * 1e-3;

function cannotJudge(reason: CannotJudgeReason, detail?: string): SyncState {
  return { status: 'cannot-judge', reason, ...(detail ? { detail } : {}) };
}

function verdictFor(track: TrackEvidence, policy: VerdictPolicy): 'in-sync' | 'mismatch' {
  const search = track.search!;
  return search.confidence >= policy.threshold && Math.abs(search.offsetFrames) <= policy.maxInSyncOffsetFrames ? 'in-sync' : 'mismatch';
}

export function evidenceOf(track: TrackEvidence, threshold: number): SyncEvidence {
  const search = track.search!;
  return {
    offsetFrames: search.offsetFrames,
    offsetMs: offsetFramesToMs(search.offsetFrames),
    minDist: search.minDist,
    confidence: search.confidence,
    threshold,
    dists: Array.from(search.meanDists),
    timeline: track.timeline,
    faceId: String(track.trackId),
    pMismatch: 0,
    evidenceSeconds: track.evidenceWindows * 0.04,
    segments: [],
    checkedFrom: track.timeline[0]?.t ?? 0,
    checkedTo: track.timeline.at(-1)?.t ?? 0,
  };
}

/** The speaking face: the best-scored track with enough evidence, or why there is none. */
export function chooseSpeaker(
  tracks: readonly TrackEvidence[],
  policy: VerdictPolicy,
): { chosen: TrackEvidence | null; unresolved: boolean } {
  const judged = tracks
    .filter((t) => t.search && t.evidenceWindows >= policy.minEvidenceWindows)
    .sort((a, b) => b.search!.confidence - a.search!.confidence);
  if (judged.length === 0) return { chosen: null, unresolved: false };
  const [best, second] = judged;
  const unresolved =
    second !== undefined &&
    second.search!.confidence >= policy.speakerAmbiguityRatio * best.search!.confidence &&
    verdictFor(second, policy) !== verdictFor(best, policy);
  return { chosen: best, unresolved };
}

export function decide(summary: EvidenceSummary, policy: VerdictPolicy): SyncState {
  const waitingOrFinal = (reason: CannotJudgeReason, provisional: SyncState, detail?: string): SyncState =>
    summary.final ? cannotJudge(reason, detail) : provisional;

  if (summary.protectedContent) return cannotJudge('protected-content');
  if (summary.hasAudioTrack === false) return cannotJudge('no-audio');
  // Live checking may never end (a looping video): after a while without faces, say so
  // (provisionally — a face that appears later still gets judged).
  const faceVerdictDue = summary.final || summary.secondsSeen >= NO_FACE_AFTER_SECONDS;
  if (faceVerdictDue && summary.framesSeen > 0 && summary.framesWithFace === 0) return cannotJudge('no-face');
  if (faceVerdictDue && summary.framesWithFace < policy.minFaceFraction * summary.framesSeen) {
    return cannotJudge('no-face', `a face was visible in ${Math.round((100 * summary.framesWithFace) / summary.framesSeen)} % of frames`);
  }
  if (summary.hasAudioTrack && summary.audioPeak < SILENT_PEAK) {
    return waitingOrFinal('silent', { status: 'waiting-for-speech', seconds: summary.secondsSeen });
  }
  if (summary.speechWindows < policy.minSpeechWindows) {
    return waitingOrFinal('no-speech', { status: 'waiting-for-speech', seconds: summary.secondsSeen });
  }

  const { chosen, unresolved } = chooseSpeaker(summary.tracks, policy);
  if (!chosen) {
    const best = Math.max(0, ...summary.tracks.map((t) => t.evidenceWindows));
    const widths = summary.tracks.filter((t) => t.evidenceWindows > 0).map((t) => t.medianFaceWidth);
    if (summary.final && widths.length > 0 && Math.max(...widths) < policy.minFaceWidthPx) return cannotJudge('mouth-too-small');
    if (summary.final && summary.framesWithFace === 0) return cannotJudge('no-face');
    return waitingOrFinal(
      'too-short',
      { status: 'checking', progress: Math.min(0.99, best / policy.minEvidenceWindows) },
      `${(best * 0.04).toFixed(1)} s of face-plus-speech evidence, ${(policy.minEvidenceWindows * 0.04).toFixed(1)} s needed`,
    );
  }
  if (chosen.medianFaceWidth < policy.minFaceWidthPx) return cannotJudge('mouth-too-small');
  if (unresolved) return waitingOrFinal('several-speakers-unresolved', { status: 'checking', progress: 0.99 });
  const evidence = evidenceOf(chosen, policy.threshold);
  return { status: verdictFor(chosen, policy), evidence };
}
