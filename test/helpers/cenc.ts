// Common Encryption (ISO/IEC 23001-7, scheme 'cenc': AES-128-CTR) of a fragmented MP4, for
// the Clear Key EME test page. ffmpeg 5.1's own `-encryption_scheme cenc-aes-ctr` is no use
// to Chromium: unfragmented output is refused for src= playback (Chromium decrypts only
// through Media Source), and fragmented output carries no per-fragment sample encryption
// boxes ("Sample encryption info is not available"). So ffmpeg makes a clear fragmented MP4
// (`-movflags +frag_keyframe+empty_moov+default_base_moof`) and this encrypts it the way
// packagers (shaka-packager, Bento4 mp4encrypt) do: sample entries become encv / enca with a
// sinf (frma, schm 'cenc', tenc with the key id), a common-system pssh names the key id (so
// the page gets an 'encrypted' event), and each traf gets senc + saiz + saio. H.264 samples
// use subsamples (each NAL unit's length and header byte clear, non-slice NAL units wholly
// clear), audio samples are encrypted whole.
import { createCipheriv } from 'node:crypto';

interface Box {
  type: string;
  /** Bytes after the 8-byte header, for leaf boxes (and the fixed part of sample entries). */
  body: Buffer;
  children?: Box[];
}

/** Boxes whose body is only child boxes (after `skip` fixed bytes). */
const CONTAINERS: Record<string, number> = {
  moov: 0,
  trak: 0,
  mdia: 0,
  minf: 0,
  stbl: 0,
  moof: 0,
  traf: 0,
  stsd: 8,
  avc1: 78,
  mp4a: 28,
};
/** The Common PSSH system id (W3C "cenc" init data format): Clear Key reads key ids from it. */
const COMMON_SYSTEM_ID = Buffer.from('1077efecc0b24d02ace33c1e52e2fb4b', 'hex');
const IV_SIZE = 8;

function parse(data: Buffer, start = 0, end = data.length): Box[] {
  const boxes: Box[] = [];
  for (let offset = start; offset < end;) {
    let size = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    let header = 8;
    if (size === 1) {
      size = Number(data.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) size = end - offset;
    const skip = CONTAINERS[type];
    const bodyStart = offset + header;
    boxes.push(
      skip === undefined
        ? { type, body: data.subarray(bodyStart, offset + size) }
        : {
            type,
            body: data.subarray(bodyStart, bodyStart + skip),
            children: parse(data, bodyStart + skip, offset + size),
          },
    );
    offset += size;
  }
  return boxes;
}

function serialize(boxes: Box[]): Buffer {
  return Buffer.concat(
    boxes.map((box) => {
      const body = box.children ? Buffer.concat([box.body, serialize(box.children)]) : box.body;
      const header = Buffer.alloc(8);
      header.writeUInt32BE(8 + body.length);
      header.write(box.type, 4, 'latin1');
      return Buffer.concat([header, body]);
    }),
  );
}

const leaf = (type: string, ...parts: Buffer[]): Box => ({ type, body: Buffer.concat(parts) });
const u8 = (n: number) => Buffer.from([n]);
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const fullBox = (version: number, flags: number) => u32((version << 24) | flags);
const child = (box: Box, type: string) => box.children?.find((c) => c.type === type);
const path = (box: Box, ...types: string[]) => types.reduce<Box | undefined>((b, t) => b && child(b, t), box);

interface TrackInfo {
  /** NAL length field size for H.264; null for audio (whole-sample encryption). */
  nalLengthSize: number | null;
  defaultSampleSize: number;
}

/** encv / enca with a sinf saying what it was and under which key id it is encrypted. */
function protectSampleEntry(entry: Box, kid: Buffer): void {
  const original = entry.type;
  entry.type = original === 'avc1' ? 'encv' : 'enca';
  entry.children!.push({
    type: 'sinf',
    body: Buffer.alloc(0),
    children: [
      leaf('frma', Buffer.from(original, 'latin1')),
      leaf('schm', fullBox(0, 0), Buffer.from('cenc', 'latin1'), u32(0x10000)),
      {
        type: 'schi',
        body: Buffer.alloc(0),
        children: [leaf('tenc', fullBox(0, 0), u8(0), u8(0), u8(1), u8(IV_SIZE), kid)],
      },
    ],
  });
}

/** Clear / protected byte counts for one H.264 sample (length-prefixed NAL units). */
function avcSubsamples(sample: Buffer, lengthSize: number): [number, number][] {
  const subsamples: [number, number][] = [];
  // A subsample's clear count is 16 bits.
  const push = (clearBytes: number, protectedBytes: number) => {
    for (; clearBytes > 0xffff; clearBytes -= 0xffff) subsamples.push([0xffff, 0]);
    subsamples.push([clearBytes, protectedBytes]);
  };
  let clear = 0;
  for (let offset = 0; offset < sample.length;) {
    const nalSize = sample.readUIntBE(offset, lengthSize);
    const nalType = sample[offset + lengthSize] & 0x1f;
    const isSlice = nalType >= 1 && nalType <= 5;
    if (isSlice && nalSize > 1) {
      push(clear + lengthSize + 1, nalSize - 1);
      clear = 0;
    } else {
      clear += lengthSize + nalSize;
    }
    offset += lengthSize + nalSize;
  }
  if (clear > 0) push(clear, 0);
  return subsamples;
}

/**
 * Encrypts `input` (a fragmented MP4 with default-base-is-moof fragments, one H.264 and/or
 * AAC track each) under `key` / `kid` (16 bytes each) and returns the protected file.
 */
export function encryptCenc(input: Buffer, key: Buffer, kid: Buffer): Buffer {
  const data = Buffer.from(input);
  const top = parse(data);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new Error('encryptCenc: no moov box');
  const tracks = new Map<number, TrackInfo>();
  const trex = new Map<number, number>();
  for (const box of parse(child(moov, 'mvex')?.body ?? Buffer.alloc(0))) {
    if (box.type === 'trex') trex.set(box.body.readUInt32BE(4), box.body.readUInt32BE(16));
  }
  for (const trak of moov.children!.filter((b) => b.type === 'trak')) {
    const trackId = child(trak, 'tkhd')!.body.readUInt32BE(child(trak, 'tkhd')!.body[0] === 1 ? 20 : 12);
    const entry = path(trak, 'mdia', 'minf', 'stbl', 'stsd')!.children![0];
    if (entry.type !== 'avc1' && entry.type !== 'mp4a')
      throw new Error(`encryptCenc: track ${trackId} is ${entry.type}, not avc1 or mp4a`);
    const avcC = entry.type === 'avc1' ? child(entry, 'avcC') : undefined;
    tracks.set(trackId, {
      nalLengthSize: avcC ? (avcC.body[4] & 3) + 1 : null,
      defaultSampleSize: trex.get(trackId) ?? 0,
    });
    protectSampleEntry(entry, kid);
  }
  moov.children!.push(leaf('pssh', fullBox(1, 0), COMMON_SYSTEM_ID, u32(1), kid, u32(0)));

  const out: Box[] = [];
  for (let i = 0; i < top.length; i++) {
    const box = top[i];
    if (box.type === 'mfra') continue; // its moof offsets no longer hold; optional
    if (box.type !== 'moof') {
      out.push(box);
      continue;
    }
    // Where this moof starts in `data` (trun data offsets count from there).
    const moofStart = box.body.byteOffset - data.byteOffset - 8;
    const oldSize = serialize([box]).length;
    const trafs = box.children!.filter((b) => b.type === 'traf');
    let ivCounter = 1;
    const sencs: Box[] = [];
    for (const traf of trafs) {
      const tfhd = child(traf, 'tfhd')!.body;
      const tfhdFlags = tfhd.readUInt32BE(0) & 0xffffff;
      if (tfhdFlags & 0x1 || !(tfhdFlags & 0x20000))
        throw new Error('encryptCenc: fragments must use default-base-is-moof');
      const track = tracks.get(tfhd.readUInt32BE(4))!;
      let at = 8 + (tfhdFlags & 0x2 ? 4 : 0) + (tfhdFlags & 0x8 ? 4 : 0);
      const defaultSize = tfhdFlags & 0x10 ? tfhd.readUInt32BE(at) : track.defaultSampleSize;
      const trun = child(traf, 'trun')!.body;
      const trunFlags = trun.readUInt32BE(0) & 0xffffff;
      const count = trun.readUInt32BE(4);
      if (!(trunFlags & 0x1)) throw new Error('encryptCenc: trun without data offset');
      let sampleOffset = moofStart + trun.readInt32BE(8);
      at = 12 + (trunFlags & 0x4 ? 4 : 0);
      const perSample = [0x100, 0x200, 0x400, 0x800].filter((f) => trunFlags & f).length * 4;
      const entries: Buffer[] = [];
      for (let s = 0; s < count; s++, at += perSample) {
        const size = trunFlags & 0x200 ? trun.readUInt32BE(at + (trunFlags & 0x100 ? 4 : 0)) : defaultSize;
        const sample = data.subarray(sampleOffset, sampleOffset + size);
        sampleOffset += size;
        const iv = Buffer.alloc(IV_SIZE);
        iv.writeUInt32BE(ivCounter++, 4);
        const subsamples = track.nalLengthSize
          ? avcSubsamples(sample, track.nalLengthSize)
          : [[0, size] as [number, number]];
        // 'cenc': the protected ranges of a sample are one continuous AES-CTR stream.
        const cipher = createCipheriv('aes-128-ctr', key, Buffer.concat([iv, Buffer.alloc(8)]));
        let pos = 0;
        for (const [clear, protectedBytes] of subsamples) {
          pos += clear;
          cipher.update(sample.subarray(pos, pos + protectedBytes)).copy(sample, pos);
          pos += protectedBytes;
        }
        entries.push(
          track.nalLengthSize
            ? Buffer.concat([
                iv,
                u16(subsamples.length),
                ...subsamples.map(([c, p]) => Buffer.concat([u16(c), u32(p)])),
              ])
            : iv,
        );
      }
      const senc = leaf('senc', fullBox(0, track.nalLengthSize ? 0x2 : 0), u32(count), ...entries);
      sencs.push(senc);
      const sizes = entries.map((e) => e.length);
      const sameSize = sizes.every((s) => s === sizes[0]);
      traf.children!.push(
        leaf(
          'saiz',
          fullBox(0, 0),
          u8(sameSize ? sizes[0] : 0),
          u32(count),
          ...(sameSize ? [] : [Buffer.from(sizes)]),
        ),
        leaf('saio', fullBox(0, 0), u32(1), u32(0)),
        senc,
      );
    }
    // The moof grew: samples sit further from its start, and saio points into each senc.
    const grown = serialize([box]);
    const delta = grown.length - oldSize;
    for (const traf of trafs) {
      const trun = child(traf, 'trun')!.body;
      trun.writeInt32BE(trun.readInt32BE(8) + delta, 8);
    }
    const laidOut = serialize([box]);
    for (const senc of sencs) {
      const sencAt = laidOut.indexOf(
        Buffer.concat([u32(8 + senc.body.length), Buffer.from('senc'), senc.body]),
      );
      const traf = trafs[sencs.indexOf(senc)];
      // saio's offset is from the moof start to the first sample's auxiliary info (after senc's fullbox and count).
      child(traf, 'saio')!.body.writeUInt32BE(sencAt + 16, 8);
    }
    out.push(box);
  }
  return serialize(out);
}
