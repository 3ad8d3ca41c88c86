// One segment's audio as syncnet_python reads it: mono 16 kHz int16 (ffmpeg -ac 1 -ar
// 16000 pcm_s16le), assembled from chunks in media time. Chunks may come at any rate
// (AudioWorklet at the AudioContext's rate, decodeAudioData at 48 kHz); gaps are filled
// with silence so sample k always sits at startTime + k / 16000. Samples no window needs any
// more are discarded (discardBefore), so a file of any length holds a bounded stretch of
// sound; indices and rows stay counted from the segment's first sample.
import { floatToInt16Pcm, StreamingResampler } from '../core/audio';
import { mfccSyncnetV2 } from '../core/audio/mfcc';
import { mfccSyncnetV4 } from '../core/audio/mfcc-speechpy';
import type { FeatureMatrix } from '../core/audio/dsp';
import type { EngineAudio } from './types';

export const AUDIO_RATE = 16000;
/** Samples per MFCC row (10 ms hop) in both python_speech_features and speechpy. */
const HOP = 160;
/** Longest frame either MFCC uses (25 ms). */
const LONGEST_FRAME = 400;
/** Samples that may lie discarded in the buffer before it is compacted (30 s): copies stay rare. */
const COMPACT_AFTER = AUDIO_RATE * 30;
/** Timing slack before a chunk counts as a gap or an overlap (s). */
const TIMING_SLACK = 0.03;

export type MfccKind = 'psf' | 'speechpy';

export class AudioSegment {
  /** Media time of sample 0, or null until the first chunk. */
  startTime: number | null = null;
  private samples = new Int16Array(AUDIO_RATE * 10);
  /** Samples before the buffer's first (discarded), a multiple of HOP; and samples in the buffer. */
  private base = 0;
  private length = 0;
  /** Samples from `base` on that are no longer needed (compacted away once there are many). */
  private unneeded = 0;
  private resampler: StreamingResampler | null = null;
  /** Media time the next input sample is expected at. */
  private nextInputTime = 0;
  peak = 0;

  get sampleCount(): number {
    return this.base + this.length;
  }

  get endTime(): number {
    return (this.startTime ?? 0) + this.sampleCount / AUDIO_RATE;
  }

  /** MFCC rows before the samples kept: pcm() starts at this row. */
  get discardedRows(): number {
    return this.base / HOP;
  }

  /**
   * Nothing will read MFCC rows (or the samples under them) before `row` any more: they may
   * be discarded. Done in bulk, COMPACT_AFTER samples at a time.
   */
  discardBefore(row: number): void {
    const upTo = Math.min(Math.floor(row) * HOP, this.sampleCount) - this.base;
    if (upTo <= 0) return;
    this.unneeded = Math.max(this.unneeded, upTo - (upTo % HOP));
    if (this.unneeded < COMPACT_AFTER) return;
    this.samples.copyWithin(0, this.unneeded, this.length);
    this.length -= this.unneeded;
    this.base += this.unneeded;
    this.unneeded = 0;
  }

  push(chunk: EngineAudio): void {
    if (chunk.samples.length === 0) return;
    if (this.startTime === null) {
      this.startTime = chunk.mediaTime;
      this.nextInputTime = chunk.mediaTime;
    }
    let input = chunk.samples;
    const drift = chunk.mediaTime - this.nextInputTime;
    if (!this.resampler || this.resampler.inputRate !== chunk.sampleRate || drift > TIMING_SLACK) {
      // A new rate or a gap: finish what the old resampler holds, pad the gap with silence.
      this.flush();
      const gapSamples = Math.round((chunk.mediaTime - this.endTime) * AUDIO_RATE);
      if (gapSamples > 0) this.append(new Int16Array(gapSamples));
      this.resampler = new StreamingResampler(chunk.sampleRate, AUDIO_RATE);
    } else if (drift < -TIMING_SLACK) {
      // Overlap (a host re-sent audio): keep only what is new.
      const skip = Math.min(input.length, Math.round(-drift * chunk.sampleRate));
      input = input.subarray(skip);
    }
    this.nextInputTime = chunk.mediaTime + chunk.samples.length / chunk.sampleRate;
    if (input.length > 0) this.append(floatToInt16Pcm(this.resampler!.push(input)));
  }

  /** Ends the stream: the resampler's last outputs (its look-ahead) are appended. */
  flush(): void {
    if (this.resampler) this.append(floatToInt16Pcm(this.resampler.flush()));
    this.resampler = null;
  }

  private append(values: Int16Array): void {
    if (this.length + values.length > this.samples.length) {
      const grown = new Int16Array(Math.max(this.samples.length * 2, this.length + values.length));
      grown.set(this.samples.subarray(0, this.length));
      this.samples = grown;
    }
    this.samples.set(values, this.length);
    this.length += values.length;
    for (const v of values) this.peak = Math.max(this.peak, Math.abs(v));
  }

  /** The int16 samples kept, from row `discardedRows` on (a view; copy before keeping). */
  pcm(): Int16Array {
    return this.samples.subarray(0, this.length);
  }

  /** Complete MFCC rows available (a row needs its whole 25 ms frame). */
  completeRows(): number {
    const count = this.sampleCount;
    return count < LONGEST_FRAME ? 0 : Math.floor((count - LONGEST_FRAME) / HOP) + 1;
  }

  /**
   * MFCC rows [fromRow, toRow) exactly as the reference computes them on the whole signal:
   * rows start every 160 samples, so a slice starting one row early reproduces them — the
   * extra first row absorbs python_speech_features' pre-emphasis edge (y[0] = x[0]) and is
   * dropped; one extra row at the end covers speechpy dropping its last frame.
   */
  mfccRows(kind: MfccKind, fromRow: number, toRow: number): FeatureMatrix {
    if (fromRow < 0 || toRow > this.completeRows() || toRow <= fromRow) {
      throw new RangeError(`MFCC rows [${fromRow}, ${toRow}) requested, ${this.completeRows()} complete`);
    }
    const firstRow = Math.max(0, fromRow - 1);
    if (firstRow * HOP < this.base)
      throw new RangeError(
        `MFCC rows from ${fromRow} requested, the sound before row ${this.discardedRows + 1} was discarded`,
      );
    const end = Math.min(this.sampleCount, (toRow + 1) * HOP + LONGEST_FRAME);
    const slice = this.samples.subarray(firstRow * HOP - this.base, end - this.base);
    const features = kind === 'psf' ? mfccSyncnetV2(slice) : mfccSyncnetV4(slice);
    const skip = fromRow - firstRow;
    const rows = toRow - fromRow;
    if (features.rows < skip + rows)
      throw new RangeError(`MFCC slice gave ${features.rows} rows, needed ${skip + rows}`);
    const c = features.coefficients;
    return { rows, coefficients: c, data: features.data.slice(skip * c, (skip + rows) * c) };
  }

  /** RMS level in dBFS of samples [start, start + count) (−∞ for digital silence). */
  levelDb(start: number, count: number): number {
    const from = Math.max(this.base, start) - this.base;
    const to = Math.min(this.sampleCount, start + count) - this.base;
    if (to <= from) return -Infinity;
    let sum = 0;
    for (let i = from; i < to; i++) sum += this.samples[i] * this.samples[i];
    return 10 * Math.log10(sum / (to - from) / (32768 * 32768));
  }
}
