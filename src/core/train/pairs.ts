// Pair sampling for the contrastive objective, as SyncNet trains: true pairs are a lip
// window and the audio window at the same time; false pairs take the audio from the same
// clip shifted by another offset, or from a different clip (here: a different speaker, so
// a false pair is never accidentally the same voice and face).
//
// Windows live in two tables (rows of features, e.g. the embedded model's lip windows and
// MFCC windows, or SyncNet's cached pre-fc activations); a clip maps grid positions to
// table rows. Sign convention as everywhere: a clip whose audio leads its video by `o`
// frames has lip window g in sync with audio window g − o (searchOffset's offset = o).
import type { Rng } from './rng';

export interface WindowClip {
  id: string;
  /** Speaker (MANIFEST.tsv speaker_id): swap negatives come from another group. */
  group: string;
  /** Per grid position g: row of the lip window in the lip table, or −1 (no face there). */
  lipRows: Int32Array;
  /** Per grid position g: row of the audio window in the audio table, or −1 (no audio). */
  audioRows: Int32Array;
  /** The clip's own offset in frames (audio leads > 0), 0 when taken as in sync. */
  ownOffset?: number;
  /**
   * Per grid position: 1 when the audio window there holds speech. When given, true pairs
   * are drawn only where the true audio is speech, and swapped-in audio only from speech:
   * a closed mouth over silence matches every other silence, so such pairs would be
   * labelled both ways.
   */
  speech?: Uint8Array;
}

export type PairKind = 'sync' | 'shift' | 'swap';

export interface PairBatch {
  lipRows: Int32Array;
  audioRows: Int32Array;
  /** 1 = in sync, 0 = false pair. */
  labels: Float32Array;
  kinds: PairKind[];
}

export interface PairSamplingOptions {
  /** Fraction of true pairs (SyncNet balances the two classes). Default 0.5. */
  positiveFraction?: number;
  /** Of the false pairs, the fraction with audio from another speaker; the rest are shifts. Default 0.4. */
  swapFraction?: number;
  /** Smallest |shift| of a shifted false pair, frames. Shifts of ±1 overlap the true window by 80 %; default 2. */
  minShift?: number;
  /** Largest |shift|, frames (the search's ±15 by default). */
  maxShift?: number;
  /** A clip is drawn with weight min(windows, cap), so one long clip cannot dominate. Default 500 (20 s). */
  clipWeightCap?: number;
}

const DEFAULTS: Required<PairSamplingOptions> = {
  positiveFraction: 0.5,
  swapFraction: 0.4,
  minShift: 2,
  maxShift: 15,
  clipWeightCap: 500,
};

/** Draws batches of (lip, audio) rows from clips; deterministic for a given Rng. */
export class PairSampler {
  private readonly options: Required<PairSamplingOptions>;
  /** Per clip: grid positions whose lip window has its true audio window. */
  private readonly anchors: Int32Array[];
  private readonly cumulativeWeight: Float64Array;
  private readonly usable: number[];
  /** Per group, the clips of every other group that have audio. */
  private readonly swapSources = new Map<string, number[]>();

  constructor(
    readonly clips: readonly WindowClip[],
    options: PairSamplingOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    const { minShift, maxShift } = this.options;
    if (!(minShift >= 1 && maxShift >= minShift))
      throw new RangeError(`need 1 ≤ minShift ≤ maxShift, got ${minShift}, ${maxShift}`);
    this.anchors = clips.map((clip) => {
      if (clip.lipRows.length !== clip.audioRows.length)
        throw new RangeError(`clip ${clip.id}: lip and audio grids differ in length`);
      const own = clip.ownOffset ?? 0;
      const out: number[] = [];
      for (let g = 0; g < clip.lipRows.length; g++) {
        const a = g - own;
        if (
          clip.lipRows[g] >= 0 &&
          a >= 0 &&
          a < clip.audioRows.length &&
          clip.audioRows[a] >= 0 &&
          (!clip.speech || clip.speech[a])
        )
          out.push(g);
      }
      return Int32Array.from(out);
    });
    this.usable = clips.map((_, i) => i).filter((i) => this.anchors[i].length > 0);
    if (this.usable.length === 0)
      throw new RangeError('no clip has a lip window with its audio: nothing to train on');
    this.cumulativeWeight = new Float64Array(this.usable.length);
    let total = 0;
    this.usable.forEach((c, k) => {
      total += Math.min(this.anchors[c].length, this.options.clipWeightCap);
      this.cumulativeWeight[k] = total;
    });
    for (const clip of clips) {
      if (this.swapSources.has(clip.group)) continue;
      this.swapSources.set(
        clip.group,
        clips
          .map((_, i) => i)
          .filter((i) => clips[i].group !== clip.group && clips[i].audioRows.some((r) => r >= 0)),
      );
    }
  }

  /** Lip windows that have their true audio, over all clips. */
  get anchorCount(): number {
    return this.anchors.reduce((n, a) => n + a.length, 0);
  }

  private drawClip(rng: Rng): number {
    const total = this.cumulativeWeight[this.cumulativeWeight.length - 1];
    const x = rng.next() * total;
    let lo = 0;
    let hi = this.cumulativeWeight.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeWeight[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return this.usable[lo];
  }

  /** Audio row of a shifted false pair for lip position g, or −1 when no shift fits. */
  private shiftedAudio(clip: WindowClip, g: number, rng: Rng): number {
    const { minShift, maxShift } = this.options;
    const own = clip.ownOffset ?? 0;
    for (let attempt = 0; attempt < 8; attempt++) {
      const magnitude = rng.range(minShift, maxShift);
      const a = g - own + (rng.next() < 0.5 ? -magnitude : magnitude);
      if (a >= 0 && a < clip.audioRows.length && clip.audioRows[a] >= 0) return clip.audioRows[a];
    }
    return -1;
  }

  private swappedAudio(clip: WindowClip, rng: Rng): number {
    const sources = this.swapSources.get(clip.group) ?? [];
    if (sources.length === 0) return -1;
    const other = this.clips[rng.pick(sources)];
    for (let attempt = 0; ; attempt++) {
      const g = rng.int(other.audioRows.length);
      // Prefer speech (see WindowClip.speech); give up on that after a few misses.
      if (other.audioRows[g] >= 0 && (!other.speech || other.speech[g] || attempt > 20))
        return other.audioRows[g];
    }
  }

  sample(batchSize: number, rng: Rng): PairBatch {
    const { positiveFraction, swapFraction } = this.options;
    const lipRows = new Int32Array(batchSize);
    const audioRows = new Int32Array(batchSize);
    const labels = new Float32Array(batchSize);
    const kinds: PairKind[] = [];
    const positives = Math.round(batchSize * positiveFraction);
    for (let n = 0; n < batchSize; n++) {
      const c = this.drawClip(rng);
      const clip = this.clips[c];
      const g = this.anchors[c][rng.int(this.anchors[c].length)];
      lipRows[n] = clip.lipRows[g];
      let kind: PairKind = n < positives ? 'sync' : rng.next() < swapFraction ? 'swap' : 'shift';
      let audio = -1;
      if (kind === 'shift') audio = this.shiftedAudio(clip, g, rng);
      if (kind === 'swap' || (kind === 'shift' && audio < 0)) {
        kind = 'swap';
        audio = this.swappedAudio(clip, rng);
      }
      if (audio < 0) {
        // A single-speaker set with a clip too short to shift: fall back to a true pair.
        kind = 'sync';
      }
      if (kind === 'sync') audio = clip.audioRows[g - (clip.ownOffset ?? 0)];
      audioRows[n] = audio;
      labels[n] = kind === 'sync' ? 1 : 0;
      kinds.push(kind);
    }
    return { lipRows, audioRows, labels, kinds };
  }
}
