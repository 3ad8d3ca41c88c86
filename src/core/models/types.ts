// Shared shapes for every sync model (SyncNet v2, SyncNet v4, the embedded model).
// A model maps a 5-frame lip window and a 20-row MFCC window (0.2 s, SyncNet's
// context) to embeddings whose L2 distance is small when the two are in sync.
import type * as tf from '@tensorflow/tfjs';

export type SyncModelKind = 'syncnet-v2' | 'syncnet-v4' | 'embedded';

/** Which streams a model instance holds weights for (syncnet-in-keras's `mode`). */
export type StreamMode = 'lip' | 'audio' | 'both';

export interface LipInputSpec {
  /** Frames per window on the 25-fps grid. */
  frames: 5;
  height: number;
  width: number;
  /** 3 = colour (BGR, as syncnet_python feeds cv2 images), 1 = grayscale. */
  channels: 1 | 3;
}

export interface AudioInputSpec {
  /** MFCC coefficients per row (13 for v2, 12 for v4). */
  coefficients: number;
  /** MFCC rows per window: 20 rows of 10 ms = 0.2 s = 5 video frames. */
  steps: 20;
}

export interface SyncModel {
  readonly kind: SyncModelKind;
  readonly mode: StreamMode;
  readonly embeddingSize: number;
  readonly lipInput: LipInputSpec;
  readonly audioInput: AudioInputSpec;
  /**
   * Lip windows → embeddings [N, embeddingSize].
   * Input: raw pixel values 0–255, shape [N, 5, H, W, C] (time-major). The model
   * applies its own normalisation (v4 subtracts 110; v2 feeds raw values).
   * Does not dispose its input.
   */
  embedLip(windows: tf.Tensor5D): tf.Tensor2D;
  /** MFCC windows [N, coefficients, 20] → embeddings [N, embeddingSize]. Does not dispose its input. */
  embedAudio(windows: tf.Tensor3D): tf.Tensor2D;
  dispose(): void;
}

/**
 * SyncNet v2 / v4 split at their fully connected layers, for what needs the conv towers'
 * output itself: fine-tuning the fc head (src/core/train/syncnet-head.ts) on cached
 * activations, and the browser engine's window cache (src/engine/window-cache-writer.ts).
 * embedLip(x) is exactly fc('lip', lipPreFc(x)), and likewise for audio.
 */
export interface SyncNetModel extends SyncModel {
  readonly kind: 'syncnet-v2' | 'syncnet-v4';
  /** Lip windows (as embedLip takes them) → the conv tower's output flattened NHWC, [N, pre-fc size]. Does not dispose its input. */
  lipPreFc(windows: tf.Tensor5D): tf.Tensor2D;
  /** MFCC windows (as embedAudio takes them) → the audio conv tower's output flattened NHWC. Does not dispose its input. */
  audioPreFc(windows: tf.Tensor3D): tf.Tensor2D;
  /** Pre-fc activations → embeddings with the model's own fc layers. Does not dispose its input. */
  fc(stream: 'lip' | 'audio', preFc: tf.Tensor2D): tf.Tensor2D;
}

/** One named float32 tensor in a converted checkpoint, in the layout the TF.js model uses. */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

/** Converted weights keyed by the model module's canonical names. */
export type WeightMap = Record<string, WeightTensor>;
