// The AAC audio track of an MP4 / QuickTime file: the decoder configuration (the
// AudioSpecificConfig in 'esds', ISO/IEC 14496-1 7.2.6) and where each sample lies, with
// its time. Enough to feed WebCodecs' AudioDecoder a slice at a time
// (src/engine/webcodecs-audio.ts), so a long file's sound is never decoded whole.
//
// Narrow like mp4.ts: one progressive file, 'mp4a' with an MPEG-4 Audio 'esds' (object type
// 0x40: AAC and its relatives), one sample description, at most one edit. Anything else
// throws Mp4Unsupported and the caller decodes the file with decodeAudioData instead.
import {
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

export interface Mp4AudioTrack {
  /** WebCodecs codec string, e.g. 'mp4a.40.2' (AAC-LC). */
  codec: string;
  /** The AudioSpecificConfig: AudioDecoderConfig.description. */
  description: Uint8Array;
  sampleRate: number;
  channels: number;
  /**
   * In decode order, at their presentation times: the encoder's priming samples before the
   * edit's start come before `startUs` (decoded, then dropped, as FFmpeg's mov reader does).
   */
  samples: Mp4Sample[];
  /** Presentation start (µs): 0, or later when an empty edit delays the sound. */
  startUs: number;
  /** Presentation end (µs) when the edit ends before the samples do. */
  endUs: number;
}

/** The file is an MP4 this reader understands, and it has no audio track. */
export class Mp4NoAudio extends Mp4Unsupported {
  override name = 'Mp4NoAudio';
  constructor() {
    super('no audio track');
  }
}

/** MPEG-4 descriptor tags (ISO/IEC 14496-1 7.2.2.1). */
const ES_DESCRIPTOR = 0x03;
const DECODER_CONFIG = 0x04;
const DECODER_SPECIFIC_INFO = 0x05;
/** objectTypeIndication for MPEG-4 Audio (14496-1 Table 5). */
const MPEG4_AUDIO = 0x40;

/** A descriptor's tag and payload range; the size is 1–4 bytes of 7 bits (expandable class). */
function descriptor(bytes: Uint8Array, at: number): { tag: number; start: number; end: number } {
  const tag = bytes[at++];
  let size = 0;
  for (let i = 0; i < 4; i++) {
    const b = bytes[at++];
    size = (size << 7) | (b & 0x7f);
    if (!(b & 0x80)) break;
  }
  if (at + size > bytes.length) throw new Mp4Unsupported("'esds' descriptor overruns its box");
  return { tag, start: at, end: at + size };
}

/** 'esds' → the AudioSpecificConfig and the codec string. */
function audioConfig(
  view: DataView,
  esds: Box,
): { codec: string; description: Uint8Array; sampleRate?: number; channels?: number } {
  // After the full box's version and flags: the ES_Descriptor.
  const bytes = new Uint8Array(view.buffer, view.byteOffset + esds.start + 4, esds.end - esds.start - 4);
  const es = descriptor(bytes, 0);
  if (es.tag !== ES_DESCRIPTOR) throw new Mp4Unsupported("no ES_Descriptor in 'esds'");
  const flags = bytes[es.start + 2];
  let at = es.start + 3;
  if (flags & 0x80) at += 2; // dependsOn_ES_ID
  if (flags & 0x40) at += 1 + bytes[at]; // URL
  if (flags & 0x20) at += 2; // OCR_ES_Id
  const config = descriptor(bytes, at);
  if (config.tag !== DECODER_CONFIG) throw new Mp4Unsupported("no DecoderConfigDescriptor in 'esds'");
  const objectType = bytes[config.start];
  if (objectType !== MPEG4_AUDIO) throw new Mp4Unsupported(`audio object type 0x${objectType.toString(16)}`);
  const info = descriptor(bytes, config.start + 13);
  if (info.tag !== DECODER_SPECIFIC_INFO || info.end - info.start < 2)
    throw new Mp4Unsupported('no AudioSpecificConfig');
  const description = bytes.slice(info.start, info.end);
  return { description, ...audioSpecificConfig(description) };
}

/** samplingFrequencyIndex → Hz (ISO/IEC 14496-3 Table 1.18). */
const SAMPLING_FREQUENCIES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/**
 * The start of an AudioSpecificConfig (14496-3 1.6.2.1): object type, sampling rate and
 * channel configuration. The sample entry's own fields are often placeholders (ffmpeg
 * writes 2 channels for mono AAC); the decoder goes by these.
 */
function audioSpecificConfig(asc: Uint8Array): { codec: string; sampleRate?: number; channels?: number } {
  let bit = 0;
  const read = (n: number) => {
    let value = 0;
    for (let i = 0; i < n; i++, bit++) {
      if (bit >> 3 >= asc.length) throw new Mp4Unsupported('a short AudioSpecificConfig');
      value = (value << 1) | ((asc[bit >> 3] >> (7 - (bit & 7))) & 1);
    }
    return value;
  };
  let objectType = read(5);
  if (objectType === 31) objectType = 32 + read(6);
  const index = read(4);
  const sampleRate = index === 15 ? read(24) : SAMPLING_FREQUENCIES[index];
  const channelConfig = read(4);
  // Channel configurations 1–6 are that many channels, 7 is 7.1 (8); 0 is given in-band.
  const channels =
    channelConfig === 7 ? 8 : channelConfig > 0 && channelConfig < 7 ? channelConfig : undefined;
  return { codec: `mp4a.40.${objectType}`, sampleRate, channels };
}

/** 'stsd' with one 'mp4a' AudioSampleEntry (8.5.2.2: 28 bytes before its child boxes). */
function mp4aSampleEntry(
  view: DataView,
  stbl: Box,
): Pick<Mp4AudioTrack, 'codec' | 'description' | 'sampleRate' | 'channels'> {
  const stsd = need(view, stbl, 'stsd');
  const count = view.getUint32(stsd.start + 4);
  if (count !== 1) throw new Mp4Unsupported(`${count} audio sample descriptions`);
  const [entry] = children(view, stsd.start + 8, stsd.end);
  if (!entry || entry.type !== 'mp4a') throw new Mp4Unsupported(`audio codec '${entry?.type ?? 'none'}'`);
  // QuickTime sound descriptions (QTFF 'stsd' sound): version 1 adds 16 bytes, version 2 36,
  // and may wrap 'esds' in a 'wave' box.
  const version = view.getUint16(entry.start + 8);
  const extra = [0, 16, 36][version];
  if (extra === undefined) throw new Mp4Unsupported(`a QuickTime sound description of version ${version}`);
  const boxes = children(view, entry.start + 28 + extra, entry.end);
  const wave = boxes.find((b) => b.type === 'wave');
  const esds =
    boxes.find((b) => b.type === 'esds') ??
    (wave && children(view, wave.start, wave.end).find((b) => b.type === 'esds'));
  if (!esds) throw new Mp4Unsupported("no 'esds'");
  const config = audioConfig(view, esds);
  return {
    codec: config.codec,
    description: config.description,
    channels: config.channels ?? view.getUint16(entry.start + 16),
    sampleRate: config.sampleRate ?? view.getUint32(entry.start + 24) >>> 16, // 16.16 fixed point
  };
}

/** The first audio track's media box, timescale and edit. */
function soundTrack(view: DataView) {
  const trak = children(view, 0, view.byteLength)
    .filter((b) => b.type === 'trak')
    .find((t) => handlerType(view, need(view, t, 'mdia')) === 'soun');
  if (!trak) throw new Mp4NoAudio();
  const mdia = need(view, trak, 'mdia');
  const timescale = mediaTimescale(view, mdia);
  return { mdia, timescale, edit: editWindow(view, movieTimescale(view), trak, timescale) };
}

/**
 * When the first audio track's sound starts in the movie (s): 0, or later after an empty
 * edit. Whatever the codec: the offset a whole-file decode, which starts at the first
 * sample, must be placed at (src/engine/audio-start.ts).
 */
export async function readMp4AudioStart(read: ByteReader, fileSize: number): Promise<number> {
  const { timescale, edit } = soundTrack(await readMoov(read, fileSize));
  return edit.delay / timescale;
}

/** The first audio track: decoder configuration and every sample with its byte range and time. */
export async function readMp4AudioTrack(read: ByteReader, fileSize: number): Promise<Mp4AudioTrack> {
  const view = await readMoov(read, fileSize);
  const { mdia, timescale, edit } = soundTrack(view);
  const stbl = need(view, need(view, mdia, 'minf'), 'stbl');
  const entry = mp4aSampleEntry(view, stbl);
  const sizes = sampleSizes(view, stbl);
  if (sizes.length === 0) throw new Mp4Unsupported('no audio samples');
  const offsets = sampleOffsets(view, stbl, sizes);
  const deltas = perSample(runs(view, need(view, stbl, 'stts'), false), sizes.length, 'stts');
  const samples: Mp4Sample[] = [];
  let dts = 0;
  for (let i = 0; i < sizes.length; i++) {
    const time = dts - edit.shift;
    samples.push({
      offset: offsets[i],
      size: sizes[i],
      timeUs: toMicros(time + edit.delay, timescale),
      durationUs: toMicros(deltas[i], timescale),
      key: true,
      shown: time < edit.end,
    });
    dts += deltas[i];
  }
  return {
    ...entry,
    samples,
    startUs: toMicros(edit.delay, timescale),
    endUs: Number.isFinite(edit.end) ? toMicros(edit.delay + edit.end, timescale) : Infinity,
  };
}
