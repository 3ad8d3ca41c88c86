// How much a face's lips move: tells a speaking face from a listener. A listener's lips
// stay nearly still while someone else talks, and their sync distances then look like a
// mismatch; such windows must not vote.
//
// Mouth opening = inner-lip gap (Face Mesh 13 ↔ 14) over the eye-corner distance (33 ↔ 263),
// so it does not depend on the face's size in the picture. Activity = standard deviation
// of the opening over a ±ACTIVITY_HALF_SPAN_FRAMES neighbourhood (about 1 s): speech opens
// and closes the mouth several times a second, a still face only shows landmark jitter.
import { keptIndex, type FaceObservation } from '../features';

const UPPER_INNER_LIP = keptIndex(13);
const LOWER_INNER_LIP = keptIndex(14);
const LEFT_EYE_OUTER = keptIndex(33);
const RIGHT_EYE_OUTER = keptIndex(263);
/** Frames on each side of a frame that its activity is measured over (12 at 25 fps ≈ ±0.5 s). */
export const ACTIVITY_HALF_SPAN_FRAMES = 12;

function distance(points: readonly number[], a: number, b: number): number {
  const dx = points[3 * a] - points[3 * b];
  const dy = points[3 * a + 1] - points[3 * b + 1];
  const dz = points[3 * a + 2] - points[3 * b + 2];
  return Math.hypot(dx, dy, dz);
}

/** Inner-lip gap relative to the eye-corner distance; null without usable landmarks. */
export function mouthOpening(face: Pick<FaceObservation, 'landmarks'>): number | null {
  const eyes = distance(face.landmarks, LEFT_EYE_OUTER, RIGHT_EYE_OUTER);
  if (!(eyes > 0)) return null;
  return distance(face.landmarks, UPPER_INNER_LIP, LOWER_INNER_LIP) / eyes;
}

/**
 * Per frame of one track (null where the face is absent): the standard deviation of the
 * mouth opening over the frames of the same run within ±halfSpan. Null where the face is absent.
 */
export function lipActivity(
  openings: readonly (number | null)[],
  halfSpan = ACTIVITY_HALF_SPAN_FRAMES,
): (number | null)[] {
  // Prefix sums over present frames make each frame's neighbourhood O(1).
  const n = openings.length;
  const count = new Float64Array(n + 1);
  const sum = new Float64Array(n + 1);
  const sumSq = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = openings[i];
    count[i + 1] = count[i] + (v === null ? 0 : 1);
    sum[i + 1] = sum[i] + (v ?? 0);
    sumSq[i + 1] = sumSq[i] + (v ?? 0) * (v ?? 0);
  }
  return openings.map((v, i) => {
    if (v === null) return null;
    const lo = Math.max(0, i - halfSpan);
    const hi = Math.min(n, i + halfSpan + 1);
    const c = count[hi] - count[lo];
    if (c < 2) return 0;
    const mean = (sum[hi] - sum[lo]) / c;
    return Math.sqrt(Math.max(0, (sumSq[hi] - sumSq[lo]) / c - mean * mean));
  });
}
