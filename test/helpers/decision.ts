// Fixtures shared by the decision's unit tests (test/core): a calibration with round
// numbers and the context of a finished file with a face in every frame.
import type { DecisionCalibration } from '../../src/core/decision/calibration';
import type { ClipContext } from '../../src/core/decision/evidence';

/** p(mismatch) = σ(4 − 4·d − 4·d·√(n/50)) on a confidence scale of 1; one-second blocks match at 1, mismatch at 0, sd 0.3. */
export const TEST_CALIBRATION: DecisionCalibration = {
  scale: 1,
  coefficients: [4, -4, -4, 0],
  window: { matchMean: 1, mismatchMean: 0, sd: 0.3 },
  fittedOn: 'test',
};

/** A finished file of `frames` frames at 25 fps, a face in every one. */
export function finishedFile(frames: number): ClipContext {
  return {
    hasAudioTrack: true,
    audioPeak: 10000,
    framesSeen: frames,
    framesWithFace: frames,
    largestFaceWidth: 120,
    protectedContent: false,
    final: true,
    secondsSeen: frames / 25,
    droppedFrameRatio: 0,
    lostFrameRatio: 0,
  };
}
