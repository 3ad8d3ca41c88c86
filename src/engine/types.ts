// The engine's contracts. One engine serves the live extension (offscreen document or
// Firefox background page), the options page's "Check a file" and the `check` CLI (which
// drives that same page in headless Chromium). Browser-only (MediaPipe, canvases), but no
// chrome.* here: the hosts pass in URLs and data.
import type { FrameObservation } from '../core/features';
import type { SyncSpan, SyncState, Verdict } from '../core/state';
import type { WeightsBundle } from '../core/convert/weights-bundle';
import type { EvidenceSummary } from '../core/decision/summary';

export type ModelChoice = 'embedded' | 'syncnet-v2' | 'syncnet-v4';

/** Where the engine's local files are (runtime.getURL in the extension). */
export interface FrameStats {
  /** Lips embedded for every n-th window (lip-stride.ts). */
  lipStride: number;
  /** Where the sync model's streams run, in words (model-streams.ts). */
  modelOn: string;
  /** Share of the frames lost between arrivals, 0–1 (core/video/frame-drops.ts), whatever the capture. */
  droppedFrameRatio: number;
  /** The same with the frames lost in stalls (a live check; a file's gaps are its own). */
  lostFrameRatio: number;
}

export interface EngineAssets {
  /** Folder with MediaPipe's vision_wasm_internal.{js,wasm}. */
  mediapipeWasmBase: string;
  /** URL of face_landmarker.task. */
  faceLandmarkerUrl: string;
  /** Folder with tfjs-backend-wasm*.wasm. */
  tfWasmBase: string;
  /** Folder with the embedded model (manifest.json + weights.bin). */
  embeddedModelBase: string;
  /**
   * The landmarker worker script (classic script built from src/engine/face/landmarker-worker.ts).
   * Without it the face tracker landmarks on the engine's own thread, one frame at a time.
   */
  landmarkerWorkerUrl?: string;
  /**
   * The stream worker script (classic script built from src/engine/model-worker.ts): live
   * checks with SyncNet weights run each stream there. Without it they run on the engine's thread.
   */
  modelWorkerUrl?: string;
}

/**
 * A picture handed to the engine. `image` may be the whole video frame or a crop of it:
 * `region` says which rectangle of the video frame it shows (video pixels), so the
 * engine reports faces in video coordinates either way. Live capture sends crops around
 * the face the engine last reported (runtime messages are JSON only: JPEG data URLs).
 */
export interface EngineFrame {
  /** Media time in seconds (rVFC metadata.mediaTime, or the file's presentation time). */
  mediaTime: number;
  image: ImageBitmap | HTMLCanvasElement | OffscreenCanvas | HTMLVideoElement | HTMLImageElement | VideoFrame;
  /** Size of the full video frame in pixels. */
  videoWidth: number;
  videoHeight: number;
  /** Rectangle of the video frame `image` shows; absent = the whole frame. */
  region?: { x: number; y: number; width: number; height: number };
  /**
   * The whole frame's picture signature (src/core/video/shots.ts frameSignature), for the
   * shot detector. A host that sends crops (`region`) supplies it from the whole video;
   * without it the engine computes it from `image` when that is the whole frame, and skips
   * shot detection for a crop.
   */
  signature?: number[];
}

/** Mono audio in media time. */
export interface EngineAudio {
  /** Media time of samples[0], seconds. */
  mediaTime: number;
  sampleRate: number;
  samples: Float32Array;
}

/** Face tracker: MediaPipe FaceLandmarker plus tracking, wide-shot handling and several faces. */
export interface FaceTracker {
  /**
   * Observes one frame; frames arrive in increasing media time within a segment. The
   * frame's picture is read before this returns, so the caller may release it then. Up to
   * `parallelFrames` calls may be outstanding: their results come in call order.
   */
  observe(frame: EngineFrame, segment: number): Promise<FrameObservation>;
  /** Frames worth keeping in flight at once (the landmarker instances running in parallel). */
  readonly parallelFrames: number;
  /** Where the landmarker runs, in words ('2 workers', 'this thread (…why)'). */
  readonly landmarkingOn: string;
  /** Landmarker workers replaced by fresh ones since this tracker started (face/renewing-worker via the pool). */
  readonly workerRenewals: number;
  /** A seek or source change: forget motion history (tracks may be re-acquired); the next frame starts a new shot. */
  newSegment(): void;
  /**
   * A cut lies just before the next frame observe() is given: every track ends there and
   * faces found from that frame on get fresh ids (never one from before the cut), and that
   * frame's observation has the next shot number. Frames already being observed are not
   * affected.
   */
  newShot(): void;
  /** Where the live capture should crop next frame (video pixels), or null for the whole frame. */
  suggestedRegion(): EngineFrame['region'] | null;
  close(): void;
}

export interface FaceSummary {
  trackId: number;
  /** Frames the face was seen in. */
  frames: number;
  /** Median face box width, video pixels. */
  medianWidth: number;
  /** Median box over the track [x, y, w, h]. */
  box: [number, number, number, number];
  /** Seconds in which this face was the one speaking (its lips moved with the voice). */
  speakingSeconds: number;
  /** The face that spoke most. */
  chosen: boolean;
}

/** Everything a finished check reports (the CLI's --json is this plus the file name). */
export interface CheckResult {
  model: ModelChoice;
  backend: string;
  /** Where the face landmarker ran, e.g. '2 workers' (FaceTracker.landmarkingOn). */
  landmarking: string;
  /** Landmarker workers replaced by fresh ones during the check, to give their memory back (RENEW_WORKER_AFTER_JOBS). */
  landmarkerRenewals: number;
  fps: number;
  durationS: number;
  state: SyncState;
  offsetFrames: number | null;
  offsetMs: number | null;
  minDist: number | null;
  confidence: number | null;
  /** The model's confidence scale (the calibration's). */
  threshold: number;
  /** Calibrated probability that voice and lips do not belong together; null when nothing was judged. */
  pMismatch: number | null;
  /** Seconds of face-plus-speech evidence. */
  evidenceSeconds: number;
  verdict: Verdict;
  reason?: string;
  dists: number[];
  timeline: { t: number; confidence: number }[];
  /** Where the voice matched, was shifted, did not match, or could not be judged (media time). */
  segments: SyncSpan[];
  faces: FaceSummary[];
  /**
   * A file that stops before its own length says (an unfinished download or recording whose
   * index came first): where its samples end and the length its index gives, in seconds.
   * Only what came before was checked.
   */
  cutOff?: { atS: number; ofS: number };
}

export interface EngineOptions {
  model: ModelChoice;
  /** Converted official weights when model is syncnet-v2 / syncnet-v4. */
  weights?: WeightsBundle;
  /** Confidence at which voice and lips are as likely to match as not; the model's calibration when absent. */
  threshold?: number;
  onState?: (state: SyncState) => void;
}

export type SegmentReason = 'seek' | 'source-change' | 'rate-change' | 'resume';

/**
 * The engine: frames and audio in media time → SyncState stream → CheckResult.
 * Live hosts push as media plays and read `state`/onState; the file page and the CLI push
 * a whole file, then call finish(). Created by createEngine() in src/engine/engine.ts.
 */
export interface Engine {
  pushFrame(frame: EngineFrame): Promise<void>;
  pushAudio(audio: EngineAudio): void;
  /** The host knows whether the source has an audio track (a file without one, a muted element). */
  setAudioTrackPresent(present: boolean): void;
  /** DRM/EME content: frames are black to us, so nothing can be judged. */
  setProtectedContent(isProtected: boolean): void;
  /**
   * Frames are sampled from a screen capture at its own cadence, their times estimated (tab
   * capture): gaps between them say nothing about frames lost, so the dropped-frame rules
   * (core/video/frame-drops.ts) are off.
   */
  setSampledFrames(sampled: boolean): void;
  /** Starts a new segment: windows never straddle a seek, source change or rate change. */
  newSegment(reason: SegmentReason): void;
  /**
   * A new source (an ad, the next video): drops all evidence kept so far, live horizon
   * included, and starts a new segment — nothing seen before belongs to the new source.
   */
  resetEvidence(): void;
  /** Where the evidence so far went (speech, faces, moving mouths, votes): test builds' stats. */
  evidenceSummary(): EvidenceSummary;
  /** How the frames kept up (test builds' stats): the lip stride in use and the share of frames lost. */
  frameStats(): FrameStats;
  /** The region the live capture should send next (around the tracked face), or null for the whole frame. */
  suggestedRegion(): EngineFrame['region'] | null;
  readonly state: SyncState;
  /** Scores everything pushed so far and returns the verdict (the engine stays usable). */
  finish(): Promise<CheckResult>;
  dispose(): void;
}
