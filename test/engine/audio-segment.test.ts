// The engine's per-segment audio: chunks at 48 kHz become the 16 kHz int16 stream the
// reference reads, gaps become silence, and MFCC rows computed on a slice equal the rows
// of the whole signal (python_speech_features and speechpy) exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioSegment } from '../../src/engine/audio-segment';
import { floatToInt16Pcm, mfccSyncnetV2, mfccSyncnetV4, resample } from '../../src/core/audio';

function tone(seconds: number, rate: number, seed = 1): Float32Array {
  let state = seed;
  const rand = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  return Float32Array.from(
    { length: Math.round(seconds * rate) },
    (_, n) => 0.3 * Math.sin((2 * Math.PI * 220 * n) / rate) * (1 + Math.sin(n / 3000)) + 0.02 * rand(),
  );
}

test('chunks at 48 kHz equal a one-shot resample to 16 kHz int16', () => {
  const input = tone(2, 48000);
  const segment = new AudioSegment();
  for (let start = 0; start < input.length; start += 4800) {
    segment.push({
      mediaTime: 5 + start / 48000,
      sampleRate: 48000,
      samples: input.subarray(start, start + 4800),
    });
  }
  segment.flush();
  const expected = floatToInt16Pcm(resample(input, 48000, 16000));
  assert.equal(segment.startTime, 5);
  assert.equal(segment.sampleCount, expected.length);
  assert.deepEqual(segment.pcm(), expected);
  assert.equal(segment.peak, Math.max(...expected.map(Math.abs)));
});

test('MFCC rows of any slice equal the whole-signal rows (both MFCC variants)', () => {
  const segment = new AudioSegment();
  segment.push({ mediaTime: 0, sampleRate: 16000, samples: tone(3, 16000, 7) });
  segment.flush();
  const whole = { psf: mfccSyncnetV2(segment.pcm()), speechpy: mfccSyncnetV4(segment.pcm()) };
  for (const kind of ['psf', 'speechpy'] as const) {
    const full = whole[kind];
    const complete = Math.min(full.rows, segment.completeRows());
    for (const [from, to] of [
      [0, 20],
      [1, 21],
      [37, 57],
      [complete - 20, complete],
    ]) {
      const part = segment.mfccRows(kind, from, to);
      assert.equal(part.rows, to - from);
      const c = part.coefficients;
      const expected = full.data.subarray(from * c, to * c);
      const maxDiff = part.data.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0);
      assert.ok(maxDiff <= 1e-4, `${kind} rows [${from}, ${to}): max diff ${maxDiff}`);
    }
  }
  assert.throws(() => segment.mfccRows('psf', 0, segment.completeRows() + 1), /requested/);
});

test('a gap in the chunks becomes silence at the right place; an overlap is not doubled', () => {
  const segment = new AudioSegment();
  const second = new Float32Array(16000).fill(0.5);
  segment.push({ mediaTime: 0, sampleRate: 16000, samples: second });
  segment.push({ mediaTime: 1.5, sampleRate: 16000, samples: second }); // 0.5 s gap
  segment.push({ mediaTime: 2.2, sampleRate: 16000, samples: second }); // 0.3 s overlap
  segment.flush();
  const pcm = segment.pcm();
  assert.ok(Math.abs(pcm.length - 3.2 * 16000) <= 2, `length ${pcm.length}`);
  assert.equal(pcm[Math.round(1.25 * 16000)], 0, 'inside the gap');
  assert.ok(pcm[Math.round(0.5 * 16000)] > 16000 && pcm[Math.round(2.7 * 16000)] > 16000);
  assert.ok(segment.levelDb(Math.round(1.1 * 16000), 3200) === -Infinity);
  assert.ok(Math.abs(segment.levelDb(0, 3200) - 20 * Math.log10(0.5)) < 0.1);
});

test('sound no window needs is discarded in bulk; rows after it are the whole-signal rows, rows before it are refused', () => {
  const whole = tone(75, 16000, 3);
  const expected = mfccSyncnetV2(floatToInt16Pcm(whole));
  const segment = new AudioSegment();
  const chunk = 16000;
  for (let start = 0; start < whole.length; start += chunk) {
    segment.push({
      mediaTime: 2 + start / 16000,
      sampleRate: 16000,
      samples: whole.subarray(start, start + chunk),
    });
    // What the engine does after each update: nothing before 1 s behind the sound so far is read again.
    segment.discardBefore(segment.completeRows() - 100);
  }
  segment.flush();
  const rows = segment.completeRows();
  // Counted from the segment's first sample, whatever was discarded.
  assert.equal(segment.sampleCount, floatToInt16Pcm(whole).length);
  assert.ok(Math.abs(segment.endTime - 77) < 1e-3, `end ${segment.endTime}`);
  // Discarded in 30-s blocks: at most 30 s plus the last second are held.
  assert.ok(segment.discardedRows >= 4000, `discarded rows ${segment.discardedRows}`);
  assert.ok(segment.pcm().length <= 31.1 * 16000, `kept ${segment.pcm().length} samples`);
  assert.equal(segment.pcm().length + segment.discardedRows * 160, segment.sampleCount);
  const c = expected.coefficients;
  for (const from of [segment.discardedRows + 1, rows - 120, rows - 20]) {
    const part = segment.mfccRows('psf', from, from + 20);
    const reference = expected.data.subarray(from * c, (from + 20) * c);
    const maxDiff = part.data.reduce((m, v, i) => Math.max(m, Math.abs(v - reference[i])), 0);
    assert.ok(maxDiff <= 1e-4, `rows [${from}, ${from + 20}): max diff ${maxDiff}`);
  }
  assert.throws(
    () => segment.mfccRows('psf', segment.discardedRows, segment.discardedRows + 20),
    /discarded/,
  );
  assert.throws(() => segment.mfccRows('psf', 0, 20), /discarded/);
  // The level of kept samples is read at their place in the whole signal.
  const at = segment.sampleCount - 3200;
  const level = segment.levelDb(at, 3200);
  const ref = floatToInt16Pcm(whole).subarray(at, at + 3200);
  const refDb = 10 * Math.log10(ref.reduce((s, v) => s + v * v, 0) / 3200 / 32768 ** 2);
  assert.ok(Math.abs(level - refDb) < 1e-9, `${level} vs ${refDb}`);
  // Asking to discard what is already gone changes nothing.
  const kept = segment.discardedRows;
  segment.discardBefore(0);
  segment.discardBefore(-50);
  assert.equal(segment.discardedRows, kept);
});
