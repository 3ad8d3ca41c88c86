// Sound far out of step (src/core/decision/far-offset.ts): a voice that matches the lips
// only past syncnet_python's ±15 frames is "shifted" at its offset, not another voice; a
// voice that matches nowhere is not rescued by the wider search. Evidence is built by the
// product's own runEvidence from synthetic embeddings.
import assert from 'node:assert/strict';
import test from 'node:test';
import { runEvidence } from '../../src/core/decision/build';
import { decide } from '../../src/core/decision/decide';
import { EVIDENCE_VSHIFT, readsSound } from '../../src/core/decision/evidence';
import { farLevel, matchFigures, pooledSearch } from '../../src/core/decision/votes';
import { torchMedian } from '../../src/core/numeric';
import { farMatch } from '../../src/core/decision/far-offset';
import { Rng } from '../../src/core/train/rng';
import { finishedFile, TEST_CALIBRATION } from '../helpers/decision';

const CAL = TEST_CALIBRATION;
const DIM = 8;

/**
 * `seconds` of one face talking, its lips matching audio window i − offset (positive: the
 * sound is heard early), or no audio window at all when offset is null (another voice).
 */
function run(seconds: number, offset: number | null, seed: number, noise = 0.2) {
  const rng = new Rng(seed);
  const vector = () => Float32Array.from({ length: DIM }, () => rng.next() - 0.5);
  const n = Math.round(seconds * 25) - 4;
  const audio = Array.from({ length: n }, vector);
  const lip = audio.map((_, i) => {
    const source = offset === null ? null : audio[i - offset];
    const jitter = vector();
    return source ? source.map((v, d) => v + noise * jitter[d]) : jitter;
  });
  const windows = runEvidence({
    times: audio.map((_, i) => i * 0.04),
    shots: audio.map(() => 0),
    speech: audio.map(() => 1),
    audio,
    tracks: [{ trackId: 1, lip, activity: lip.map(() => 0.05), width: lip.map(() => 120) }],
  });
  return { windows, context: finishedFile(n + 4) };
}

test('evidence rows reach ±40 frames; their middle 31 are syncnet_python’s rows', () => {
  const { windows } = run(6, 0, 1);
  const face = windows[50].faces[0];
  assert.equal(face.wideDists!.length, 2 * EVIDENCE_VSHIFT + 1);
  assert.equal(face.dists.length, 31);
  assert.deepEqual(Array.from(face.dists), Array.from(face.wideDists!.slice(25, 56)));
  assert.deepEqual(windows[10].audioAround, { before: 10, after: EVIDENCE_VSHIFT });
});

test('sound 1.0 s early or 1.2 s late: shifted at its offset, never a mismatch', () => {
  for (const offset of [25, -30]) {
    const { windows, context } = run(10, offset, 2);
    const { state, search } = decide(windows, context, CAL);
    assert.equal(state.status, 'shifted', `offset ${offset}: ${state.status}`);
    if (state.status !== 'shifted') continue;
    assert.equal(state.evidence.offsetFrames, offset);
    assert.equal(state.evidence.offsetMs, offset * 40);
    assert.equal(search?.offsetFrames, offset);
    assert.ok(state.evidence.pMismatch < 0.05, `p ${state.evidence.pMismatch}`);
    // The curve the views draw covers every offset searched, the minimum where the match is.
    assert.equal(state.evidence.dists.length, 81);
    const argmin = state.evidence.dists.indexOf(Math.min(...state.evidence.dists));
    assert.equal(EVIDENCE_VSHIFT - argmin, offset);
    assert.ok(state.evidence.segments.length > 0);
    assert.ok(state.evidence.segments.every((s) => s.outcome === 'shifted'));
    // Only the windows whose sound at that offset exists are evidence: 10 s less the shift.
    assert.ok(Math.abs(state.evidence.evidenceSeconds - (9.84 - Math.abs(offset) * 0.04)) < 0.05);
  }
});

test('a weak match 1 s off and none within ±15: can’t judge, saying so — neither FAKE nor shifted', () => {
  // Lips this noisy match their sound weakly: p(mismatch) ≈ 0.09 at +25, ≈ 0.97 within ±15.
  const { windows, context } = run(10, 25, 1, 1.2);
  const { state } = decide(windows, context, CAL);
  assert.equal(state.status, 'cannot-judge');
  if (state.status !== 'cannot-judge') return;
  assert.equal(state.reason, 'uncertain');
  assert.equal(state.why?.kind, 'far-match');
  assert.equal(
    state.detail,
    'the voice matches the lips only far out of step (sound 1000 ms early), too weakly to be sure (9 % likely not to match)',
  );
  assert.ok(state.evidence!.pMismatch >= 0.95, 'the evidence is the ±15 search’s');
  // Live, more may come: still checking rather than a verdict.
  assert.equal(decide(windows, { ...context, final: false }, CAL).state.status, 'checking');
});

test('within ±15 frames the ordinary search decides: the far search is not consulted', () => {
  const { windows, context } = run(10, 2, 3);
  const { state } = decide(windows, context, CAL);
  assert.equal(state.status, 'in-sync');
  if (state.status === 'in-sync') assert.equal(state.evidence.dists.length, 31);
  const shifted = decide(...(Object.values(run(10, 10, 3)) as [never, never]), CAL).state;
  assert.equal(shifted.status, 'shifted');
  if (shifted.status === 'shifted') assert.equal(shifted.evidence.offsetFrames, 10);
});

test('another voice is not rescued by the wider search (20 seeds)', () => {
  for (let seed = 10; seed < 30; seed++) {
    const { windows, context } = run(8, null, seed);
    const { state } = decide(windows, context, CAL);
    assert.notEqual(state.status, 'shifted', `seed ${seed}`);
    assert.notEqual(state.status, 'in-sync', `seed ${seed}`);
  }
});

test('another voice whose first seconds lie far from every sound does not dip at a far offset', () => {
  // Each far offset averages a different subset of windows: +40 leaves out the first 40.
  // Windows far from every sound there (a random model's distances, a loud first phrase)
  // would make the offsets without them look like a match if distances were averaged as
  // they are; measured from each window's own baseline they do not.
  for (let seed = 40; seed < 50; seed++) {
    const { windows, context } = run(8, null, seed);
    for (const w of windows.slice(0, 60))
      for (const f of w.faces) {
        f.wideDists = f.wideDists!.map((d) => d + 3);
        f.dists = f.wideDists.subarray(25, 56);
      }
    const votes = windows.map((window) => ({ window, face: window.faces[0] }));
    const far = farMatch(votes, CAL, 50);
    assert.ok(!far || far.p > 0.5, `seed ${seed}: ${far?.search.offsetFrames} p ${far?.p}`);
    assert.notEqual(decide(windows, context, CAL).state.status, 'shifted', `seed ${seed}`);
  }
});

test('a far offset needs as many windows with sound as any verdict (2 s)', () => {
  // 3 s: at 30 frames only ~1.6 s of windows have sound there.
  const { windows, context } = run(3, 30, 4);
  const votes = windows.map((window) => ({ window, face: window.faces[0] }));
  const far = farMatch(votes, CAL, 50);
  assert.ok(!far || (far.search.offsetFrames !== 30 && far.p > 0.5), JSON.stringify(far?.search));
  assert.notEqual(decide(windows, context, CAL).state.status, 'shifted');
  // Without wide rows (evidence from an older producer) there is no far search.
  const narrow = votes.map(({ window, face }) => ({ window, face: { ...face, wideDists: undefined } }));
  assert.equal(farMatch(narrow, CAL, 1), null);
});

test('farLevel: the median of the mean distances past ±15 frames, over windows with sound there; one far match moves it little', () => {
  const votesOf = (windows: ReturnType<typeof run>['windows']) =>
    windows.map((window) => ({ window, face: window.faces[0] }));
  const votes = votesOf(run(10, 0, 5).windows);
  // By hand: per offset past ±15, the mean over the windows whose sound there exists.
  const means: number[] = [];
  for (let k = 0; k <= 2 * EVIDENCE_VSHIFT; k++) {
    if (Math.abs(EVIDENCE_VSHIFT - k) <= 15) continue;
    const reaching = votes.filter(({ window }) => readsSound(window, EVIDENCE_VSHIFT - k));
    if (2 * reaching.length < votes.length) continue;
    means.push(reaching.reduce((sum, v) => sum + v.face.wideDists![k], 0) / reaching.length);
  }
  assert.equal(means.length, 50);
  assert.ok(Math.abs(farLevel(votes)! - torchMedian(Float32Array.from(means))) < 1e-6);
  const search = pooledSearch(votes);
  assert.ok(Math.abs(matchFigures(votes, search).farDepth! - (farLevel(votes)! - search.minDist)) < 1e-6);

  // The sound 1 s early matches at one far offset: the level is what another voice gives.
  const shifted = farLevel(votesOf(run(10, 25, 5).windows))!;
  const other = farLevel(votesOf(run(10, null, 5).windows))!;
  assert.ok(Math.abs(shifted - other) < 0.05 * other, `${shifted} vs ${other}`);
  // Past the offsets half the windows reach (a 2-s run), none: no level.
  assert.equal(farLevel(votesOf(run(1.4, 0, 5).windows)), null);
  // Without wide rows, none either, and the calibration falls back to the confidence.
  const narrow = votes.map(({ window, face }) => ({ window, face: { ...face, wideDists: undefined } }));
  assert.equal(farLevel(narrow), null);
  assert.equal(matchFigures(narrow, search).farDepth, undefined);
});
