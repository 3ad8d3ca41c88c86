// Where the evidence went: how many windows held speech, a face, a moving mouth, a vote.
// For the test build's engine stats and the soak: a "too short" after a minute of a talking
// face says which of the decision's filters (decide.ts collectVotes) removed the windows.
import { DEFAULT_DECISION_POLICY, collectVotes, speechWithFaces, type DecisionPolicy } from './decide';
import type { WindowEvidence } from './evidence';
import { torchMedian } from '../numeric';

export interface EvidenceSummary {
  windows: number;
  speechWindows: number;
  /** Speech windows with a face visible in all 5 frames. */
  speechWithFace: number;
  /** Of those, the ones with a face wide enough to judge. */
  speechWithBigFace: number;
  votes: number;
  /** Distinct shots and face tracks among the windows (a track never spans two shots). */
  shots: number;
  tracks: number;
  /** Median over speech windows with a face of the liveliest face's lip activity. */
  medianLipActivity: number | null;
  /** Median over windows with a face of the widest face's width (video px). */
  medianFaceWidth: number | null;
}

/** The lower median (as torch.median), or null when there is nothing to take it of. */
const median = (values: number[]): number | null => (values.length === 0 ? null : torchMedian(values));

export function summariseEvidence(
  windows: readonly WindowEvidence[],
  policy: DecisionPolicy = DEFAULT_DECISION_POLICY,
): EvidenceSummary {
  const speech = windows.filter((w) => w.speech >= policy.speechProbability);
  const { withFace: speechWithFace, bigFace } = speechWithFaces(speech, policy);
  const withFace = windows.filter((w) => w.faces.length > 0);
  return {
    windows: windows.length,
    speechWindows: speech.length,
    speechWithFace: speechWithFace.length,
    speechWithBigFace: bigFace.length,
    votes: collectVotes(windows, policy).length,
    shots: new Set(windows.map((w) => w.shot)).size,
    tracks: new Set(windows.flatMap((w) => w.faces.map((f) => `${w.shot}:${f.trackId}`))).size,
    medianLipActivity: median(speechWithFace.map((w) => Math.max(...w.faces.map((f) => f.lipActivity)))),
    medianFaceWidth: median(withFace.map((w) => Math.max(...w.faces.map((f) => f.faceWidth)))),
  };
}
