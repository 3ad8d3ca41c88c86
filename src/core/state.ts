// The one pipeline state every view renders from (badge, overlay, popup, CLI text/JSON).
// Nothing else decides what the badge says: src/core/decision/decide.ts makes it.

export type CannotJudgeReason =
  | 'no-face'
  | 'no-speaking-face'
  | 'several-speakers-unresolved'
  | 'no-audio'
  | 'silent'
  | 'no-speech'
  | 'protected-content'
  | 'too-short'
  | 'uncertain'
  | 'mouth-too-small'
  | 'frame-rate-too-low'
  | 'model-unavailable'
  /** The browser does not let the extension read this video (Firefox: another site's video without CORS; no tab capture there). */
  | 'unreadable'
  /**
   * The video can be read but its sound cannot be hooked: the page's AudioContext does not
   * start (the browser's autoplay policy before any interaction with the page), and this
   * browser has no tab capture to fall back on (Firefox).
   */
  | 'sound-blocked'
  /** Played faster or slower without pitch correction: the voice heard is not the speaker's. */
  | 'pitch-changed';

/** A can't-judge detail as data (the views word it in the user's language: src/shared/state-look.ts). */
export type CannotJudgeWhy =
  | { kind: 'frames-lost'; percent: number }
  | { kind: 'face-share'; percent: number }
  /** Seconds of voice heard, and of lips moving with it. */
  | { kind: 'voice-without-lips'; heard: number; moving: number }
  /** Seconds of face-plus-speech evidence, and the seconds needed. */
  | { kind: 'evidence-short'; have: number; need: number }
  | { kind: 'likely-mismatch'; percent: number }
  /** No offset within ±15 frames matches; one further off does, but too weakly to be sure. */
  | { kind: 'far-match'; offsetMs: number; percent: number }
  /** The voice matches the lips best past what viewers accept, but not firmly enough for "shifted". */
  | { kind: 'weak-shift'; offsetMs: number; percent: number }
  /** One person's turn, or a stretch of their speech, does not clearly match while the rest does (media-time spans). */
  | { kind: 'turn-unclear'; spans: { start: number; end: number }[]; percent: number }
  | { kind: 'muted' }
  /** A call tile whose voice reaches no audio or video element of the page (played through Web Audio, say). */
  | { kind: 'call-sound-unreachable' }
  /** The playback rate the sound is heard at, its pitch moved with it. */
  | { kind: 'pitch-changed'; rate: number };

/** The English words of a can't-judge detail (CLI, JSON; the views translate the same data). */
export function whyText(why: CannotJudgeWhy): string {
  switch (why.kind) {
    case 'frames-lost':
      return `${why.percent} % of frames were lost`;
    case 'face-share':
      return `a face was visible in ${why.percent} % of frames`;
    case 'voice-without-lips':
      return `a voice was heard for ${why.heard.toFixed(1)} s, lips moved with it for ${why.moving.toFixed(1)} s`;
    case 'evidence-short':
      return `${why.have.toFixed(1)} s of face-plus-speech evidence, ${why.need.toFixed(1)} s needed`;
    case 'likely-mismatch':
      return `${why.percent} % likely not to match`;
    case 'far-match':
      return `the voice matches the lips only far out of step (${offsetWords(why.offsetMs)}), too weakly to be sure (${why.percent} % likely not to match)`;
    case 'weak-shift':
      return `the voice matches the lips best out of step (${offsetWords(why.offsetMs)}), but not clearly enough to say so (${why.percent} % likely not to match)`;
    case 'turn-unclear':
      return `the voice at ${spanTimes(why.spans)} does not clearly match that person's lips (${why.percent} % likely not to match)`;
    case 'muted':
      return 'the player is muted; unmute it to check';
    case 'call-sound-unreachable':
      return "no sound of this call reaches the page's audio or video elements; the site may play it through Web Audio, which the check cannot hear";
    case 'pitch-changed':
      return `the video plays at ${why.rate}× without pitch correction; play it at 1× to check`;
  }
}

/** "6.0–12.0 s, 14.2–16.0 s": media-time spans as a viewer reads them in any language. */
export function spanTimes(spans: readonly { start: number; end: number }[]): string {
  return spans.map((s) => `${s.start.toFixed(1)}–${s.end.toFixed(1)} s`).join(', ');
}

/** What a stretch of media time showed. */
export type SpanOutcome = 'in-sync' | 'shifted' | 'mismatch' | 'no-evidence';

/** A stretch of the checked media, in media time (seconds). */
export interface SyncSpan {
  start: number;
  end: number;
  outcome: SpanOutcome;
  /** Probability of `outcome` for this stretch (0–1); for no-evidence, 0. */
  confidence: number;
}

export interface SyncEvidence {
  /** Offset of the matching voice, on the 25-fps grid; positive ⇒ the sound is heard early. */
  offsetFrames: number;
  offsetMs: number;
  minDist: number;
  /** SyncNet's confidence: median − min of the 31 mean distances. */
  confidence: number;
  /** The model's confidence scale (median − min at which a clean clip typically matches). */
  threshold: number;
  /** Calibrated probability that voice and lips do not belong together (0–1). */
  pMismatch: number;
  /** Seconds of face-plus-speech evidence the decision rests on. */
  evidenceSeconds: number;
  /** Mean distance per candidate offset, index j ↔ offset vshift − j (31 values): index 0 is the sound 15 frames early. */
  dists: number[];
  timeline: { t: number; confidence: number }[];
  /** Where the voice matched the lips, was shifted, did not match, or could not be judged. */
  segments: SyncSpan[];
  /** Media time span the evidence covers. */
  checkedFrom: number;
  checkedTo: number;
  faceId?: string;
  /** Live: more evidence may still change this verdict. */
  provisional?: boolean;
}

export type SyncState =
  | { status: 'idle' }
  | { status: 'loading'; what: string; progress?: number }
  | { status: 'waiting-for-speech'; seconds: number }
  | { status: 'checking'; progress: number; evidence?: SyncEvidence }
  | { status: 'in-sync'; evidence: SyncEvidence }
  | { status: 'shifted'; evidence: SyncEvidence }
  | { status: 'mismatch'; evidence: SyncEvidence }
  | {
      status: 'cannot-judge';
      reason: CannotJudgeReason;
      /** The detail in English (CLI, JSON, logs). */
      detail?: string;
      /** The same detail as data, so each view can say it in the user's language. */
      why?: CannotJudgeWhy;
      evidence?: SyncEvidence;
    }
  | { status: 'error'; message: string };

/**
 * The state with every media time in it — the checked span, the timeline, the spans, a
 * turn's spans — passed through `f` (a live check at another playback rate is judged in
 * play time; its views seek in media time, src/offscreen/timebase.ts).
 */
export function mapStateTimes(state: SyncState, f: (t: number) => number): SyncState {
  const evidence = (e: SyncEvidence): SyncEvidence => ({
    ...e,
    checkedFrom: f(e.checkedFrom),
    checkedTo: f(e.checkedTo),
    timeline: e.timeline.map((p) => ({ ...p, t: f(p.t) })),
    segments: e.segments.map((s) => ({ ...s, start: f(s.start), end: f(s.end) })),
  });
  switch (state.status) {
    case 'checking':
      return state.evidence ? { ...state, evidence: evidence(state.evidence) } : state;
    case 'in-sync':
    case 'shifted':
    case 'mismatch':
      return { ...state, evidence: evidence(state.evidence) };
    case 'cannot-judge': {
      const why: CannotJudgeWhy | undefined =
        state.why?.kind === 'turn-unclear'
          ? { ...state.why, spans: state.why.spans.map((s) => ({ start: f(s.start), end: f(s.end) })) }
          : state.why;
      return {
        ...state,
        ...(why ? { why, detail: whyText(why) } : {}),
        ...(state.evidence ? { evidence: evidence(state.evidence) } : {}),
      };
    }
    default:
      return state;
  }
}

/** The four outcomes a check ends in (shifted: the voice belongs to the lips but at an offset viewers notice). */
export type Verdict = 'real' | 'shifted' | 'fake' | 'cannot-judge';

export function verdictOf(state: SyncState): Verdict | null {
  switch (state.status) {
    case 'in-sync':
      return 'real';
    case 'shifted':
      return 'shifted';
    case 'mismatch':
      return 'fake';
    case 'cannot-judge':
      return 'cannot-judge';
    default:
      return null;
  }
}

/** States that carry a judgement with its evidence. */
export function judgedEvidence(state: SyncState): SyncEvidence | null {
  return state.status === 'in-sync' || state.status === 'shifted' || state.status === 'mismatch'
    ? state.evidence
    : null;
}

/** "sound 200 ms early" / "sound 240 ms late" / "in sync" for an offset on the 25-fps grid. */
export function offsetWords(offsetMs: number): string {
  if (offsetMs === 0) return 'sound in sync with the lips';
  return `sound ${Math.abs(offsetMs)} ms ${offsetMs > 0 ? 'early' : 'late'}`;
}

/** Plain words for a cannot-judge reason (popup, overlay, CLI). */
export const REASON_TEXT: Record<CannotJudgeReason, string> = {
  'no-face': 'No face was found in the video.',
  'no-speaking-face':
    'Someone is heard, but no face on screen is speaking (a voice-over, or only listeners are shown).',
  'several-speakers-unresolved': 'Several faces and it is unclear which one is speaking.',
  'no-audio': 'The video has no audio track.',
  silent: 'The audio is silent.',
  'no-speech': 'No speech was heard (music, noise or silence).',
  'protected-content': 'The video is DRM-protected; its frames cannot be read.',
  'too-short': 'Not enough face-plus-speech evidence yet.',
  uncertain:
    'The evidence is not clear enough to say either way (noisy sound, a small or turned face, or too little speech).',
  'mouth-too-small': 'The mouth is too small in the picture to judge.',
  'frame-rate-too-low':
    'Too many video frames were lost (the computer could not keep up), so the lips cannot be followed.',
  'model-unavailable': 'The selected sync model is not available.',
  unreadable:
    'This browser does not let extensions read this video (it comes from another site that does not allow it).',
  'sound-blocked':
    "The browser keeps this page's sound from extensions until you interact with the page: click the video, then check again.",
  'pitch-changed':
    "The video plays faster or slower with its pitch changed, so the voice heard is not the speaker's own.",
};
