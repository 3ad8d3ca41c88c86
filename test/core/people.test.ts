// Two people in turn, each in step with their own lips but not with each other's
// (src/core/decision/people.ts): the one out of step is "shifted" at their own offset with
// their turn marked — not another voice (FAKE) and not outvoted into "in sync". Evidence is
// built by the product's own runEvidence from synthetic embeddings over one sound track.
import assert from 'node:assert/strict';
import test from 'node:test';
import { runEvidence } from '../../src/core/decision/build';
import { decide, DEFAULT_DECISION_POLICY, LIVE_DECISION_POLICY } from '../../src/core/decision/decide';
import { interleaveSpans } from '../../src/core/decision/people';
import type { SyncSpan } from '../../src/core/state';
import { Rng } from '../../src/core/train/rng';
import { stateLook } from '../../src/shared/state-look';
import { finishedFile, TEST_CALIBRATION } from '../helpers/decision';

const CAL = TEST_CALIBRATION;
const DIM = 8;

/** A turn: `seconds` of one face whose lips match sound window i − offset (null: another voice). */
interface Turn {
  seconds: number;
  offset: number | null;
  noise?: number;
}

/** People in turn (track 1, 2, …), one sound track under them all, as a file would be. */
function turns(plan: readonly Turn[], seed = 1) {
  const rng = new Rng(seed);
  const vector = () => Float32Array.from({ length: DIM }, () => rng.next() - 0.5);
  const owner: number[] = [];
  plan.forEach((turn, p) => owner.push(...Array<number>(Math.round(turn.seconds * 25)).fill(p)));
  const n = owner.length - 4;
  const audio = Array.from({ length: n }, vector);
  const lips = audio.map((_, i) => {
    const { offset, noise = 0.2 } = plan[owner[i]];
    const source = offset === null ? null : audio[i - offset];
    const jitter = vector();
    return source ? source.map((v, d) => v + noise * jitter[d]) : jitter;
  });
  // A window whose five frames straddle the cut shows neither face in all five: no record.
  const on = (p: number, i: number) => owner[i] === p && owner[i + 4] === p;
  const windows = runEvidence({
    times: audio.map((_, i) => i * 0.04),
    shots: audio.map((_, i) => owner[i]),
    speech: audio.map(() => 1),
    audio,
    tracks: plan.map((_, p) => ({
      trackId: p + 1,
      lip: lips.map((row, i) => (on(p, i) ? row : null)),
      activity: lips.map((_, i) => (on(p, i) ? 0.05 : null)),
      width: lips.map((_, i) => (on(p, i) ? 120 : null)),
    })),
  });
  return { windows, context: finishedFile(owner.length) };
}

const outcomes = (segments: readonly SyncSpan[]) =>
  segments.map((s) => `${s.outcome} ${s.start.toFixed(1)}–${s.end.toFixed(1)}`);

test('the second person’s sound 1 s early or late: shifted at their offset, their turn marked, the first in sync', () => {
  for (const offset of [25, -25]) {
    const { windows, context } = turns([
      { seconds: 6, offset: 0 },
      { seconds: 8, offset },
    ]);
    const { state, search } = decide(windows, context, CAL);
    assert.equal(state.status, 'shifted', `offset ${offset}: ${state.status}`);
    if (state.status !== 'shifted') continue;
    assert.equal(state.evidence.offsetFrames, offset);
    assert.equal(search?.offsetFrames, offset);
    assert.ok(
      state.evidence.pMismatch <= DEFAULT_DECISION_POLICY.firmMatchAt,
      `p ${state.evidence.pMismatch}`,
    );
    assert.equal(state.evidence.dists.length, 81, 'the far search’s curve');
    const [first, second] = state.evidence.segments;
    assert.equal(state.evidence.segments.length, 2, outcomes(state.evidence.segments).join(', '));
    assert.equal(first.outcome, 'in-sync');
    assert.equal(second.outcome, 'shifted');
    assert.ok(
      Math.abs(first.start) < 0.05 && Math.abs(second.start - 6) < 0.05,
      outcomes(state.evidence.segments).join(', '),
    );
    // To the last window whose sound at that offset exists (1 s before the end when it is late).
    assert.ok(
      Math.abs(second.end - (offset > 0 ? 14 : 13)) < 0.05,
      outcomes(state.evidence.segments).join(', '),
    );
    // Both people's windows are evidence, each at their own offset.
    assert.ok(state.evidence.evidenceSeconds > 12, `${state.evidence.evidenceSeconds} s`);
    assert.ok(
      state.evidence.timeline.every((p) => p.confidence > 0.5),
      JSON.stringify(state.evidence.timeline),
    );
    // The sentence says where, so the first person is not taken to be out of step too.
    const early = offset > 0 ? 'sound 1000 ms early' : 'sound 1000 ms late';
    assert.equal(
      stateLook(state).sentence,
      `Lips and voice almost certainly belong together, but out of step (${early}) from 0:06 to ${offset > 0 ? '0:14' : '0:13'}: an editing or encoding delay, not a sign of a fake.`,
    );
  }
});

test('a remote guest 8 frames early within the ±15 search: shifted there, the host’s turn in sync', () => {
  const { windows, context } = turns([
    { seconds: 6, offset: 0 },
    { seconds: 6, offset: 8 },
  ]);
  const { state } = decide(windows, context, CAL);
  assert.equal(state.status, 'shifted');
  if (state.status !== 'shifted') return;
  assert.equal(state.evidence.offsetFrames, 8);
  assert.equal(state.evidence.dists.length, 31);
  assert.deepEqual(
    state.evidence.segments.map((s) => s.outcome),
    ['in-sync', 'shifted'],
  );
  // Live asks the offset past the bounds by 2 frames more: 8 frames (320 ms early) still is.
  const live = decide(windows, context, CAL, { ...DEFAULT_DECISION_POLICY, ...LIVE_DECISION_POLICY }).state;
  assert.equal(live.status, 'shifted');
});

test('people apart by little, or both within what viewers accept, or one person in two shots: as before', () => {
  // 2 frames apart (0 and +2, both tolerated): in sync.
  const near = turns([
    { seconds: 6, offset: 0 },
    { seconds: 6, offset: 2 },
  ]);
  assert.equal(decide(near.windows, near.context, CAL).state.status, 'in-sync');
  // 0 and −4 (160 ms late, tolerated), 4 frames apart: in sync.
  const tolerated = turns([
    { seconds: 6, offset: 0 },
    { seconds: 6, offset: -4 },
  ]);
  assert.equal(decide(tolerated.windows, tolerated.context, CAL).state.status, 'in-sync');
  // One person 1 s early in two shots (two tracks, one offset): the clip's own far match.
  const both = turns([
    { seconds: 6, offset: 25 },
    { seconds: 6, offset: 25 },
  ]);
  const state = decide(both.windows, both.context, CAL).state;
  assert.equal(state.status, 'shifted');
  if (state.status === 'shifted') {
    assert.equal(state.evidence.offsetFrames, 25);
    assert.ok(state.evidence.segments.every((s) => s.outcome === 'shifted'));
  }
});

test('a second person in another voice is still a swapped turn; one far out of step and matched weakly is not', () => {
  const swapped = turns([
    { seconds: 6, offset: 0 },
    { seconds: 8, offset: null },
  ]);
  const fake = decide(swapped.windows, swapped.context, CAL).state;
  assert.equal(fake.status, 'mismatch');
  if (fake.status === 'mismatch')
    assert.deepEqual(
      fake.evidence.segments.map((s) => s.outcome),
      ['in-sync', 'mismatch'],
    );
  // Lips this noisy match their own sound 1 s late only weakly (no firm match anywhere).
  const weak = turns([
    { seconds: 6, offset: 0 },
    { seconds: 8, offset: -25, noise: 1.2 },
  ]);
  const state = decide(weak.windows, weak.context, CAL).state;
  assert.equal(state.status, 'cannot-judge', state.status);
  if (state.status !== 'cannot-judge') return;
  assert.equal(state.why?.kind, 'far-match');
  assert.match(state.detail ?? '', /only far out of step \(sound 1000 ms late\)/);
});

test('swapped second turns of 12 seeds never become shifted or in sync', () => {
  for (let seed = 10; seed < 22; seed++) {
    const { windows, context } = turns(
      [
        { seconds: 6, offset: 0 },
        { seconds: 8, offset: null },
      ],
      seed,
    );
    const { state } = decide(windows, context, CAL);
    assert.ok(
      state.status === 'mismatch' || state.status === 'cannot-judge',
      `seed ${seed}: ${state.status}`,
    );
  }
});

test('interleaved timelines: in time order, short gaps bridged, a long gap in everyone’s evidence kept', () => {
  const span = (start: number, end: number, outcome: SyncSpan['outcome']): SyncSpan => ({
    start,
    end,
    outcome,
    confidence: outcome === 'no-evidence' ? 0 : 0.9,
  });
  const host = [span(0, 4, 'in-sync'), span(4, 9, 'no-evidence'), span(9, 12, 'in-sync')];
  const guest = [span(4.5, 7, 'shifted')];
  assert.deepEqual(outcomes(interleaveSpans([host, guest])), [
    'in-sync 0.0–4.0',
    'shifted 4.0–7.0',
    'no-evidence 7.0–9.0',
    'in-sync 9.0–12.0',
  ]);
  // Overlapping ends are cut where the earlier span ends.
  assert.deepEqual(outcomes(interleaveSpans([[span(0, 5, 'in-sync')], [span(4.8, 8, 'shifted')]])), [
    'in-sync 0.0–5.0',
    'shifted 5.0–8.0',
  ]);
});
