// Cut detection on the frames handed to a face tracker: the whole frame's signature (the
// host's, or read here from a whole-frame image) into the shot detector, and on a cut the
// tracker starts new tracks from that frame (FaceTracker.newShot). Used by the engine and
// by the feature cache's pass (extractFeatures), which drive the tracker the same way.
import { ShotDetector, SIGNATURE_LENGTH } from '../core/video/shots';
import { SignatureReader } from '../shared/frame-signature';
import type { EngineFrame, FaceTracker } from './types';

export class FrameShots {
  private readonly detector = new ShotDetector();
  private reader: SignatureReader | null = null;
  /** The host sends whole-frame signatures: the engine never mixes in its own readings. */
  private hostSignatures = false;

  constructor(private readonly tracker: Pick<FaceTracker, 'newShot'>) {}

  /** Call just before tracker.observe(frame): true when a cut lies before this frame. */
  beforeObserve(frame: EngineFrame): boolean {
    const signature = this.signatureOf(frame);
    if (!signature) return false;
    const cut = this.detector.push(signature, frame.mediaTime);
    if (cut) this.tracker.newShot();
    return cut;
  }

  /** A new segment (seek, source change): its first frame is compared with nothing. */
  reset(): void {
    this.detector.reset();
  }

  private signatureOf(frame: EngineFrame): readonly number[] | null {
    // A host's signature of the whole frame (a malformed one is ignored, never thrown on).
    if (frame.signature !== undefined) {
      this.hostSignatures = true;
      return Array.isArray(frame.signature) &&
        frame.signature.length === SIGNATURE_LENGTH &&
        frame.signature.every(Number.isFinite)
        ? frame.signature
        : null;
    }
    // A crop shows only part of the picture, and a different part from frame to frame. And a
    // reading taken here differs enough from the host's of the same picture that switching
    // between the two looks like a cut (tab capture once lost every face track that way).
    if (frame.region || this.hostSignatures) return null;
    this.reader ??= new SignatureReader();
    return this.reader.read(frame.image as CanvasImageSource);
  }
}
