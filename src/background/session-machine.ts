// One live check's lifecycle (issue 11, item 1), as a pure transition function: the
// background applies it to the record it keeps in storage.session (MV3 workers stop and
// restart, so the record — never the worker's memory — is the truth) and does the side
// effects (closing the engine session, the badge). No browser globals: node tests cover
// every path (test/background/session-machine.test.ts).
//
//   opening ──engine state──▶ running ──final state──▶ done
//      │                        │  ▲                     │ (replay: running again)
//      │                        │  └────engine state─────┘
//      └──────┬─────────────────┴───────────┬────────────┘
//        stop │ fail │ page-gone │ engine-lost
//             ▼                             ▼
//   stopped · failed · page-gone · engine-restarted   (ended: nothing changes them but
//                                                      a new `open`, which may re-attach
//                                                      after an engine restart)
//
// Every ended phase but failed keeps the engine's last state, so a verdict reached before
// the end stays readable (failed carries the error as its state); src/shared/state-look.ts (sessionLook) says what the user sees.
import type { SyncState } from '../core/state';
import type { ModelChoice } from '../engine/types';
import type { CaptureKind } from '../shared/protocol';

/** Why the page holding a checked video went away. */
export type PageGoneWhy = 'left' | 'bfcache' | 'tab-closed' | 'video-removed';

/** How many engine restarts one check re-attaches through before it ends as engine-restarted. */
export const MAX_RESTARTS = 2;

interface SessionBase {
  sessionId: string;
  model: ModelChoice;
  capture: CaptureKind;
  startedAt: number;
  updatedAt: number;
  /** The engine's latest state (for an ended session: what was known when it ended). */
  state: SyncState;
  /** Engine restarts this check re-attached through. */
  restarts: number;
}

export type SessionRecord =
  | (SessionBase & { phase: 'opening' })
  | (SessionBase & { phase: 'running' })
  /** The engine gave a final state (the video ended, or a pause or the evidence window settled it). */
  | (SessionBase & { phase: 'done' })
  | (SessionBase & { phase: 'stopped' })
  | (SessionBase & { phase: 'failed'; message: string })
  | (SessionBase & { phase: 'page-gone'; why: PageGoneWhy })
  /** The engine host died (Chrome closed the offscreen document) and the check did not re-attach. */
  | (SessionBase & { phase: 'engine-restarted' });

export type SessionPhase = SessionRecord['phase'];

export type SessionEvent =
  | {
      type: 'open';
      sessionId: string;
      model: ModelChoice;
      capture: CaptureKind;
      now: number;
      reattach?: boolean;
    }
  | { type: 'engine-state'; sessionId: string; state: SyncState; final: boolean; now: number }
  | { type: 'stop'; now: number }
  | { type: 'fail'; message: string; now: number }
  | { type: 'page-gone'; why: PageGoneWhy; now: number }
  | { type: 'engine-lost'; now: number };

const LIVE: ReadonlySet<SessionPhase> = new Set(['opening', 'running', 'done']);

/** The engine holds a session for it (close it there when it ends). */
export const isLive = (record: SessionRecord | undefined): boolean =>
  record !== undefined && LIVE.has(record.phase);

/** Frames and sound still flow (a done check of a video replaying goes on too, but nothing is pending). */
export const isPending = (record: SessionRecord | undefined): boolean =>
  record?.phase === 'opening' || record?.phase === 'running';

/** A new check of this video may re-attach to its record: the engine died under it and restarts are left. */
export const canReattach = (record: SessionRecord | undefined): boolean =>
  record !== undefined &&
  (record.phase === 'engine-restarted' || isPending(record)) &&
  record.restarts < MAX_RESTARTS;

function base(record: SessionRecord, now: number): SessionBase {
  const { sessionId, model, capture, startedAt, state, restarts } = record;
  return { sessionId, model, capture, startedAt, updatedAt: now, state, restarts };
}

/**
 * The next record. Returns the same object when the event does not apply (a late engine
 * state of an ended or replaced session, a second stop): callers can skip the write.
 */
export function transition(
  record: SessionRecord | undefined,
  event: SessionEvent,
): SessionRecord | undefined {
  if (event.type === 'open') {
    const reattached = event.reattach === true && canReattach(record);
    return {
      phase: 'opening',
      sessionId: event.sessionId,
      model: event.model,
      capture: event.capture,
      startedAt: reattached ? record!.startedAt : event.now,
      updatedAt: event.now,
      restarts: reattached ? record!.restarts + 1 : 0,
      state: {
        status: 'loading',
        what: reattached ? 'the engine again (the browser had closed it)' : 'the engine',
      },
    };
  }
  if (!record || !isLive(record)) return record;
  switch (event.type) {
    case 'engine-state': {
      if (event.sessionId !== record.sessionId) return record;
      const next = { ...base(record, event.now), state: event.state };
      if (event.state.status === 'error') return { ...next, phase: 'failed', message: event.state.message };
      if (event.final) return { ...next, phase: 'done' };
      // Loading the engine's parts is still opening; running starts with the first evidence state.
      return {
        ...next,
        phase: record.phase === 'opening' && event.state.status === 'loading' ? 'opening' : 'running',
      };
    }
    case 'stop':
      return { ...base(record, event.now), phase: 'stopped' };
    case 'fail':
      // The state says it too: views and tests that read only the state see the error.
      return {
        ...base(record, event.now),
        phase: 'failed',
        message: event.message,
        state: { status: 'error', message: event.message },
      };
    case 'page-gone':
      return { ...base(record, event.now), phase: 'page-gone', why: event.why };
    case 'engine-lost':
      // A final verdict needs no engine any more: it stays done.
      return record.phase === 'done' ? record : { ...base(record, event.now), phase: 'engine-restarted' };
  }
}
