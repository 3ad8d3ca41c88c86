// The sound of an MP4/MOV (AAC) file decoded with WebCodecs' AudioDecoder a slice at a time,
// mixed to mono and handed on in chunks: a file of any length costs the engine's own 16 kHz
// copy, not the whole file plus every channel at 48 kHz in memory (decodeAudioData, the
// fallback in file-source.ts, must have both at once).
//
// Times: the demuxer's (src/core/media/mp4-audio.ts), the edit list's start at 0 or, after
// an empty edit, later; the encoder's priming samples before it are decoded and dropped, and samples past the
// edit's end likewise, as FFmpeg's mov reader does for decodeAudioData and <video>.
import { Mp4NoAudio, readMp4AudioTrack, type Mp4AudioTrack } from '../core/media/mp4-audio';
import { Mp4Unsupported } from '../core/media/mp4-boxes';
import type { EngineAudio } from './types';
import { blobReader, chunkedReader, pastTheEnd, type DecodeOptions } from './webcodecs-source';

export type AudioDecodeOutcome =
  { decoded: true; chunks: number } | { decoded: false; noAudioTrack: boolean; reason: string };

/** Chunks waiting in the decoder before we wait for it: keeps it busy, memory bounded. */
const MAX_DECODE_QUEUE = 32;

class Cancelled extends Error {}

/**
 * One decoded AudioData, whose first sample is at `timeUs`, as mono float samples inside
 * [startUs, endUs) of media time, or null when none are.
 */
function monoInside(data: AudioData, timeUs: number, startUs: number, endUs: number): EngineAudio | null {
  const rate = data.sampleRate;
  const skip =
    timeUs < startUs ? Math.min(data.numberOfFrames, Math.round(((startUs - timeUs) * rate) / 1e6)) : 0;
  const end = Number.isFinite(endUs)
    ? Math.min(data.numberOfFrames, Math.round(((endUs - timeUs) * rate) / 1e6))
    : data.numberOfFrames;
  if (end <= skip) return null;
  // ffmpeg -ac 1: the mean of the channels.
  const mono = new Float32Array(end - skip);
  const plane = new Float32Array(data.numberOfFrames);
  for (let c = 0; c < data.numberOfChannels; c++) {
    data.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
    for (let i = skip; i < end; i++) mono[i - skip] += plane[i] / data.numberOfChannels;
  }
  return {
    mediaTime: Math.max(startUs / 1e6, timeUs / 1e6 + skip / rate),
    sampleRate: rate,
    samples: mono,
  };
}

/**
 * Decodes `blob`'s audio track and hands it to `onAudio` in order. Declines (with its reason)
 * before delivering anything when it cannot: no AudioDecoder, not an MP4 with AAC, an
 * unsupported configuration, or a decoder error on the first samples. A failure after
 * audio was delivered throws `options.failed(message)`; an abort throws `options.cancelled()`.
 */
export async function forEachDecodedAudio(
  blob: Blob,
  onAudio: (chunk: EngineAudio) => void,
  options: DecodeOptions & {
    /** Awaited before the sample starting at this media time (s) is decoded (file-source.ts's pacing). */
    pace?: (mediaTime: number) => Promise<void>;
  },
): Promise<AudioDecodeOutcome> {
  if (typeof AudioDecoder === 'undefined')
    return { decoded: false, noAudioTrack: false, reason: 'no AudioDecoder' };
  let track: Mp4AudioTrack;
  try {
    track = await readMp4AudioTrack(blobReader(blob), blob.size);
  } catch (error) {
    if (error instanceof Mp4Unsupported || error instanceof RangeError) {
      return { decoded: false, noAudioTrack: error instanceof Mp4NoAudio, reason: error.message };
    }
    throw error;
  }
  const config: AudioDecoderConfig = {
    codec: track.codec,
    sampleRate: track.sampleRate,
    numberOfChannels: track.channels,
    description: track.description,
  };
  const support = await AudioDecoder.isConfigSupported(config).catch(() => null);
  if (!support?.supported)
    return { decoded: false, noAudioTrack: false, reason: `AudioDecoder does not support ${track.codec}` };

  let delivered = 0;
  let failure: DOMException | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  // Presentation times of the samples given to the decoder and not yet out, in order: each
  // AAC sample decodes to one AudioData, whose own timestamp Chromium counts on from the first
  // without the container's gaps (a sound with a 2-s dropout came out 2 s early after it).
  const pending: number[] = [];
  const decoder = new AudioDecoder({
    output: (data) => {
      try {
        const chunk = monoInside(data, pending.shift() ?? data.timestamp, track.startUs, track.endUs);
        if (chunk) {
          onAudio(chunk);
          delivered++;
        }
      } finally {
        data.close();
      }
    },
    error: (error) => {
      failure = error;
      notify();
    },
  });
  decoder.addEventListener('dequeue', notify);
  const afterFailure = (): AudioDecodeOutcome => {
    if (delivered === 0)
      return { decoded: false, noAudioTrack: false, reason: `decoder error: ${failure?.message}` };
    throw options.failed(`audio decoding failed (${failure?.message})`);
  };
  try {
    decoder.configure(config);
    const read = chunkedReader(blob);
    for (const sample of track.samples) {
      if (options.signal?.aborted) throw new Cancelled();
      if (failure) return afterFailure();
      if (pastTheEnd(blob, sample, options)) break;
      await options.pace?.(sample.timeUs / 1e6);
      const data = await read(sample.offset, sample.size);
      pending.push(sample.timeUs);
      decoder.decode(
        new EncodedAudioChunk({ type: 'key', timestamp: sample.timeUs, duration: sample.durationUs, data }),
      );
      while (decoder.decodeQueueSize > MAX_DECODE_QUEUE && !failure)
        await new Promise<void>((resolve) => (wake = resolve));
    }
    await decoder.flush().catch(() => undefined); // the error callback has the reason
    if (failure) return afterFailure();
    if (delivered === 0) return { decoded: false, noAudioTrack: false, reason: 'the decoder gave no audio' };
    return { decoded: true, chunks: delivered };
  } catch (error) {
    if (error instanceof Cancelled) throw options.cancelled();
    throw error;
  } finally {
    if (decoder.state !== 'closed') decoder.close();
  }
}
