// Per-frame face observations: what the engine's face tracker reports for every frame,
// what `npm run features` caches for training and evaluation, and what the embedded
// model's lip stream is computed from. Pure data, JSON-safe.

/**
 * MediaPipe Face Mesh indices kept per face: the 40 lip contour points (outer then inner
 * ring, FACEMESH_LIPS) followed by reference points used to normalise for face size and
 * pose. Landmark arrays in FaceObservation follow this order.
 */
export const LIP_LANDMARKS = [
  // outer lip, lower then upper
  61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409,
  // inner lip, lower then upper
  78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415,
] as const;
export const REFERENCE_LANDMARKS = [
  33,
  263, // eye outer corners
  133,
  362, // eye inner corners
  1, // nose tip
  152, // chin
  10, // forehead
  234,
  454, // face sides (cheek edges)
] as const;
export const KEPT_LANDMARKS: readonly number[] = [...LIP_LANDMARKS, ...REFERENCE_LANDMARKS];
/** Position of a Face Mesh index inside FaceObservation.landmarks (÷3). */
export const keptIndex = (meshIndex: number): number => KEPT_LANDMARKS.indexOf(meshIndex);

/** MediaPipe's 52 blendshape names in the order the model emits them. */
export const BLENDSHAPE_NAMES = [
  '_neutral',
  'browDownLeft',
  'browDownRight',
  'browInnerUp',
  'browOuterUpLeft',
  'browOuterUpRight',
  'cheekPuff',
  'cheekSquintLeft',
  'cheekSquintRight',
  'eyeBlinkLeft',
  'eyeBlinkRight',
  'eyeLookDownLeft',
  'eyeLookDownRight',
  'eyeLookInLeft',
  'eyeLookInRight',
  'eyeLookOutLeft',
  'eyeLookOutRight',
  'eyeLookUpLeft',
  'eyeLookUpRight',
  'eyeSquintLeft',
  'eyeSquintRight',
  'eyeWideLeft',
  'eyeWideRight',
  'jawForward',
  'jawLeft',
  'jawOpen',
  'jawRight',
  'mouthClose',
  'mouthDimpleLeft',
  'mouthDimpleRight',
  'mouthFrownLeft',
  'mouthFrownRight',
  'mouthFunnel',
  'mouthLeft',
  'mouthLowerDownLeft',
  'mouthLowerDownRight',
  'mouthPressLeft',
  'mouthPressRight',
  'mouthPucker',
  'mouthRight',
  'mouthRollLower',
  'mouthRollUpper',
  'mouthShrugLower',
  'mouthShrugUpper',
  'mouthSmileLeft',
  'mouthSmileRight',
  'mouthStretchLeft',
  'mouthStretchRight',
  'mouthUpperUpLeft',
  'mouthUpperUpRight',
  'noseSneerLeft',
  'noseSneerRight',
] as const;
export type BlendshapeName = (typeof BLENDSHAPE_NAMES)[number];

/** One tracked face in one frame, in the video's own pixel coordinates. */
export interface FaceObservation {
  /** Stable across frames while the tracker follows the same face. */
  trackId: number;
  /** Face box from the landmarks' extent: [x, y, width, height] in video pixels. */
  box: [number, number, number, number];
  /**
   * KEPT_LANDMARKS as x, y, z triplets: x, y in video pixels; z in MediaPipe's units
   * scaled like x (pixels of the image width), so 3-D distances are meaningful.
   */
  landmarks: number[];
  /** 52 blendshape scores in BLENDSHAPE_NAMES order (0–1). */
  blendshapes: number[];
  /** Facial transformation matrix (4×4, column-major as MediaPipe returns it), head pose. */
  pose: number[];
}

export interface FrameObservation {
  /** Media time of the frame in seconds (rVFC mediaTime / the file's presentation time). */
  t: number;
  /** Segment number: increments at a seek or a source change; windows never cross it. */
  segment: number;
  /**
   * Shot number (0-based): increments at each cut the shot detector finds
   * (src/core/video/shots.ts) and at each new segment. Face track ids never continue
   * across a cut; across a new segment (a seek) a track may be re-acquired with its id. Feature caches written before shots existed have none: read them with
   * withShots(), which treats every frame as shot 0.
   */
  shot: number;
  faces: FaceObservation[];
}

/**
 * A feature cache as read from disk: caches written before FrameObservation.shot existed
 * lack it, and each of their frames is taken as shot 0 (they were made without cut
 * detection, so their tracks may span cuts, as the engine's did then).
 */
export function withShots(clip: ClipFeatures): ClipFeatures {
  if (clip.frames.every((f) => typeof f.shot === 'number')) return clip;
  return { ...clip, frames: clip.frames.map((f) => (typeof f.shot === 'number' ? f : { ...f, shot: 0 })) };
}

/** A clip's cached features (`npm run features`): the input to training and evaluation. */
export interface ClipFeatures {
  file: string;
  durationS: number;
  width: number;
  height: number;
  /** Frames per second estimated from the presentation times. */
  fps: number;
  frames: FrameObservation[];
  /** Mono 16 kHz audio as int16 values (python_speech_features' input), or null when the file has none. */
  audio: { sampleRate: 16000; startS: number; samples: number } | null;
}
