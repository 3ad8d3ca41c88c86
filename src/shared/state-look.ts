// How a SyncState looks in the small places: the toolbar badge, the overlay's pill and the
// popup's headline, and the one plain sentence every view (file page and CLI included)
// shows. One mapping, so the badge, overlay, popup, file page and CLI can never disagree.
import {
  spanTimes,
  verdictOf,
  type CannotJudgeReason,
  type CannotJudgeWhy,
  type SyncEvidence,
  type SyncState,
} from '../core/state';
import type { PageGoneWhy, SessionRecord } from '../background/session-machine';
import { plainError } from './errors';
import { lowerFirst, t, type MessageKey } from './i18n';
import { clockSpan, spansOf, whereWords } from './spans';

export type Tone = 'real' | 'shifted' | 'fake' | 'unsure' | 'busy' | 'idle' | 'error';

export interface StateLook {
  tone: Tone;
  /** Toolbar badge text (4 characters at most). */
  badge: string;
  /** Badge background (white text on it: every colour here is ≥ 4.5:1 against white, WCAG AA). */
  color: string;
  /** A few words (overlay pill, popup headline). */
  label: string;
  /** One plain sentence. */
  sentence: string;
  /** For an error: the technical message behind the plain sentence (a view's "Details" toggle). */
  detail?: string;
}

// Shifted is violet, not the fake red: an out-of-step file is an editing or encoding fault,
// not evidence of tampering (issue 10, item 4).
export const TONE_COLORS: Record<Tone, string> = {
  real: '#188038',
  shifted: '#8430ce',
  fake: '#d93025',
  unsure: '#b05a00',
  busy: '#1a73e8',
  idle: '#5f6368',
  error: '#5f6368',
};

/** Badge background per tone, for tests and views (white badge text on each, ≥ 4.5:1). */
export const BADGE_COLORS: Readonly<Record<Tone, string>> = TONE_COLORS;

const look = (tone: Tone, badge: string, label: string, sentence: string): StateLook => ({
  tone,
  badge,
  color: TONE_COLORS[tone],
  label,
  sentence,
});

/**
 * How sure, in words, that a statement holds with probability p (0–1). The steps follow the
 * usual verbal-probability scale (IPCC / ICD 203: "very likely" ≥ 90 %, "likely" ≥ 66 %).
 */
export function certaintyWords(p: number): string {
  if (p >= 0.99) return t('certainty_almost_certainly');
  if (p >= 0.9) return t('certainty_very_likely');
  if (p >= 0.66) return t('certainty_likely');
  return t('certainty_possibly');
}

/** "sound 200 ms early" / "sound 240 ms late" / "sound in sync with the lips" (core's offsetWords, translated). */
export function offsetText(offsetMs: number): string {
  if (offsetMs === 0) return t('offset_in_sync');
  return t(offsetMs > 0 ? 'offset_early' : 'offset_late', Math.abs(offsetMs));
}

/** Plain words for a cannot-judge reason (core's REASON_TEXT, translated). */
export function reasonText(reason: CannotJudgeReason): string {
  return t(`reason_${reason.replaceAll('-', '_')}` as MessageKey);
}

/** A can't-judge detail in the user's language (the state's `detail` is the same in English). */
export function whyWords(why: CannotJudgeWhy): string {
  switch (why.kind) {
    case 'frames-lost':
      return t('why_frames_lost', why.percent);
    case 'face-share':
      return t('why_face_share', why.percent);
    case 'voice-without-lips':
      return t('why_voice_without_lips', why.heard.toFixed(1), why.moving.toFixed(1));
    case 'evidence-short':
      return t('why_evidence_short', why.have.toFixed(1), why.need.toFixed(1));
    case 'likely-mismatch':
      return t('why_likely_mismatch', why.percent);
    case 'far-match':
      return t('why_far_match', offsetText(why.offsetMs), why.percent);
    case 'weak-shift':
      return t('why_weak_shift', offsetText(why.offsetMs), why.percent);
    case 'turn-unclear':
      return t('why_turn_unclear', spanTimes(why.spans), why.percent);
    case 'muted':
      return t('why_muted');
    case 'call-sound-unreachable':
      return t('why_call_sound_unreachable');
    case 'pitch-changed':
      return t('why_pitch_changed', String(why.rate));
  }
}

/** Live verdicts that more evidence may still change read as "so far". */
function provisionally(evidence: SyncEvidence, sentence: string): string {
  return evidence.provisional ? t('so_far', lowerFirst(sentence)) : sentence;
}

/** A verdict's look; a live one that more evidence may still change reads as "so far". */
function judgedLook(tone: 'real' | 'shifted' | 'fake', evidence: SyncEvidence, sentence: string): StateLook {
  const label = t(`label_${tone}`);
  return look(
    tone,
    t(`badge_${tone}`),
    evidence.provisional ? t('label_so_far', label) : label,
    provisionally(evidence, sentence),
  );
}

function inSyncSentence(e: SyncEvidence): string {
  return t('sentence_in_sync', certaintyWords(1 - e.pMismatch), e.evidenceSeconds.toFixed(0));
}

/** Says where when only some of the speech is out of step (one person's turns: decision rule 8). */
function shiftedSentence(e: SyncEvidence): string {
  const certainty = certaintyWords(1 - e.pMismatch);
  const shifted = spansOf(e.segments, 'shifted');
  if (shifted.length > 0 && spansOf(e.segments, 'in-sync').length > 0)
    return t('sentence_shifted_where', certainty, offsetText(e.offsetMs), whereWords(shifted));
  return t('sentence_shifted', certainty, offsetText(e.offsetMs));
}

/** Names where the voice does not match: "from 0:12 to 0:15", or "throughout" when it is everywhere. */
function mismatchSentence(e: SyncEvidence): string {
  const spans = spansOf(e.segments, 'mismatch');
  const checked = e.checkedTo - e.checkedFrom;
  const covered = spans.reduce((sum, s) => sum + (s.end - s.start), 0);
  const certainty = certaintyWords(e.pMismatch);
  if (spans.length === 0) return t('sentence_mismatch', certainty);
  const where =
    checked > 0 && covered >= 0.9 * checked
      ? t('where_throughout', clockSpan(e.checkedFrom, e.checkedTo))
      : whereWords(spans);
  return t('sentence_mismatch_where', certainty, where);
}

/** What the engine is loading, in words ("the engine", "TensorFlow.js", … are the engine's own names). */
const LOADING: Record<string, MessageKey> = {
  'the engine': 'loading_engine',
  'TensorFlow.js': 'loading_tfjs',
  'the sync model': 'loading_sync_model',
  'face tracking': 'loading_face_tracking',
};

export function loadingText(what: string): string {
  return what in LOADING ? t(LOADING[what]) : t('loading_what', what);
}

export function stateLook(state: SyncState): StateLook {
  switch (state.status) {
    case 'idle':
      return look('idle', '', t('label_not_checked'), t('sentence_idle'));
    case 'loading':
      return look('busy', '…', t('label_loading'), loadingText(state.what));
    case 'waiting-for-speech':
      return look('busy', '…', t('label_listening'), t('sentence_waiting'));
    case 'checking':
      return look(
        'busy',
        `${Math.min(99, Math.round(state.progress * 100))}%`,
        t('label_checking', Math.round(state.progress * 100)),
        // With evidence: the decision has weighed it and holds back (a live verdict withdrawn lands here too).
        t(state.evidence ? 'sentence_checking_doubt' : 'sentence_checking'),
      );
    case 'in-sync':
      return judgedLook('real', state.evidence, inSyncSentence(state.evidence));
    case 'shifted':
      return judgedLook('shifted', state.evidence, shiftedSentence(state.evidence));
    case 'mismatch':
      return judgedLook('fake', state.evidence, mismatchSentence(state.evidence));
    case 'cannot-judge': {
      const detail = state.why ? whyWords(state.why) : state.detail;
      return look(
        'unsure',
        '?',
        t('label_cannot_judge'),
        detail ? t('with_detail', reasonText(state.reason), detail) : reasonText(state.reason),
      );
    }
    case 'error': {
      const plain = plainError(state.message);
      return { ...look('error', '!', t('label_error'), plain.text), detail: plain.detail };
    }
  }
}

/**
 * What a polite live region says for a state: a change of state, never each progress step
 * ("Checking started.", "Verdict so far: Real.", the final verdict with its sentence, can't
 * judge with the reason, the error in plain words). The same text twice is not re-announced.
 */
export function announcement(state: SyncState): string {
  switch (state.status) {
    case 'idle':
      return '';
    case 'loading':
    case 'checking':
      return t('announce_checking');
    case 'waiting-for-speech':
      return t('sentence_waiting');
    case 'in-sync':
    case 'shifted':
    case 'mismatch': {
      const base = t(
        state.status === 'in-sync'
          ? 'label_real'
          : state.status === 'shifted'
            ? 'label_shifted'
            : 'label_fake',
      );
      return state.evidence.provisional
        ? t('announce_so_far', base)
        : t('announce_final', base, stateLook(state).sentence);
    }
    case 'cannot-judge':
    case 'error': {
      const look = stateLook(state);
      return t('label_colon_text', look.label, look.sentence);
    }
  }
}

/** The evidence a view can draw for a state (work in progress and can't-judge may carry some). */
export function shownEvidence(state: SyncState): SyncEvidence | undefined {
  switch (state.status) {
    case 'checking':
    case 'in-sync':
    case 'shifted':
    case 'mismatch':
    case 'cannot-judge':
      return state.evidence;
    default:
      return undefined;
  }
}

/**
 * Which of several videos' states the tab's badge shows: a mismatch beats a shift beats
 * in sync beats work in progress — the most serious finding on the page is the one to see.
 */
const PRIORITY: Record<SyncState['status'], number> = {
  mismatch: 8,
  shifted: 7,
  'in-sync': 6,
  checking: 5,
  'waiting-for-speech': 4,
  loading: 3,
  'cannot-judge': 2,
  error: 1,
  idle: 0,
};

export function headlineState(states: readonly SyncState[]): SyncState {
  return states.reduce<SyncState>((best, s) => (PRIORITY[s.status] > PRIORITY[best.status] ? s : best), {
    status: 'idle',
  });
}

/**
 * The user-facing words for how a live check ended (issue 11, item 1), gathered here so a
 * translation finds them in one place. Each ended phase without a verdict reads as one of
 * these; with a verdict the verdict stays and the label says how the check ended.
 */
export const LIFECYCLE_TEXT = {
  stopped: { label: () => t('ended_stopped_label'), sentence: () => t('ended_stopped_sentence') },
  failed: { label: () => t('ended_failed_label') },
  pageGone: {
    left: 'ended_gone_left',
    bfcache: 'ended_gone_bfcache',
    'tab-closed': 'ended_gone_tab_closed',
    'video-removed': 'ended_gone_video_removed',
  } satisfies Record<PageGoneWhy, MessageKey>,
  pageGoneLabel: () => t('ended_gone_label'),
  engineRestarted: {
    label: () => t('ended_engine_label'),
    sentence: () => t('ended_engine_sentence'),
  },
  endedSuffix: {
    stopped: 'ended_suffix_stopped',
    'page-gone': 'ended_suffix_gone',
    'engine-restarted': 'ended_suffix_engine',
    failed: 'ended_suffix_failed',
  } satisfies Record<string, MessageKey>,
  /** A video whose source switched to another site mid-check (content script). */
  unreadableSource: () => t('ended_unreadable_source'),
} as const;

/** How a live check's record looks: its engine state while live, how it ended otherwise. */
export function sessionLook(session: SessionRecord): StateLook {
  const shown = stateLook(session.state);
  if (session.phase === 'opening' || session.phase === 'running' || session.phase === 'done') return shown;
  // A verdict reached before the end stays readable; the label says the check is over.
  if (session.phase !== 'failed' && verdictOf(session.state) !== null) {
    return { ...shown, label: t('label_ended', shown.label, t(LIFECYCLE_TEXT.endedSuffix[session.phase])) };
  }
  switch (session.phase) {
    case 'stopped':
      return look('idle', '', LIFECYCLE_TEXT.stopped.label(), LIFECYCLE_TEXT.stopped.sentence());
    case 'failed': {
      const plain = plainError(session.message);
      return { ...look('error', '!', LIFECYCLE_TEXT.failed.label(), plain.text), detail: plain.detail };
    }
    case 'page-gone':
      return look('idle', '', LIFECYCLE_TEXT.pageGoneLabel(), t(LIFECYCLE_TEXT.pageGone[session.why]));
    case 'engine-restarted':
      return look(
        'error',
        '!',
        LIFECYCLE_TEXT.engineRestarted.label(),
        LIFECYCLE_TEXT.engineRestarted.sentence(),
      );
  }
}

/**
 * Which check the tab's badge shows: verdicts first (as headlineState ranks them, whatever
 * the phase), then live checks' progress, then how ended checks ended.
 */
export function headlineSession(sessions: readonly SessionRecord[]): SessionRecord | null {
  const rank = (s: SessionRecord) => {
    const live = s.phase === 'opening' || s.phase === 'running' || s.phase === 'done';
    if (verdictOf(s.state) !== null && s.state.status !== 'cannot-judge') return PRIORITY[s.state.status];
    if (live) return PRIORITY[s.state.status];
    return 0.5 + (s.phase === 'failed' || s.phase === 'engine-restarted' ? 0.25 : 0);
  };
  return sessions.reduce<SessionRecord | null>(
    (best, s) =>
      best === null || rank(s) > rank(best) || (rank(s) === rank(best) && s.updatedAt > best.updatedAt)
        ? s
        : best,
    null,
  );
}
