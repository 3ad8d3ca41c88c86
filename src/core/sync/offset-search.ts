// SyncNet's audio-video offset search, batch and streaming, in plain JS.
//
// Reproduces syncnet_python SyncNetInstance.py:
//   calc_pdist  — for lip window i and shift k ∈ [0, 2·vshift], the L2 distance between
//                 lip[i] and audio window i + k − vshift, audio zero-padded by vshift
//                 windows at both ends (torch.nn.functional.pad), distance as
//                 torch.nn.functional.pairwise_distance: ‖a − b + eps‖₂, eps = 1e-6
//                 added to every component of the difference;
//   evaluate    — mdist = mean over windows per shift; (minval, minidx) = torch.min
//                 (first index on ties); offset = vshift − minidx;
//                 conf = torch.median(mdist) − minval; per-window
//                 fconf = median(mdist) − dists[i][minidx], smoothed with
//                 scipy.signal.medfilt(kernel_size=9) (zero padding at the edges).
// torch works in float32: each distance, the means, the median and the differences
// are rounded to float32 here too (Math.fround), the sums are accumulated in float64.
//
// SIGN CONVENTION (derived from calc_pdist): the minimum at shift k means lip window i
// matches audio window i + k − vshift = i − offset. So with offset > 0 the sound that
// belongs to video window i is found `offset` windows EARLIER in the audio track:
// the AUDIO LEADS the video (is heard early) by offset·40 ms. offset < 0: the audio
// lags (is heard late). offset = 0: in sync.

import { medianFilter, torchMedian } from '../numeric';

export const SYNCNET_VSHIFT = 15;
/** torch.nn.functional.pairwise_distance's default eps, added to the difference. */
export const PAIRWISE_DISTANCE_EPS = 1e-6;
/** scipy.signal.medfilt(fconf, kernel_size=9) in SyncNetInstance.evaluate. */
export const CONFIDENCE_MEDFILT_KERNEL = 9;
/** One grid frame = one window step = 40 ms at 25 fps. */
export const MS_PER_GRID_FRAME = 40;
/** Default cap on stored timeline rows in the streaming search (6 min at 25 windows/s). */
export const DEFAULT_MAX_TIMELINE_ROWS = 9000;

/** One embedding per window: a Float32Array of length D. */
export type EmbeddingRows = readonly Float32Array[];
/**
 * Lip embeddings where a window may have none (null: no face in one of its 5 frames).
 * Such windows are left out of the mean and the timeline; their audio still serves as
 * a neighbour of the windows that have a face, as real audio rather than zero padding.
 */
export type SparseEmbeddingRows = readonly (Float32Array | null)[];

export interface OffsetSearchOptions {
  /** Largest shift searched each way, in windows (syncnet_python's --vshift, default 15). */
  vshift?: number;
}

export interface OffsetResult {
  vshift: number;
  /** vshift − argmin; positive ⇒ audio leads video (see the module comment). */
  offsetFrames: number;
  /** Smallest mean distance (evaluate's minval). */
  minDist: number;
  /** torch.median(mdist) (lower median), the reference level for both confidences. */
  medianDist: number;
  /** median(meanDists) − minDist (evaluate's conf). */
  confidence: number;
  /** Mean distance per shift index k = 0…2·vshift (shift k ⇔ offset vshift − k). */
  meanDists: Float32Array;
  /** Per-window fconf = median − dist[window][argmin] (one entry per timeline row). */
  rawWindowConfidence: Float32Array;
  /** rawWindowConfidence median-filtered like scipy.signal.medfilt(…, 9). */
  windowConfidence: Float32Array;
  /**
   * Windows per timeline row: 1 for the batch search and for streams that stayed under
   * their row cap (then the timeline equals the batch one exactly); 2, 4, … after the
   * streaming search merged rows (each row then averages `stride` consecutive windows).
   */
  windowConfidenceStride: number;
  windowCount: number;
  /** Batch search: the window index of each timeline row (windows without a face are skipped). */
  timelineWindows?: Int32Array;
}

/** Offset in milliseconds on the 25-fps grid (positive ⇒ audio leads video). */
export function offsetFramesToMs(offsetFrames: number): number {
  return offsetFrames * MS_PER_GRID_FRAME;
}

/** Views N rows of length `dim` over a flat [N×dim] buffer (no copy). */
export function rowsFromFlat(flat: Float32Array, dim: number): Float32Array[] {
  if (dim <= 0 || flat.length % dim !== 0)
    throw new RangeError(`length ${flat.length} is not a multiple of ${dim}`);
  const rows: Float32Array[] = [];
  for (let start = 0; start < flat.length; start += dim) rows.push(flat.subarray(start, start + dim));
  return rows;
}

/**
 * torch.nn.functional.pairwise_distance(a, b) for one pair, rounded to float32:
 * ‖a − b + eps‖₂. `b = null` stands for calc_pdist's zero padding.
 */
export function pairwiseDistance(a: Float32Array, b: Float32Array | null): number {
  let sum = 0;
  if (b === null) {
    for (let d = 0; d < a.length; d++) {
      const diff = a[d] + PAIRWISE_DISTANCE_EPS;
      sum += diff * diff;
    }
  } else {
    for (let d = 0; d < a.length; d++) {
      const diff = a[d] - b[d] + PAIRWISE_DISTANCE_EPS;
      sum += diff * diff;
    }
  }
  return Math.fround(Math.sqrt(sum));
}

function assertVshift(vshift: number): void {
  if (!Number.isInteger(vshift) || vshift < 0)
    throw new RangeError(`vshift must be a non-negative integer, got ${vshift}`);
}

/**
 * calc_pdist: row i holds the 2·vshift+1 distances between lip[i] and the zero-padded
 * audio windows i − vshift … i + vshift (index k = shift + vshift). Flat [N × (2·vshift+1)].
 */
export function windowDistances(
  lip: SparseEmbeddingRows,
  audio: SparseEmbeddingRows,
  vshift = SYNCNET_VSHIFT,
): Float32Array {
  assertVshift(vshift);
  if (lip.length !== audio.length)
    throw new RangeError(`${lip.length} lip windows vs ${audio.length} audio windows`);
  const shifts = 2 * vshift + 1;
  const out = new Float32Array(lip.length * shifts);
  const first = lip.find((row) => row !== null);
  for (let i = 0; i < lip.length; i++) {
    const lipRow = lip[i];
    if (!lipRow || !first) {
      out.fill(Number.NaN, i * shifts, (i + 1) * shifts);
      continue;
    }
    assertSameDim(lipRow, first);
    const audioRow = audio[i];
    if (audioRow) assertSameDim(audioRow, first);
    for (let k = 0; k < shifts; k++) {
      const a = i + k - vshift;
      out[i * shifts + k] = pairwiseDistance(lipRow, a >= 0 && a < audio.length ? audio[a] : null);
    }
  }
  return out;
}

function assertSameDim(row: Float32Array, reference: Float32Array): void {
  if (row.length !== reference.length)
    throw new RangeError(`embedding length ${row.length} ≠ ${reference.length}`);
}

/**
 * The batch search: SyncNetInstance.evaluate from `dists = calc_pdist(...)` on, for
 * precomputed lip and audio embeddings (N windows each). A null audio window is compared
 * like calc_pdist's zero padding past the ends. Throws when no lip window is present.
 */
export function searchOffset(
  lip: SparseEmbeddingRows,
  audio: SparseEmbeddingRows,
  opts: OffsetSearchOptions = {},
): OffsetResult {
  const vshift = opts.vshift ?? SYNCNET_VSHIFT;
  const windowIndices: number[] = [];
  lip.forEach((row, i) => row !== null && windowIndices.push(i));
  if (windowIndices.length === 0) throw new RangeError('no windows to search');
  const dists = windowDistances(lip, audio, vshift);
  const shifts = 2 * vshift + 1;
  const sums = new Float64Array(shifts);
  const timelineRows = new Float64Array(windowIndices.length * shifts);
  windowIndices.forEach((i, row) => {
    for (let k = 0; k < shifts; k++) {
      sums[k] += dists[i * shifts + k];
      timelineRows[row * shifts + k] = dists[i * shifts + k];
    }
  });
  const result = summarize(vshift, sums, windowIndices.length, timelineRows, windowIndices.length, 1);
  return { ...result, timelineWindows: Int32Array.from(windowIndices) };
}

/**
 * evaluate's `minval, minidx = torch.min(mdist, 0)` (first index on ties) and
 * `torch.median(mdist)` (the lower middle value).
 */
function minAndMedian(meanDists: Float32Array): { argmin: number; minDist: number; medianDist: number } {
  let argmin = 0;
  for (let k = 1; k < meanDists.length; k++) if (meanDists[k] < meanDists[argmin]) argmin = k;
  return { argmin, minDist: meanDists[argmin], medianDist: torchMedian(meanDists) };
}

export interface CombinedOffset {
  offsetFrames: number;
  minDist: number;
  medianDist: number;
  confidence: number;
  meanDists: Float32Array;
  windowCount: number;
}

/**
 * Several searches (segments split by seeks, or one face's runs) as one: mean distances
 * weighted by window count, then the same min/median/confidence as evaluate. With one
 * input it returns that input's figures unchanged.
 */
export function combineSearches(
  parts: readonly Pick<OffsetResult, 'meanDists' | 'windowCount' | 'vshift'>[],
): CombinedOffset {
  const used = parts.filter((p) => p.windowCount > 0);
  if (used.length === 0) throw new RangeError('no searches to combine');
  const vshift = used[0].vshift;
  if (used.some((p) => p.vshift !== vshift))
    throw new RangeError('cannot combine searches with different vshift');
  const windowCount = used.reduce((n, p) => n + p.windowCount, 0);
  const meanDists = new Float32Array(2 * vshift + 1);
  for (let k = 0; k < meanDists.length; k++) {
    meanDists[k] = used.reduce((sum, p) => sum + p.meanDists[k] * p.windowCount, 0) / windowCount;
  }
  const { argmin, minDist, medianDist } = minAndMedian(meanDists);
  return {
    offsetFrames: vshift - argmin,
    minDist,
    medianDist,
    confidence: Math.fround(medianDist - minDist),
    meanDists,
    windowCount,
  };
}

/**
 * Runs of consecutive windows (a clip cut by cutaways or lost faces, or one face's
 * segments) searched as one: searchOffset per run, then combineSearches. Null when no
 * run has a lip window.
 */
export function searchOffsetRuns(
  runs: readonly { lip: SparseEmbeddingRows; audio: SparseEmbeddingRows }[],
  opts: OffsetSearchOptions = {},
): CombinedOffset | null {
  const searched = runs
    .filter((run) => run.lip.some((row) => row !== null))
    .map((run) => searchOffset(run.lip, run.audio, opts));
  return searched.length > 0 ? combineSearches(searched) : null;
}

/**
 * Everything after the distance sums, shared by the batch and streaming searches so
 * both round the same way. `timelineRows` holds `rowCount` rows of per-shift distance
 * sums, each over `stride` windows (the last row may hold fewer: see rowWindows).
 */
function summarize(
  vshift: number,
  distanceSums: Float64Array,
  windowCount: number,
  timelineRows: Float64Array,
  rowCount: number,
  stride: number,
): OffsetResult {
  const shifts = 2 * vshift + 1;
  const meanDists = new Float32Array(shifts);
  for (let k = 0; k < shifts; k++) meanDists[k] = distanceSums[k] / windowCount;

  const { argmin, minDist, medianDist } = minAndMedian(meanDists);

  const rawWindowConfidence = new Float32Array(rowCount);
  for (let r = 0; r < rowCount; r++) {
    const windowsInRow = Math.min(stride, windowCount - r * stride);
    const rowDist = Math.fround(timelineRows[r * shifts + argmin] / windowsInRow);
    rawWindowConfidence[r] = medianDist - rowDist;
  }
  return {
    vshift,
    offsetFrames: vshift - argmin,
    minDist,
    medianDist,
    confidence: Math.fround(medianDist - minDist),
    meanDists,
    rawWindowConfidence,
    windowConfidence: Float32Array.from(medianFilter(rawWindowConfidence, CONFIDENCE_MEDFILT_KERNEL)),
    windowConfidenceStride: stride,
    windowCount,
  };
}

export interface StreamingOffsetSearchOptions extends OffsetSearchOptions {
  /**
   * Most timeline rows kept (≥ 2). When full, neighbouring rows are merged pairwise and
   * the stride doubles, so memory stays ≤ maxTimelineRows·(2·vshift+1) doubles while
   * the timeline still spans the whole stream at a coarser resolution.
   */
  maxTimelineRows?: number;
}

/** Sizes of the internal buffers, in numbers stored (for bounded-memory checks). */
export interface StreamingBufferSizes {
  audioRing: number;
  lipRing: number;
  timeline: number;
}

/**
 * Incremental form of searchOffset: push one (lip, audio) embedding pair per window.
 *
 * Lip window i needs audio windows i − vshift … i + vshift, so it stays pending until
 * audio window i + vshift has arrived. Memory: a ring of the last 2·vshift+1 audio
 * embeddings, a ring of the vshift pending lip embeddings, 2·vshift+1 running sums,
 * and the capped timeline (see StreamingOffsetSearchOptions.maxTimelineRows).
 *
 * provisional() is the batch result for the windows pushed so far (pending lip
 * windows scored against zero padding past the current end, exactly as if the stream
 * ended now); finish() is the same and closes the stream. Windows are scored in push
 * order and summed in float64 like the batch search, so the final mean distances are
 * bit-identical to searchOffset's, as is the timeline while its stride is 1.
 */
export class StreamingOffsetSearch {
  readonly vshift: number;
  readonly maxTimelineRows: number;
  private readonly shifts: number;
  private dim = -1;
  private audioRing: Float32Array[] = [];
  private lipRing: Float32Array[] = [];
  private pushed = 0;
  private finished = false;
  private distanceSums: Float64Array;
  private timeline: Float64Array = new Float64Array(0);
  private timelineRowCount = 0;
  private stride = 1;
  private scored = 0; // windows whose distances are in the sums

  constructor(opts: StreamingOffsetSearchOptions = {}) {
    this.vshift = opts.vshift ?? SYNCNET_VSHIFT;
    assertVshift(this.vshift);
    this.maxTimelineRows = opts.maxTimelineRows ?? DEFAULT_MAX_TIMELINE_ROWS;
    if (!Number.isInteger(this.maxTimelineRows) || this.maxTimelineRows < 2) {
      throw new RangeError(`maxTimelineRows must be an integer ≥ 2, got ${this.maxTimelineRows}`);
    }
    this.shifts = 2 * this.vshift + 1;
    this.distanceSums = new Float64Array(this.shifts);
  }

  /** Windows pushed since construction or the last reset(). */
  get windowCount(): number {
    return this.pushed;
  }

  bufferSizes(): StreamingBufferSizes {
    const ringSize = (ring: Float32Array[]) => ring.reduce((n, row) => n + row.length, 0);
    return {
      audioRing: ringSize(this.audioRing),
      lipRing: ringSize(this.lipRing),
      timeline: this.timeline.length,
    };
  }

  /** Adds window `windowCount`: its lip and audio embeddings (copied). */
  push(lip: Float32Array, audio: Float32Array): void {
    if (this.finished) throw new Error('finish() was called; reset() before pushing a new segment');
    if (this.dim < 0) this.allocate(lip.length);
    if (lip.length !== this.dim || audio.length !== this.dim) {
      throw new RangeError(`embedding lengths ${lip.length}/${audio.length} ≠ ${this.dim}`);
    }
    const j = this.pushed;
    this.audioRing[j % this.shifts].set(audio);
    this.pushed++;
    // Audio window j completes the neighbourhood of lip window j − vshift.
    if (this.vshift === 0) {
      this.score(lip, j);
    } else {
      const slot = this.lipRing[j % this.vshift]; // slot of lip j − vshift, reused for lip j
      if (j >= this.vshift) this.score(slot, j - this.vshift);
      slot.set(lip);
    }
  }

  /** The result as if the stream ended now; null before the first window. */
  provisional(): OffsetResult | null {
    if (this.pushed === 0) return null;
    const sums = Float64Array.from(this.distanceSums);
    let timeline: Float64Array = this.timeline.slice(0, this.timelineRowCount * this.shifts);
    let rows = this.timelineRowCount;
    let stride = this.stride;
    // Score the pending lip windows into copies, with the zero padding past the end.
    const pendingRows: Float64Array[] = [];
    for (let i = this.scored; i < this.pushed; i++) {
      const row = this.distancesFor(this.pendingLip(i), i);
      for (let k = 0; k < this.shifts; k++) sums[k] += row[k];
      pendingRows.push(row);
    }
    ({ timeline, rows, stride } = appendRows(
      timeline,
      rows,
      stride,
      this.scored,
      pendingRows,
      this.shifts,
      this.maxTimelineRows,
    ));
    return summarize(this.vshift, sums, this.pushed, timeline, rows, stride);
  }

  /** Final result (equal to searchOffset on all pushed windows); null if none. */
  finish(): OffsetResult | null {
    const result = this.provisional();
    this.finished = true;
    return result;
  }

  /** Forgets everything for a new segment (a seek or source change). */
  reset(): void {
    this.audioRing = [];
    this.lipRing = [];
    this.dim = -1;
    this.pushed = 0;
    this.scored = 0;
    this.finished = false;
    this.distanceSums.fill(0);
    this.timeline = new Float64Array(0);
    this.timelineRowCount = 0;
    this.stride = 1;
  }

  private allocate(dim: number): void {
    if (dim <= 0) throw new RangeError('empty embedding');
    this.dim = dim;
    this.audioRing = Array.from({ length: this.shifts }, () => new Float32Array(dim));
    this.lipRing = Array.from({ length: this.vshift }, () => new Float32Array(dim));
  }

  private pendingLip(i: number): Float32Array {
    return this.lipRing[i % this.vshift];
  }

  /** calc_pdist's row for lip window i given the audio windows pushed so far. */
  private distancesFor(lip: Float32Array, i: number): Float64Array {
    const row = new Float64Array(this.shifts);
    let padded = -1; // ‖lip + eps‖, computed once per window if needed
    for (let k = 0; k < this.shifts; k++) {
      const a = i + k - this.vshift;
      if (a >= 0 && a < this.pushed) {
        row[k] = pairwiseDistance(lip, this.audioRing[a % this.shifts]);
      } else {
        if (padded < 0) padded = pairwiseDistance(lip, null);
        row[k] = padded;
      }
    }
    return row;
  }

  private score(lip: Float32Array, i: number): void {
    const row = this.distancesFor(lip, i);
    for (let k = 0; k < this.shifts; k++) this.distanceSums[k] += row[k];
    ({
      timeline: this.timeline,
      rows: this.timelineRowCount,
      stride: this.stride,
    } = appendRows(
      this.timeline,
      this.timelineRowCount,
      this.stride,
      i,
      [row],
      this.shifts,
      this.maxTimelineRows,
    ));
    this.scored = i + 1;
  }
}

/**
 * Adds per-window distance rows (windows firstWindow, firstWindow+1, …) to a timeline
 * of `rows` rows × `shifts`, each row summing `stride` windows. Grows the buffer by
 * doubling up to `maxRows` rows; when a new row would exceed that, merges neighbouring
 * rows pairwise and doubles the stride. May return the same buffer, mutated.
 */
function appendRows(
  timeline: Float64Array,
  rows: number,
  stride: number,
  firstWindow: number,
  newRows: Float64Array[],
  shifts: number,
  maxRows: number,
): { timeline: Float64Array; rows: number; stride: number } {
  for (let n = 0; n < newRows.length; n++) {
    const window = firstWindow + n;
    let target = Math.floor(window / stride);
    if (target >= maxRows) {
      // Merge rows (2r, 2r+1) → r: the timeline keeps its span at half the resolution.
      for (let r = 0; r < rows; r += 2) {
        const into = (r >> 1) * shifts;
        for (let k = 0; k < shifts; k++) {
          timeline[into + k] = timeline[r * shifts + k] + (r + 1 < rows ? timeline[(r + 1) * shifts + k] : 0);
        }
      }
      rows = Math.ceil(rows / 2);
      timeline.fill(0, rows * shifts);
      stride *= 2;
      target = Math.floor(window / stride);
    }
    if (target >= rows) {
      if ((target + 1) * shifts > timeline.length) {
        const grown = new Float64Array(Math.min(maxRows, Math.max(16, 2 * (target + 1))) * shifts);
        grown.set(timeline);
        timeline = grown;
      }
      rows = target + 1;
    }
    const row = newRows[n];
    for (let k = 0; k < shifts; k++) timeline[target * shifts + k] += row[k];
  }
  return { timeline, rows, stride };
}
