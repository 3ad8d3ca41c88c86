// `npm run check`'s report for one file, on fabricated results (no browser): the four
// outcomes in words, certainty from pMismatch, evidence seconds, the spans, and the JSON
// line's shape (segments, pMismatch and evidenceSeconds as the engine fills them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanReport, jsonReport } from '../../scripts/lib/check-report';
import type { SyncEvidence, SyncSpan } from '../../src/core/state';
import { evidenceOf, PARTIAL_SWAP_SPANS, resultOf } from '../helpers/states';

const segments = PARTIAL_SWAP_SPANS;

const evidence = (over: Partial<SyncEvidence> = {}): SyncEvidence =>
  evidenceOf({
    minDist: 7.1,
    confidence: 4.2,
    dists: Array(31).fill(8),
    timeline: [
      { t: 0, confidence: 4 },
      { t: 1, confidence: 1 },
    ],
    pMismatch: 0.96,
    evidenceSeconds: 24.5,
    segments,
    checkedTo: 30,
    ...over,
  });

const result = resultOf;

test('mismatch: FAKE line, the sentence naming where, certainty in words, evidence seconds, the spans listed', () => {
  const text = humanReport('/clips/a.mp4', result({ status: 'mismatch', evidence: evidence() }));
  assert.match(
    text,
    /^a\.mp4: FAKE\? — lips and voice do not match\n {2}offset 0 frames \(0 ms\) · min dist 7\.100 · confidence 4\.200 \(threshold 3\.5\)\n {2}face checked: #1/,
  );
  assert.match(
    text,
    /\n {2}The voice very likely does not belong to the lips on screen from 0:12 to 0:15: swapped, dubbed or a voice-over \(or its sound is more than 0\.6 s out of step\)\.\n/,
  );
  assert.match(
    text,
    /\n {2}certainty: voice and lips very likely do not belong together \(probability of a mismatch 0\.96\)\n/,
  );
  assert.match(text, /\n {2}evidence: 24\.5 s of face-plus-speech in 0:00–0:30 checked\n/);
  assert.match(
    text,
    /\n {2}spans:\n {4}0:00–0:12 voice matches the lips\n {4}0:12–0:15 voice does not match the lips\n {4}0:15–0:30 voice matches the lips\n/,
  );
  assert.match(text, /timeline: 0s \S+ 1s \S+!$/);
});

test('real and shifted: certainty from 1 − pMismatch; shifted names the offset and is not a fake', () => {
  const real = humanReport(
    'b.mp4',
    result({ status: 'in-sync', evidence: evidence({ pMismatch: 0.01, segments: [] }) }),
  );
  assert.match(
    real,
    /^b\.mp4: REAL — lips and voice in sync\n {2}offset [+-]?\d+ frames \([+-]?\d+ ms.*\) · min dist \d+\.\d{3} · confidence \d+\.\d{3} \(threshold [\d.]+\)\n {2}face checked: #\d+/,
  );
  assert.match(
    real,
    /certainty: voice and lips almost certainly belong together \(probability of a mismatch 0\.01\)/,
  );
  assert.doesNotMatch(real, /spans:/);
  const shifted = humanReport(
    'c.mp4',
    result({
      status: 'shifted',
      evidence: evidence({ pMismatch: 0.1, offsetFrames: 5, offsetMs: 200, segments: [] }),
    }),
  );
  assert.match(
    shifted,
    /^c\.mp4: SHIFTED — lips and voice belong together, sound 200 ms early\n {2}offset \+5 frames \(\+200 ms, sound early\)/,
  );
  assert.match(shifted, /certainty: voice and lips very likely belong together/);
  assert.doesNotMatch(shifted, /FAKE/);
});

test("can't judge: the reason, no certainty line; evidence it carries still reported", () => {
  const bare = humanReport('d.mp4', result({ status: 'cannot-judge', reason: 'no-speech' }));
  assert.match(bare, /^d\.mp4: CAN'T JUDGE\n {2}reason: No speech was heard/);
  assert.doesNotMatch(bare, /certainty|evidence:|spans:/);
  const withEvidence = humanReport(
    'e.mp4',
    result({
      status: 'cannot-judge',
      reason: 'uncertain',
      evidence: evidence({ pMismatch: 0.5, evidenceSeconds: 1.5 }),
    }),
  );
  assert.doesNotMatch(withEvidence, /certainty/);
  assert.match(withEvidence, /evidence: 1\.5 s of face-plus-speech/);
});

test("JSON: pMismatch, evidenceSeconds and segments [{start, end, outcome, confidence}]; the result's own fields win", () => {
  const fromState = jsonReport('a.mp4', result({ status: 'mismatch', evidence: evidence() }));
  assert.deepEqual(
    Object.keys(fromState).sort(),
    [
      'backend',
      'confidence',
      'dists',
      'durationS',
      'evidenceSeconds',
      'faces',
      'file',
      'fps',
      'landmarking',
      'minDist',
      'model',
      'offsetFrames',
      'offsetMs',
      'pMismatch',
      'segments',
      'threshold',
      'timeline',
      'verdict',
    ].sort(),
  );
  assert.equal(fromState.verdict, 'fake');
  assert.equal(fromState.pMismatch, 0.96);
  assert.equal(fromState.evidenceSeconds, 24.5);
  assert.deepEqual(fromState.segments, segments);
  const own = jsonReport(
    'a.mp4',
    result(
      { status: 'mismatch', evidence: evidence() },
      { segments: [{ ...segments[1], extra: 1 } as SyncSpan], pMismatch: 0.99 },
    ),
  );
  assert.deepEqual(own.segments, [segments[1]], 'only start, end, outcome and confidence');
  assert.equal(own.pMismatch, 0.99);
  const none = jsonReport(
    'd.mp4',
    result({ status: 'cannot-judge', reason: 'no-face' }, { reason: 'no-face' }),
  );
  assert.deepEqual(
    [none.segments, none.pMismatch, none.evidenceSeconds, none.reason],
    [[], null, null, 'no-face'],
  );
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(fromState)));
});
