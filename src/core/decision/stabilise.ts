// Live only: what the badge shows, between the decision's raw per-update state and the
// views. The decision judges the evidence of the last minute afresh on every update, so a
// noisy stretch can swing it (measured: a genuine clip went REAL → FAKE → REAL 13 s in,
// issue 10). The file page and the CLI show the decision itself; live views show this.
//
// The rule:
// - Provisional first: a verdict the decision gives is shown, marked
//   `evidence.provisional`, and follows the decision until it is firm — except that it
//   does not swing between a matching voice and a mismatch on weak evidence (the
//   pMismatch bounds below).
// - Before a verdict is firm, an outcome is shown only once the decision has given it at
//   every update for a while (heldBeforeShown: a mismatch 2 s, a matching voice 0.5 s;
//   until then the update counts as "checking"). A live check asks its question afresh
//   every 0.5 s, and a p(mismatch) fitted for one look at a clip crosses 0.95 on some look
//   far more often than 1 in 20: without this, a replay of the evaluation's genuine
//   variants of surely-labelled clips showed FAKE at some update on 9 and 14 of 423 (two
//   draws; docs/evaluation.md "Live checks replayed"). A mismatch also waits for
//   FIRM_EVIDENCE_SECONDS of evidence, so FAKE is never provisional: a genuine clip whose
//   first seconds the model does not match (Wav2Lip's test clip: p 0.97 for 2 s of updates
//   on 2.3 s of evidence) was shown FAKE with the hold alone. A firm verdict has its own rule.
// - Firm once the decision rests on FIRM_EVIDENCE_SECONDS of face-plus-speech evidence, or
//   the same outcome has held for FIRM_HELD_SECONDS.
// - Then hysteresis: a firm outcome changes only when another one has held for
//   CHANGE_HELD_SECONDS of updates *and* is strong all that time: leaving a matching voice
//   (in sync / shifted) for a mismatch needs pMismatch ≥ FAKE_AT_LEAST, leaving a mismatch
//   for a matching voice needs pMismatch ≤ REAL_AT_MOST; in sync ↔ shifted and verdict ↔
//   can't judge need the persistence only. An update back on the shown outcome clears the
//   challenger; a weak update of it pauses its clock.
// - Never more than the decision gave: only outcomes the decision produced on this
//   source's evidence are shown, each with that outcome's own latest evidence. When the
//   decision holds back in doubt ("checking" with evidence) for CHANGE_HELD_SECONDS, the
//   verdict shown is withdrawn (back to checking), and at the end (`final`) the decision on
//   all the evidence is shown as it is — hysteresis never keeps a verdict the evidence no
//   longer gives (replayed: a second person's turn in another voice was shown REAL to the
//   end in 40 of 52 files of the conditions set, where the decision said REAL on 10).
// - Gaps (pause, hidden tab, seek) never count as holding: each step adds at most
//   MAX_STEP_SECONDS.
// - Host facts (DRM, no model, no audio track) are not evidence: shown at once, and the
//   stabiliser starts over after them. reset() starts over on a source change.
import type { CannotJudgeReason, SyncState } from '../state';

export interface StabiliserRules {
  firmEvidenceSeconds: number;
  firmHeldSeconds: number;
  changeHeldSeconds: number;
  /** Before a verdict is firm: seconds of consecutive updates an outcome must have been the decision's before it is shown. */
  heldBeforeShown: Partial<Record<Outcome, number>>;
  /** pMismatch a challenger needs to replace a firm matching verdict with a mismatch. */
  fakeAtLeast: number;
  /** pMismatch a challenger needs (at most) to replace a firm mismatch with a matching verdict. */
  realAtMost: number;
  maxStepSeconds: number;
}

export const STABILISER_RULES: StabiliserRules = {
  // Live updates come every 0.5 s (the engine's LIVE_UPDATE_EVERY_SECONDS): a threshold of
  // 5 s of evidence is crossed, and the verdict shown firm, before 6 s (issue 11's target).
  firmEvidenceSeconds: 5,
  firmHeldSeconds: 8,
  changeHeldSeconds: 5,
  heldBeforeShown: { mismatch: 2, 'in-sync': 0.5, shifted: 0.5 },
  fakeAtLeast: 0.9,
  realAtMost: 0.2,
  maxStepSeconds: 2,
};

type Judged = Extract<SyncState, { status: 'in-sync' | 'shifted' | 'mismatch' | 'cannot-judge' }>;
type Outcome = Judged['status'];

/** Reasons that state a fact about the source or the host, not a lack of evidence. */
const FACTS: ReadonlySet<CannotJudgeReason> = new Set(['protected-content', 'model-unavailable', 'no-audio']);

function isJudged(state: SyncState): state is Judged {
  return (
    state.status === 'in-sync' ||
    state.status === 'shifted' ||
    state.status === 'mismatch' ||
    state.status === 'cannot-judge'
  );
}

const matchingVoice = (outcome: Outcome) => outcome === 'in-sync' || outcome === 'shifted';

/** The state with its evidence marked provisional or firm (firm: the key is absent, as in a file check). */
function marked(state: Judged, provisional: boolean): Judged {
  if (!state.evidence) return state;
  const { provisional: _old, ...evidence } = state.evidence;
  return { ...state, evidence: provisional ? { ...evidence, provisional: true } : evidence };
}

export class VerdictStabiliser {
  /** The outcome shown and its latest raw state; null before the first verdict. */
  private shown: Judged | null = null;
  private firm = false;
  /** Seconds the shown outcome has held (towards firm). */
  private shownHeld = 0;
  private challenger: { state: Judged; held: number } | null = null;
  private lastT: number | null = null;
  /** The decision's latest raw outcome and the seconds it has been given at every update. */
  private run: { status: SyncState['status'] | null; held: number } = { status: null, held: 0 };

  constructor(private readonly rules: StabiliserRules = STABILISER_RULES) {}

  /** True once the shown verdict is firm. */
  get isFirm(): boolean {
    return this.firm;
  }

  /** A source change (an ad, the next video): nothing shown so far belongs to the new one. */
  reset(): void {
    this.forget();
    this.lastT = null;
    this.run = { status: null, held: 0 };
  }

  /** Nothing shown any more: the next verdict starts provisional. */
  private forget(): void {
    this.shown = null;
    this.firm = false;
    this.shownHeld = 0;
    this.challenger = null;
  }

  /**
   * The decision's latest state at time `t` (seconds, any monotonic clock) → what to show.
   * `final`: no more evidence will come (the video ended): the decision is shown, firm.
   */
  update(raw: SyncState, t: number, options: { final?: boolean } = {}): SyncState {
    const step = this.lastT === null ? 0 : Math.min(Math.max(0, t - this.lastT), this.rules.maxStepSeconds);
    this.lastT = t;
    if (raw.status === 'cannot-judge' && FACTS.has(raw.reason)) {
      this.reset();
      return raw;
    }
    this.run = { status: raw.status, held: this.run.status === raw.status ? this.run.held + step : 0 };
    if (options.final && isJudged(raw)) {
      // No more evidence will come: the decision on all of it is the verdict, as for a file.
      this.forget();
      this.shown = raw;
      this.firm = true;
      return raw;
    }
    if (this.withdraws(raw)) {
      this.forget();
      return raw;
    }
    if (this.notYetShown(raw)) {
      return this.shown ? marked(this.shown, !this.firm) : { status: 'checking', progress: 0.99 };
    }
    if (!isJudged(raw)) {
      // Loading, checking, waiting for speech: a verdict already shown stays.
      if (raw.status === 'error' || !this.shown) return raw;
      return marked(this.shown, !this.firm);
    }
    if (!this.shown || !this.firm) this.updateProvisional(raw, step);
    else this.updateFirm(raw, step);
    return marked(this.shown!, !this.firm);
  }

  /**
   * The decision has weighed the evidence and held back (in doubt: "checking" with its
   * evidence) for as long as a change needs: the verdict shown no longer rests on it.
   */
  private withdraws(raw: SyncState): boolean {
    return (
      raw.status === 'checking' &&
      raw.evidence !== undefined &&
      this.shown !== null &&
      this.run.held >= this.rules.changeHeldSeconds
    );
  }

  /**
   * Before a verdict is firm: an outcome not yet given at every update for its hold, or a
   * mismatch on less evidence than a firm verdict rests on (FAKE is never provisional),
   * counts as the decision still checking.
   */
  private notYetShown(raw: SyncState): boolean {
    if (this.firm || !isJudged(raw)) return false;
    if (raw.status === 'mismatch' && raw.evidence.evidenceSeconds < this.rules.firmEvidenceSeconds)
      return true;
    return this.run.held < (this.rules.heldBeforeShown[raw.status] ?? 0);
  }

  private updateProvisional(raw: Judged, step: number): void {
    const shown = this.shown;
    if (shown && raw.status !== shown.status && !this.strongAgainst(shown.status, raw)) return; // no flicker on weak evidence
    this.shownHeld = shown?.status === raw.status ? this.shownHeld + step : 0;
    this.shown = raw;
    const evidenceSeconds = raw.status === 'cannot-judge' ? 0 : raw.evidence.evidenceSeconds;
    this.firm =
      evidenceSeconds >= this.rules.firmEvidenceSeconds || this.shownHeld >= this.rules.firmHeldSeconds;
  }

  private updateFirm(raw: Judged, step: number): void {
    const shown = this.shown!;
    if (raw.status === shown.status) {
      // Same outcome: its newer evidence (offset, spans) is shown; any challenger is gone.
      this.shown = raw;
      this.challenger = null;
      return;
    }
    if (this.challenger?.state.status !== raw.status) {
      // A new challenger's clock starts at its first update, not at the one before.
      this.challenger = { state: raw, held: 0 };
      return;
    }
    this.challenger.state = raw;
    if (!this.strongAgainst(shown.status, raw)) return; // a weak update pauses the challenger's clock
    this.challenger.held += step;
    if (this.challenger.held >= this.rules.changeHeldSeconds) {
      this.shown = raw;
      this.challenger = null;
    }
  }

  /** Whether `raw` is strong enough evidence to count against the shown outcome. */
  private strongAgainst(shown: Outcome, raw: Judged): boolean {
    if (raw.status === 'cannot-judge' || shown === 'cannot-judge') return true;
    const p = raw.evidence.pMismatch;
    if (matchingVoice(shown) && raw.status === 'mismatch') return p >= this.rules.fakeAtLeast;
    if (shown === 'mismatch' && matchingVoice(raw.status)) return p <= this.rules.realAtMost;
    return true; // in sync ↔ shifted: the voice matches either way; persistence decides
  }
}
