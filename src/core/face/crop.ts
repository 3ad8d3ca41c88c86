// Face and mouth crops fed to SyncNet, as geometry plus one pure pixel routine.
//
// v2 (syncnet_python): run_pipeline.py crop_video turns a face track (one detector
// box per frame) into 224×224 face crops:
//   1. per frame bs = max(w, h)/2 and the box centre (x, y);
//   2. bs, x and y each smoothed over the track with scipy.signal.medfilt(kernel 13);
//   3. the frame is padded on every side by bsi = int(bs·(1 + 2·cs)), cs = crop_scale
//      = 0.4, with the constant value 110;
//   4. in padded coordinates (my = y + bsi, mx = x + bsi) the crop is rows
//      [int(my − bs), int(my + bs·(1 + 2·cs))) and columns
//      [int(mx − bs·(1 + cs)), int(mx + bs·(1 + cs))): a 2.8·bs wide, 2.8·bs tall box
//      from one box-half above the centre (forehead cut) to 1.8·bs below it;
//   5. cv2.resize to 224×224 (INTER_LINEAR).
// faceCropTrack does 1, 2 and 4 (rect returned in ORIGINAL image coordinates, the
// reference's padded-coordinate arithmetic and int() truncation kept so the integer
// rect is identical); cropResize does 3 and 5 without materialising the padded frame.
//
// v4 (syncnet-in-keras, the lipsync_v4 model used in the VidTIMIT study): a square
// 112×112 grayscale mouth crop. mouthBox documents its assumptions.

import { medianFilter } from '../numeric';

/** run_pipeline.py --crop_scale default. */
export const SYNCNET_CROP_SCALE = 0.4;
/** signal.medfilt(dets[...], kernel_size=13) in crop_video. */
export const FACE_TRACK_MEDFILT_KERNEL = 13;
/** np.pad(..., constant_values=(110, 110)) in crop_video. */
export const CROP_PAD_VALUE = 110;
export const FACE_CROP_SIZE = 224;
export const MOUTH_CROP_SIZE = 112;
/** Mouth box side as a fraction of the face width. */
export const MOUTH_BOX_FACE_FRACTION = 0.65;

/** A detector box in pixels, as the S3FD track stores it: [x1, y1, x2, y2]. */
export interface FaceBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Integer pixel rectangle [left, right) × [top, bottom); may extend past the image. */
export interface CropRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface FaceCropGeometry {
  /** Crop in original image coordinates; pixels outside the image read as the pad value. */
  rect: CropRect;
  /** Smoothed half box size bs (crop_video's dets['s']). */
  halfSize: number;
  /** Smoothed box centre (dets['x'], dets['y']). */
  centerX: number;
  centerY: number;
  /** Padding the reference adds on each side, bsi = int(bs·(1 + 2·cs)). */
  padding: number;
}

/** Track after crop_video's "Smooth detections" step. */
export interface SmoothedFaceTrack {
  halfSize: Float64Array;
  centerX: Float64Array;
  centerY: Float64Array;
}

/**
 * crop_video steps 1–2. Note scipy's medfilt pads with zeros, so the first and last 6
 * frames of a track are pulled toward 0 (e.g. at frame 0 the median of 7 real values and
 * 6 zeros is the smallest real value), and a track shorter than 7 frames smooths to all
 * zeros. We reproduce this on purpose (run_pipeline only crops tracks of ≥ 100 frames by
 * default); callers working on short or live tracks should pick their own smoothing.
 */
export function smoothFaceTrack(
  boxes: readonly FaceBox[],
  kernelSize = FACE_TRACK_MEDFILT_KERNEL,
): SmoothedFaceTrack {
  const halfSize = boxes.map((b) => Math.max(b.y2 - b.y1, b.x2 - b.x1) / 2);
  const centerY = boxes.map((b) => (b.y1 + b.y2) / 2);
  const centerX = boxes.map((b) => (b.x1 + b.x2) / 2);
  return {
    halfSize: medianFilter(halfSize, kernelSize),
    centerX: medianFilter(centerX, kernelSize),
    centerY: medianFilter(centerY, kernelSize),
  };
}

/**
 * crop_video step 4 for one frame, from the smoothed centre and half size. Python's int()
 * truncates toward zero and is applied in padded coordinates, so we do the same there
 * and only then subtract the padding. Where the reference would index outside its
 * padded frame (a negative start wraps around in numpy, an end past it is clipped — only
 * for boxes of a few pixels or centres outside the image), this rect simply extends
 * further into constant padding instead.
 */
export function faceCropRect(
  centerX: number,
  centerY: number,
  halfSize: number,
  cropScale = SYNCNET_CROP_SCALE,
): FaceCropGeometry {
  const padding = Math.trunc(halfSize * (1 + 2 * cropScale));
  const paddedY = centerY + padding;
  const paddedX = centerX + padding;
  return {
    rect: {
      top: Math.trunc(paddedY - halfSize) - padding,
      bottom: Math.trunc(paddedY + halfSize * (1 + 2 * cropScale)) - padding,
      left: Math.trunc(paddedX - halfSize * (1 + cropScale)) - padding,
      right: Math.trunc(paddedX + halfSize * (1 + cropScale)) - padding,
    },
    halfSize,
    centerX,
    centerY,
    padding,
  };
}

/** crop_video steps 1, 2 and 4 for a whole track: one crop geometry per box. */
export function faceCropTrack(
  boxes: readonly FaceBox[],
  opts: { cropScale?: number; smoothKernel?: number } = {},
): FaceCropGeometry[] {
  const smooth = smoothFaceTrack(boxes, opts.smoothKernel ?? FACE_TRACK_MEDFILT_KERNEL);
  return boxes.map((_, i) =>
    faceCropRect(smooth.centerX[i], smooth.centerY[i], smooth.halfSize[i], opts.cropScale),
  );
}

export interface Point {
  x: number;
  y: number;
}

export interface MouthBoxGeometry {
  rect: CropRect;
  centerX: number;
  centerY: number;
  /** Side before rounding to whole pixels. */
  side: number;
}

/**
 * The v4 mouth box. Assumptions (syncnet-in-keras ships no cropping code; this follows
 * the description of its VidTIMIT study): the box is square, its side is 0.65 × the face
 * width, and it is centred on the centre of the lip landmarks' bounding box (not their
 * mean, so landmark sets that sample the inner lip more densely do not pull it). Face
 * width is the caller's measure of the face (e.g. the detector box width or the jaw
 * landmarks' horizontal extent). The integer rect has side round(side) and starts at
 * round(centre − side/2), so it stays square.
 */
export function mouthBox(
  lipLandmarks: readonly Point[],
  faceWidth: number,
  fraction = MOUTH_BOX_FACE_FRACTION,
): MouthBoxGeometry {
  if (lipLandmarks.length === 0) throw new RangeError('no lip landmarks');
  if (!(faceWidth > 0)) throw new RangeError(`face width must be positive, got ${faceWidth}`);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of lipLandmarks) {
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const centerX = (minX + maxX) / 2;
  const centerY = (minY + maxY) / 2;
  const side = fraction * faceWidth;
  const size = Math.max(1, Math.round(side));
  const left = Math.round(centerX - side / 2);
  const top = Math.round(centerY - side / 2);
  return { rect: { left, top, right: left + size, bottom: top + size }, centerX, centerY, side };
}

/** Interleaved 8-bit image, row-major, `channels` values per pixel. */
export interface PixelImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: number;
}

export interface CropResizeOptions {
  /** Value of pixels outside the image (crop_video pads with 110). */
  padValue?: number;
  /**
   * Source channel for each output channel, e.g. [2, 1, 0] turns RGBA into BGR (the
   * order syncnet_python's cv2 frames have). Default: all channels in order.
   */
  channelMap?: readonly number[];
}

/**
 * Crops `rect` (pixels outside the image = padValue) and resizes it to outWidth ×
 * outHeight bilinearly the way cv2.resize INTER_LINEAR and torch's
 * interpolate(bilinear, align_corners=False) do: pixel centres at half-integers, source
 * coordinate (d + 0.5)·(in/out) − 0.5, clamped to the crop's edge pixels, no
 * antialiasing when shrinking. Computed in float64 and rounded half up, so it matches
 * torch's float result to ≤ 0.5 and cv2's fixed-point uint8 result to ±1.
 */
export function cropResize(
  image: PixelImage,
  rect: CropRect,
  outWidth: number,
  outHeight: number,
  opts: CropResizeOptions = {},
): Uint8Array {
  const padValue = opts.padValue ?? CROP_PAD_VALUE;
  const channelMap = opts.channelMap ?? Array.from({ length: image.channels }, (_, c) => c);
  const cropWidth = rect.right - rect.left;
  const cropHeight = rect.bottom - rect.top;
  if (cropWidth <= 0 || cropHeight <= 0) throw new RangeError('empty crop rect');
  if (!(outWidth > 0 && outHeight > 0)) throw new RangeError('empty output size');
  for (const c of channelMap) {
    if (!(c >= 0 && c < image.channels))
      throw new RangeError(`channel ${c} not in a ${image.channels}-channel image`);
  }
  if (image.data.length < image.width * image.height * image.channels)
    throw new RangeError('image data too short');

  const xs = bilinearTaps(cropWidth, outWidth);
  const ys = bilinearTaps(cropHeight, outHeight);
  const outChannels = channelMap.length;
  const out = new Uint8Array(outWidth * outHeight * outChannels);
  // Value of crop pixel (cx, cy), channel c: the image inside it, the pad value outside.
  const sample = (cx: number, cy: number, c: number): number => {
    const x = rect.left + cx;
    const y = rect.top + cy;
    if (x < 0 || y < 0 || x >= image.width || y >= image.height) return padValue;
    return image.data[(y * image.width + x) * image.channels + c];
  };

  for (let oy = 0; oy < outHeight; oy++) {
    const { lo: y0, hi: y1, weight: wy } = ys[oy];
    for (let ox = 0; ox < outWidth; ox++) {
      const { lo: x0, hi: x1, weight: wx } = xs[ox];
      for (let oc = 0; oc < outChannels; oc++) {
        const c = channelMap[oc];
        const top = sample(x0, y0, c) * (1 - wx) + sample(x1, y0, c) * wx;
        const bottom = sample(x0, y1, c) * (1 - wx) + sample(x1, y1, c) * wx;
        out[(oy * outWidth + ox) * outChannels + oc] = Math.floor(top * (1 - wy) + bottom * wy + 0.5);
      }
    }
  }
  return out;
}

interface BilinearTap {
  lo: number;
  hi: number;
  /** Weight of `hi`; `lo` gets 1 − weight. */
  weight: number;
}

/** Per output index, the two source indices and the weight (half-pixel centres, edge clamp). */
function bilinearTaps(inSize: number, outSize: number): BilinearTap[] {
  const scale = inSize / outSize;
  const taps: BilinearTap[] = [];
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(0, (d + 0.5) * scale - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    const hi = Math.min(lo + 1, inSize - 1);
    taps.push({ lo, hi, weight: hi === lo ? 0 : src - lo });
  }
  return taps;
}

export type ColourOrder = 'rgb' | 'bgr' | 'rgba' | 'bgra';

// cv2's BGR2GRAY for 8-bit images works in 14-bit fixed point: 0.299, 0.587, 0.114
// scaled by 2^14 and rounded (4899 + 9617 + 1868 = 16384), plus half for rounding.
const GRAY_SHIFT = 14;
const GRAY_R = 4899;
const GRAY_G = 9617;
const GRAY_B = 1868;

/** Grayscale like cv2.cvtColor(…, COLOR_BGR2GRAY / RGB2GRAY), bit-exact for uint8. */
export function toGray(data: Uint8Array | Uint8ClampedArray, order: ColourOrder): Uint8Array {
  const channels = order.length;
  const red = order.indexOf('r');
  const blue = order.indexOf('b');
  const pixels = Math.floor(data.length / channels);
  const gray = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const base = p * channels;
    gray[p] =
      (data[base + red] * GRAY_R +
        data[base + 1] * GRAY_G +
        data[base + blue] * GRAY_B +
        (1 << (GRAY_SHIFT - 1))) >>
      GRAY_SHIFT;
  }
  return gray;
}

/** 224×224 v2 face crop for one frame (crop_video steps 3 and 5). */
export function faceCrop(
  image: PixelImage,
  geometry: FaceCropGeometry,
  opts: CropResizeOptions = {},
): Uint8Array {
  return cropResize(image, geometry.rect, FACE_CROP_SIZE, FACE_CROP_SIZE, opts);
}

/**
 * 112×112 grayscale v4 mouth crop: crop and resize in colour, then convert (the cv2 order
 * resize → cvtColor; padding is 110 gray, which v4's −110 normalisation maps to zero).
 */
export function mouthCrop(
  image: PixelImage,
  box: MouthBoxGeometry,
  order: ColourOrder,
  opts: { padValue?: number } = {},
): Uint8Array {
  if (order.length !== image.channels)
    throw new RangeError(`order ${order} for a ${image.channels}-channel image`);
  const colour = cropResize(image, box.rect, MOUTH_CROP_SIZE, MOUTH_CROP_SIZE, { padValue: opts.padValue });
  return toGray(colour, order);
}
