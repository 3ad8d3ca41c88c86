// The video track of an MP4 / QuickTime file (ISO/IEC 14496-12, ISO BMFF): where each
// H.264 sample lies in the file, its presentation time and whether it is a keyframe, plus
// the decoder configuration (ISO/IEC 14496-15 avcC). Enough to feed WebCodecs'
// VideoDecoder (src/engine/webcodecs-source.ts) without playing the file. Pure: the bytes
// come through a reader (Blob.slice in the browser, a file handle in node), and only the
// 'moov' box is read whole — sample data stays where it is.
//
// Deliberately narrow: one progressive (non-fragmented) file, H.264 in 'avc1'/'avc3'
// with 'avcC', one sample description, no edit list or a single edit (an empty one before it
// allowed), no rotation.
// Anything else throws Mp4Unsupported and the caller plays the file instead.

import {
  child,
  children,
  editWindow,
  handlerType,
  mediaTimescale,
  movieTimescale,
  need,
  perSample,
  readMoov,
  runs,
  sampleOffsets,
  sampleSizes,
  toMicros,
  Mp4Unsupported,
  type Box,
  type ByteReader,
  type Mp4Sample,
} from './mp4-boxes';

export { Mp4Unsupported, type ByteReader, type Mp4Sample } from './mp4-boxes';

export interface Mp4VideoTrack {
  /** WebCodecs codec string, e.g. 'avc1.64001f'. */
  codec: string;
  /** The avcC box's payload (AVCDecoderConfigurationRecord): VideoDecoderConfig.description. */
  description: Uint8Array;
  codedWidth: number;
  codedHeight: number;
  /** The sample entry has a 'colr' box (12.1.5): colours given by the container. */
  containerColour: boolean;
  /** 'mdhd' timescale: ticks per second of the track's own times. */
  timescale: number;
  /** In decode order (the order the decoder must receive them). */
  samples: Mp4Sample[];
}

/** 'tkhd' (8.3.2): refuse a track with a rotation or flip in its matrix; <video> would apply it. */
function checkMatrix(view: DataView, tkhd: Box) {
  const version = view.getUint8(tkhd.start);
  const matrixAt = tkhd.start + (version === 1 ? 52 : 40);
  const [a, b, , c, d] = [0, 4, 8, 12, 16].map((o) => view.getInt32(matrixAt + o));
  if (a !== 0x10000 || b !== 0 || c !== 0 || d !== 0x10000)
    throw new Mp4Unsupported('a rotated or scaled track (tkhd matrix)');
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/**
 * 'stsd' (8.5.2) with one AVC sample entry (ISO/IEC 14496-15 5.4: 'avc1'/'avc3', a
 * VisualSampleEntry of 78 bytes before its child boxes, 'avcC' among them): the codec
 * string from avcC's profile, compatibility and level bytes ('avc1.PPCCLL', RFC 6381).
 */
function avcSampleEntry(
  view: DataView,
  stbl: Box,
): Pick<Mp4VideoTrack, 'codec' | 'description' | 'codedWidth' | 'codedHeight' | 'containerColour'> {
  const stsd = need(view, stbl, 'stsd');
  const count = view.getUint32(stsd.start + 4);
  if (count !== 1) throw new Mp4Unsupported(`${count} sample descriptions`);
  const [entry] = children(view, stsd.start + 8, stsd.end);
  if (!entry) throw new Mp4Unsupported('no sample description');
  if (entry.type !== 'avc1' && entry.type !== 'avc3') throw new Mp4Unsupported(`video codec '${entry.type}'`);
  const codedWidth = view.getUint16(entry.start + 24);
  const codedHeight = view.getUint16(entry.start + 26);
  const boxes = children(view, entry.start + 78, entry.end);
  const avcC = boxes.find((b) => b.type === 'avcC');
  if (!avcC || avcC.end - avcC.start < 7) throw new Mp4Unsupported("no 'avcC'");
  // 'pasp' (12.1.4.3) other than 1:1: <video> stretches the picture, a decoded frame does not.
  const pasp = boxes.find((b) => b.type === 'pasp');
  if (pasp && view.getUint32(pasp.start) !== view.getUint32(pasp.start + 4))
    throw new Mp4Unsupported('non-square pixels');
  const codec = `${entry.type}.${hex2(view.getUint8(avcC.start + 1))}${hex2(view.getUint8(avcC.start + 2))}${hex2(view.getUint8(avcC.start + 3))}`;
  const description = new Uint8Array(
    view.buffer,
    view.byteOffset + avcC.start,
    avcC.end - avcC.start,
  ).slice();
  return {
    codec,
    description,
    codedWidth,
    codedHeight,
    containerColour: boxes.some((b) => b.type === 'colr'),
  };
}

/**
 * The first video track of an MP4/MOV file: decoder configuration and every sample in
 * decode order with its byte range and presentation time. Throws Mp4Unsupported for
 * anything outside the narrow case this handles (see the header).
 */
export async function readMp4VideoTrack(read: ByteReader, fileSize: number): Promise<Mp4VideoTrack> {
  const view = await readMoov(read, fileSize);
  const trak = children(view, 0, view.byteLength)
    .filter((b) => b.type === 'trak')
    .find((t) => handlerType(view, need(view, t, 'mdia')) === 'vide');
  if (!trak) throw new Mp4Unsupported('no video track');
  checkMatrix(view, need(view, trak, 'tkhd'));
  const mdia = need(view, trak, 'mdia');
  const timescale = mediaTimescale(view, mdia);
  const edit = editWindow(view, movieTimescale(view), trak, timescale);
  const stbl = need(view, need(view, mdia, 'minf'), 'stbl');
  const entry = avcSampleEntry(view, stbl);

  const sizes = sampleSizes(view, stbl);
  const count = sizes.length;
  if (count === 0) throw new Mp4Unsupported('no video samples');
  const offsets = sampleOffsets(view, stbl, sizes);
  // Decode times: the running sum of stts deltas (8.6.1.2).
  const deltas = perSample(runs(view, need(view, stbl, 'stts'), false), count, 'stts');
  // Composition offsets (8.6.1.3), read signed as FFmpeg does for both versions; none = 0.
  const ctts = child(view, stbl, 'ctts');
  const compositionOffsets = ctts
    ? perSample(runs(view, ctts, true), count, 'ctts')
    : new Float64Array(count);
  // Sync samples (8.6.2): 1-based numbers; no 'stss' means every sample is one.
  const stss = child(view, stbl, 'stss');
  const key = new Uint8Array(count).fill(stss ? 0 : 1);
  if (stss) {
    const n = view.getUint32(stss.start + 4);
    for (let i = 0; i < n; i++) {
      const number = view.getUint32(stss.start + 8 + i * 4);
      if (number >= 1 && number <= count) key[number - 1] = 1;
    }
  }

  const samples: Mp4Sample[] = [];
  let dts = 0;
  for (let i = 0; i < count; i++) {
    const pts = dts + compositionOffsets[i] - edit.shift;
    // Frames before the edit's start: FFmpeg (so Chromium) renumbers the timeline around them; left to playback.
    if (pts < 0) throw new Mp4Unsupported('a frame before the edit list start');
    samples.push({
      offset: offsets[i],
      size: sizes[i],
      timeUs: toMicros(pts + edit.delay, timescale),
      durationUs: toMicros(deltas[i], timescale),
      key: key[i] === 1,
      shown: pts < edit.end,
    });
    dts += deltas[i];
  }
  if (!samples[0].key) throw new Mp4Unsupported('the first sample is not a keyframe');
  return { ...entry, timescale, samples };
}
