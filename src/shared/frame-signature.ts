// The picture signature of a whole video frame (src/core/video/shots.ts), read from anything
// a canvas can draw. Shared by the engine (whole frames it is given), the content script
// (the <video> itself, while it sends crops around the face) and tab capture (the video's
// rectangle of the tab), so the shot detector always compares whole pictures.
import { frameSignature, SIGNATURE_HEIGHT, SIGNATURE_WIDTH } from '../core/video/shots';

/** A rectangle of the source, in its own pixels. */
export interface SourceRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class SignatureReader {
  private readonly canvas = new OffscreenCanvas(SIGNATURE_WIDTH, SIGNATURE_HEIGHT);
  private readonly context: OffscreenCanvasRenderingContext2D;

  constructor() {
    const context = this.canvas.getContext('2d', { alpha: false, willReadFrequently: true });
    if (!context) throw new Error('frame signature: no 2D canvas context');
    // 'high' averages over the source (mipmaps) on a 20× downscale; 'low' would sample a few
    // pixels per cell and make the signature flicker with every small motion.
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    this.context = context;
  }

  /** The signature of `source` (or of its rectangle `rect`). */
  read(source: CanvasImageSource, rect?: SourceRect): number[] {
    if (rect)
      this.context.drawImage(
        source,
        rect.x,
        rect.y,
        rect.width,
        rect.height,
        0,
        0,
        SIGNATURE_WIDTH,
        SIGNATURE_HEIGHT,
      );
    else this.context.drawImage(source, 0, 0, SIGNATURE_WIDTH, SIGNATURE_HEIGHT);
    return frameSignature(
      this.context.getImageData(0, 0, SIGNATURE_WIDTH, SIGNATURE_HEIGHT).data,
      SIGNATURE_WIDTH,
      SIGNATURE_HEIGHT,
    );
  }
}
