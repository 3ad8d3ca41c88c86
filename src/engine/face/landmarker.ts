// MediaPipe FaceLandmarker, loaded from the extension's own files only, and its results
// as plain arrays. @mediapipe/tasks-vision stays pinned at 0.10.34: later releases
// (≥ 1.0.1) send usage logs to Google.
import { FaceLandmarker, type FaceLandmarkerResult, type NormalizedLandmark } from '@mediapipe/tasks-vision';
import { BLENDSHAPE_NAMES } from '../../core/features';
import type { EngineAssets } from '../types';
import { MEDIAPIPE_WASM_BINARY, MEDIAPIPE_WASM_LOADER } from './mediapipe-wasm';

export type LandmarkerDelegate = 'CPU' | 'GPU';
export type LandmarkerAssets = Pick<EngineAssets, 'mediapipeWasmBase' | 'faceLandmarkerUrl'>;
type Fileset = Parameters<typeof FaceLandmarker.createFromOptions>[0];

/** The SIMD build, always (./mediapipe-wasm.ts): FilesetResolver would choose at run time. */
export async function resolveWasm(assets: LandmarkerAssets): Promise<Fileset> {
  const base = assets.mediapipeWasmBase.replace(/\/+$/, '');
  return {
    wasmLoaderPath: `${base}/${MEDIAPIPE_WASM_LOADER}`,
    wasmBinaryPath: `${base}/${MEDIAPIPE_WASM_BINARY}`,
  };
}

export async function loadFaceLandmarker(
  fileset: Fileset,
  assets: LandmarkerAssets,
  settings: { mode: 'VIDEO' | 'IMAGE'; numFaces: number; delegate: LandmarkerDelegate },
): Promise<FaceLandmarker> {
  try {
    return await FaceLandmarker.createFromOptions(fileset, {
      baseOptions: { modelAssetPath: assets.faceLandmarkerUrl, delegate: settings.delegate },
      runningMode: settings.mode,
      numFaces: settings.numFaces,
      outputFaceBlendshapes: true,
      outputFacialTransformationMatrixes: true,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `face tracker: cannot load the face landmarker ${assets.faceLandmarkerUrl} (wasm from ${assets.mediapipeWasmBase}): ${reason}`,
    );
  }
}

/** One face of a landmarker result: normalised points of the canvas it ran on, scores, pose. */
export interface LandmarkedFace {
  points: NormalizedLandmark[];
  /** 52 scores in BLENDSHAPE_NAMES order. */
  blendshapes: number[];
  /** 4×4 facial transformation matrix as MediaPipe returns it. */
  pose: number[];
}

export function landmarkedFaces(result: FaceLandmarkerResult): LandmarkedFace[] {
  return result.faceLandmarks.map((points, i) => {
    const blendshapes = new Array<number>(BLENDSHAPE_NAMES.length).fill(0);
    // Placed by the model's own category index, not by list position.
    for (const category of result.faceBlendshapes[i]?.categories ?? []) {
      if (category.index >= 0 && category.index < blendshapes.length)
        blendshapes[category.index] = category.score;
    }
    return { points, blendshapes, pose: [...(result.facialTransformationMatrixes[i]?.data ?? [])] };
  });
}
