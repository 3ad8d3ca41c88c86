// Speech evidence: level rows line up with mfccSyncnetV2 rows, the speech span of a clip
// with silence around its speech is found within a frame, silence gives none, and
// cropping keeps media time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mfccSyncnetV2 } from '../../src/core/audio';
import { cropAudio, frameLevelsDb, speechRows, speechSpan } from '../../src/core/train/evidence';

function tone(seconds: number, amplitude: number, from = 0, to = seconds): Int16Array {
  const out = new Int16Array(Math.round(seconds * 16000));
  for (let n = 0; n < out.length; n++) {
    const t = n / 16000;
    out[n] = t >= from && t < to ? Math.round(amplitude * Math.sin(2 * Math.PI * 220 * t)) : (n % 7) - 3; // ±3 LSB hiss
  }
  return out;
}

describe('speech evidence', () => {
  it('has one level row per MFCC row', () => {
    for (const n of [0, 100, 400, 401, 16000, 16123]) {
      const samples = tone(n / 16000, 1000);
      assert.equal(frameLevelsDb(samples).length, n === 0 ? 0 : mfccSyncnetV2(samples).rows, `${n} samples`);
    }
  });

  it('finds speech between silences within 30 ms and ignores short clicks', () => {
    const samples = tone(4, 8000, 1.2, 3.1);
    samples.fill(20000, 8000, 8040); // a 2.5-ms click at 0.5 s
    const span = speechSpan(samples, 10, { marginS: 0 });
    assert.ok(span);
    assert.ok(Math.abs(span.startS - 11.2) < 0.03, `start ${span.startS}`);
    assert.ok(Math.abs(span.endS - 13.1) < 0.03, `end ${span.endS}`);
    const rows = speechRows(frameLevelsDb(samples));
    assert.equal(rows[50], 0, 'the click at 0.5 s is not speech');
  });

  it('gives no span for silence or hiss only', () => {
    assert.equal(speechSpan(new Int16Array(16000), 0), null);
    assert.equal(speechSpan(tone(1, 0, 0, 0), 0), null, '±3 LSB hiss is below −55 dBFS');
  });

  it('crops by media time', () => {
    const samples = Int16Array.from({ length: 16000 }, (_, i) => i % 1000);
    const c = cropAudio(samples, 2, 2.25, 2.5);
    assert.equal(c.samples.length, 4000);
    assert.equal(c.startS, 2.25);
    assert.equal(c.samples[0], samples[4000]);
    assert.equal(cropAudio(samples, 2, 0, 1).samples.length, 0);
  });
});
