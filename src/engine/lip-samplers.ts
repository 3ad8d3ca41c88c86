// What each model's lip stream needs from a frame, captured when the frame arrives (the
// frame's pixels are gone afterwards) and stacked into [N, 5, H, W, C] windows later.
//   syncnet-v2: 224×224 BGR face crop (run_pipeline.crop_video geometry);
//   syncnet-v4: 112×112 grayscale mouth crop (0.65 × face width, syncnet-in-keras);
//   embedded:   a per-frame feature vector from the landmarks (no pixels).
import * as tf from '@tensorflow/tfjs';
import type { FaceObservation } from '../core/features';
import { LIP_LANDMARKS } from '../core/features';
import { faceCropRect, mouthBox, toGray, type CropRect } from '../core/face/crop';
import {
  CROP_PAD_VALUE,
  FACE_CROP_SIZE,
  MOUTH_CROP_SIZE,
  FACE_TRACK_MEDFILT_KERNEL,
} from '../core/face/crop';
import type { LipInputSpec } from '../core/models/types';
import type { WindowBatch } from '../core/score';
import type { EngineFrame } from './types';

export type LipFrame = Uint8Array | Float32Array;

/** Captures one face track's lip input frame by frame (it may keep per-track state); null = unusable frame. */
export type TrackCapture = (frame: EngineFrame, face: FaceObservation) => LipFrame | null;

export interface LipSampler {
  readonly input: LipInputSpec;
  /**
   * Whether a capture reads the frame's pixels. Captures that do must run before the
   * frame is released; landmark-only ones may run later, so the engine can keep several
   * frames in the face tracker at once.
   */
  readonly usesPixels: boolean;
  /** A capture function for a new face track. */
  newTrack(): TrackCapture;
  /** Stacks windows of 5 captured frames into the model's lip input. */
  windowTensor(windows: readonly (readonly LipFrame[])[]): tf.Tensor5D;
  /** windowTensor's values, before they become a tensor. */
  windowValues(windows: readonly (readonly LipFrame[])[]): WindowBatch;
}

/** Copies rect (video pixels) of the frame into a w×h canvas, padding outside the picture with 110 gray. */
class RegionReader {
  private readonly canvas: OffscreenCanvas;
  private readonly context: OffscreenCanvasRenderingContext2D;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.canvas = new OffscreenCanvas(width, height);
    this.context = this.canvas.getContext('2d', { willReadFrequently: true })!;
    this.context.imageSmoothingEnabled = true;
    // 'low' is plain bilinear, the closest the canvas gets to cv2.resize INTER_LINEAR.
    this.context.imageSmoothingQuality = 'low';
  }

  read(frame: EngineFrame, rect: CropRect): Uint8ClampedArray {
    const region = frame.region ?? { x: 0, y: 0, width: frame.videoWidth, height: frame.videoHeight };
    const { width: imageWidth, height: imageHeight } = sizeOf(frame.image);
    const scaleX = imageWidth / region.width;
    const scaleY = imageHeight / region.height;
    const ctx = this.context;
    ctx.fillStyle = `rgb(${CROP_PAD_VALUE},${CROP_PAD_VALUE},${CROP_PAD_VALUE})`;
    ctx.fillRect(0, 0, this.width, this.height);
    // Visible part of the rect: inside both the video frame and the region the image shows.
    const left = Math.max(rect.left, region.x, 0);
    const top = Math.max(rect.top, region.y, 0);
    const right = Math.min(rect.right, region.x + region.width, frame.videoWidth);
    const bottom = Math.min(rect.bottom, region.y + region.height, frame.videoHeight);
    if (right > left && bottom > top) {
      const toCanvasX = this.width / (rect.right - rect.left);
      const toCanvasY = this.height / (rect.bottom - rect.top);
      ctx.drawImage(
        frame.image as CanvasImageSource,
        (left - region.x) * scaleX,
        (top - region.y) * scaleY,
        (right - left) * scaleX,
        (bottom - top) * scaleY,
        (left - rect.left) * toCanvasX,
        (top - rect.top) * toCanvasY,
        (right - left) * toCanvasX,
        (bottom - top) * toCanvasY,
      );
    }
    return ctx.getImageData(0, 0, this.width, this.height).data;
  }
}

export function sizeOf(image: EngineFrame['image']): { width: number; height: number } {
  if ('videoWidth' in image && image instanceof HTMLVideoElement)
    return { width: image.videoWidth, height: image.videoHeight };
  if ('displayWidth' in image) return { width: image.displayWidth, height: image.displayHeight };
  if ('naturalWidth' in image) return { width: image.naturalWidth, height: image.naturalHeight };
  return { width: image.width, height: image.height };
}

function stack(windows: readonly (readonly LipFrame[])[], spec: LipInputSpec): WindowBatch {
  const frameSize = spec.height * spec.width * spec.channels;
  const out = new Float32Array(windows.length * spec.frames * frameSize);
  windows.forEach((frames, n) =>
    frames.forEach((frame, f) => out.set(frame, (n * spec.frames + f) * frameSize)),
  );
  return { values: out, shape: [windows.length, spec.frames, spec.height, spec.width, spec.channels] };
}

/** The stacking of a sampler with `input`: as values, and as a tensor. */
function stacking(input: LipInputSpec): Pick<LipSampler, 'windowTensor' | 'windowValues'> {
  return {
    windowValues: (windows) => stack(windows, input),
    windowTensor: (windows) => {
      const { values, shape } = stack(windows, input);
      return tf.tensor5d(values, shape as [number, number, number, number, number]);
    },
  };
}

/**
 * SyncNet v2: crop_video's box (half size = max(w, h)/2, rows [cy − bs, cy + 1.8·bs],
 * cols [cx − 1.4·bs, cx + 1.4·bs], 110 padding, 224×224), with the box smoothed by the
 * median of this track's last 13 boxes. The reference's medfilt is centred (6 frames of
 * look-ahead); live checking has no future frames, so the median is causal here.
 */
export function createSyncNetV2Sampler(): LipSampler {
  const reader = new RegionReader(FACE_CROP_SIZE, FACE_CROP_SIZE);
  const input: LipInputSpec = { frames: 5, height: FACE_CROP_SIZE, width: FACE_CROP_SIZE, channels: 3 };
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
  return {
    input,
    usesPixels: true,
    newTrack() {
      const boxes: FaceObservation['box'][] = [];
      return (frame, face) => {
        boxes.push(face.box);
        if (boxes.length > FACE_TRACK_MEDFILT_KERNEL) boxes.shift();
        const halfSize = median(boxes.map(([, , w, h]) => Math.max(w, h) / 2));
        const centerX = median(boxes.map(([x, , w]) => x + w / 2));
        const centerY = median(boxes.map(([, y, , h]) => y + h / 2));
        const rgba = reader.read(frame, faceCropRect(centerX, centerY, halfSize).rect);
        const bgr = new Uint8Array(FACE_CROP_SIZE * FACE_CROP_SIZE * 3);
        for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
          bgr[q] = rgba[p + 2];
          bgr[q + 1] = rgba[p + 1];
          bgr[q + 2] = rgba[p];
        }
        return bgr;
      };
    },
    ...stacking(input),
  };
}

/** SyncNet v4: the 0.65 × face-width square around the lips, 112×112, cv2 BGR2GRAY weights. */
export function createSyncNetV4Sampler(): LipSampler {
  const reader = new RegionReader(MOUTH_CROP_SIZE, MOUTH_CROP_SIZE);
  const input: LipInputSpec = { frames: 5, height: MOUTH_CROP_SIZE, width: MOUTH_CROP_SIZE, channels: 1 };
  return {
    input,
    usesPixels: true,
    newTrack: () => (frame, face) => {
      const lips = LIP_LANDMARKS.map((_, i) => ({ x: face.landmarks[3 * i], y: face.landmarks[3 * i + 1] }));
      return toGray(reader.read(frame, mouthBox(lips, face.box[2]).rect), 'rgba');
    },
    ...stacking(input),
  };
}

/** The lip sampler of a SyncNet version. */
export function createSyncNetSampler(kind: 'syncnet-v2' | 'syncnet-v4'): LipSampler {
  return kind === 'syncnet-v2' ? createSyncNetV2Sampler() : createSyncNetV4Sampler();
}

/**
 * The embedded model: per-frame landmark/blendshape features; `newFeaturizer` makes one
 * per track because the model normalises each face with its own running statistics.
 */
export function createFeatureSampler(
  input: LipInputSpec,
  newFeaturizer: () => (face: FaceObservation) => Float32Array | null,
): LipSampler {
  return {
    input,
    usesPixels: false,
    newTrack() {
      const featurize = newFeaturizer();
      return (_frame, face) => featurize(face);
    },
    ...stacking(input),
  };
}
