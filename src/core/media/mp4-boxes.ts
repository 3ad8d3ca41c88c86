// ISO BMFF (ISO/IEC 14496-12) box reading shared by the MP4 video and audio track readers
// (mp4.ts, mp4-audio.ts): box headers, 'moov' read whole, the sample tables and the edit
// list. Pure: bytes come through a ByteReader.

/** Reads `length` bytes at `offset` (fewer only at the end of the file). */
export type ByteReader = (offset: number, length: number) => Promise<Uint8Array>;

/** `read` through one cached slice of at least `sliceBytes`: many small reads going forward cost one read per slice. */
export function bufferedReader(read: ByteReader, sliceBytes: number): ByteReader {
  let start = 0;
  let bytes: Uint8Array = new Uint8Array(0);
  return async (offset, length) => {
    if (offset < start || offset + length > start + bytes.byteLength) {
      start = offset;
      bytes = await read(offset, Math.max(length, sliceBytes));
    }
    return bytes.subarray(offset - start, offset - start + length);
  };
}

/** The file is valid or not, but outside what this parser handles: play it instead. */
export class Mp4Unsupported extends Error {
  override name = 'Mp4Unsupported';
}

export interface Mp4Sample {
  /** Byte range of the sample in the file. */
  offset: number;
  size: number;
  /** Presentation time in whole microseconds (after the edit list's shift). */
  timeUs: number;
  /** Duration in whole microseconds (the decode-time step to the next sample). */
  durationUs: number;
  /** A sync sample ('stss'): decoding may start here. */
  key: boolean;
  /** Inside the edit (presented); a sample outside is decoded as a reference only. */
  shown: boolean;
}

/** Largest 'moov' read whole; bigger ones (hours of samples) go to playback. */
const MAX_MOOV_BYTES = 64 << 20;

export interface Box {
  type: string;
  /** Payload start and end (after the header), relative to the buffer it was found in. */
  start: number;
  end: number;
}

export const fourcc = (view: DataView, at: number) =>
  String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));

export const u64 = (view: DataView, at: number) => {
  const value = view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
  if (!Number.isSafeInteger(value)) throw new Mp4Unsupported('a 64-bit field beyond 2^53');
  return value;
};
export const i64 = (view: DataView, at: number) => {
  const value = view.getInt32(at) * 2 ** 32 + view.getUint32(at + 4);
  if (!Number.isSafeInteger(value)) throw new Mp4Unsupported('a 64-bit field beyond 2^53');
  return value;
};

/** The boxes laid end to end in view[start, end) (ISO BMFF 4.2: size, type, optional 64-bit size). */
export function children(view: DataView, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    const type = fourcc(view, at + 4);
    let header = 8;
    if (size === 1) {
      size = u64(view, at + 8);
      header = 16;
    } else if (size === 0) {
      size = end - at; // to the end of the enclosing box
    }
    if (size < header || at + size > end) throw new Mp4Unsupported(`box '${type}' overruns its parent`);
    boxes.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

export const child = (view: DataView, parent: Box, type: string) =>
  children(view, parent.start, parent.end).find((b) => b.type === type);

export function need(view: DataView, parent: Box, type: string): Box {
  const box = child(view, parent, type);
  if (!box) throw new Mp4Unsupported(`no '${type}' in '${parent.type}'`);
  return box;
}

/** The top-level boxes end without a 'moov' (as Mp4NoAudio marks a file without sound). */
class Mp4NoIndex extends Mp4Unsupported {
  override name = 'Mp4NoIndex';
  constructor() {
    super("no 'moov' box");
  }
}

/** Finds the top-level 'moov' by reading box headers only, and reads it whole. */
export async function readMoov(read: ByteReader, fileSize: number): Promise<DataView> {
  let at = 0;
  let moov: DataView | null = null;
  while (at + 8 <= fileSize) {
    const header = await read(at, 16);
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    let size = view.getUint32(0);
    const type = fourcc(view, 4);
    let headerSize = 8;
    if (size === 1) {
      if (header.byteLength < 16) break;
      size = u64(view, 8);
      headerSize = 16;
    } else if (size === 0) {
      size = fileSize - at;
    }
    if (
      at === 0 &&
      type !== 'ftyp' &&
      type !== 'moov' &&
      type !== 'wide' &&
      type !== 'mdat' &&
      type !== 'free' &&
      type !== 'skip'
    ) {
      throw new Mp4Unsupported('not an ISO BMFF file');
    }
    if (size < headerSize) throw new Mp4Unsupported(`top-level box '${type}' has size ${size}`);
    // 'moof': movie fragments (ISO BMFF 8.8.4), whose samples are not in 'moov'.
    if (type === 'moof') throw new Mp4Unsupported('fragmented MP4');
    if (type === 'moov') {
      if (size > MAX_MOOV_BYTES) throw new Mp4Unsupported(`'moov' of ${size} bytes`);
      const bytes = await read(at + headerSize, size - headerSize);
      if (bytes.byteLength < size - headerSize) throw new Mp4Unsupported("truncated 'moov'");
      moov = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      // A fragmented file announces itself with 'mvex' in 'moov' (8.8.1); stop looking otherwise.
      if (children(moov, 0, moov.byteLength).some((b) => b.type === 'mvex'))
        throw new Mp4Unsupported('fragmented MP4');
      return moov;
    }
    at += size;
  }
  throw new Mp4NoIndex();
}

/**
 * An MP4 cut off before its index: it starts as ISO BMFF ('ftyp', 4.3) but its top-level
 * boxes end without a 'moov' — which most muxers write last, so an unfinished download or
 * recording lacks it. Nothing can play such a file.
 */
export async function lacksIndex(read: ByteReader, fileSize: number): Promise<boolean> {
  if (fileSize < 8) return false;
  const head = await read(0, 8);
  if (fourcc(new DataView(head.buffer, head.byteOffset, head.byteLength), 4) !== 'ftyp') return false;
  try {
    await readMoov(read, fileSize);
    return false;
  } catch (error) {
    return error instanceof Mp4NoIndex;
  }
}

/** 'hdlr' (8.4.3) handler_type after version/flags and pre_defined. */
export const handlerType = (view: DataView, mdia: Box) => fourcc(view, need(view, mdia, 'hdlr').start + 8);

/** 'mdhd' (8.4.2): the track's timescale. */
export function mediaTimescale(view: DataView, mdia: Box): number {
  const mdhd = need(view, mdia, 'mdhd');
  const version = view.getUint8(mdhd.start);
  const timescale = view.getUint32(mdhd.start + (version === 1 ? 20 : 12));
  if (timescale === 0) throw new Mp4Unsupported('mdhd timescale 0');
  return timescale;
}

/** Which of a track's composition times are presented, and when (editWindow). */
export interface EditWindow {
  /** Media time (ticks) presented first: it and later times keep their distance from it. */
  shift: number;
  /** Media ticks of an empty edit before it: the track starts that late in the movie. */
  delay: number;
  /** Ticks after `shift` that are presented (Infinity: all). */
  end: number;
}

/**
 * 'edts'/'elst' (8.6.6): which composition times are presented, in media ticks. Like
 * Chromium's demuxer (FFmpeg's mov reader), the edit's media_time becomes the track's start
 * and frames after media_time + segment_duration are decoded (they may be references) but
 * not shown; an empty edit before it (media_time −1) delays that start, as a muxer writes
 * for a sound that begins after the picture (ffmpeg -itsoffset, -output_ts_offset).
 * Several edits that present media, or a rate other than 1, change the timeline in ways
 * left to playback.
 */
export function editWindow(view: DataView, moovTimescale: number, trak: Box, timescale: number): EditWindow {
  const all: EditWindow = { shift: 0, delay: 0, end: Infinity };
  const edts = child(view, trak, 'edts');
  const elst = edts && child(view, edts, 'elst');
  if (!elst) return all;
  const version = view.getUint8(elst.start);
  const count = view.getUint32(elst.start + 4);
  const size = version === 1 ? 20 : 12;
  if (elst.start + 8 + count * size > elst.end) throw new Mp4Unsupported("'elst' overruns its box");
  // segment_duration is in the movie's timescale ('mvhd'), media_time in the track's.
  const toMedia = (duration: number) => (duration * timescale) / moovTimescale;
  const edits = Array.from({ length: count }, (_, i) => {
    const entry = elst.start + 8 + i * size;
    return {
      duration: version === 1 ? u64(view, entry) : view.getUint32(entry),
      mediaTime: version === 1 ? i64(view, entry + 8) : view.getInt32(entry + 4),
      rate: view.getInt16(entry + (version === 1 ? 16 : 8)),
    };
  });
  const empty = edits[0]?.mediaTime === -1 ? edits.shift()! : null;
  // Whole ticks, rounded as FFmpeg rescales it (av_rescale): ffprobe's start_time to the µs.
  const delay = empty ? Math.round(toMedia(empty.duration)) : 0;
  if (edits.length === 0) return { ...all, delay };
  if (edits.length > 1) throw new Mp4Unsupported(`an edit list of ${count} edits`);
  const [{ duration, mediaTime, rate }] = edits;
  if (mediaTime < 0) throw new Mp4Unsupported('an empty edit after the first');
  if (rate !== 1) throw new Mp4Unsupported(`an edit at rate ${rate}`);
  return { shift: mediaTime, delay, end: duration === 0 ? Infinity : toMedia(duration) };
}

/** 'mvhd' (8.2.2): the movie timescale, in which edit durations are given. */
export function movieTimescale(view: DataView): number {
  const mvhd = children(view, 0, view.byteLength).find((b) => b.type === 'mvhd');
  if (!mvhd) throw new Mp4Unsupported("no 'mvhd'");
  const version = view.getUint8(mvhd.start);
  return view.getUint32(mvhd.start + (version === 1 ? 20 : 12)) || 1;
}

/** Runs of (count, value) pairs after version/flags and entry_count: 'stts' (8.6.1.2), 'ctts' (8.6.1.3). */
export function runs(view: DataView, box: Box, signed: boolean): [number, number][] {
  const count = view.getUint32(box.start + 4);
  if (box.start + 8 + count * 8 > box.end) throw new Mp4Unsupported(`'${box.type}' overruns its box`);
  const out: [number, number][] = [];
  for (let i = 0, at = box.start + 8; i < count; i++, at += 8) {
    out.push([view.getUint32(at), signed ? view.getInt32(at + 4) : view.getUint32(at + 4)]);
  }
  return out;
}

/** Expands run-length pairs to one value per sample. */
export function perSample(pairs: [number, number][], samples: number, what: string): Float64Array {
  const out = new Float64Array(samples);
  let i = 0;
  for (const [count, value] of pairs) for (let k = 0; k < count && i < samples; k++) out[i++] = value;
  if (i < samples) throw new Mp4Unsupported(`'${what}' covers ${i} of ${samples} samples`);
  return out;
}

/** 'stsz' (8.7.3.2): sample sizes (one for all, or one each). 'stz2' is not handled. */
export function sampleSizes(view: DataView, stbl: Box): Uint32Array {
  const stsz = child(view, stbl, 'stsz');
  if (!stsz)
    throw new Mp4Unsupported(child(view, stbl, 'stz2') ? "compact sample sizes ('stz2')" : "no 'stsz'");
  const fixed = view.getUint32(stsz.start + 4);
  const count = view.getUint32(stsz.start + 8);
  const sizes = new Uint32Array(count);
  if (fixed !== 0) sizes.fill(fixed);
  else {
    if (stsz.start + 12 + count * 4 > stsz.end) throw new Mp4Unsupported("'stsz' overruns its box");
    for (let i = 0; i < count; i++) sizes[i] = view.getUint32(stsz.start + 12 + i * 4);
  }
  return sizes;
}

/** 'stco' / 'co64' (8.7.5): file offset of each chunk. */
export function chunkOffsets(view: DataView, stbl: Box): number[] {
  const stco = child(view, stbl, 'stco');
  const co64 = child(view, stbl, 'co64');
  const box = stco ?? co64;
  if (!box) throw new Mp4Unsupported("no 'stco' or 'co64'");
  const count = view.getUint32(box.start + 4);
  const width = stco ? 4 : 8;
  if (box.start + 8 + count * width > box.end) throw new Mp4Unsupported(`'${box.type}' overruns its box`);
  return Array.from({ length: count }, (_, i) =>
    stco ? view.getUint32(box.start + 8 + i * 4) : u64(view, box.start + 8 + i * 8),
  );
}

/**
 * 'stsc' (8.7.4) + chunk offsets + sizes: each sample's byte offset. Samples of a chunk
 * lie back to back from the chunk's offset; stsc says how many samples each run of chunks holds.
 */
export function sampleOffsets(view: DataView, stbl: Box, sizes: Uint32Array): Float64Array {
  const stsc = need(view, stbl, 'stsc');
  const chunks = chunkOffsets(view, stbl);
  const entries = view.getUint32(stsc.start + 4);
  const offsets = new Float64Array(sizes.length);
  let sample = 0;
  for (let e = 0; e < entries; e++) {
    const at = stsc.start + 8 + e * 12;
    const firstChunk = view.getUint32(at) - 1;
    const perChunk = view.getUint32(at + 4);
    if (view.getUint32(at + 8) !== 1) throw new Mp4Unsupported('samples of a second sample description');
    const lastChunk = e + 1 < entries ? view.getUint32(at + 12) - 1 : chunks.length;
    for (let c = firstChunk; c < lastChunk && sample < sizes.length; c++) {
      let offset = chunks[c];
      for (let k = 0; k < perChunk && sample < sizes.length; k++) {
        offsets[sample] = offset;
        offset += sizes[sample++];
      }
    }
  }
  if (sample < sizes.length) throw new Mp4Unsupported(`'stsc' places ${sample} of ${sizes.length} samples`);
  return offsets;
}

/** The number of microseconds in ticks/timescale, rounded to nearest as FFmpeg's av_rescale_q does for Chromium. */
export const toMicros = (ticks: number, timescale: number) => Math.round((ticks * 1e6) / timescale);
