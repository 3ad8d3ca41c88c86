// Live only: a looping video seen whole is judged as a video that ends is
// (src/offscreen/seen-whole.ts), but one pass of a short loop is less evidence than a live
// FAKE waits for (stabilise.ts: 5 s, held 2 s), and a pass can be read badly as a whole: in
// Firefox, a genuine 4-s loop's first pass was once judged *mismatch* (the CI at 4d73f49)
// and, in 2 of 12 runs while this rule was made, *can't judge* at p(mismatch) 0.73 and 0.85
// where its other passes read 0.00–0.17 (docs/development.md). A loop can be watched again, so a first
// pass that is not a matching voice is judged once more, on a second pass's own frames and
// sound, and the two together settle it — FAKE only when both point to another voice.
import type { SyncState } from '../state';
import { STABILISER_RULES } from './stabilise';

/**
 * "Likely not to match" at least as strongly as the live views ask of a mismatch that
 * replaces a verdict they show (stabilise.ts fakeAtLeast): one pass of the live tests'
 * swapped 4-s loop reads p 0.95–0.99, either side of the decision's mismatch bar (0.95).
 */
const leansMismatch = (state: SyncState) =>
  state.status === 'mismatch' ||
  (state.status === 'cannot-judge' &&
    state.why?.kind === 'likely-mismatch' &&
    (state.evidence?.pMismatch ?? 0) >= STABILISER_RULES.fakeAtLeast);

/**
 * The first pass seen whole, judged alone: the state to settle on, or null to judge a second
 * pass afresh. Settles at once a matching voice (in sync, shifted), and a mismatch the live
 * views already show (`fakeShown`: its evidence passed the live rule).
 */
export function firstPassSettles(pass: SyncState, fakeShown: boolean): SyncState | null {
  if (pass.status === 'in-sync' || pass.status === 'shifted') return pass;
  return pass.status === 'mismatch' && fakeShown ? pass : null;
}

/**
 * Two passes, each judged alone (`second` may rest on part of a pass when a check settles
 * early): a mismatch when one pass is a mismatch and the other leans to it too; a mismatch
 * of one pass alone settles as the other pass's outcome; anything else as the second pass.
 */
export function twoPassVerdict(first: SyncState, second: SyncState): SyncState {
  const mismatch = [second, first].find((pass) => pass.status === 'mismatch');
  if (!mismatch) return second;
  if (leansMismatch(first) && leansMismatch(second)) return mismatch;
  return mismatch === second ? first : second;
}
