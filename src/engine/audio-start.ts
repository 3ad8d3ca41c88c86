// Where a whole-file decode's sound belongs on the file's timeline. decodeAudioData (the
// fallback in file-source.ts) returns the samples one after another, without their times;
// the container says when they play — after an MP4's empty edit; in Matroska/WebM at its
// audio blocks' times, which also show where the sound pauses (a dropout the decode closes
// up) — and Chromium's <video> shows the frames on the same timeline. Other containers: from
// 0, as before (a file Chromium cannot play is converted by ffmpeg with its streams' start
// times, scripts/lib/streamed-transcode.ts).
import { readMatroskaAudioTimes } from '../core/media/matroska';
import { readMp4AudioStart } from '../core/media/mp4-audio';
import { Mp4Unsupported } from '../core/media/mp4-boxes';
import { blobReader } from './webcodecs-source';

/** Decoded samples [from, to) play from `time` (s) on. */
export interface SoundRun {
  time: number;
  from: number;
  to: number;
}

/** A pause between two blocks longer than this past their usual spacing is a gap (s): a frame at 25 fps. */
const MIN_GAP_SECONDS = 0.04;

/**
 * Block times to runs of decoded samples, when every block decodes to the same length (the
 * usual spacing: Opus and AAC frames); null when the decoded length says they do not
 * (Vorbis' varying blocks), and then only the start is known.
 */
export function runsFromBlockTimes(times: number[], samples: number, rate: number): SoundRun[] | null {
  const steps = times.slice(1).map((t, i) => t - times[i]);
  const median = [...steps].sort((a, b) => a - b)[steps.length >> 1];
  // The mean of the steps that are no gap: block times are rounded (to 1 ms in most files),
  // and AAC's 23.2-ms blocks step 23 and 24 ms.
  const usual = steps.filter((step) => step <= median + MIN_GAP_SECONDS);
  const spacing = usual.reduce((a, b) => a + b, 0) / usual.length;
  if (!(spacing > 0)) return null;
  const perBlock = spacing * rate;
  if (Math.abs(samples - times.length * perBlock) > 2 * perBlock) return null;
  const runs: SoundRun[] = [{ time: times[0], from: 0, to: samples }];
  for (let k = 1; k < times.length; k++) {
    if (times[k] - times[k - 1] - spacing <= MIN_GAP_SECONDS) continue;
    const from = Math.min(samples, Math.round(k * perBlock));
    runs[runs.length - 1].to = from;
    runs.push({ time: times[k], from, to: samples });
  }
  return runs;
}

/** Where the `samples` decoded from `blob`'s sound play: one run from the start, or one per stretch between gaps. */
export async function wholeSoundRuns(blob: Blob, samples: number, rate: number): Promise<SoundRun[]> {
  const read = blobReader(blob);
  try {
    return [{ time: await readMp4AudioStart(read, blob.size), from: 0, to: samples }];
  } catch (error) {
    if (!(error instanceof Mp4Unsupported || error instanceof RangeError)) throw error;
  }
  const times = await readMatroskaAudioTimes(read, blob.size);
  if (!times) return [{ time: 0, from: 0, to: samples }];
  return runsFromBlockTimes(times, samples, rate) ?? [{ time: times[0], from: 0, to: samples }];
}
