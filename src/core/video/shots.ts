// Shot changes (cuts) from a tiny colour summary of each frame. Pure: the picture is read
// elsewhere (src/engine/frame-signature.ts draws the frame at SIGNATURE_WIDTH ×
// SIGNATURE_HEIGHT) and handed here as RGBA bytes.
//
// Why: a face track must never be carried across a cut to another person (issue 10, item 2):
// two people talking in turn, each in their own shot, were followed as one face and judged
// FAKE. The tracker follows boxes frame to frame by overlap, which a cut between two
// similarly framed talking heads does not break; the whole picture's colours do change.
//
// Signature: the mean RGB of a 4×4 grid (layout: where the colours are) plus a 16-bin luma
// histogram (what the colours are, wherever they are). Distance: mean absolute difference
// of the grid plus half the L1 distance of the histograms, each in 0…1, summed.
//
// Detector: a hard cut is one frame whose distance to the previous frame stands far above
// the recent typical frame-to-frame distance (the median of the last HISTORY frames) and
// above an absolute floor. Camera motion, a talking head and lighting flicker raise every
// frame's distance together, so they raise the typical distance too and are not cuts.
// Known limits: gradual transitions (fades, dissolves, wipes) spread the change over many
// frames and are usually missed; a flash or a single odd frame may count as a cut (it ends
// the tracks, which are re-acquired with new ids a few frames later: cheap, not wrong).

/** The picture the signature is computed from (16:9; other shapes are stretched, which is fine). */
export const SIGNATURE_WIDTH = 32;
export const SIGNATURE_HEIGHT = 18;
const GRID = 4;
const LUMA_BINS = 16;
/** Signature length: 4×4×3 grid means then 16 histogram bins. */
export const SIGNATURE_LENGTH = GRID * GRID * 3 + LUMA_BINS;

/**
 * The signature of an RGBA picture (alpha ignored): 48 grid means (R, G, B per cell, row
 * by row, 0…1) then 16 luma-histogram fractions (BT.601 luma, summing to 1).
 */
export function frameSignature(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
): number[] {
  if (width < 1 || height < 1 || rgba.length < width * height * 4) {
    throw new RangeError(`frameSignature: ${rgba.length} bytes is not a ${width}×${height} RGBA picture`);
  }
  const sums = new Float64Array(GRID * GRID * 3);
  const counts = new Float64Array(GRID * GRID);
  const histogram = new Float64Array(LUMA_BINS);
  for (let y = 0; y < height; y++) {
    const row = Math.min(GRID - 1, Math.floor((y * GRID) / height));
    for (let x = 0; x < width; x++) {
      const cell = row * GRID + Math.min(GRID - 1, Math.floor((x * GRID) / width));
      const i = (y * width + x) * 4;
      const r = rgba[i];
      const g = rgba[i + 1];
      const b = rgba[i + 2];
      sums[cell * 3] += r;
      sums[cell * 3 + 1] += g;
      sums[cell * 3 + 2] += b;
      counts[cell]++;
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      histogram[Math.min(LUMA_BINS - 1, Math.floor((luma * LUMA_BINS) / 256))]++;
    }
  }
  const signature: number[] = [];
  for (let cell = 0; cell < GRID * GRID; cell++) {
    // A picture smaller than the grid leaves cells empty: they read black.
    for (let c = 0; c < 3; c++)
      signature.push(counts[cell] > 0 ? sums[cell * 3 + c] / counts[cell] / 255 : 0);
  }
  const pixels = width * height;
  for (const n of histogram) signature.push(n / pixels);
  return signature;
}

/** How different two signatures are: 0 for equal pictures, up to 2 for opposite ones. */
export function signatureDistance(a: readonly number[], b: readonly number[]): number {
  if (a.length !== SIGNATURE_LENGTH || b.length !== SIGNATURE_LENGTH) {
    throw new RangeError(
      `signatureDistance: signatures have ${SIGNATURE_LENGTH} values, got ${a.length} and ${b.length}`,
    );
  }
  const gridLength = GRID * GRID * 3;
  let grid = 0;
  for (let i = 0; i < gridLength; i++) grid += Math.abs(a[i] - b[i]);
  let histogram = 0;
  for (let i = gridLength; i < SIGNATURE_LENGTH; i++) histogram += Math.abs(a[i] - b[i]);
  return grid / gridLength + histogram / 2;
}

export interface ShotPolicy {
  /** A cut's distance is at least this many times the recent typical frame-to-frame distance. */
  ratio: number;
  /** …and at least this (absolute): small changes are never cuts, however still the scene was. */
  minDistance: number;
  /** Frame-to-frame distances remembered for the typical distance (about a second). */
  history: number;
  /**
   * The typical distance never counts as less than this, so a perfectly still picture
   * (a static frame, a screen recording) does not make every small change a cut.
   */
  typicalFloor: number;
  /** Frame-to-frame distances needed before any cut is called (after the first frame or a reset). */
  minHistory: number;
}

/**
 * Tuned on the shared clips (scripts/shots.ts): frame-to-frame distances of talking heads
 * are 0.002–0.02, head turns and hand gestures up to ~0.05; cuts between two talking-head
 * shots 0.1 and more.
 */
export const DEFAULT_SHOT_POLICY: ShotPolicy = {
  ratio: 5,
  minDistance: 0.08,
  history: 25,
  typicalFloor: 0.01,
  minHistory: 3,
};

/**
 * Streaming cut detector: push() every frame's signature in media-time order; it answers
 * whether a cut lies between the previous frame and this one. `shot` counts the cuts
 * (0 for the first shot). reset() forgets the picture history (a seek: the next frame is
 * compared with nothing) without renumbering shots.
 */
export class ShotDetector {
  private previous: readonly number[] | null = null;
  private readonly recent: number[] = [];
  private shotNumber = 0;
  /** Media time of the first frame of the current shot (NaN before any frame). */
  private shotStart = Number.NaN;

  constructor(readonly policy: ShotPolicy = DEFAULT_SHOT_POLICY) {}

  /** 0-based number of the shot the last pushed frame belongs to. */
  get shot(): number {
    return this.shotNumber;
  }

  /** Media time at which the current shot began. */
  get shotStartTime(): number {
    return this.shotStart;
  }

  /** The frame at media time `t` with this signature; true when a cut lies just before it. */
  push(signature: readonly number[], t: number): boolean {
    const previous = this.previous;
    this.previous = signature;
    if (previous === null) {
      if (Number.isNaN(this.shotStart)) this.shotStart = t;
      return false;
    }
    const distance = signatureDistance(previous, signature);
    const cut = this.isCut(distance);
    if (cut) {
      this.shotNumber++;
      this.shotStart = t;
      // The cut's own distance stays out of the history; the old shot's motion stays in it
      // until the new shot's replaces it (clearing it would make the new shot's first
      // frames judge each other against nothing: every frame of a fade would be a cut).
      return true;
    }
    this.recent.push(distance);
    if (this.recent.length > this.policy.history) this.recent.shift();
    return false;
  }

  /** Forgets the previous picture and the motion history (after a seek); shot numbers go on. */
  reset(): void {
    this.previous = null;
    this.recent.length = 0;
    this.shotStart = Number.NaN;
  }

  private isCut(distance: number): boolean {
    // The first frames of a clip or after a seek have no typical distance to stand out from
    // (clips often open on a fade): no cut is called there.
    if (this.recent.length < this.policy.minHistory || distance < this.policy.minDistance) return false;
    return distance >= this.policy.ratio * Math.max(this.policy.typicalFloor, median(this.recent));
  }
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
