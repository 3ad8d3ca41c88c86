// In-browser harness for test/engine/webcodecs-source.test.ts: reads one clip through both
// frame sources of src/engine/file-source.ts — WebCodecs (src/engine/webcodecs-source.ts)
// and the <video> playback loop (src/engine/played-frames.ts) — and returns each source's presentation times plus a
// 32×32 grid of RGBA block means of the first, middle and last frame, so the test can compare them frame for frame.
import { forEachPlayedFrame } from '../../src/engine/played-frames';
import { forEachDecodedFrame, type FrameSink } from '../../src/engine/webcodecs-source';

export interface SourceRun {
  /** 'webcodecs', or 'playback' (why, when WebCodecs declined). */
  source: string;
  times: number[];
  /** RGBA means over a 32×32 grid of blocks of the first, middle and last frame, as plain arrays. */
  thumbs: number[][];
}

const THUMB = 32;

/** The first, middle and last of a run's thumbnails: all that leave the page (a long clip's every frame would be hundreds of MB of JSON). */
const ends = (thumbs: number[][]) =>
  [0, thumbs.length >> 1, thumbs.length - 1].filter((i) => i >= 0).map((i) => thumbs[i]);

/**
 * Box averages over a THUMB×THUMB grid of the frame drawn at full size (a drawImage
 * straight to 32×32 would sample a few pixels per cell, and the two image types may be
 * filtered differently: the comparison would measure aliasing, not the pictures).
 */
function recorder() {
  let canvas: OffscreenCanvas | null = null;
  let context: OffscreenCanvasRenderingContext2D | null = null;
  const times: number[] = [];
  const thumbs: number[][] = [];
  const sink: FrameSink = async (mediaTime, image) => {
    times.push(mediaTime);
    const width = 'displayWidth' in image ? image.displayWidth : image.width;
    const height = 'displayHeight' in image ? image.displayHeight : image.height;
    if (!canvas || canvas.width !== width || canvas.height !== height) {
      canvas = new OffscreenCanvas(width, height);
      context = canvas.getContext('2d', { willReadFrequently: true })!;
    }
    context!.drawImage(image, 0, 0);
    const data = context!.getImageData(0, 0, width, height).data;
    const sums = new Float64Array(THUMB * THUMB * 4);
    const counts = new Float64Array(THUMB * THUMB);
    for (let y = 0; y < height; y++) {
      const row = Math.floor((y * THUMB) / height) * THUMB;
      for (let x = 0; x < width; x++) {
        const cell = row + Math.floor((x * THUMB) / width);
        const at = (y * width + x) * 4;
        for (let c = 0; c < 4; c++) sums[cell * 4 + c] += data[at + c];
        counts[cell]++;
      }
    }
    thumbs.push(Array.from(sums, (sum, i) => sum / counts[i >> 2]));
  };
  return { times, thumbs, sink };
}

async function openVideo(blob: Blob): Promise<HTMLVideoElement> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.preload = 'auto';
  video.src = URL.createObjectURL(blob);
  await new Promise<void>((resolve, reject) => {
    video.onloadeddata = () => resolve();
    video.onerror = () => reject(new Error(`video error ${video.error?.code}`));
  });
  return video;
}

async function runSources(url: string, which: 'webcodecs' | 'playback' | 'both'): Promise<SourceRun[]> {
  const blob = await (await fetch(url)).blob();
  const video = await openVideo(blob);
  const runs: SourceRun[] = [];
  try {
    if (which !== 'playback') {
      const rec = recorder();
      const outcome = await forEachDecodedFrame(
        blob,
        { width: video.videoWidth, height: video.videoHeight },
        rec.sink,
        {
          cancelled: () => new Error('cancelled'),
          failed: (message) => new Error(message),
        },
      );
      runs.push({
        source: outcome.decoded ? 'webcodecs' : `playback (${outcome.reason})`,
        times: rec.times,
        thumbs: ends(rec.thumbs),
      });
    }
    if (which !== 'webcodecs') {
      const rec = recorder();
      await forEachPlayedFrame(video, rec.sink, {
        cancelled: () => new Error('cancelled'),
        failed: (message) => new Error(message),
      });
      runs.push({ source: 'playback', times: rec.times, thumbs: ends(rec.thumbs) });
    }
  } finally {
    video.pause();
    URL.revokeObjectURL(video.src);
  }
  return runs;
}

Object.assign(window, { runSources, harnessReady: true });
