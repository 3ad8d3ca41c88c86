// The one pipeline state every view renders from (badge, overlay, popup, CLI text/JSON).
// Nothing else decides what the badge says.

export type CannotJudgeReason =
  | 'no-face'
  | 'several-speakers-unresolved'
  | 'no-audio'
  | 'silent'
  | 'no-speech'
  | 'protected-content'
  | 'too-short'
  | 'mouth-too-small'
  | 'model-unavailable';

export interface SyncEvidence {
  offsetFrames: number;
  offsetMs: number;
  minDist: number;
  confidence: number;
  threshold: number;
  /** Mean distance per candidate offset, index j ↔ offset vshift − j (31 values). */
  dists: number[];
  timeline: { t: number; confidence: number }[];
  faceId?: string;
}

export type SyncState =
  | { status: 'idle' }
  | { status: 'loading'; what: string; progress?: number }
  | { status: 'waiting-for-speech'; seconds: number }
  | { status: 'checking'; progress: number; evidence?: SyncEvidence }
  | { status: 'in-sync'; evidence: SyncEvidence }
  | { status: 'out-of-sync'; evidence: SyncEvidence }
  | { status: 'cannot-judge'; reason: CannotJudgeReason; detail?: string }
  | { status: 'error'; message: string };

export type Verdict = 'real' | 'fake' | 'cannot-judge';

export function verdictOf(state: SyncState): Verdict | null {
  switch (state.status) {
    case 'in-sync':
      return 'real';
    case 'out-of-sync':
      return 'fake';
    case 'cannot-judge':
      return 'cannot-judge';
    default:
      return null;
  }
}

/** Plain words for a cannot-judge reason (popup, overlay, CLI). */
export const REASON_TEXT: Record<CannotJudgeReason, string> = {
  'no-face': 'No face was found in the video.',
  'several-speakers-unresolved': 'Several faces and it is unclear which one is speaking.',
  'no-audio': 'The video has no audio track.',
  silent: 'The audio is silent.',
  'no-speech': 'No speech was heard.',
  'protected-content': 'The video is DRM-protected; its frames cannot be read.',
  'too-short': 'Not enough face-plus-speech evidence yet.',
  'mouth-too-small': 'The mouth is too small in the picture to judge.',
  'model-unavailable': 'The selected sync model is not available.',
};
