// Seeded pseudo-random numbers for training and evaluation: weight initialisation, pair
// sampling, fold assignment and the eval protocol's audio-swap choices all draw from
// here, so `npm run train` and `npm run eval` give the same numbers on every run.
// Generator: mulberry32 (32-bit state, full period 2^32), small and exactly
// reproducible in JS because it only uses 32-bit integer arithmetic.

export class Rng {
  private state: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi] (both included). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Standard normal (Box–Muller; one value per call, the second is discarded for simplicity). */
  normal(): number {
    let u = this.next();
    while (u <= 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)];
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** An independent generator for a named sub-task, so adding draws in one place does not shift another. */
  fork(label: string): Rng {
    let h = this.state ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new Rng(h);
  }
}

/**
 * Glorot-uniform initial values (Keras' default for Dense layers), drawn from `rng`:
 * U(−l, l) with l = √(6 / (fanIn + fanOut)).
 */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number, count = fanIn * fanOut): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (2 * rng.next() - 1) * limit;
  return out;
}
