// Frames of an MP4/MOV (H.264) file decoded with WebCodecs' VideoDecoder, as fast as the
// engine takes them, instead of playing the file in a <video> element (src/engine/file-source.ts).
// Playback paces frame delivery at about one frame of media time each (see file-source.ts);
// decoding is not tied to a clock, so a file is read at the engine's own speed.
//
// The container is read by the project's own demuxer (src/core/media/mp4.ts); sample bytes
// come from the Blob in slices, never the whole file. Timestamps are the demuxer's
// presentation times in whole microseconds, the same figures Chromium's <video> reports as
// requestVideoFrameCallback's mediaTime (test/engine/webcodecs-source.test.ts compares the two).
//
// Whatever this does not handle says so before the first frame (`{ decoded: false, reason }`)
// and the caller plays the file instead: no VideoDecoder, a container or codec the demuxer
// refuses, a configuration the decoder does not support, a first picture of another size than
// the <video> element shows, or a decoder error before the first frame. Colours: see colourSpaceFor.
import { avcConfigColour } from '../core/media/h264';
import { bufferedReader } from '../core/media/mp4-boxes';
import { Mp4Unsupported, readMp4VideoTrack, type ByteReader, type Mp4VideoTrack } from '../core/media/mp4';

/** Receives each frame; the frame is closed once the returned promise settles. */
export type FrameSink = (mediaTime: number, image: ImageBitmap | VideoFrame) => Promise<void>;

export type DecodeOutcome = { decoded: true; frames: number } | { decoded: false; reason: string };

/** Chunks waiting in the decoder before we wait for it ('dequeue'): keeps it busy, memory bounded. */
const MAX_DECODE_QUEUE = 6;
/** Sample bytes are read from the Blob in slices of about this size (samples are mostly in file order). */
const READ_CHUNK_BYTES = 4 << 20;

class Cancelled extends Error {}

/**
 * BT.601 (SMPTE 170M), limited range unless the stream says full: what Chromium's <video>
 * converts a stream with no colour description with, where its WebCodecs would assume
 * BT.709 (measured on the shared clips: 1–6 levels of mean difference without this, none
 * with it; test/engine/webcodecs-source.test.ts). A stream that describes its colours
 * (H.264 VUI colour_description) is decoded as it says.
 */
function colourSpaceFor(track: Mp4VideoTrack): VideoColorSpaceInit | undefined | 'unsupported' {
  const colour = avcConfigColour(track.description);
  if (colour.described) return undefined;
  // Colours in the container's 'colr' only: how <video> weighs those is not measured here.
  if (track.containerColour) return 'unsupported';
  return { primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: colour.fullRange };
}

/** Exact reads for the demuxer's box headers and 'moov'. */
export const blobReader =
  (blob: Blob): ByteReader =>
  async (offset, length) =>
    new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());

/** Sample reads through one cached slice of READ_CHUNK_BYTES: one Blob read per few dozen samples. */
export const chunkedReader = (blob: Blob): ByteReader => bufferedReader(blobReader(blob), READ_CHUNK_BYTES);

/** What the sliced decoders are told by their caller. */
export interface DecodeOptions {
  signal?: AbortSignal;
  cancelled: () => Error;
  failed: (message: string) => Error;
  /**
   * A sample lies past the end of the file (an unfinished download or recording whose index
   * came first): decoding stops there, and this hears the sample's time (s).
   */
  cutOff?: (mediaTime: number) => void;
}

/** True when `sample` is not all in the file: the caller stops there and says when (DecodeOptions.cutOff). */
export function pastTheEnd(
  blob: Blob,
  sample: { offset: number; size: number; timeUs: number },
  options: DecodeOptions,
) {
  if (sample.offset + sample.size <= blob.size) return false;
  options.cutOff?.(sample.timeUs / 1e6);
  return true;
}

/**
 * Decodes every frame of `blob`'s video track and hands it to `onFrame` in presentation
 * order. `shownSize` is the picture size the <video> element reports (videoWidth ×
 * videoHeight): the decoded frames must match it. A decoder failure after frames were
 * delivered throws `options.failed(message)` (the engine has seen them: no fallback then);
 * an abort throws `options.cancelled()`.
 */
export async function forEachDecodedFrame(
  blob: Blob,
  shownSize: { width: number; height: number },
  onFrame: FrameSink,
  options: DecodeOptions,
): Promise<DecodeOutcome> {
  if (typeof VideoDecoder === 'undefined') return { decoded: false, reason: 'no VideoDecoder' };
  let track: Mp4VideoTrack;
  let colorSpace: ReturnType<typeof colourSpaceFor>;
  try {
    track = await readMp4VideoTrack(blobReader(blob), blob.size);
    colorSpace = colourSpaceFor(track);
  } catch (error) {
    // RangeError: a box or SPS shorter than its fields (DataView, the SPS reader).
    if (error instanceof Mp4Unsupported || error instanceof RangeError)
      return { decoded: false, reason: error.message };
    throw error;
  }
  if (colorSpace === 'unsupported')
    return { decoded: false, reason: "colours given only in the container ('colr')" };
  const config: VideoDecoderConfig = {
    codec: track.codec,
    description: track.description,
    codedWidth: track.codedWidth,
    codedHeight: track.codedHeight,
    ...(colorSpace ? { colorSpace } : {}),
  };
  const support = await VideoDecoder.isConfigSupported(config).catch(() => null);
  if (!support?.supported) return { decoded: false, reason: `VideoDecoder does not support ${track.codec}` };
  const hidden = new Set(track.samples.filter((s) => !s.shown).map((s) => s.timeUs));

  // The decoder's callbacks fill `ready` and wake the loop below, which delivers frames
  // one at a time (awaiting the engine) while the decoder works on the queued chunks.
  const ready: VideoFrame[] = [];
  let failure: DOMException | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  const nextEvent = () => new Promise<void>((resolve) => (wake = resolve));
  const decoder = new VideoDecoder({
    output: (frame) => {
      ready.push(frame);
      notify();
    },
    error: (error) => {
      failure = error;
      notify();
    },
  });
  decoder.addEventListener('dequeue', notify);
  let delivered = 0;
  let lastTime = 0;

  /** Hands over every decoded frame so far; false when the first picture's size rules this source out. */
  const deliverReady = async (): Promise<boolean> => {
    while (ready.length > 0) {
      const frame = ready.shift()!;
      try {
        if (options.signal?.aborted) throw new Cancelled();
        if (
          delivered === 0 &&
          (frame.displayWidth !== shownSize.width || frame.displayHeight !== shownSize.height)
        )
          return false;
        if (hidden.has(frame.timestamp)) continue;
        lastTime = frame.timestamp / 1e6;
        await onFrame(lastTime, frame);
        delivered++;
      } finally {
        frame.close();
      }
    }
    return true;
  };
  /** The outcome once the decoder reported an error: fall back if nothing was delivered yet. */
  const afterFailure = (): DecodeOutcome => {
    if (delivered === 0) return { decoded: false, reason: `decoder error: ${failure?.message}` };
    throw options.failed(`video decoding failed after ${lastTime.toFixed(2)} s (${failure?.message})`);
  };
  const sizeMismatch = (): DecodeOutcome => ({
    decoded: false,
    reason: `decoded size differs from the element's ${shownSize.width}×${shownSize.height}`,
  });

  try {
    decoder.configure(config);
    const read = chunkedReader(blob);
    // Samples go in decode order ('stts' order); the decoder reorders to presentation order.
    for (const sample of track.samples) {
      if (options.signal?.aborted) throw new Cancelled();
      if (failure) return afterFailure();
      if (pastTheEnd(blob, sample, options)) break;
      const data = await read(sample.offset, sample.size);
      decoder.decode(
        new EncodedVideoChunk({
          type: sample.key ? 'key' : 'delta',
          timestamp: sample.timeUs,
          duration: sample.durationUs,
          data,
        }),
      );
      if (!(await deliverReady())) return sizeMismatch();
      while (decoder.decodeQueueSize > MAX_DECODE_QUEUE && !failure) {
        await nextEvent();
        if (!(await deliverReady())) return sizeMismatch();
      }
    }
    let flushed = false;
    decoder.flush().then(
      () => ((flushed = true), notify()),
      () => notify(), // the error callback has the reason
    );
    while (!flushed && !failure) {
      if (ready.length === 0) await nextEvent();
      if (!(await deliverReady())) return sizeMismatch();
    }
    if (failure) return afterFailure();
    if (!(await deliverReady())) return sizeMismatch();
    if (delivered === 0) return { decoded: false, reason: 'the decoder gave no frames' };
    return { decoded: true, frames: delivered };
  } catch (error) {
    if (error instanceof Cancelled) throw options.cancelled();
    throw error;
  } finally {
    for (const frame of ready.splice(0)) frame.close();
    if (decoder.state !== 'closed') decoder.close();
  }
}
