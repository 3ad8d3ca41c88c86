// The live check's lifecycle (src/background/session-machine.ts) in node: every path ends in
// a phase the user can read, late or foreign events change nothing, and an engine restart
// re-attaches a bounded number of times. The looks (src/shared/state-look.ts, sessionLook):
// no ended check reads as "Checking …".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canReattach,
  isLive,
  isPending,
  MAX_RESTARTS,
  transition,
  type SessionEvent,
  type SessionRecord,
} from '../../src/background/session-machine';
import { headlineSession, sessionLook } from '../../src/shared/state-look';
import type { SyncState } from '../../src/core/state';
import { evidenceOf, openEvent } from '../helpers/states';

const open = openEvent;
const checking: SyncState = { status: 'checking', progress: 0.4 };
const evidence = evidenceOf({ pMismatch: 0.05, evidenceSeconds: 7 });
const real: SyncState = { status: 'in-sync', evidence };
const engineState = (state: SyncState, final = false, sessionId = 's1'): SessionEvent => ({
  type: 'engine-state',
  sessionId,
  state,
  final,
  now: 2,
});

function run(...events: SessionEvent[]): SessionRecord | undefined {
  return events.reduce<SessionRecord | undefined>((record, event) => transition(record, event), undefined);
}

test('open → opening (loading the engine); engine states → running; a final state → done', () => {
  const opening = run(open())!;
  assert.equal(opening.phase, 'opening');
  assert.equal(opening.state.status, 'loading');
  assert.equal(opening.restarts, 0);
  assert.equal(
    transition(opening, engineState({ status: 'loading', what: 'face tracking' }))!.phase,
    'opening',
    'loading its parts is still opening',
  );
  const running = transition(opening, engineState(checking))!;
  assert.equal(running.phase, 'running');
  assert.deepEqual(running.state, checking);
  const done = transition(
    running,
    engineState({ status: 'cannot-judge', reason: 'several-speakers-unresolved' }, true),
  )!;
  assert.equal(done.phase, 'done');
  // A replay after the end: running again on the next (non-final) state.
  assert.equal(transition(done, engineState(real))!.phase, 'running');
});

test('stop while checking → stopped: the look is not "Checking" and the badge is not a percentage', () => {
  const stopped = run(open(), engineState(checking), { type: 'stop', now: 3 })!;
  assert.equal(stopped.phase, 'stopped');
  const look = sessionLook(stopped);
  assert.equal(look.label, 'Stopped');
  assert.doesNotMatch(look.badge, /%|…/);
  assert.doesNotMatch(look.sentence, /Collecting|Checking/);
});

test('a verdict reached before the end stays readable, labelled with how the check ended', () => {
  const stopped = run(open(), engineState(real), { type: 'stop', now: 3 })!;
  assert.equal(sessionLook(stopped).badge, 'REAL');
  assert.match(sessionLook(stopped).label, /stopped/);
  const gone = run(open(), engineState(real), { type: 'page-gone', why: 'video-removed', now: 3 })!;
  assert.match(sessionLook(gone).label, /video gone/);
});

test('a failure (frame send error, engine error state) → failed with the plain message', () => {
  const failed = run(open(), engineState(checking), {
    type: 'fail',
    message: 'frame is not an image data URL',
    now: 3,
  })!;
  assert.deepEqual(
    [failed.phase, failed.phase === 'failed' && failed.message],
    ['failed', 'frame is not an image data URL'],
  );
  // Said in plain words, the technical message behind Details (src/shared/errors.ts).
  assert.equal(sessionLook(failed).sentence, 'Something went wrong during the check.');
  assert.equal(sessionLook(failed).detail, 'frame is not an image data URL');
  assert.deepEqual(failed.state, { status: 'error', message: 'frame is not an image data URL' });
  assert.equal(sessionLook(failed).badge, '!');
  const viaEngine = run(open(), engineState({ status: 'error', message: 'boom' }))!;
  assert.equal(viaEngine.phase, 'failed');
});

test('page gone: every reason reads as its own sentence; nothing after it changes the record', () => {
  for (const why of ['left', 'bfcache', 'tab-closed', 'video-removed'] as const) {
    const gone: SessionRecord = run(open(), engineState(checking), { type: 'page-gone', why, now: 3 })!;
    assert.equal(gone.phase, 'page-gone');
    assert.ok(sessionLook(gone).sentence.length > 20, why);
    assert.doesNotMatch(sessionLook(gone).badge, /%/);
    // A late engine state or a second end is ignored: the same object comes back.
    assert.equal(transition(gone, engineState(real)), gone);
    assert.equal(transition(gone, { type: 'stop', now: 4 }), gone);
    assert.equal(transition(gone, { type: 'fail', message: 'x', now: 4 }), gone);
  }
});

test('engine lost: a pending check → engine-restarted (readable); a done one keeps its verdict', () => {
  const lost = run(open(), engineState(checking), { type: 'engine-lost', now: 3 })!;
  assert.equal(lost.phase, 'engine-restarted');
  assert.equal(sessionLook(lost).label, 'Engine stopped');
  assert.equal(isLive(lost), false);
  const done = run(open(), engineState(real, true))!;
  assert.equal(transition(done, { type: 'engine-lost', now: 3 }), done);
  // Lost while opening too.
  assert.equal(run(open(), { type: 'engine-lost', now: 3 })!.phase, 'engine-restarted');
});

test('re-attach after an engine restart: a new session continues the check, at most MAX_RESTARTS times', () => {
  let record = run(open('s1'), engineState(checking), { type: 'engine-lost', now: 3 })!;
  assert.equal(canReattach(record), true);
  for (let i = 1; i <= MAX_RESTARTS; i++) {
    record = transition(record, open(`s${i + 1}`, true))!;
    assert.equal(record.phase, 'opening');
    assert.equal(record.restarts, i);
    assert.equal(record.startedAt, 1, 'the check keeps its start');
    assert.match(record.state.status === 'loading' ? record.state.what : '', /again/);
    record = transition(record, engineState(checking, false, `s${i + 1}`))!;
    record = transition(record, { type: 'engine-lost', now: 5 })!;
  }
  assert.equal(record.phase, 'engine-restarted');
  assert.equal(canReattach(record), false, 'no more re-attaching');
  // A fresh check (not a re-attach) always starts over.
  assert.equal(transition(record, open('s9'))!.restarts, 0);
});

test("late and foreign events change nothing: another session's state, a stop of an ended check", () => {
  const running = run(open('s2'), engineState(checking, false, 's2'))!;
  assert.equal(
    transition(running, engineState(real, true, 's1')),
    running,
    "the replaced session's late state",
  );
  const stopped = transition(running, { type: 'stop', now: 3 })!;
  assert.equal(transition(stopped, { type: 'stop', now: 4 }), stopped);
  assert.equal(transition(stopped, { type: 'engine-lost', now: 4 }), stopped);
  assert.equal(transition(undefined, { type: 'stop', now: 4 }), undefined);
});

test('isLive / isPending: which records hold an engine session, which still wait for evidence', () => {
  const opening = run(open())!;
  const done = run(open(), engineState(real, true))!;
  const stopped = run(open(), { type: 'stop', now: 2 })!;
  assert.deepEqual([isLive(opening), isLive(done), isLive(stopped)], [true, true, false]);
  assert.deepEqual([isPending(opening), isPending(done), isPending(stopped)], [true, false, false]);
});

test("the tab's badge: a verdict beats progress beats how an ended check ended", () => {
  const fake = run(open('a'), engineState({ status: 'mismatch', evidence }, false, 'a'))!;
  const progress = run(open('b'), engineState(checking, false, 'b'))!;
  const stopped = run(open('c'), engineState(checking, false, 'c'), { type: 'stop', now: 3 })!;
  assert.equal(headlineSession([stopped, progress, fake])!.sessionId, 'a');
  assert.equal(headlineSession([stopped, progress])!.sessionId, 'b');
  assert.equal(headlineSession([stopped])!.sessionId, 'c');
  assert.equal(headlineSession([]), null);
});
