// Where a whole-file decode's sound belongs on the file's timeline. decodeAudioData (the
// fallback in file-source.ts) returns the samples from the first one on, without its time;
// the container says when that is — after an empty edit in an MP4/MOV, at the audio's first
// block in Matroska/WebM — and Chromium's <video> shows the frames on the same timeline.
// Other containers: 0, as before (a file Chromium cannot play is converted by ffmpeg with
// its streams' start times, scripts/lib/streamed-transcode.ts).
import { readMatroskaAudioStart } from '../core/media/matroska';
import { readMp4AudioStart } from '../core/media/mp4-audio';
import { Mp4Unsupported } from '../core/media/mp4-boxes';
import { blobReader } from './webcodecs-source';

/** Seconds from the file's time 0 to its sound's first sample (0 when the container does not say). */
export async function containerAudioStart(blob: Blob): Promise<number> {
  const read = blobReader(blob);
  try {
    return await readMp4AudioStart(read, blob.size);
  } catch (error) {
    if (!(error instanceof Mp4Unsupported || error instanceof RangeError)) throw error;
  }
  return (await readMatroskaAudioStart(read, blob.size)) ?? 0;
}
