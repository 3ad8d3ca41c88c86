// Float audio at any integer rate → 16 kHz (or any output rate), one-shot or streaming.
//
// Rational polyphase resampler with a Kaiser-windowed sinc low-pass. Output sample k sits at
// input time t_k = k · M / L (L/M = outputRate/inputRate in lowest terms) and is
//   y[k] = Σ_n x[n] · h(t_k − n),
// a kernel centred on t_k: zero phase, so there is no group delay to undo — a click at time t
// comes out at time t. The low-pass is designed against the lower of the two Nyquist
// frequencies (8 kHz for → 16 kHz): stopband from that Nyquist, passband to 90 % of it
// (−6 dB at 95 %, 7.6 kHz), 90 dB Kaiser design — nothing above 8 kHz folds back into the
// speech band above the −90 dB level. Each polyphase branch is normalised to unit DC gain.
//
// Streaming: push() returns every output whose kernel support is already covered by input
// received so far; flush() ends the stream (input beyond the end reads as zeros, like before
// the start). One-shot resample() is push(all) + flush(), and each output is the same dot
// product in the same order either way, so chunked and one-shot results are identical.

const STOPBAND_ATTENUATION_DB = 90;
/** Passband edge and stopband edge as fractions of the lower Nyquist frequency. */
const PASSBAND_EDGE = 0.9;
const STOPBAND_EDGE = 1.0;
/** Above this many table entries, taps are computed per output instead of cached. */
const MAX_TABLE_ENTRIES = 1 << 21;

export type FloatSamples = Float32Array | Float64Array | readonly number[];

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series), for the Kaiser window. */
function besselI0(x: number): number {
  const half = x / 2;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser's β for a stopband attenuation in dB (Kaiser 1974, as in scipy.signal.kaiser_beta). */
function kaiserBeta(attenuationDb: number): number {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb >= 21) return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
  return 0;
}

function assertRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate <= 0)
    throw new RangeError(`${name} must be a positive integer in Hz, got ${rate}`);
}

export class StreamingResampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Output samples per `downFactor` input samples: outputRate/inputRate = upFactor/downFactor. */
  readonly upFactor: number;
  readonly downFactor: number;
  /** Input samples the kernel reaches on each side of t_k: the stream's latency in input samples. */
  readonly halfTaps: number;

  private readonly passthrough: boolean;
  private readonly kernelHalfWidth: number;
  private readonly cutoffCyclesPerSample: number;
  private readonly beta: number;
  private readonly i0Beta: number;
  private readonly phaseTable: (Float64Array | undefined)[] | null;

  /** Input history; buffer[i] is input sample bufferStart + i (negative = leading zeros). */
  private buffer = new Float64Array(0);
  private bufferLength = 0;
  private bufferStart = 0;
  private received = 0;
  private outputIndex = 0;
  /** t_k = baseIndex + phase / upFactor for the next output k. */
  private baseIndex = 0;
  private phase = 0;
  private finished = false;

  constructor(inputRate: number, outputRate = 16000) {
    assertRate('inputRate', inputRate);
    assertRate('outputRate', outputRate);
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    const divisor = greatestCommonDivisor(inputRate, outputRate);
    this.upFactor = outputRate / divisor;
    this.downFactor = inputRate / divisor;
    this.passthrough = inputRate === outputRate;

    const lowerNyquist = Math.min(inputRate, outputRate) / 2;
    const transitionHz = (STOPBAND_EDGE - PASSBAND_EDGE) * lowerNyquist;
    const cutoffHz = ((STOPBAND_EDGE + PASSBAND_EDGE) / 2) * lowerNyquist;
    this.cutoffCyclesPerSample = cutoffHz / inputRate;
    // Kaiser's length estimate N = (A − 7.95) / (2.285 · Δω), Δω in rad/input sample.
    const length = (STOPBAND_ATTENUATION_DB - 7.95) / (2.285 * ((2 * Math.PI * transitionHz) / inputRate));
    this.kernelHalfWidth = length / 2;
    this.halfTaps = Math.ceil(this.kernelHalfWidth) + 1;
    this.beta = kaiserBeta(STOPBAND_ATTENUATION_DB);
    this.i0Beta = besselI0(this.beta);
    const tableEntries = this.upFactor * 2 * this.halfTaps;
    this.phaseTable = tableEntries <= MAX_TABLE_ENTRIES ? new Array(this.upFactor) : null;
    this.reset();
  }

  /** Forget all input and start a new stream (e.g. after a seek). */
  reset(): void {
    // Pre-roll of zeros stands in for the input before t = 0.
    this.buffer = new Float64Array(4 * this.halfTaps + 1024);
    this.bufferLength = this.halfTaps;
    this.bufferStart = -this.halfTaps;
    this.received = 0;
    this.outputIndex = 0;
    this.baseIndex = 0;
    this.phase = 0;
    this.finished = false;
  }

  /** Feed the next chunk; returns the output samples that became computable. */
  push(chunk: FloatSamples): Float32Array {
    if (this.finished) throw new Error('StreamingResampler: push() after flush(); call reset() first');
    if (this.passthrough) return Float32Array.from(chunk);
    this.append(chunk, chunk.length);
    this.received += chunk.length;
    // Output k needs input up to baseIndex + halfTaps.
    return this.drain((base) => base + this.halfTaps < this.received);
  }

  /** End of stream: returns the remaining outputs, for ceil(n · outRate / inRate) in total. */
  flush(): Float32Array {
    if (this.finished) return new Float32Array(0);
    this.finished = true;
    if (this.passthrough) return new Float32Array(0);
    const total = Math.ceil((this.received * this.upFactor) / this.downFactor);
    this.append(null, this.halfTaps + 1); // trailing zeros
    return this.drain(() => this.outputIndex < total);
  }

  private drain(ready: (baseIndex: number) => boolean): Float32Array {
    const out: number[] = [];
    const span = 2 * this.halfTaps;
    while (ready(this.baseIndex)) {
      const taps = this.tapsForPhase(this.phase);
      // Taps cover inputs baseIndex − halfTaps + 1 .. baseIndex + halfTaps.
      const first = this.baseIndex - this.halfTaps + 1 - this.bufferStart;
      let sum = 0;
      for (let j = 0; j < span; j++) sum += taps[j] * this.buffer[first + j];
      out.push(sum);
      this.outputIndex++;
      this.phase += this.downFactor;
      this.baseIndex += Math.floor(this.phase / this.upFactor);
      this.phase %= this.upFactor;
    }
    // Keep only what the next output can still reach.
    const keepFrom = this.baseIndex - this.halfTaps + 1 - this.bufferStart;
    if (keepFrom > 0) {
      const dropped = Math.min(keepFrom, this.bufferLength);
      this.buffer.copyWithin(0, dropped, this.bufferLength);
      this.bufferLength -= dropped;
      this.bufferStart += dropped;
    }
    return Float32Array.from(out);
  }

  /** Appends samples (or `count` zeros when `samples` is null) to the history. */
  private append(samples: FloatSamples | null, count: number): void {
    const needed = this.bufferLength + count;
    if (needed > this.buffer.length) {
      const grown = new Float64Array(Math.max(needed, 2 * this.buffer.length));
      grown.set(this.buffer.subarray(0, this.bufferLength));
      this.buffer = grown;
    }
    if (samples) for (let i = 0; i < count; i++) this.buffer[this.bufferLength + i] = samples[i];
    else this.buffer.fill(0, this.bufferLength, needed);
    this.bufferLength = needed;
  }

  private tapsForPhase(phase: number): Float64Array {
    const cached = this.phaseTable?.[phase];
    if (cached) return cached;
    const taps = this.computeTaps(phase);
    if (this.phaseTable) this.phaseTable[phase] = taps;
    return taps;
  }

  /**
   * Branch `phase`: tap j weighs input baseIndex − halfTaps + 1 + j, whose distance from
   * t_k is d = phase/upFactor + halfTaps − 1 − j; h(d) = 2fc·sinc(2fc·d)·kaiser(d).
   */
  private computeTaps(phase: number): Float64Array {
    const span = 2 * this.halfTaps;
    const taps = new Float64Array(span);
    const fc = this.cutoffCyclesPerSample;
    let sum = 0;
    for (let j = 0; j < span; j++) {
      const d = phase / this.upFactor + this.halfTaps - 1 - j;
      const ratio = d / this.kernelHalfWidth;
      if (Math.abs(ratio) >= 1) continue;
      const x = 2 * fc * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const window = besselI0(this.beta * Math.sqrt(1 - ratio * ratio)) / this.i0Beta;
      taps[j] = 2 * fc * sinc * window;
      sum += taps[j];
    }
    for (let j = 0; j < span; j++) taps[j] /= sum; // unit DC gain per branch
    return taps;
  }
}

/**
 * One-shot resampling of a whole signal; same values as streaming it through
 * StreamingResampler. Length: ceil(n · outputRate / inputRate) (within 1 of the rounded
 * ratio). Equal rates return an unchanged Float32 copy.
 */
export function resample(input: FloatSamples, inputRate: number, outputRate = 16000): Float32Array {
  const resampler = new StreamingResampler(inputRate, outputRate);
  const head = resampler.push(input);
  const tail = resampler.flush();
  if (tail.length === 0) return head;
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
