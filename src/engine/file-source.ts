// A local file through the engine, as the options page's "Check a file" and the CLI do
// it: audio decoded a slice at a time with WebCodecs where the file is an MP4/MOV with AAC
// (src/engine/webcodecs-audio.ts), otherwise whole (decodeAudioData), mixed to mono and
// resampled by the core's anti-alias resampler; frames decoded with WebCodecs where the file is an MP4/MOV with
// H.264 (src/engine/webcodecs-source.ts: not paced by playback, so as fast as the engine
// goes), otherwise taken from a <video> element with requestVideoFrameCallback,
// presentation time from metadata.mediaTime (src/engine/played-frames.ts). Both give the
// same times for the same frames. Nothing leaves the page.
import type { ClipFeatures, FrameObservation } from '../core/features';
import { lacksIndex } from '../core/media/mp4-boxes';
import { wholeSoundRuns } from './audio-start';
import { AudioSegment } from './audio-segment';
import { FrameShots } from './frame-shots';
import type { CheckResult, Engine, EngineAudio, EngineFrame, FaceTracker } from './types';
import { forEachDecodedAudio } from './webcodecs-audio';
import { CutOffWatch } from './cut-off';
import { forEachPlayedFrame } from './played-frames';
import { SoundPacer } from './sound-pacer';
import { blobReader, forEachDecodedFrame, type DecodeOptions, type FrameSink } from './webcodecs-source';

/** Audio is handed to the engine in chunks of this many seconds. */
const AUDIO_CHUNK_SECONDS = 1;
/** Decode at 48 kHz (the usual AudioContext rate) and let the core resample to 16 kHz. */
const DECODE_RATE = 48000;

export class FileCheckError extends Error {
  override name = 'FileCheckError';
}

export interface FileCheckInput {
  video: Blob;
  /** Replaces the video's own sound (the original study's form took an mp4 plus a wav). */
  audio?: Blob;
  /** Names for messages. */
  videoName: string;
  audioName?: string;
  /**
   * One part of a longer file (the CLI's streamed transcode, scripts/lib/streamed-transcode.ts):
   * media times of its first frame and first sample in the whole file, and the whole
   * file's duration for progress.
   */
  part?: { start: number; audioStart: number; totalDuration: number };
}

export type FileCheckProgress =
  | { phase: 'opening' }
  | { phase: 'audio' }
  | { phase: 'frames'; fraction: number; mediaTime: number; duration: number }
  | { phase: 'scoring' };

export interface FileCheckHooks {
  onProgress?: (progress: FileCheckProgress) => void;
  signal?: AbortSignal;
}

/** Decodes any container Chromium reads, whole, into mono float samples at DECODE_RATE, or null when there is no audio. */
export async function decodeMonoAudio(blob: Blob): Promise<Float32Array | null> {
  const context = new OfflineAudioContext(1, 1, DECODE_RATE);
  let buffer: AudioBuffer;
  try {
    buffer = await context.decodeAudioData(await blob.arrayBuffer());
  } catch {
    return null;
  }
  if (buffer.length === 0) return null;
  // ffmpeg -ac 1: the mean of the channels.
  const mono = new Float32Array(buffer.length);
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const channel = buffer.getChannelData(c);
    for (let i = 0; i < mono.length; i++) mono[i] += channel[i] / buffer.numberOfChannels;
  }
  return mono;
}

const MEDIA_ERRORS: Record<number, string> = {
  1: 'loading was aborted',
  2: 'a network error occurred while reading it',
  3: 'it could not be decoded',
  4: 'it is not a video format this browser can play',
};

/** Why the element refused `blob`: an empty or cut-off file is said as such, not as a format this browser cannot play. */
async function whyUnplayable(blob: Blob, code: number): Promise<string> {
  if (blob.size === 0) return 'the file is empty';
  if (await lacksIndex(blobReader(blob), blob.size).catch(() => false))
    return "the file is cut off before its index (no MP4 'moov' box): an unfinished download or recording";
  return MEDIA_ERRORS[code] ?? 'unreadable';
}

async function openVideo(blob: Blob, name: string, signal?: AbortSignal): Promise<HTMLVideoElement> {
  const video = document.createElement('video');
  video.muted = true; // sound comes from decodeAudioData; the element only supplies pictures
  video.playsInline = true;
  video.preload = 'auto';
  video.src = URL.createObjectURL(blob);
  try {
    await new Promise<void>((resolve, reject) => {
      video.onloadeddata = () => resolve();
      video.onerror = () =>
        void whyUnplayable(blob, video.error?.code ?? 4).then((why) =>
          reject(new FileCheckError(`${name}: ${why}`)),
        );
      signal?.addEventListener('abort', () => reject(new FileCheckError('cancelled')), { once: true });
    });
  } catch (error) {
    URL.revokeObjectURL(video.src);
    throw error;
  }
  if (video.videoWidth === 0 || video.videoHeight === 0) {
    URL.revokeObjectURL(video.src);
    throw new FileCheckError(`${name}: has no video track`);
  }
  return video;
}

/**
 * Hands the file's sound to `onAudio` in media order: sliced through AudioDecoder where it
 * can, else decoded whole (forEachWholeSoundChunk). False: no sound.
 */
async function streamAudio(
  blob: Blob,
  name: string,
  onAudio: (chunk: EngineAudio) => void,
  /** Awaited before the sound from this time (the file's own, s) is decoded or handed on. */
  pace: (mediaTime: number) => Promise<void>,
  { signal, cutOff }: Pick<DecodeOptions, 'signal' | 'cutOff'>,
): Promise<boolean> {
  const decoded = await forEachDecodedAudio(blob, onAudio, {
    signal,
    cutOff,
    cancelled: () => new FileCheckError('cancelled'),
    failed: (message) => new FileCheckError(`${name}: ${message}`),
    pace,
  });
  if (decoded.decoded) return true;
  if (decoded.noAudioTrack) return false;
  return forEachWholeSoundChunk(blob, onAudio, pace);
}

/**
 * The sound decoded whole (decodeAudioData), handed to `onAudio` in AUDIO_CHUNK_SECONDS
 * chunks where the container says it plays (audio-start.ts). False: no sound.
 */
export async function forEachWholeSoundChunk(
  blob: Blob,
  onAudio: (chunk: EngineAudio) => void,
  pace: (mediaTime: number) => Promise<void> = async () => undefined,
): Promise<boolean> {
  const audio = await decodeMonoAudio(blob);
  if (!audio) return false;
  const chunk = AUDIO_CHUNK_SECONDS * DECODE_RATE;
  for (const run of await wholeSoundRuns(blob, audio.length, DECODE_RATE)) {
    for (let start = run.from; start < run.to; start += chunk) {
      const mediaTime = run.time + (start - run.from) / DECODE_RATE;
      await pace(mediaTime);
      onAudio({
        mediaTime,
        sampleRate: DECODE_RATE,
        samples: audio.subarray(start, Math.min(start + chunk, run.to)),
      });
    }
  }
  return true;
}

/**
 * Opens the video, streams the audio (the replacement audio when given) to `onAudio` beside
 * the frames (sound-pacer.ts: at most SOUND_LEAD_SECONDS ahead of them, and every frame after
 * its sound), hands every frame to `onFrame` with progress reported, and releases the
 * element whatever happens. `sound` says, once all of it is handed on, whether there was any.
 */
async function readFile<T>(
  input: FileCheckInput,
  hooks: FileCheckHooks,
  onAudio: (chunk: EngineAudio) => void,
  run: (file: {
    video: HTMLVideoElement;
    sound: Promise<boolean>;
    eachFrame: (onFrame: (frame: EngineFrame) => Promise<void>) => Promise<void>;
    /** Where the file's samples stop short of its length, once frames and sound are read. */
    cutOff: () => CheckResult['cutOff'];
  }) => Promise<T>,
): Promise<T> {
  const { onProgress, signal } = hooks;
  const { start = 0, audioStart = 0 } = input.part ?? {};
  if (!input.part) onProgress?.({ phase: 'opening' });
  const video = await openVideo(input.video, input.videoName, signal);
  const duration = input.part?.totalDuration ?? (Number.isFinite(video.duration) ? video.duration : 0);
  const cuts = new CutOffWatch();
  const pacer = new SoundPacer(start);
  let sound: Promise<boolean> | null = null;
  try {
    if (!input.part) onProgress?.({ phase: 'audio' });
    const audioName = input.audio ? (input.audioName ?? 'audio file') : input.videoName;
    sound = streamAudio(
      input.audio ?? input.video,
      audioName,
      (chunk) => {
        const end = chunk.mediaTime + audioStart + chunk.samples.length / chunk.sampleRate;
        onAudio({ ...chunk, mediaTime: chunk.mediaTime + audioStart });
        pacer.soundReached(end);
        cuts.sound(end);
      },
      (mediaTime) => pacer.beforeSound(mediaTime + audioStart),
      { signal, cutOff: (at) => cuts.samplePastEnd(at + audioStart) },
    ).then((hasAudio) => {
      if (!hasAudio && input.audio)
        throw new FileCheckError(`${audioName}: not an audio format this browser can decode`);
      return hasAudio;
    });
    sound.then(
      () => pacer.endSound(),
      (error) => pacer.endSound(error),
    );
    const eachFrame = async (onFrame: (frame: EngineFrame) => Promise<void>) => {
      // One delivery path for both sources: the engine frame and the progress report.
      const sink: FrameSink = async (localTime, image) => {
        const mediaTime = localTime + start;
        cuts.frame(mediaTime);
        await pacer.beforeFrame(mediaTime);
        await onFrame({ mediaTime, image, videoWidth: video.videoWidth, videoHeight: video.videoHeight });
        onProgress?.({
          phase: 'frames',
          fraction: duration > 0 ? Math.min(1, mediaTime / duration) : 0,
          mediaTime,
          duration,
        });
      };
      const options: DecodeOptions = {
        signal,
        cancelled: () => new FileCheckError('cancelled'),
        failed: (message) => new FileCheckError(`${input.videoName}: ${message}`),
        cutOff: (at) => cuts.samplePastEnd(at + start),
      };
      // WebCodecs declines (with its reason) before delivering any frame, so playing the
      // file then starts from a clean engine.
      const size = { width: video.videoWidth, height: video.videoHeight };
      const decoded = await forEachDecodedFrame(input.video, size, sink, options);
      if (!decoded.decoded) await forEachPlayedFrame(video, sink, options);
      pacer.endFrames();
    };
    return await run({
      video,
      sound,
      eachFrame,
      cutOff: () => cuts.result(duration, !input.part),
    });
  } finally {
    // Frames failed or were cancelled: the sound stops at its next step; ended either way before the element goes.
    pacer.stop();
    await sound?.catch(() => undefined);
    video.pause();
    URL.revokeObjectURL(video.src);
    video.removeAttribute('src');
    video.load();
  }
}

/**
 * Runs one file (and optional replacement audio) through `engine` and returns the verdict;
 * or the parts of one file, in order, as they come (a streamed transcode): one timeline,
 * each part's sound and frames at its start time. A window across two parts waits for the
 * next part's sound (the engine keeps its lips meanwhile).
 */
export async function checkFile(
  engine: Engine,
  input: FileCheckInput | AsyncIterable<FileCheckInput>,
  hooks: FileCheckHooks = {},
): Promise<CheckResult> {
  const parts = Symbol.asyncIterator in input ? input : [input];
  let hasAudio = false;
  let cutOff: CheckResult['cutOff'];
  for await (const part of parts) {
    await readFile(
      part,
      hooks,
      (chunk) => engine.pushAudio(chunk),
      async (file) => {
        await file.eachFrame((frame) => engine.pushFrame(frame));
        hasAudio ||= await file.sound;
        engine.setAudioTrackPresent(hasAudio);
        cutOff ??= file.cutOff();
      },
    );
  }
  hooks.onProgress?.({ phase: 'scoring' });
  const result = await engine.finish();
  return cutOff ? { ...result, cutOff } : result;
}

export interface ExtractedFeatures {
  features: ClipFeatures;
  /** Mono 16 kHz int16 samples (features.audio.samples of them), or null without audio. */
  pcm: Int16Array | null;
}

/**
 * The feature cache's input (`npm run features`): every frame's face observations from the
 * engine's tracker and the audio at 16 kHz exactly as the engine resamples it — no model.
 * `onObservation` sees each frame (pixels still valid) with its observation, in order: the
 * window caches' writer crops the lips there (src/engine/window-cache-writer.ts).
 */
export function extractFeatures(
  tracker: FaceTracker,
  input: FileCheckInput,
  hooks: FileCheckHooks = {},
  onObservation?: (frame: EngineFrame, observation: FrameObservation) => Promise<void>,
): Promise<ExtractedFeatures> {
  const segment = new AudioSegment();
  return readFile(
    input,
    hooks,
    (chunk) => segment.push(chunk),
    async ({ video, sound, eachFrame }) => {
      const frames: FrameObservation[] = [];
      const shots = new FrameShots(tracker);
      await eachFrame(async (frame) => {
        shots.beforeObserve(frame);
        const observation = await tracker.observe(frame, 0);
        frames.push(observation);
        await onObservation?.(frame, observation);
      });
      const times = frames.map((f) => f.t);
      const intervals = times
        .slice(1)
        .map((t, i) => t - times[i])
        .sort((a, b) => a - b);
      const typical = intervals[intervals.length >> 1] ?? 0;
      const hasAudio = await sound;
      segment.flush();
      const pcm = hasAudio ? segment.pcm().slice() : null;
      return {
        features: {
          file: input.videoName,
          durationS: Number.isFinite(video.duration) ? video.duration : 0,
          width: video.videoWidth,
          height: video.videoHeight,
          fps: typical > 0 ? Math.round(1000 / typical) / 1000 : 0,
          frames,
          audio: pcm ? { sampleRate: 16000, startS: segment.startTime ?? 0, samples: pcm.length } : null,
        },
        pcm,
      };
    },
  );
}
