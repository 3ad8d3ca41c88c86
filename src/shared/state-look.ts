// How a SyncState looks in the small places: the toolbar badge, the overlay's pill and the
// popup's headline, and the one plain sentence every view (file page and CLI included)
// shows. One mapping, so the badge, overlay, popup, file page and CLI can never disagree.
import { offsetWords, REASON_TEXT, verdictOf, type SyncEvidence, type SyncState } from '../core/state';
import type { PageGoneWhy, SessionRecord } from '../background/session-machine';
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
}

// Shifted is violet, not the fake red: an out-of-step file is an editing or encoding fault,
// not evidence of tampering (issue 10, item 4).
const COLORS: Record<Tone, string> = {
  real: '#188038',
  shifted: '#8430ce',
  fake: '#d93025',
  unsure: '#b05a00',
  busy: '#1a73e8',
  idle: '#5f6368',
  error: '#5f6368',
};

const look = (tone: Tone, badge: string, label: string, sentence: string): StateLook => ({ tone, badge, color: COLORS[tone], label, sentence });

/**
 * How sure, in words, that a statement holds with probability p (0–1). The steps follow the
 * usual verbal-probability scale (IPCC / ICD 203: "very likely" ≥ 90 %, "likely" ≥ 66 %).
 */
export function certaintyWords(p: number): string {
  if (p >= 0.99) return 'almost certainly';
  if (p >= 0.9) return 'very likely';
  if (p >= 0.66) return 'likely';
  return 'possibly';
}

/** Live verdicts that more evidence may still change read as "so far". */
function provisionally(evidence: SyncEvidence, sentence: string): string {
  return evidence.provisional ? `So far, ${sentence[0].toLowerCase()}${sentence.slice(1)}` : sentence;
}

const labelOf = (evidence: SyncEvidence, label: string) => (evidence.provisional ? `${label} so far` : label);

function inSyncSentence(e: SyncEvidence): string {
  return `Lips and voice ${certaintyWords(1 - e.pMismatch)} belong together and are in sync (${e.evidenceSeconds.toFixed(0)} s of speech checked).`;
}

function shiftedSentence(e: SyncEvidence): string {
  return `Lips and voice ${certaintyWords(1 - e.pMismatch)} belong together, but out of step (${offsetWords(e.offsetMs)}): an editing or encoding delay, not a sign of a fake.`;
}

/** Names where the voice does not match: "from 0:12 to 0:15", or "throughout" when it is everywhere. */
function mismatchSentence(e: SyncEvidence): string {
  const spans = spansOf(e.segments, 'mismatch');
  const checked = e.checkedTo - e.checkedFrom;
  const covered = spans.reduce((sum, s) => sum + (s.end - s.start), 0);
  const where =
    spans.length === 0 ? '' : checked > 0 && covered >= 0.9 * checked ? ` throughout the part checked (${clockSpan(e.checkedFrom, e.checkedTo)})` : ` ${whereWords(spans)}`;
  return `The voice ${certaintyWords(e.pMismatch)} does not belong to the lips on screen${where}: swapped, dubbed or a voice-over.`;
}

export function stateLook(state: SyncState): StateLook {
  switch (state.status) {
    case 'idle':
      return look('idle', '', 'Not checked', 'Not checked yet.');
    case 'loading':
      return look('busy', '…', 'Loading', `Loading ${state.what}…`);
    case 'waiting-for-speech':
      return look('busy', '…', 'Listening', 'Waiting for someone to speak on screen…');
    case 'checking':
      return look('busy', `${Math.min(99, Math.round(state.progress * 100))}%`, `Checking ${Math.round(state.progress * 100)} %`, 'Collecting face-plus-speech evidence…');
    case 'in-sync':
      return look('real', 'REAL', labelOf(state.evidence, 'Real'), provisionally(state.evidence, inSyncSentence(state.evidence)));
    case 'shifted':
      return look('shifted', 'SHFT', labelOf(state.evidence, 'Shifted'), provisionally(state.evidence, shiftedSentence(state.evidence)));
    case 'mismatch':
      return look('fake', 'FAKE', labelOf(state.evidence, 'Fake?'), provisionally(state.evidence, mismatchSentence(state.evidence)));
    case 'cannot-judge':
      return look('unsure', '?', "Can't judge", `${REASON_TEXT[state.reason]}${state.detail ? ` (${state.detail})` : ''}`);
    case 'error':
      return look('error', '!', 'Error', state.message);
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
  return states.reduce<SyncState>((best, s) => (PRIORITY[s.status] > PRIORITY[best.status] ? s : best), { status: 'idle' });
}

/**
 * The user-facing words for how a live check ended (issue 11, item 1), gathered here so a
 * translation finds them in one place. Each ended phase without a verdict reads as one of
 * these; with a verdict the verdict stays and the label says how the check ended.
 */
export const LIFECYCLE_TEXT = {
  stopped: { label: 'Stopped', sentence: 'You stopped the check before a verdict.' },
  failed: { label: 'Failed' },
  pageGone: {
    left: 'The page or frame holding this video went away (navigated, reloaded or removed) before a verdict.',
    bfcache: 'You left the page before a verdict; check again after coming back.',
    'tab-closed': 'The tab was closed before a verdict.',
    'video-removed': 'The video was removed from the page before a verdict.',
  } satisfies Record<PageGoneWhy, string>,
  pageGoneLabel: 'Gone',
  engineRestarted: {
    label: 'Engine stopped',
    sentence: 'The browser closed the checking engine before a verdict, and the check could not resume; check again.',
  },
  endedSuffix: { stopped: 'stopped', 'page-gone': 'video gone', 'engine-restarted': 'engine stopped', failed: 'failed' },
  /** A video whose source switched to another site mid-check (content script). */
  unreadableSource:
    "Can't read this video any more: its new source comes from another site that does not allow reading it. Click the toolbar button to check it through tab capture.",
} as const;

/** How a live check's record looks: its engine state while live, how it ended otherwise. */
export function sessionLook(session: SessionRecord): StateLook {
  const shown = stateLook(session.state);
  if (session.phase === 'opening' || session.phase === 'running' || session.phase === 'done') return shown;
  // A verdict reached before the end stays readable; the label says the check is over.
  if (session.phase !== 'failed' && verdictOf(session.state) !== null) {
    return { ...shown, label: `${shown.label} (${LIFECYCLE_TEXT.endedSuffix[session.phase]})` };
  }
  switch (session.phase) {
    case 'stopped':
      return look('idle', '', LIFECYCLE_TEXT.stopped.label, LIFECYCLE_TEXT.stopped.sentence);
    case 'failed':
      return look('error', '!', LIFECYCLE_TEXT.failed.label, session.message);
    case 'page-gone':
      return look('idle', '', LIFECYCLE_TEXT.pageGoneLabel, LIFECYCLE_TEXT.pageGone[session.why]);
    case 'engine-restarted':
      return look('error', '!', LIFECYCLE_TEXT.engineRestarted.label, LIFECYCLE_TEXT.engineRestarted.sentence);
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
  return sessions.reduce<SessionRecord | null>((best, s) => (best === null || rank(s) > rank(best) || (rank(s) === rank(best) && s.updatedAt > best.updatedAt) ? s : best), null);
}
