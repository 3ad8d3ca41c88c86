// In-browser harness for test/engine/face-tracker.test.ts: plays a clip (or a still frame)
// through the engine's face tracker and returns compact per-frame results. Bundled by
// test/helpers/bundle.ts and served from 127.0.0.1 with the repo root at / and
// ../shared/media at /media/.
import { FaceLandmarker, FilesetResolver } from '@mediapipe/tasks-vision';
import { createFaceTracker, landmarkersFor, trackerOnPool } from '../../src/engine/face-tracker';
import { mosaicLayout } from '../../src/core/face/tracking';
import type { LandmarkJob } from '../../src/engine/face/landmark-jobs';
import { BLENDSHAPE_NAMES, LIP_LANDMARKS, type FaceObservation } from '../../src/core/features';
import type { EngineFrame, FaceTracker } from '../../src/engine/types';
import { FrameShots } from '../../src/engine/frame-shots';

const ASSETS = {
  mediapipeWasmBase: '/node_modules/@mediapipe/tasks-vision/wasm',
  faceLandmarkerUrl: '/models/face_landmarker.task',
  // Built beside this page by bundleTestPage (LANDMARKER_WORKER_URL).
  landmarkerWorkerUrl: '/test/.generated/pages/landmarker-worker.js',
};
const JAW_OPEN = BLENDSHAPE_NAMES.indexOf('jawOpen');

export interface RunOptions {
  maxFaces?: number;
  /** Seconds of the clip to play from its start. */
  seconds?: number;
  playbackRate?: number;
  /** Draw each frame at this size first: the tracker then sees a video of that size. */
  size?: [number, number];
  /** Two copies of each frame side by side (a two-face picture from a one-face clip). */
  sideBySide?: boolean;
  /** Once media time passes this, seek back to the start and begin segment 1 (tracker.newSegment()). */
  rewindAt?: number;
  delegate?: 'CPU' | 'GPU';
  /** Also run a plain MediaPipe FaceLandmarker (VIDEO mode) on the whole frame, as the tracker would without tiles. */
  plain?: boolean;
}

export interface FaceResult {
  id: number;
  box: number[];
  jawOpen: number;
  /** Every blendshape score in [0, 1] and 52 of them. */
  blendshapesOk: boolean;
  /** Lip centre as a fraction of the box (x, y). */
  lips: [number, number];
  /** Every lip landmark inside the box. */
  lipsInside: boolean;
  poseLength: number;
  /** Range of z over the kept landmarks, video pixels (depth scaled like x). */
  zSpan: number;
}

export interface FrameSummary {
  t: number;
  segment: number;
  /** FrameObservation.shot (runTracker only). */
  shot?: number;
  ms: number;
  faces: FaceResult[];
  plainFaces?: number;
  plainMs?: number;
  /** suggestedRegion() after this frame. */
  region?: EngineFrame['region'] | null;
}

export interface RunSummary {
  width: number;
  height: number;
  frames: FrameSummary[];
  /** suggestedRegion() after the last frame. */
  region: EngineFrame['region'] | null;
}

function summarise(face: FaceObservation): FaceResult {
  const [x, y, w, h] = face.box;
  let sx = 0,
    sy = 0,
    inside = true;
  for (let i = 0; i < LIP_LANDMARKS.length; i++) {
    const px = face.landmarks[3 * i],
      py = face.landmarks[3 * i + 1];
    sx += px;
    sy += py;
    inside &&= px >= x && px <= x + w && py >= y && py <= y + h;
  }
  const n = LIP_LANDMARKS.length;
  const z = face.landmarks.filter((_, i) => i % 3 === 2);
  return {
    id: face.trackId,
    box: face.box.map((v) => Math.round(v * 10) / 10),
    jawOpen: face.blendshapes[JAW_OPEN],
    blendshapesOk:
      face.blendshapes.length === BLENDSHAPE_NAMES.length && face.blendshapes.every((s) => s >= 0 && s <= 1),
    lips: [(sx / n - x) / w, (sy / n - y) / h],
    lipsInside: inside,
    poseLength: face.pose.length,
    zSpan: Math.max(...z) - Math.min(...z),
  };
}

async function openVideo(url: string): Promise<HTMLVideoElement> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.preload = 'auto';
  video.src = url;
  await new Promise<void>((resolve, reject) => {
    video.onloadeddata = () => resolve();
    video.onerror = () => reject(new Error(`cannot load ${url}: ${video.error?.message ?? 'unknown error'}`));
  });
  return video;
}

async function seek(video: HTMLVideoElement, time: number): Promise<void> {
  await new Promise<void>((resolve) => {
    video.onseeked = () => resolve();
    video.currentTime = time;
  });
}

async function plainLandmarker(): Promise<FaceLandmarker> {
  const fileset = await FilesetResolver.forVisionTasks(ASSETS.mediapipeWasmBase);
  return FaceLandmarker.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: ASSETS.faceLandmarkerUrl, delegate: 'CPU' },
    runningMode: 'VIDEO',
    numFaces: 3,
    // The same outputs as the tracker, so their costs compare.
    outputFaceBlendshapes: true,
    outputFacialTransformationMatrixes: true,
  });
}

/** Plays `url` and feeds every frame the page gets (requestVideoFrameCallback) to a new tracker. */
async function runTracker(url: string, options: RunOptions = {}): Promise<RunSummary> {
  const video = await openVideo(url);
  const tracker = await createFaceTracker(ASSETS, { maxFaces: options.maxFaces, delegate: options.delegate });
  const plain = options.plain ? await plainLandmarker() : null;
  const [width, height] = options.size ?? [
    video.videoWidth * (options.sideBySide ? 2 : 1),
    video.videoHeight,
  ];
  const canvas = options.size || options.sideBySide ? new OffscreenCanvas(width, height) : null;
  const context = canvas?.getContext('2d') ?? null;
  const frames: FrameSummary[] = [];
  const seconds = options.seconds ?? Infinity;
  try {
    video.playbackRate = options.playbackRate ?? 0.5;
    await new Promise<void>((resolve, reject) => {
      let busy = false;
      let segment = 0;
      let plainClock = 0;
      const onFrame = (_now: number, metadata: VideoFrameCallbackMetadata) => {
        const rewindPending = options.rewindAt !== undefined && segment === 0;
        if ((!rewindPending && metadata.mediaTime > seconds) || video.ended) {
          resolve();
          return;
        }
        video.requestVideoFrameCallback(onFrame);
        if (busy) return;
        if (rewindPending && metadata.mediaTime > options.rewindAt!) {
          segment = 1;
          tracker.newSegment();
          video.currentTime = 0;
          return;
        }
        busy = true;
        let image: EngineFrame['image'] = video;
        if (context && canvas) {
          if (options.sideBySide) {
            context.drawImage(video, 0, 0, width / 2, height);
            context.drawImage(video, width / 2, 0, width / 2, height);
          } else {
            context.drawImage(video, 0, 0, width, height);
          }
          image = canvas;
        }
        const started = performance.now();
        // observe() runs synchronously up to its result, so `video` still shows this frame.
        tracker
          .observe({ mediaTime: metadata.mediaTime, image, videoWidth: width, videoHeight: height }, segment)
          .then((observation) => {
            const ms = performance.now() - started;
            const frame: FrameSummary = {
              t: observation.t,
              segment: observation.segment,
              shot: observation.shot,
              ms,
              faces: observation.faces.map(summarise),
              region: tracker.suggestedRegion(),
            };
            if (plain) {
              const plainStarted = performance.now();
              plainClock = Math.max(plainClock + 1, metadata.mediaTime * 1000);
              frame.plainFaces = plain.detectForVideo(image, plainClock).faceLandmarks.length;
              frame.plainMs = performance.now() - plainStarted;
            }
            frames.push(frame);
            busy = false;
          })
          .catch(reject);
      };
      video.requestVideoFrameCallback(onFrame);
      video.onended = () => resolve();
      video.play().catch(reject);
    });
    return { width, height, frames, region: tracker.suggestedRegion() };
  } finally {
    video.pause();
    tracker.close();
    plain?.close();
  }
}

export interface CropComparison {
  full: FaceResult[];
  crop: FaceResult[];
  region: EngineFrame['region'];
}

/**
 * One still frame, observed `repeats` times by two trackers: one gets the whole frame,
 * the other only `region` of it (drawn at `cropScale` of its size, as a live capture may
 * send it). Both must report the same faces in video coordinates.
 */
async function compareCrop(
  url: string,
  time: number,
  region: { x: number; y: number; width: number; height: number },
  cropScale = 1,
  repeats = 5,
): Promise<CropComparison> {
  const video = await openVideo(url);
  await seek(video, time);
  const full = await createImageBitmap(video);
  const crop = new OffscreenCanvas(
    Math.round(region.width * cropScale),
    Math.round(region.height * cropScale),
  );
  crop
    .getContext('2d')!
    .drawImage(full, region.x, region.y, region.width, region.height, 0, 0, crop.width, crop.height);
  const whole: FaceTracker = await createFaceTracker(ASSETS);
  const cropped: FaceTracker = await createFaceTracker(ASSETS);
  try {
    const frame = { videoWidth: video.videoWidth, videoHeight: video.videoHeight };
    let a: FaceObservation[] = [],
      b: FaceObservation[] = [];
    for (let i = 0; i < repeats; i++) {
      a = (await whole.observe({ ...frame, mediaTime: time + i / 25, image: full }, 0)).faces;
      b = (await cropped.observe({ ...frame, mediaTime: time + i / 25, image: crop, region }, 0)).faces;
    }
    return { full: a.map(summarise), crop: b.map(summarise), region };
  } finally {
    full.close();
    whole.close();
    cropped.close();
  }
}

/** A tracker fed frames of pure noise (no face anywhere). */
async function runNoise(frames: number, width: number, height: number): Promise<FrameSummary[]> {
  const tracker = await createFaceTracker(ASSETS);
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  const pixels = context.createImageData(width, height);
  const out: FrameSummary[] = [];
  try {
    for (let i = 0; i < frames; i++) {
      for (let p = 0; p < pixels.data.length; p++)
        pixels.data[p] = p % 4 === 3 ? 255 : (Math.random() * 256) | 0;
      context.putImageData(pixels, 0, 0);
      const started = performance.now();
      const observation = await tracker.observe(
        { mediaTime: i / 25, image: canvas, videoWidth: width, videoHeight: height },
        0,
      );
      out.push({
        t: observation.t,
        segment: 0,
        ms: performance.now() - started,
        faces: observation.faces.map(summarise),
      });
    }
    return out;
  } finally {
    tracker.close();
  }
}

export interface StillCost {
  trackerMs: number[];
  plainMs: number[];
  faces: number;
}

/**
 * Per-frame cost on one still frame drawn at width×height, observed `frames` times
 * (media time advancing 40 ms), against a plain FaceLandmarker on the whole picture: a
 * steadier figure than timing playback, where decoding competes for the CPU.
 */
async function stillCost(
  url: string,
  time: number,
  width: number,
  height: number,
  frames: number,
): Promise<StillCost> {
  const video = await openVideo(url);
  await seek(video, time);
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d')!.drawImage(video, 0, 0, width, height);
  const tracker = await createFaceTracker(ASSETS);
  const plain = await plainLandmarker();
  const result: StillCost = { trackerMs: [], plainMs: [], faces: 0 };
  try {
    for (let i = 0; i < frames; i++) {
      let started = performance.now();
      const observation = await tracker.observe(
        { mediaTime: i * 0.04, image: canvas, videoWidth: width, videoHeight: height },
        0,
      );
      result.trackerMs.push(performance.now() - started);
      result.faces += observation.faces.length;
      started = performance.now();
      plain.detectForVideo(canvas, i * 40);
      result.plainMs.push(performance.now() - started);
    }
    return result;
  } finally {
    tracker.close();
    plain.close();
  }
}

export interface WorkerComparison {
  /** Where each tracker landmarked (FaceTracker.landmarkingOn). */
  where: { inThread: string; workers: string; badWorkerUrl: string };
  parallelFrames: { inThread: number; workers: number };
  /** Per frame, the faces each tracker reported (video pixels; all kept landmarks). */
  inThread: FaceObservation[][];
  workersOneAtATime: FaceObservation[][];
  workersPipelined: FaceObservation[][];
  badWorkerUrl: FaceObservation[][];
  /** Two workers each replaced by a fresh one after every RENEW_AFTER_JOBS frames they landmark, one frame at a time. */
  renewing: FaceObservation[][];
  /** After every 2 × RENEW_AFTER_JOBS frames, the renewing pool's count of replacements, and how long it took to reach it. */
  renewedAt: { frame: number; renewals: number; waitedMs: number }[];
  /** Media times of the pipelined results, in the order they resolved. */
  pipelinedOrder: number[];
}

/** compareWorkers' renewing pool: each worker replaced after this many frames. */
const RENEW_AFTER_JOBS = 5;

/**
 * Frames one at a time through a tracker whose two workers are replaced every
 * RENEW_AFTER_JOBS jobs; once a replacement is due, waits (up to 20 s) until it took over,
 * so the next frames do land on the fresh workers.
 */
async function runRenewing(
  frames: ImageBitmap[],
  size: { videoWidth: number; videoHeight: number },
): Promise<Pick<WorkerComparison, 'renewedAt'> & { faces: FaceObservation[][] }> {
  const pool = await landmarkersFor(ASSETS, { workers: 2, renewWorkersAfterJobs: RENEW_AFTER_JOBS });
  const tracker = trackerOnPool(pool, () => pool.close());
  const faces: FaceObservation[][] = [];
  const renewedAt: WorkerComparison['renewedAt'] = [];
  try {
    for (const [i, image] of frames.entries()) {
      faces.push((await tracker.observe({ ...size, mediaTime: i / 25, image }, 0)).faces);
      if ((i + 1) % (2 * RENEW_AFTER_JOBS) !== 0) continue;
      const due = ((i + 1) / RENEW_AFTER_JOBS) | 0;
      const since = performance.now();
      while (pool.renewals < due && performance.now() < since + 20000)
        await new Promise((r) => setTimeout(r, 20));
      renewedAt.push({
        frame: i + 1,
        renewals: pool.renewals,
        waitedMs: Math.round(performance.now() - since),
      });
    }
    return { faces, renewedAt };
  } finally {
    tracker.close();
  }
}

/**
 * The same decoded frames through trackers that landmark on this thread and in two
 * workers — one frame at a time, and pipelined as the engine runs it (as many frames in
 * flight as `parallelFrames`) — and through one whose worker URL does not load.
 */
async function compareWorkers(url: string, count: number): Promise<WorkerComparison> {
  const video = await openVideo(url);
  const frames: ImageBitmap[] = [];
  for (let i = 0; i < count; i++) {
    await seek(video, i / 25);
    frames.push(await createImageBitmap(video));
  }
  const size = { videoWidth: video.videoWidth, videoHeight: video.videoHeight };
  const inThread = await createFaceTracker({ ...ASSETS, landmarkerWorkerUrl: undefined });
  const workers = await createFaceTracker(ASSETS, { workers: 2 });
  const pipelined = await createFaceTracker(ASSETS, { workers: 2 });
  const broken = await createFaceTracker(
    { ...ASSETS, landmarkerWorkerUrl: '/no/such/worker.js' },
    { workers: 2 },
  );
  const oneAtATime = async (tracker: FaceTracker) => {
    const out: FaceObservation[][] = [];
    for (const [i, image] of frames.entries())
      out.push((await tracker.observe({ ...size, mediaTime: i / 25, image }, 0)).faces);
    return out;
  };
  try {
    const pipelinedOrder: number[] = [];
    const inFlight: Promise<FaceObservation[]>[] = [];
    const workersPipelined: FaceObservation[][] = [];
    for (const [i, image] of frames.entries()) {
      inFlight.push(
        pipelined
          .observe({ ...size, mediaTime: i / 25, image }, 0)
          .then((o) => (pipelinedOrder.push(o.t), o.faces)),
      );
      if (inFlight.length >= pipelined.parallelFrames) workersPipelined.push(await inFlight.shift()!);
    }
    for (const pending of inFlight) workersPipelined.push(await pending);
    const renewing = await runRenewing(frames, size);
    return {
      where: {
        inThread: inThread.landmarkingOn,
        workers: workers.landmarkingOn,
        badWorkerUrl: broken.landmarkingOn,
      },
      parallelFrames: { inThread: inThread.parallelFrames, workers: workers.parallelFrames },
      inThread: await oneAtATime(inThread),
      workersOneAtATime: await oneAtATime(workers),
      workersPipelined,
      badWorkerUrl: await oneAtATime(broken),
      renewing: renewing.faces,
      renewedAt: renewing.renewedAt,
      pipelinedOrder,
    };
  } finally {
    frames.forEach((f) => f.close());
    [inThread, workers, pipelined, broken].forEach((t) => t.close());
  }
}

export interface ShotFrame {
  t: number;
  /** The detector found a cut just before this frame. */
  cut: boolean;
  shot: number;
  ids: number[];
  /** Time beforeObserve took (signature + detector), ms. */
  ms: number;
}

/**
 * The first `count` frames of a 25-fps clip, each seeked to exactly, through the shot
 * detection the engine uses (FrameShots: the frame's signature, then FaceTracker.newShot on
 * a cut) and, with `track`, a face tracker pipelined as the engine runs it (parallelFrames
 * in flight), so a cut must reach the right frame while earlier ones are still landmarked.
 * Without `track` only the detector runs (shot numbers then count its cuts).
 */
async function runShots(url: string, count: number, track: boolean): Promise<ShotFrame[]> {
  const video = await openVideo(url);
  const tracker = track ? await createFaceTracker(ASSETS) : null;
  let cuts = 0;
  const shots = new FrameShots({ newShot: () => tracker?.newShot() });
  const out: ShotFrame[] = [];
  const inFlight: Promise<void>[] = [];
  try {
    for (let i = 0; i < count; i++) {
      await seek(video, (i + 0.5) / 25);
      const frame: EngineFrame = {
        mediaTime: i / 25,
        image: video,
        videoWidth: video.videoWidth,
        videoHeight: video.videoHeight,
      };
      const started = performance.now();
      const cut = shots.beforeObserve(frame);
      const ms = performance.now() - started;
      if (cut) cuts++;
      if (!tracker) {
        out.push({ t: frame.mediaTime, cut, shot: cuts, ids: [], ms });
        continue;
      }
      const slot = out.length;
      out.push({ t: frame.mediaTime, cut, shot: -1, ids: [], ms });
      inFlight.push(
        tracker
          .observe(frame, 0)
          .then((o) => void (out[slot] = { ...out[slot], shot: o.shot, ids: o.faces.map((f) => f.trackId) })),
      );
      if (inFlight.length >= tracker.parallelFrames) await inFlight.shift();
    }
    await Promise.all(inFlight);
    return out;
  } finally {
    tracker?.close();
  }
}

export interface RepeatedTimestamp {
  where: string;
  failedBefore: boolean;
  /** What the second job with the same timestamp was answered with. */
  error: string;
  failedAfter: boolean;
}

/**
 * Two follow jobs with the same VIDEO-mode timestamp on one landmarker: MediaPipe's graph
 * fails, and the pool must say so (a page that keeps its pool then loads a new one).
 */
async function repeatTimestamp(workers: number): Promise<RepeatedTimestamp> {
  const pool = await landmarkersFor(workers > 0 ? ASSETS : { ...ASSETS, landmarkerWorkerUrl: undefined }, {
    workers,
  });
  const layout = mosaicLayout(1, 256);
  const job = (timestampMs: number): LandmarkJob => {
    const canvas = new OffscreenCanvas(layout.width, layout.height);
    canvas.getContext('2d')!.fillRect(0, 0, layout.width, layout.height);
    return {
      follow: { image: canvas.transferToImageBitmap(), layout, occupied: [], timestampMs },
      tiles: [],
    };
  };
  try {
    await pool.run(0, job(100));
    const failedBefore = pool.failed;
    const error = await pool.run(0, job(100)).then(
      () => '',
      (e: unknown) => String(e),
    );
    return { where: pool.where, failedBefore, error, failedAfter: pool.failed };
  } finally {
    pool.close();
  }
}

Object.assign(window, {
  repeatTimestamp,
  runTracker,
  compareCrop,
  runNoise,
  stillCost,
  compareWorkers,
  runShots,
  harnessReady: true,
});
