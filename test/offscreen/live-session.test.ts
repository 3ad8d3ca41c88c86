// The live session's wiring of the stabiliser, with a stand-in engine (node, no browser):
// live views get provisional-then-firm verdicts that do not follow a noisy decision, and a
// source change drops the engine's evidence and the shown verdict, while a seek keeps both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveSession } from '../../src/offscreen/session';
import type { SyncEngine } from '../../src/engine/engine';
import type { CreateEngineOptions } from '../../src/engine/create';
import type { EngineAssets } from '../../src/engine/types';
import type { SyncState } from '../../src/core/state';
import type { CaptureKind, PlaybackInfo } from '../../src/shared/protocol';
import { evidenceOf, PLAYING } from '../helpers/states';

const playing = PLAYING;

function judged(status: 'in-sync' | 'mismatch', pMismatch: number, evidenceSeconds: number): SyncState {
  const evidence = evidenceOf({ pMismatch, evidenceSeconds, checkedTo: evidenceSeconds });
  return { status, evidence };
}

/** Just what the session calls; states are pushed by the test through the captured onState. */
class FakeEngine {
  calls: string[] = [];
  state: SyncState = { status: 'waiting-for-speech', seconds: 0 };
  constructor(private readonly onState: (state: SyncState) => void) {}
  emit(state: SyncState) {
    this.state = state;
    this.onState(state);
  }
  /** The same state at five updates (2 s on the session's clock): long enough to be shown (stabilise.ts heldBeforeShown). */
  hold(state: SyncState) {
    for (let i = 0; i < 5; i++) this.emit(state);
  }
  newSegment(reason: string) {
    this.calls.push(`newSegment:${reason}`);
  }
  resetEvidence() {
    this.calls.push('resetEvidence');
    this.state = { status: 'waiting-for-speech', seconds: 0 };
  }
  /** What finish() decides (the decision with context.final). */
  finalState: SyncState = { status: 'cannot-judge', reason: 'several-speakers-unresolved' };
  async finish() {
    this.calls.push('finish');
    this.emit(this.finalState);
    return { state: this.finalState };
  }
  /** The times frames and sound reached the engine at (its play time). */
  frameTimes: number[] = [];
  audioTimes: number[] = [];
  async pushFrame(frame: { mediaTime: number }) {
    this.frameTimes.push(frame.mediaTime);
  }
  pushAudio(chunk: { mediaTime: number }) {
    this.audioTimes.push(chunk.mediaTime);
  }
  setProtectedContent() {}
  setAudioTrackPresent() {}
  suggestedRegion() {
    return null;
  }
  dispose() {}
}

/** A frame at media time `t` (the stand-in engine reads only its time). */
const frameAt = (t: number) =>
  ({ image: null, width: 640, height: 360, region: null, mediaTime: t }) as never;

/** The session's state, read afresh (not narrowed by earlier assertions on it). */
const shownNow = (session: LiveSession): SyncState => session.state;

type Settle = { settleAfterSeconds?: number; settleAfterPauseMs?: number };
type Opened = { capture?: CaptureKind; playback?: PlaybackInfo; loaded?: Promise<void> };

/** A session with a stand-in engine (made once `opened.loaded` resolves); returns at once. */
function startSession(settle: Settle = {}, opened: Opened = {}) {
  const shown: SyncState[] = [];
  const finals: boolean[] = [];
  const made: { engine: FakeEngine | null } = { engine: null };
  let clock = 0;
  const session = new LiveSession(
    {
      sessionId: 's1',
      tabId: 1,
      frameId: 0,
      capture: opened.capture ?? 'element',
      model: 'embedded',
      threshold: null,
      assets: {} as EngineAssets,
      loadWeights: async () => undefined,
      // One engine update every 0.5 s, as live.
      now: () => (clock += 0.5),
      onState: (state, final) => {
        shown.push(state);
        finals.push(final);
      },
      ...settle,
      makeEngine: async (_assets: EngineAssets, options: CreateEngineOptions) => {
        await opened.loaded;
        made.engine = new FakeEngine(options.onState!);
        return made.engine as unknown as SyncEngine;
      },
    },
    opened.playback ?? playing,
  );
  return { session, made, shown, finals };
}

async function openSession(settle: Settle = {}, opened: Opened = {}) {
  const { session, made, shown, finals } = startSession(settle, opened);
  await session.updatePlayback({ ...(opened.playback ?? playing) }); // waits for the engine
  assert.ok(made.engine);
  return { session, engine: made.engine, shown, finals };
}

test('live views: a firm REAL stays REAL through a brief weak mismatch from the decision', async () => {
  const { session, engine } = await openSession();
  engine.hold(judged('in-sync', 0.1, 3));
  assert.equal(session.state.status, 'in-sync');
  assert.equal(session.state.status === 'in-sync' && session.state.evidence.provisional, true);
  engine.hold(judged('in-sync', 0.1, 7));
  assert.equal(session.state.status === 'in-sync' && session.state.evidence.provisional, undefined, 'firm');
  engine.emit(judged('mismatch', 0.6, 8));
  assert.equal(session.state.status, 'in-sync');
  await session.close();
});

test('a source change drops the evidence and the firm verdict; a seek keeps them', async () => {
  const { session, engine } = await openSession();
  engine.hold(judged('in-sync', 0.1, 7));
  await session.updatePlayback({ ...playing, seeking: true });
  await session.updatePlayback({ ...playing });
  assert.deepEqual(engine.calls, ['newSegment:seek', 'newSegment:resume']);
  assert.equal(session.state.status, 'in-sync', 'a seek keeps the verdict');

  await session.updatePlayback({ ...playing, src: 'ad.mp4' });
  assert.deepEqual(engine.calls.slice(2), ['resetEvidence']);
  assert.equal(session.state.status, 'waiting-for-speech', 'nothing of the old source is shown');
  // The ad's own verdict comes as soon as it has held, not held back by the old firm REAL.
  engine.hold(judged('mismatch', 0.95, 6));
  assert.equal(shownNow(session).status, 'mismatch');
  await session.close();
});

test('a check stuck at "checking 99 %" (several speakers) settles after the evidence window: final, with its reason', async () => {
  const { session, engine, finals } = await openSession({ settleAfterSeconds: 2 });
  engine.emit({ status: 'checking', progress: 0.99 });
  const second = new Float32Array(16000);
  await session.audio(0, 16000, second);
  assert.equal(session.state.status, 'checking');
  await session.audio(1, 16000, second);
  assert.deepEqual(engine.calls, ['finish']);
  assert.deepEqual(session.state, { status: 'cannot-judge', reason: 'several-speakers-unresolved' });
  assert.equal(finals.at(-1), true, 'reported as final');
  // Work in progress from the engine (the video plays on) does not replace the final state.
  engine.emit({ status: 'checking', progress: 0.99 });
  engine.emit({ status: 'cannot-judge', reason: 'several-speakers-unresolved' });
  assert.equal(session.state.status, 'cannot-judge');
  assert.equal(finals.at(-1), true, 'still final');
  await session.close();
});

test('a long pause settles a check without a verdict ("too short"); a check with a verdict is left alone', async () => {
  const { session, engine, finals } = await openSession({ settleAfterPauseMs: 30 });
  engine.finalState = { status: 'cannot-judge', reason: 'too-short' };
  engine.emit({ status: 'checking', progress: 0.4 });
  await session.updatePlayback({ ...playing, paused: true });
  await new Promise((r) => setTimeout(r, 80));
  await session.updatePlayback({ ...playing, paused: true, seeking: false });
  assert.deepEqual(session.state, { status: 'cannot-judge', reason: 'too-short' });
  assert.equal(finals.at(-1), true);
  await session.close();

  const other = await openSession({ settleAfterPauseMs: 30 });
  other.engine.hold(judged('in-sync', 0.1, 7));
  await other.session.updatePlayback({ ...playing, paused: true });
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(
    other.engine.calls.filter((c) => c === 'finish'),
    [],
  );
  await other.session.close();
});

test('a video played faster: its frames and sound reach the engine in play time, from the first rate on', async () => {
  const sound = new Float32Array(160);
  const times = async (session: LiveSession, engine: FakeEngine, at: number[]) => {
    engine.frameTimes = [];
    engine.audioTimes = [];
    for (const t of at) {
      await session.frame(frameAt(t));
      await session.audio(t, 16_000, sound);
    }
    return { frames: engine.frameTimes, sound: engine.audioTimes };
  };
  // Opened on a video already at 2× (before, the first rate was taken as 1: the sound's
  // chunks then covered half their media span and speech fell apart, "no speech").
  const fast = await openSession({}, { playback: { ...playing, rate: 2 } });
  const at2 = await times(fast.session, fast.engine, [10, 10.08, 11]);
  assert.deepEqual(at2.frames, [10, 10.04, 10.5]);
  assert.deepEqual(at2.sound, at2.frames, 'sound and pictures on one clock');
  // A rate change starts a segment anchored where it happens.
  await fast.session.updatePlayback({ ...playing, rate: 1 });
  assert.deepEqual((await times(fast.session, fast.engine, [20, 20.5])).frames, [20, 20.5]);
  await fast.session.updatePlayback({ ...playing, rate: 1.5 });
  assert.deepEqual((await times(fast.session, fast.engine, [30, 31.5])).frames, [30, 31]);
  await fast.session.close();
  // A tab capture stamps on the wall clock already: no rate changes its times.
  const tab = await openSession({}, { capture: 'tab-capture', playback: { ...playing, rate: 2 } });
  assert.deepEqual((await times(tab.session, tab.engine, [5, 6])).frames, [5, 6]);
  await tab.session.updatePlayback({ ...playing, rate: 1.5 });
  assert.deepEqual((await times(tab.session, tab.engine, [7, 8])).sound, [7, 8]);
  await tab.session.close();
});

test("played faster without pitch correction: can't judge, nothing analysed; the verdict returns with the pitch", async () => {
  const { session, engine } = await openSession();
  engine.hold(judged('in-sync', 0.1, 7));
  await session.updatePlayback({ ...playing, rate: 2, pitchKept: false });
  const shown = shownNow(session);
  assert.equal(shown.status, 'cannot-judge');
  assert.equal(shown.status === 'cannot-judge' && shown.reason, 'pitch-changed');
  assert.deepEqual(shown.status === 'cannot-judge' && shown.why, { kind: 'pitch-changed', rate: 2 });
  await session.frame(frameAt(3));
  await session.audio(3, 16_000, new Float32Array(160));
  assert.deepEqual(
    [engine.frameTimes, engine.audioTimes],
    [[], []],
    'another voice never reaches the engine',
  );
  // At 1× the pitch is the speaker's whatever the setting; with pitch correction on, too.
  await session.updatePlayback({ ...playing, rate: 1, pitchKept: false });
  assert.equal(shownNow(session).status, 'in-sync');
  assert.equal(engine.calls.at(-1), 'newSegment:rate-change', 'a new segment where analysis resumes');
  await session.updatePlayback({ ...playing, rate: 2, pitchKept: false });
  await session.updatePlayback({ ...playing, rate: 2, pitchKept: true });
  assert.equal(shownNow(session).status, 'in-sync');
  assert.equal(engine.calls.at(-1), 'newSegment:resume', 'pitch correction turned on: analysis resumes');
  await session.close();
});

test('at 2× the views get media times: a span the engine placed in play time seeks to where it is in the video', async () => {
  const { session, engine } = await openSession({}, { playback: { ...playing, rate: 2 } });
  await session.frame(frameAt(10));
  await session.frame(frameAt(20));
  assert.deepEqual(engine.frameTimes, [10, 15]);
  const evidence = evidenceOf({ pMismatch: 0.99, evidenceSeconds: 5, checkedTo: 15 });
  engine.hold({
    status: 'mismatch',
    evidence: {
      ...evidence,
      checkedFrom: 10,
      timeline: [{ t: 12, confidence: 0.1 }],
      segments: [{ start: 12, end: 14, outcome: 'mismatch', confidence: 0.99 }],
    },
  });
  const shown = shownNow(session);
  assert.ok(shown.status === 'mismatch');
  assert.deepEqual(
    [
      shown.evidence.checkedFrom,
      shown.evidence.checkedTo,
      shown.evidence.timeline[0].t,
      shown.evidence.segments[0],
    ],
    [10, 20, 14, { start: 14, end: 18, outcome: 'mismatch', confidence: 0.99 }],
  );
  assert.equal(shown.evidence.offsetMs, evidence.offsetMs, 'the offset stays as heard');
  await session.close();
});

test('frames sent while the engine loads are not analysed (they would open a stall); their sound is', async () => {
  let loaded!: () => void;
  const { session, made } = startSession({}, { loaded: new Promise<void>((done) => (loaded = done)) });
  const sound = new Float32Array(160);
  const early = [session.frame(frameAt(0)), session.frame(frameAt(0.04)), session.audio(0, 16_000, sound)];
  loaded();
  await Promise.all(early);
  await session.frame(frameAt(3));
  await session.frame(frameAt(3.04));
  assert.deepEqual(made.engine!.frameTimes, [3, 3.04]);
  assert.deepEqual(made.engine!.audioTimes, [0]);
  assert.equal(session.framesAnalysed, 2);
  await session.close();
});

/** Frames every 40 ms over [from, to) of media time, each given to the session. */
async function playFrames(session: LiveSession, from: number, to: number, skip = (_t: number) => false) {
  for (let i = 0; from + i * 0.04 < to - 1e-9; i++) {
    const t = Math.round((from + i * 0.04) * 1000) / 1000;
    if (!skip(t)) await session.frame(frameAt(t));
  }
}

test('a looping video seen whole is judged as if it ended: the swap short of 5 s of evidence is FAKE, final, once two passes find it', async () => {
  const loop = { ...playing, loopDuration: 4 };
  const { session, engine, finals, shown } = await openSession({}, { playback: loop });
  engine.finalState = judged('mismatch', 0.97, 3.6);
  // Live, FAKE waits for 5 s of evidence (stabilise.ts): a 4-s loop never has them.
  engine.hold(judged('mismatch', 0.97, 3.6));
  assert.equal(session.state.status, 'checking');
  await playFrames(session, 0, 4);
  assert.deepEqual(engine.calls, [], 'not before the loop starts over');
  // The first pass, judged alone, is a mismatch: not enough for FAKE, the next pass is judged afresh.
  await session.frame(frameAt(0.02));
  assert.deepEqual(engine.calls, ['finish', 'resetEvidence']);
  assert.notEqual(shownNow(session).status, 'mismatch');
  assert.equal(finals.at(-1), false);
  // Its evidence started afresh, the check is still nearly done: not "waiting for speech" again.
  engine.emit({ status: 'waiting-for-speech', seconds: 0 });
  assert.deepEqual(shownNow(session), { status: 'checking', progress: 0.99 });
  engine.emit({ status: 'checking', progress: 0.7 });
  assert.deepEqual(shownNow(session), { status: 'checking', progress: 0.99 });
  await playFrames(session, 0.06, 4);
  await session.frame(frameAt(0.01));
  assert.deepEqual(engine.calls, ['finish', 'resetEvidence', 'finish']);
  assert.equal(shownNow(session).status, 'mismatch');
  assert.equal(finals.at(-1), true, 'final');
  assert.equal(shown.filter((s) => s.status === 'mismatch').length, 1, 'FAKE first shown when settled');
  // The next passes settle nothing again.
  await playFrames(session, 0.05, 4);
  await session.frame(frameAt(0.01));
  assert.deepEqual(engine.calls, ['finish', 'resetEvidence', 'finish']);
  await session.close();
});

test('a genuine loop whose first pass alone reads as a mismatch is never FAKE: the second pass, judged afresh, is the verdict', async () => {
  const { session, engine, finals, shown } = await openSession(
    {},
    { playback: { ...playing, loopDuration: 4 } },
  );
  engine.finalState = judged('mismatch', 0.96, 3.7);
  await playFrames(session, 0, 4);
  await session.frame(frameAt(0));
  assert.deepEqual(engine.calls, ['finish', 'resetEvidence']);
  engine.finalState = judged('in-sync', 0.08, 3.8);
  await playFrames(session, 0.04, 4);
  await session.frame(frameAt(0));
  assert.deepEqual(engine.calls, ['finish', 'resetEvidence', 'finish']);
  assert.equal(shownNow(session).status, 'in-sync');
  assert.equal(finals.at(-1), true, 'final');
  assert.ok(
    shown.every((s) => s.status !== 'mismatch'),
    'FAKE never shown',
  );
  await session.close();
});

test('a loop whose passes disagree settles on the pass that is not a mismatch, and stays settled while the engine goes on', async () => {
  const { session, engine, finals, shown } = await openSession(
    {},
    { playback: { ...playing, loopDuration: 4 } },
  );
  const doubt: SyncState = {
    status: 'cannot-judge',
    reason: 'uncertain',
    why: { kind: 'likely-mismatch', percent: 85 },
    evidence: evidenceOf({ pMismatch: 0.85, evidenceSeconds: 3.6 }),
  };
  engine.finalState = doubt;
  await playFrames(session, 0, 4);
  await session.frame(frameAt(0));
  assert.deepEqual(engine.calls, ['finish', 'resetEvidence'], "can't judge: a second look");
  engine.finalState = judged('mismatch', 0.96, 3.6);
  await playFrames(session, 0.04, 4);
  await session.frame(frameAt(0));
  assert.deepEqual(shownNow(session), doubt);
  assert.equal(finals.at(-1), true);
  // Later passes show moments already judged: the engine's mismatch on them changes nothing.
  for (let i = 0; i < 30; i++) engine.emit(judged('mismatch', 0.97, 3.6));
  assert.deepEqual(shownNow(session), doubt);
  assert.ok(
    shown.every((s) => s.status !== 'mismatch'),
    'FAKE never shown',
  );
  await session.close();
});

test('a loop already shown FAKE live (5 s of evidence, held) settles at its first start-over', async () => {
  const { session, engine, finals } = await openSession({}, { playback: { ...playing, loopDuration: 12 } });
  engine.hold(judged('mismatch', 0.97, 6));
  assert.equal(session.state.status, 'mismatch');
  engine.finalState = judged('mismatch', 0.97, 11.5);
  await playFrames(session, 0, 12);
  await session.frame(frameAt(0));
  assert.deepEqual(engine.calls, ['finish']);
  assert.equal(shownNow(session).status, 'mismatch');
  assert.equal(finals.at(-1), true);
  await session.close();
});

/** One pass of a 4-s loop judged in sync: settled at once. */
const IN_SYNC_PASS = judged('in-sync', 0.02, 3.6);

test('a loop settles only once seen whole, from wherever the check started, and never a video that does not loop', async () => {
  // Started at 2 s of a 4-s loop: the first start-over has seen half of it.
  const midway = await openSession({}, { playback: { ...playing, loopDuration: 4 } });
  midway.engine.finalState = IN_SYNC_PASS;
  await playFrames(midway.session, 2, 4);
  await playFrames(midway.session, 0, 2);
  assert.deepEqual(midway.engine.calls, [], 'half seen at the first start-over');
  await playFrames(midway.session, 2, 4);
  await midway.session.frame(frameAt(0));
  assert.deepEqual(midway.engine.calls, ['finish'], 'whole at the second');
  await midway.session.close();
  // A pass with a second of frames lost is not whole; the next pass fills it in.
  const lossy = await openSession({}, { playback: { ...playing, loopDuration: 4 } });
  lossy.engine.finalState = IN_SYNC_PASS;
  await playFrames(lossy.session, 0, 4, (t) => t >= 1 && t < 2);
  await playFrames(lossy.session, 0, 4);
  assert.deepEqual(lossy.engine.calls, [], 'a second missing in the first pass');
  await lossy.session.frame(frameAt(0));
  assert.deepEqual(lossy.engine.calls, ['finish']);
  await lossy.session.close();
  // A seek back in a video that does not loop, or one longer than the evidence window, is a seek.
  for (const playback of [playing, { ...playing, loopDuration: 600 }]) {
    const plain = await openSession({}, { playback });
    await playFrames(plain.session, 0, 4);
    await plain.session.frame(frameAt(0));
    assert.deepEqual(plain.engine.calls, []);
    await plain.session.close();
  }
});

test("a loop seen whole by tab capture: its wall-clock frames are placed by the page's media clock", async () => {
  const at = (media: number, wall: number) => ({
    ...playing,
    loopDuration: 4,
    clock: { mediaTime: media, at: performance.timeOrigin + wall * 1000 },
  });
  const { session, engine } = await openSession({}, { capture: 'tab-capture', playback: at(0, 100) });
  engine.finalState = IN_SYNC_PASS;
  await playFrames(session, 100, 104);
  // The loop started over at wall 104: the page says media time 0 there.
  await session.updatePlayback(at(0, 104));
  await session.frame(frameAt(104.02));
  assert.deepEqual(
    engine.calls.filter((c) => c === 'finish'),
    ['finish'],
  );
  await session.close();
});

test("a call tile whose voice no element holds is can't judge, no audio, saying why; a file without sound is plain no audio", async () => {
  const noAudio: SyncState = { status: 'cannot-judge', reason: 'no-audio' };
  const call = await openSession({}, { playback: { ...playing, src: 'mediastream:abc', audioTrack: false } });
  call.engine.emit(noAudio);
  assert.deepEqual(shownNow(call.session), {
    status: 'cannot-judge',
    reason: 'no-audio',
    detail:
      "no sound of this call reaches the page's audio or video elements; the site may play it through Web Audio, which the check cannot hear",
    why: { kind: 'call-sound-unreachable' },
  });
  assert.deepEqual(call.shown.at(-1), shownNow(call.session), 'the views get the same words');
  await call.session.close();
  const file = await openSession({}, { playback: { ...playing, audioTrack: false } });
  file.engine.emit(noAudio);
  assert.deepEqual(shownNow(file.session), noAudio);
  await file.session.close();
});
