// When the sound of a Matroska / WebM file plays: the timestamps of the audio track's blocks.
// A whole-file decode (decodeAudioData) returns the samples one after another with no time,
// while Chromium's <video> shows each frame at its block's own timestamp, so a file whose
// sound begins after its picture (a screen recording, ffmpeg -itsoffset), or pauses for a
// while (a dropout), would be read that much early from there on. Reads the element headers
// only, never a block's payload. Pure: bytes come through a ByteReader. Element IDs and layout:
// the Matroska specification (RFC 9559).
import { bufferedReader, type ByteReader } from './mp4-boxes';

const ID = {
  ebml: 0x1a45dfa3,
  segment: 0x18538067,
  info: 0x1549a966,
  timestampScale: 0x2ad7b1,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  trackType: 0x83,
  cluster: 0x1f43b675,
  clusterTimestamp: 0xe7,
  simpleBlock: 0xa3,
  blockGroup: 0xa0,
  block: 0xa1,
} as const;
const AUDIO_TRACK_TYPE = 2;
/** Clusters read before giving up on finding the sound (a file with a video-only start). */
const MAX_CLUSTERS_WITHOUT_SOUND = 64;
/** Bytes read per call: headers are small, and the walk goes forward. */
const READ_BYTES = 64 << 10;

interface Element {
  id: number;
  /** Payload start (absolute) and size (null: unknown size, runs to its parent's end). */
  start: number;
  size: number | null;
}

/** EBML fields read forward through one cached slice of the file. */
class Cursor {
  private readonly read: ByteReader;
  constructor(read: ByteReader) {
    this.read = bufferedReader(read, READ_BYTES);
  }

  async bytes(at: number, length: number): Promise<Uint8Array> {
    const bytes = await this.read(at, length);
    if (bytes.length < length) throw new RangeError('past the end of the file');
    return bytes;
  }

  /** An EBML variable-length integer at `at`: its value (marker bit removed unless `keepMarker`; null: all ones, "unknown") and length. */
  async vint(at: number, keepMarker: boolean): Promise<{ value: number | null; length: number }> {
    const [first] = await this.bytes(at, 1);
    if (first === 0) throw new RangeError('not an EBML number');
    const length = Math.clz32(first) - 23;
    const raw = await this.bytes(at, length);
    let value = keepMarker ? first : first & (0xff >> length);
    let allOnes = value === 0xff >> length;
    for (let i = 1; i < length; i++) {
      value = value * 256 + raw[i];
      allOnes &&= raw[i] === 0xff;
    }
    return { value: !keepMarker && allOnes ? null : value, length };
  }

  async element(at: number): Promise<Element> {
    const id = await this.vint(at, true);
    const size = await this.vint(at + id.length, false);
    return { id: id.value!, start: at + id.length + size.length, size: size.value };
  }

  async uint(element: Element): Promise<number> {
    const raw = await this.bytes(element.start, element.size ?? 0);
    return raw.reduce((value, byte) => value * 256 + byte, 0);
  }

  /** The children of a known-size element. */
  async children(parent: Element): Promise<Element[]> {
    const out: Element[] = [];
    for (let at = parent.start; at < parent.start + (parent.size ?? 0);) {
      const child = await this.element(at);
      out.push(child);
      if (child.size === null) break;
      at = child.start + child.size;
    }
    return out;
  }
}

/** The audio track's number, or null when the file has none. */
async function audioTrackNumber(cursor: Cursor, tracks: Element): Promise<number | null> {
  for (const entry of await cursor.children(tracks)) {
    if (entry.id !== ID.trackEntry) continue;
    const fields = await cursor.children(entry);
    const value = async (id: number) => {
      const field = fields.find((f) => f.id === id);
      return field ? cursor.uint(field) : 0;
    };
    if ((await value(ID.trackType)) === AUDIO_TRACK_TYPE) return value(ID.trackNumber);
  }
  return null;
}

/** A SimpleBlock's or Block's track number and its timestamp relative to its cluster. */
async function blockHeader(
  cursor: Cursor,
  block: Element,
): Promise<{ track: number | null; relative: number }> {
  const number = await cursor.vint(block.start, false);
  const [high, low] = await cursor.bytes(block.start + number.length, 2);
  return { track: number.value, relative: (((high << 8) | low) << 16) >> 16 }; // signed 16-bit
}

/**
 * The times (s) of a Matroska / WebM file's audio blocks in file order — at most `limit` of
 * them — or null when the bytes are not Matroska, there is no audio track, or no audio block
 * comes in the first clusters. The walk goes through the segment's elements and the
 * clusters' children as one stream, so a cluster of unknown size (a live recording's) ends
 * where the next cluster starts.
 */
export async function readMatroskaAudioTimes(
  read: ByteReader,
  fileSize: number,
  limit = Infinity,
): Promise<number[] | null> {
  const cursor = new Cursor(read);
  const times: number[] = [];
  try {
    const header = await cursor.element(0);
    if (header.id !== ID.ebml || header.size === null) return null;
    const segment = await cursor.element(header.start + header.size);
    if (segment.id !== ID.segment) return null;
    const end = segment.size === null ? fileSize : Math.min(fileSize, segment.start + segment.size);
    let scale = 1_000_000; // TimestampScale's default: ticks of 1 ms
    let track: number | null = null;
    let clusterTime = 0;
    let clusters = 0;
    for (let at = segment.start; at < end && times.length < limit;) {
      const element = await cursor.element(at);
      if (element.id === ID.cluster) {
        if (track === null) return null;
        if (times.length === 0 && ++clusters > MAX_CLUSTERS_WITHOUT_SOUND) return null;
        clusterTime = 0;
        at = element.start; // into its children
        continue;
      }
      if (element.id === ID.info) {
        const field = (await cursor.children(element)).find((f) => f.id === ID.timestampScale);
        if (field) scale = await cursor.uint(field);
      } else if (element.id === ID.tracks) {
        track = await audioTrackNumber(cursor, element);
        if (track === null) return null;
      } else if (element.id === ID.clusterTimestamp) {
        clusterTime = await cursor.uint(element);
      } else if (element.id === ID.simpleBlock || element.id === ID.blockGroup) {
        const block =
          element.id === ID.simpleBlock
            ? element
            : (await cursor.children(element)).find((f) => f.id === ID.block);
        const header = block && (await blockHeader(cursor, block));
        if (header && header.track === track) times.push(((clusterTime + header.relative) * scale) / 1e9);
      }
      if (element.size === null) break; // an unknown-size element other than a cluster: not followed
      at = element.start + element.size;
    }
    return times.length ? times : null;
  } catch (error) {
    // Cut off, or not EBML where it should be: the blocks before it, if any.
    if (error instanceof RangeError) return times.length ? times : null;
    throw error;
  }
}
