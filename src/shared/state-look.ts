// How a SyncState looks in the small places: the toolbar badge, the overlay's pill and the
// popup's headline. One mapping, so the badge, overlay and popup can never disagree.
import { offsetWords, REASON_TEXT, type SyncState } from '../core/state';

export type Tone = 'real' | 'fake' | 'unsure' | 'busy' | 'idle' | 'error';

export interface StateLook {
  tone: Tone;
  /** Toolbar badge text (4 characters at most). */
  badge: string;
  /** Badge background. */
  color: string;
  /** A few words (overlay pill, popup headline). */
  label: string;
  /** One plain sentence. */
  sentence: string;
}

const COLORS: Record<Tone, string> = {
  real: '#188038',
  fake: '#d93025',
  unsure: '#e37400',
  busy: '#1a73e8',
  idle: '#5f6368',
  error: '#80868b',
};

const look = (tone: Tone, badge: string, label: string, sentence: string): StateLook => ({ tone, badge, color: COLORS[tone], label, sentence });

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
      return look('real', 'REAL', 'Real', `Lips and voice are in sync (offset ${state.evidence.offsetMs} ms, confidence ${state.evidence.confidence.toFixed(2)}).`);
    case 'shifted':
      return look('unsure', 'SHFT', 'Shifted', `Lips and voice belong together, but the ${offsetWords(state.evidence.offsetMs)}.`);
    case 'mismatch':
      return look('fake', 'FAKE', 'Fake?', `Lips and voice do not match (offset ${state.evidence.offsetMs} ms, confidence ${state.evidence.confidence.toFixed(2)}).`);
    case 'cannot-judge':
      return look('unsure', '?', "Can't judge", `${REASON_TEXT[state.reason]}${state.detail ? ` (${state.detail})` : ''}`);
    case 'error':
      return look('error', '!', 'Error', state.message);
  }
}

/** Which of several videos' states the tab's badge shows: a fake beats a real beats work in progress. */
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
