// When the sound of a Matroska / WebM file starts: the timestamp of the audio track's first
// block. A whole-file decode (decodeAudioData) returns the samples from the first one on with
// no time, while Chromium's <video> shows each frame at its block's own timestamp, so a file
// whose sound begins after its picture (a screen recording, ffmpeg -itsoffset) would be read
// that much early. Reads only the headers and the first clusters. Pure: bytes come through a
// ByteReader. Element IDs and layout: the Matroska specification (RFC 9559).
import type { ByteReader } from './mp4-boxes';

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
const MAX_CLUSTERS = 64;
/** Bytes read per call: headers and the first blocks' headers are small. */
const READ_BYTES = 64 << 10;

interface Element {
  id: number;
  /** Payload start (absolute) and size (null: unknown size, runs to its parent's end). */
  start: number;
  size: number | null;
}

/** A forward reader over the file that keeps one slice of bytes. */
class Cursor {
  private buffer: Uint8Array = new Uint8Array(0);
  private base = 0;
  constructor(
    private readonly read: ByteReader,
    readonly fileSize: number,
  ) {}

  async bytes(at: number, length: number): Promise<Uint8Array> {
    if (at < this.base || at + length > this.base + this.buffer.length) {
      this.base = at;
      this.buffer = await this.read(at, Math.max(length, READ_BYTES));
    }
    const bytes = this.buffer.subarray(at - this.base, at - this.base + length);
    if (bytes.length < length) throw new RangeError('past the end of the file');
    return bytes;
  }

  /** An EBML variable-length integer at `at`: its value (marker bit removed unless `keepMarker`) and length. */
  async vint(at: number, keepMarker: boolean): Promise<{ value: number | null; length: number }> {
    const [first] = await this.bytes(at, 1);
    if (first === undefined || first === 0) throw new RangeError('not an EBML number');
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
}

/** The children of [start, end), lazily; an unknown-size child ends the walk (it runs to `end`). */
async function* childrenOf(cursor: Cursor, start: number, end: number): AsyncGenerator<Element> {
  for (let at = start; at < end;) {
    const element = await cursor.element(at);
    yield element;
    if (element.size === null) return;
    at = element.start + element.size;
  }
}

/** The audio track's number, or null when the file has none. */
async function audioTrackNumber(cursor: Cursor, tracks: Element): Promise<number | null> {
  for await (const entry of childrenOf(cursor, tracks.start, tracks.start + tracks.size!)) {
    if (entry.id !== ID.trackEntry) continue;
    let number = 0;
    let type = 0;
    for await (const field of childrenOf(cursor, entry.start, entry.start + entry.size!)) {
      if (field.id === ID.trackNumber) number = await cursor.uint(field);
      if (field.id === ID.trackType) type = await cursor.uint(field);
    }
    if (type === AUDIO_TRACK_TYPE) return number;
  }
  return null;
}

/**
 * The first block of `track` from `cluster` on: its timestamp in ticks, or null when none
 * comes in `clusters` clusters. An unknown-size cluster (a live recording's) has the next
 * cluster among what follows it, and the search goes on into that one.
 */
async function firstBlockFrom(
  cursor: Cursor,
  cluster: Element,
  end: number,
  track: number,
  clusters: number,
): Promise<number | null> {
  let clusterTime = 0;
  for await (const child of childrenOf(cursor, cluster.start, end)) {
    if (child.id === ID.cluster)
      return clusters > 1 ? firstBlockFrom(cursor, child, end, track, clusters - 1) : null;
    if (child.id === ID.clusterTimestamp) clusterTime = await cursor.uint(child);
    const block =
      child.id === ID.simpleBlock
        ? child
        : child.id === ID.blockGroup
          ? await findChild(cursor, child, ID.block)
          : null;
    if (!block) continue;
    const number = await cursor.vint(block.start, false);
    if (number.value !== track) continue;
    const [high, low] = await cursor.bytes(block.start + number.length, 2);
    return clusterTime + ((((high << 8) | low) << 16) >> 16); // signed 16-bit, relative to the cluster
  }
  return null;
}

async function findChild(cursor: Cursor, parent: Element, id: number): Promise<Element | null> {
  for await (const child of childrenOf(cursor, parent.start, parent.start + (parent.size ?? 0)))
    if (child.id === id) return child;
  return null;
}

/**
 * Seconds at which a Matroska / WebM file's audio track starts (its first block's
 * timestamp), or null when the bytes are not Matroska, there is no audio track, or no
 * audio block comes in the first clusters.
 */
export async function readMatroskaAudioStart(read: ByteReader, fileSize: number): Promise<number | null> {
  const cursor = new Cursor(read, fileSize);
  try {
    const header = await cursor.element(0);
    if (header.id !== ID.ebml || header.size === null) return null;
    const segment = await cursor.element(header.start + header.size);
    if (segment.id !== ID.segment) return null;
    const end = segment.size === null ? fileSize : Math.min(fileSize, segment.start + segment.size);
    let scale = 1_000_000; // TimestampScale's default: ticks of 1 ms
    let track: number | null = null;
    let clusters = 0;
    for await (const element of childrenOf(cursor, segment.start, end)) {
      if (element.id === ID.info) {
        const field = await findChild(cursor, element, ID.timestampScale);
        if (field) scale = await cursor.uint(field);
      } else if (element.id === ID.tracks) {
        track = await audioTrackNumber(cursor, element);
        if (track === null) return null;
      } else if (element.id === ID.cluster) {
        if (track === null) return null;
        const unknownSize = element.size === null;
        const clusterEnd = unknownSize ? end : element.start + element.size!;
        const ticks = await firstBlockFrom(
          cursor,
          element,
          clusterEnd,
          track,
          unknownSize ? MAX_CLUSTERS : 1,
        );
        if (ticks !== null) return (ticks * scale) / 1e9;
        if (unknownSize || ++clusters >= MAX_CLUSTERS) return null;
      }
    }
    return null;
  } catch (error) {
    if (error instanceof RangeError) return null; // truncated or not EBML where it should be
    throw error;
  }
}
