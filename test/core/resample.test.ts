// Resampler to 16 kHz: passband gain, anti-alias attenuation, length, timing, streaming.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resample, StreamingResampler } from '../../src/core/audio/index';

const OUT_RATE = 16000;

function sine(frequency: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const n = Math.round(rate * seconds);
  return Float32Array.from(
    { length: n },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate + 0.3),
  );
}

/** Least-squares fit of a·sin + b·cos at `frequency` over the middle of the signal (edges skipped). */
function fitTone(signal: Float32Array, frequency: number, rate: number) {
  const skip = Math.round(rate * 0.05);
  const omega = (2 * Math.PI * frequency) / rate;
  let ss = 0,
    cc = 0,
    sc = 0,
    ys = 0,
    yc = 0;
  for (let i = skip; i < signal.length - skip; i++) {
    const s = Math.sin(omega * i);
    const c = Math.cos(omega * i);
    ss += s * s;
    cc += c * c;
    sc += s * c;
    ys += signal[i] * s;
    yc += signal[i] * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  let residual = 0;
  for (let i = skip; i < signal.length - skip; i++) {
    residual += (signal[i] - a * Math.sin(omega * i) - b * Math.cos(omega * i)) ** 2;
  }
  return { amplitude: Math.hypot(a, b), residualRms: Math.sqrt(residual / (signal.length - 2 * skip)) };
}

const dB = (ratio: number) => 20 * Math.log10(ratio);

for (const rate of [44100, 48000]) {
  test(`${rate} Hz → 16 kHz: a 1 kHz tone keeps its amplitude (±0.1 dB) and frequency`, (t) => {
    const out = resample(sine(1000, rate, 1), rate);
    const fit = fitTone(out, 1000, OUT_RATE);
    const gainDb = dB(fit.amplitude / 0.5);
    const residualDb = dB(fit.residualRms / (0.5 / Math.SQRT2));
    t.diagnostic(`gain ${gainDb.toFixed(5)} dB, residual after a 1000 Hz fit ${residualDb.toFixed(1)} dB`);
    assert.ok(Math.abs(gainDb) <= 0.1, `gain ${gainDb} dB`);
    // Everything left after fitting exactly 1000 Hz is noise/distortion: the frequency is kept.
    assert.ok(residualDb < -60, `residual ${residualDb} dB`);
    // And a fit 2 Hz off explains far less (the check above can tell frequencies apart).
    assert.ok(fitTone(out, 1002, OUT_RATE).amplitude < 0.1);
  });

  for (const frequency of [8500, 10000, 20000]) {
    test(`${rate} Hz → 16 kHz: a ${frequency} Hz tone is attenuated by >= 60 dB`, (t) => {
      const out = resample(sine(frequency, rate, 1), rate);
      const skip = 800; // 50 ms at each end
      let energy = 0;
      for (let i = skip; i < out.length - skip; i++) energy += out[i] * out[i];
      const rms = Math.sqrt(energy / (out.length - 2 * skip));
      const attenuationDb = -dB(rms / (0.5 / Math.SQRT2));
      t.diagnostic(`attenuation ${attenuationDb.toFixed(1)} dB`);
      assert.ok(attenuationDb >= 60, `only ${attenuationDb} dB`);
    });
  }
}

test('a 7 kHz tone (inside the 7.2 kHz passband) passes within 0.1 dB', () => {
  const out = resample(sine(7000, 48000, 1), 48000);
  const gainDb = dB(fitTone(out, 7000, OUT_RATE).amplitude / 0.5);
  assert.ok(Math.abs(gainDb) <= 0.1, `gain ${gainDb} dB`);
});

test('output length = round(n · 16000 / rate) ± 1', () => {
  for (const rate of [8000, 11025, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000]) {
    for (const n of [0, 1, 2, 7, 100, 1000, 44101, 48000, 100003]) {
      const length = resample(new Float32Array(n).fill(0.1), rate).length;
      const expected = Math.round((n * OUT_RATE) / rate);
      assert.ok(Math.abs(length - expected) <= 1, `rate ${rate}, n ${n}: ${length} vs ${expected}`);
    }
  }
});

for (const [rate, clickAt] of [
  [48000, 24000],
  [44100, 22050],
  [44100, 30001],
  [22050, 11111],
  [8000, 4000],
]) {
  test(`group delay is compensated: a click at input sample ${clickAt} of ${rate} Hz stays in place`, () => {
    const input = new Float32Array(rate);
    input[clickAt] = 1;
    const out = resample(input, rate);
    let peak = 0;
    for (let i = 1; i < out.length; i++) if (Math.abs(out[i]) > Math.abs(out[peak])) peak = i;
    const expected = (clickAt * OUT_RATE) / rate;
    assert.ok(Math.abs(peak - expected) <= 1, `peak at ${peak}, expected ${expected}`);
  });
}

test('streaming in random chunks equals one-shot within 1e-6', (t) => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (const rate of [44100, 48000, 8000, 22050]) {
    const input = Float32Array.from(
      { length: rate * 2 + 37 },
      (_, i) => 0.6 * Math.sin(i * 0.01) + 0.3 * (random() - 0.5),
    );
    const oneShot = resample(input, rate);
    const streamer = new StreamingResampler(rate);
    const pieces: Float32Array[] = [];
    let offset = 0;
    while (offset < input.length) {
      // 128 = the AudioWorklet render quantum; also empty, single-sample and large chunks.
      const size = [0, 1, 128, 128, 128, 441, 4096][Math.floor(random() * 7)];
      pieces.push(streamer.push(input.subarray(offset, offset + size)));
      offset += size;
    }
    pieces.push(streamer.flush());
    const streamed = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const piece of pieces) {
      streamed.set(piece, at);
      at += piece.length;
    }
    assert.equal(streamed.length, oneShot.length, `rate ${rate}`);
    let worst = 0;
    for (let i = 0; i < oneShot.length; i++) worst = Math.max(worst, Math.abs(streamed[i] - oneShot[i]));
    t.diagnostic(`${rate} Hz: ${oneShot.length} samples, max |streamed − one-shot| = ${worst}`);
    assert.ok(worst <= 1e-6, `rate ${rate}: ${worst}`);
  }
});

test('streaming emits output as input arrives (latency = halfTaps input samples)', () => {
  const streamer = new StreamingResampler(48000);
  let emitted = 0;
  for (let i = 0; i < 100; i++) emitted += streamer.push(new Float32Array(128).fill(0.2)).length;
  const expected = Math.floor((100 * 128 - streamer.halfTaps - 1) / 3) + 1;
  assert.ok(Math.abs(emitted - expected) <= 1, `${emitted} vs ${expected}`);
  assert.ok(emitted > 4000, 'most output should be available before flush');
});

test('16 kHz input passes through unchanged, one-shot and streaming', () => {
  const input = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 0.37) * 0.8);
  assert.deepEqual(resample(input, 16000), input);
  const streamer = new StreamingResampler(16000);
  assert.deepEqual(streamer.push(input.subarray(0, 128)), input.subarray(0, 128));
  assert.deepEqual(streamer.push(input.subarray(128)), input.subarray(128));
  assert.equal(streamer.flush().length, 0);
});

test('an odd rate (44057 Hz: 16000 phases, taps computed per output) works the same way', () => {
  const rate = 44057;
  const input = sine(1000, rate, 0.3);
  const out = resample(input, rate);
  assert.ok(Math.abs(out.length - Math.round((input.length * OUT_RATE) / rate)) <= 1);
  const gainDb = dB(fitTone(out, 1000, OUT_RATE).amplitude / 0.5);
  assert.ok(Math.abs(gainDb) <= 0.1, `gain ${gainDb} dB`);
  const streamer = new StreamingResampler(rate);
  const head = streamer.push(input.subarray(0, 5000));
  const rest = streamer.push(input.subarray(5000));
  const tail = streamer.flush();
  assert.deepEqual(Float32Array.from([...head, ...rest, ...tail]), out);
});

test('DC is kept exactly (unit gain per polyphase branch) away from the edges', () => {
  const out = resample(new Float32Array(44100).fill(0.25), 44100);
  for (let i = 400; i < out.length - 400; i++)
    assert.ok(Math.abs(out[i] - 0.25) < 1e-6, `sample ${i}: ${out[i]}`);
});

test('rejects bad rates and push after flush', () => {
  assert.throws(() => new StreamingResampler(0), RangeError);
  assert.throws(() => new StreamingResampler(44100.5), RangeError);
  const streamer = new StreamingResampler(48000);
  streamer.flush();
  assert.throws(() => streamer.push(new Float32Array(4)), /after flush/);
  streamer.reset();
  assert.equal(streamer.push(new Float32Array(3000)).length > 0, true);
});
