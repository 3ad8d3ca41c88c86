// Seeded synthetic sounds for training and testing the speech detector
// (src/core/audio/speech.ts): noises, applause, room tone and a music-like chord sequence,
// plus level and mixing helpers. All at 16 kHz on the int16 scale; the same seed gives the
// same samples.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Rng } from '../../src/core/train/rng';

export const RATE = 16000;

/** RMS level (dBFS) of samples on the int16 scale; −Infinity for silence. */
export function levelDb(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  return 10 * Math.log10(sum / Math.max(1, x.length) / (32768 * 32768));
}

/** A copy of `x` scaled to `db` dBFS RMS (silence stays silence). */
export function atLevel(x: Float64Array, db: number): Float64Array {
  const current = levelDb(x);
  if (!Number.isFinite(current)) return Float64Array.from(x);
  const gain = 10 ** ((db - current) / 20);
  return x.map((v) => v * gain);
}

/** Rounds and clips to int16. */
export function toInt16(x: ArrayLike<number>): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(x[i])));
  return out;
}

export function whiteNoise(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal());
}

/** Pink (1/f) noise: Paul Kellet's economy filter over white noise. */
export function pinkNoise(rng: Rng, n: number): Float64Array {
  const out = new Float64Array(n);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < n; i++) {
    const w = rng.normal();
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    out[i] = b0 + b1 + b2 + w * 0.1848;
  }
  return out;
}

/** Brown (1/f²) noise: leaky integral of white noise. */
export function brownNoise(rng: Rng, n: number): Float64Array {
  const out = new Float64Array(n);
  let y = 0;
  for (let i = 0; i < n; i++) out[i] = y = 0.998 * y + rng.normal();
  return out;
}

/**
 * Applause: many claps at random times (Poisson, `clapsPerSecond`), each a 5–40 ms burst of
 * noise with an exponential decay, band-passed around 1–2 kHz by a random one-pole pair.
 */
export function applause(rng: Rng, n: number, clapsPerSecond = 80): Float64Array {
  const out = new Float64Array(n);
  const expected = (clapsPerSecond * n) / RATE;
  for (let c = 0; c < expected; c++) {
    const start = rng.int(n);
    const length = Math.round(RATE * (0.005 + 0.035 * rng.next()));
    const amplitude = 0.3 + rng.next();
    const decay = 5 / length;
    const hp = 0.6 + 0.3 * rng.next();
    let low = 0;
    let previous = 0;
    for (let i = 0; i < length && start + i < n; i++) {
      const w = rng.normal();
      const high = w - hp * previous; // crude high-pass
      previous = w;
      low = 0.5 * low + 0.5 * high; // and low-pass: a band around 1–3 kHz
      out[start + i] += amplitude * Math.exp(-decay * i) * low;
    }
  }
  return out;
}

/** Room tone: brown plus pink noise with a faint 50-Hz hum. */
export function roomTone(rng: Rng, n: number): Float64Array {
  const brown = atLevel(brownNoise(rng, n), -20);
  const pink = atLevel(pinkNoise(rng, n), -26);
  return brown.map((v, i) => v + pink[i] + 30 * Math.sin((2 * Math.PI * 50 * i) / RATE));
}

/**
 * Music-like chord sequence: chords of 3–4 harmonic tones (with overtones) changing every
 * 0.2–0.8 s, each with a short attack and slow decay, so it has onsets and a rhythm but is
 * harmonic and stationary within a note.
 */
export function chordSequence(rng: Rng, n: number): Float64Array {
  const out = new Float64Array(n);
  let start = 0;
  while (start < n) {
    const length = Math.round(RATE * (0.2 + 0.6 * rng.next()));
    const root = 110 * 2 ** (rng.int(24) / 12);
    const intervals = [0, 3 + rng.int(2), 7, rng.next() < 0.5 ? 12 : 10]; // minor/major, 7th/octave
    for (const semitones of intervals) {
      const f0 = root * 2 ** (semitones / 12);
      for (let h = 1; h <= 4 && f0 * h < RATE / 2; h++) {
        const amplitude = 1 / h;
        for (let i = 0; i < length && start + i < n; i++) {
          const envelope = Math.min(1, i / 160) * Math.exp((-2 * i) / length);
          out[start + i] += amplitude * envelope * Math.sin((2 * Math.PI * f0 * h * i) / RATE);
        }
      }
    }
    start += length;
  }
  return out;
}

/**
 * speech + music (looped to the speech's length), the music's RMS set `relDb` relative to
 * `speechDb` (the speech's active level).
 */
export function mixUnder(speech: Int16Array, music: Int16Array, speechDb: number, relDb: number): Int16Array {
  const bed = atLevel(
    Float64Array.from({ length: speech.length }, (_, i) => music[i % music.length]),
    speechDb + relDb,
  );
  return toInt16(Float64Array.from(speech, (v, i) => v + bed[i]));
}

/** Mono 16-kHz int16 samples of any media file, decoded once with ffmpeg into `cacheDir`. */
export function decodePcm(path: string, cacheDir = resolve('.cache/speech')): Int16Array {
  mkdirSync(cacheDir, { recursive: true });
  const out = join(cacheDir, `${basename(path)}.pcm`);
  if (!existsSync(out)) {
    const partial = `${out}.part`;
    execFileSync('ffmpeg', [
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-i',
      path,
      '-vn',
      '-ac',
      '1',
      '-ar',
      String(RATE),
      '-f',
      's16le',
      partial,
    ]);
    renameSync(partial, out);
  }
  const bytes = readFileSync(out);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1).slice();
}
