// Reader for MATLAB v7.3 MAT-files: HDF5 files behind a 512-byte MATLAB userblock.
//
// Only what MATLAB's `save -v7.3` (and h5py imitating it) writes is supported: superblock
// v0–v3, object headers v1/v2, symbol-table (old-style) and compact link-message groups,
// compact / contiguous / chunked (B-tree v1) storage with the deflate, shuffle and
// fletcher32 filters, fixed-point, floating-point, string and object-reference types.
//
// Why not jsfive (0.4.2, in package.json): it looks for the superblock only at offset 0
// (MATLAB puts it at 512), its File._get_object_by_address never returns the object it
// finds (so references cannot be followed), it slices contiguous reference datasets with
// the element count instead of the byte count, it reads floats one DataView call at a time
// into plain arrays (~14 M values here), and it throws bare strings. Fixing all that from
// the outside would be more code than this reader.
//
// MATLAB conventions (MathWorks "MAT-File Versions"; HDF5 layout as h5py sees it):
//   * arrays are column-major, so HDF5 dims are MATLAB dims reversed and the HDF5 bytes in
//     C order are the MATLAB array in column-major order — MatArray keeps MATLAB dims and
//     column-major data, no transposition happens here;
//   * every object carries a MATLAB_class attribute ('double', 'single', 'char', 'cell',
//     'struct', ...); char arrays are uint16 code units; empty arrays are a uint64 dims
//     vector flagged with a MATLAB_empty attribute;
//   * a scalar struct is a group whose fields are its members; a struct array or cell keeps
//     each element in the '#refs#' group and stores object references to it.
import { WeightsFormatError } from './weights-bundle';

/** A MAT-file that cannot be read; the message names the file and what is wrong. */
export class MatFileError extends WeightsFormatError {
  override name = 'MatFileError';
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const MATLAB_V73_HEADER = 'MATLAB 7.3 MAT-file';
const UNDEFINED_ADDRESS = Number.MAX_SAFE_INTEGER; // all-ones addresses are mapped here

// ---------------------------------------------------------------- low-level byte access

/** Bounds-checked little-endian reads; any read past the end means a truncated file. */
class Bytes {
  readonly view: DataView;
  constructor(readonly data: Uint8Array, private readonly fail: (msg: string) => never) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  get length(): number {
    return this.data.length;
  }
  check(offset: number, size: number, what: string): void {
    if (!(offset >= 0) || offset + size > this.data.length) {
      this.fail(`truncated or corrupt file: ${what} at byte ${offset} (+${size}) lies past the end of the file (${this.data.length} bytes)`);
    }
  }
  u8(o: number): number {
    this.check(o, 1, 'a field');
    return this.data[o];
  }
  u16(o: number): number {
    this.check(o, 2, 'a field');
    return this.view.getUint16(o, true);
  }
  u32(o: number): number {
    this.check(o, 4, 'a field');
    return this.view.getUint32(o, true);
  }
  /** 64-bit unsigned; all-ones (HDF5's undefined address) maps to UNDEFINED_ADDRESS. */
  u64(o: number): number {
    this.check(o, 8, 'a field');
    const lo = this.view.getUint32(o, true);
    const hi = this.view.getUint32(o + 4, true);
    if (lo === 0xffffffff && hi === 0xffffffff) return UNDEFINED_ADDRESS;
    if (hi >= 0x200000) this.fail(`corrupt file: 64-bit value at byte ${o} is too large`);
    return hi * 0x100000000 + lo;
  }
  /** Unsigned integer of 1, 2, 4 or 8 bytes. */
  uint(o: number, size: number): number {
    switch (size) {
      case 1: return this.u8(o);
      case 2: return this.u16(o);
      case 4: return this.u32(o);
      case 8: return this.u64(o);
      default: return this.fail(`corrupt file: ${size}-byte integer field at byte ${o}`);
    }
  }
  slice(o: number, size: number, what: string): Uint8Array {
    this.check(o, size, what);
    return this.data.subarray(o, o + size);
  }
  ascii(o: number, size: number): string {
    let s = '';
    for (const c of this.slice(o, size, 'a string')) {
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }
  signature(o: number): string {
    return this.ascii(o, 4);
  }
}

// ---------------------------------------------------------------- inflate (RFC 1950/1951)

// Deflate streams in HDF5 chunks are zlib-wrapped. The output size is known in advance
// (the chunk size), so the decoder writes into a fixed buffer and treats overflow, bad
// codes and a wrong Adler-32 as corruption. Table-driven Huffman decoding: one lookup of
// `maxBits` bits per symbol.

interface Huffman {
  table: Int32Array; // (symbol << 4) | code length, indexed by the next maxBits bits (LSB first)
  maxBits: number;
}

function buildHuffman(lengths: Uint8Array, fail: (m: string) => never): Huffman {
  let maxBits = 0;
  const count = new Int32Array(16);
  for (const l of lengths) {
    count[l]++;
    if (l > maxBits) maxBits = l;
  }
  count[0] = 0;
  if (maxBits === 0) return { table: new Int32Array(1), maxBits: 0 };
  // Canonical code assignment (RFC 1951 §3.2.2).
  const next = new Int32Array(16);
  let code = 0;
  for (let bits = 1; bits <= 15; bits++) {
    code = (code + count[bits - 1]) << 1;
    next[bits] = code;
    if (next[bits] + count[bits] > 1 << bits) fail('corrupt deflate data: over-subscribed Huffman code');
  }
  const size = 1 << maxBits;
  const table = new Int32Array(size).fill(-1);
  for (let sym = 0; sym < lengths.length; sym++) {
    const len = lengths[sym];
    if (!len) continue;
    let c = next[len]++;
    let rev = 0;
    for (let i = 0; i < len; i++) {
      rev = (rev << 1) | (c & 1);
      c >>= 1;
    }
    for (let i = rev; i < size; i += 1 << len) table[i] = (sym << 4) | len;
  }
  return { table, maxBits };
}

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

let fixedTables: [Huffman, Huffman] | null = null;

/** zlib-wrapped deflate → exactly `outSize` bytes. */
export function zlibInflate(input: Uint8Array, outSize: number, fail: (m: string) => never): Uint8Array {
  if (input.length < 6 || (input[0] & 0x0f) !== 8 || ((input[0] << 8) | input[1]) % 31 !== 0 || input[1] & 0x20) {
    fail('corrupt deflate data: bad zlib header');
  }
  const out = new Uint8Array(outSize);
  let pos = 2; // next input byte
  let bitBuf = 0;
  let bitCount = 0;
  let outPos = 0;
  const need = (n: number): void => {
    while (bitCount < n) {
      if (pos >= input.length) fail('corrupt deflate data: stream ends early');
      bitBuf |= input[pos++] << bitCount;
      bitCount += 8;
    }
  };
  const bits = (n: number): number => {
    if (n === 0) return 0;
    need(n);
    const v = bitBuf & ((1 << n) - 1);
    bitBuf >>>= n;
    bitCount -= n;
    return v;
  };
  const decode = (h: Huffman): number => {
    // Peek up to maxBits; near the end of the stream fewer bits may remain.
    while (bitCount < h.maxBits && pos < input.length) {
      bitBuf |= input[pos++] << bitCount;
      bitCount += 8;
    }
    const entry = h.table[bitBuf & ((1 << h.maxBits) - 1)];
    const len = entry & 15;
    if (entry < 0 || len > bitCount) fail('corrupt deflate data: invalid Huffman code');
    bitBuf >>>= len;
    bitCount -= len;
    return entry >> 4;
  };

  let last = 0;
  while (!last) {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      // Stored block: drop the partial byte and give back whole bytes read ahead.
      pos -= bitCount >> 3;
      bitBuf = 0;
      bitCount = 0;
      if (pos + 4 > input.length) fail('corrupt deflate data: stream ends early');
      const len = input[pos] | (input[pos + 1] << 8);
      const nlen = input[pos + 2] | (input[pos + 3] << 8);
      if ((len ^ 0xffff) !== nlen) fail('corrupt deflate data: stored block length check failed');
      pos += 4;
      if (pos + len > input.length) fail('corrupt deflate data: stream ends early');
      if (outPos + len > outSize) fail('corrupt deflate data: more output than the chunk holds');
      out.set(input.subarray(pos, pos + len), outPos);
      pos += len;
      outPos += len;
      continue;
    }
    let lit: Huffman;
    let dist: Huffman;
    if (type === 1) {
      if (!fixedTables) {
        const l = new Uint8Array(288);
        l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
        fixedTables = [buildHuffman(l, fail), buildHuffman(new Uint8Array(30).fill(5), fail)];
      }
      [lit, dist] = fixedTables;
    } else if (type === 2) {
      const nlit = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncode = bits(4) + 4;
      const clen = new Uint8Array(19);
      for (let i = 0; i < ncode; i++) clen[CODE_LENGTH_ORDER[i]] = bits(3);
      const clh = buildHuffman(clen, fail);
      const lengths = new Uint8Array(nlit + ndist);
      for (let i = 0; i < nlit + ndist; ) {
        const sym = decode(clh);
        if (sym < 16) lengths[i++] = sym;
        else {
          let repeat: number;
          let value = 0;
          if (sym === 16) {
            if (i === 0) fail('corrupt deflate data: repeat with no previous length');
            value = lengths[i - 1];
            repeat = 3 + bits(2);
          } else if (sym === 17) repeat = 3 + bits(3);
          else repeat = 11 + bits(7);
          if (i + repeat > nlit + ndist) fail('corrupt deflate data: too many code lengths');
          lengths.fill(value, i, i + repeat);
          i += repeat;
        }
      }
      lit = buildHuffman(lengths.subarray(0, nlit), fail);
      dist = buildHuffman(lengths.subarray(nlit), fail);
    } else {
      return fail('corrupt deflate data: invalid block type');
    }
    for (;;) {
      const sym = decode(lit);
      if (sym < 256) {
        if (outPos >= outSize) fail('corrupt deflate data: more output than the chunk holds');
        out[outPos++] = sym;
      } else if (sym === 256) {
        break;
      } else {
        const li = sym - 257;
        if (li >= 29) fail('corrupt deflate data: invalid length code');
        const len = LENGTH_BASE[li] + bits(LENGTH_EXTRA[li]);
        const di = decode(dist);
        if (di >= 30) fail('corrupt deflate data: invalid distance code');
        const d = DIST_BASE[di] + bits(DIST_EXTRA[di]);
        if (d > outPos) fail('corrupt deflate data: distance reaches before the start');
        if (outPos + len > outSize) fail('corrupt deflate data: more output than the chunk holds');
        for (let i = 0; i < len; i++, outPos++) out[outPos] = out[outPos - d];
      }
    }
  }
  if (outPos !== outSize) fail(`corrupt deflate data: chunk inflates to ${outPos} bytes, expected ${outSize}`);
  // Adler-32 trailer (big-endian) after the byte-aligned end of the deflate stream.
  pos -= bitCount >> 3;
  if (pos + 4 > input.length) fail('corrupt deflate data: missing Adler-32 checksum');
  const stored = ((input[pos] << 24) | (input[pos + 1] << 16) | (input[pos + 2] << 8) | input[pos + 3]) >>> 0;
  let a = 1;
  let b = 0;
  for (let i = 0; i < out.length; ) {
    const end = Math.min(out.length, i + 5552); // largest run without 32-bit overflow
    for (; i < end; i++) {
      a += out[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  if ((((b << 16) | a) >>> 0) !== stored) fail('corrupt deflate data: Adler-32 checksum mismatch');
  return out;
}

// ---------------------------------------------------------------- HDF5 objects

export type Hdf5Type =
  | { kind: 'int'; size: number; signed: boolean }
  | { kind: 'float'; size: number }
  | { kind: 'string'; size: number }
  | { kind: 'reference'; size: number }
  | { kind: 'other'; size: number; typeClass: number };

interface Message {
  type: number;
  offset: number; // absolute offset of the message body
  size: number;
}

interface Filter {
  id: number;
  flags: number;
  values: number[];
}

type Layout =
  | { kind: 'compact'; data: Uint8Array }
  | { kind: 'contiguous'; address: number; size: number }
  | { kind: 'chunked'; btree: number; chunkDims: number[] };

interface Attribute {
  name: string;
  type: Hdf5Type;
  dims: number[];
  data: Uint8Array;
}

const MSG = {
  dataspace: 0x1,
  linkInfo: 0x2,
  datatype: 0x3,
  link: 0x6,
  layout: 0x8,
  filters: 0xb,
  attribute: 0xc,
  continuation: 0x10,
  symbolTable: 0x11,
} as const;

/**
 * The HDF5 side: superblock, object headers, groups and dataset storage. Addresses in
 * the file are relative to the superblock's base address (512 behind a MATLAB userblock).
 */
export class Hdf5File {
  private readonly bytes: Bytes;
  readonly base: number;
  readonly superblockOffset: number;
  readonly rootAddress: number;
  private readonly headers = new Map<number, Message[]>();

  constructor(data: Uint8Array, private readonly where: string) {
    // A node Buffer is a Uint8Array whose slice() does not copy; use plain Uint8Array semantics.
    data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const fail = (msg: string): never => {
      throw new MatFileError(`${where}: ${msg}`);
    };
    this.bytes = new Bytes(data, fail);
    const sb = Hdf5File.findSuperblock(data);
    if (sb < 0) fail(Hdf5File.describeNonHdf5(data));
    this.superblockOffset = sb;
    const b = this.bytes;
    const version = b.u8(sb + 8);
    let eof: number;
    if (version === 0 || version === 1) {
      if (b.u8(sb + 13) !== 8 || b.u8(sb + 14) !== 8) fail('HDF5 file uses offsets/lengths other than 8 bytes, which this reader does not support');
      let o = sb + 24 + (version === 1 ? 4 : 0);
      this.base = b.u64(o);
      eof = b.u64(o + 16);
      o += 32; // base, free-space, end-of-file, driver-info addresses
      this.rootAddress = b.u64(o + 8); // root group symbol-table entry: object header address
    } else if (version === 2 || version === 3) {
      if (b.u8(sb + 9) !== 8 || b.u8(sb + 10) !== 8) fail('HDF5 file uses offsets/lengths other than 8 bytes, which this reader does not support');
      this.base = b.u64(sb + 12);
      eof = b.u64(sb + 28);
      this.rootAddress = b.u64(sb + 36);
    } else {
      throw new MatFileError(`${where}: unsupported HDF5 superblock version ${version}`);
    }
    if (this.base !== sb) fail(`corrupt HDF5 superblock: base address ${this.base} but the superblock is at byte ${sb}`);
    // The HDF5 library stores the end-of-file address including the user block (h5py and
    // MATLAB files both measure it from byte 0), so compare it with the whole length.
    if (eof > data.length) {
      fail(`file is truncated: the HDF5 superblock says it has ${eof} bytes but only ${data.length} are present`);
    }
  }

  /** HDF5 puts the superblock at 0, 512, 1024, 2048, … (after a user block). */
  static findSuperblock(data: Uint8Array): number {
    for (let o = 0; o + 8 <= data.length; o = o === 0 ? 512 : o * 2) {
      if (HDF5_SIGNATURE.every((c, i) => data[o + i] === c)) return o;
    }
    return -1;
  }

  private static describeNonHdf5(data: Uint8Array): string {
    const head = new TextDecoder('latin1').decode(data.subarray(0, 20));
    if (data.length === 0) return 'not an HDF5 file: file is empty';
    if (/^MATLAB [1-7]\.\d MAT-file/.test(head) && !head.startsWith(MATLAB_V73_HEADER)) {
      return `not an HDF5 file: it is a ${head.slice(0, 10).trim()} MAT-file; only MATLAB v7.3 files can be read — re-save it in MATLAB with save(..., '-v7.3')`;
    }
    if (data.length < 520) return `not an HDF5 file: no HDF5 signature (file is only ${data.length} bytes — truncated?)`;
    return 'not an HDF5 file: no HDF5 signature at byte 0, 512, 1024, …';
  }

  fail(msg: string): never {
    throw new MatFileError(`${this.where}: ${msg}`);
  }

  /** Absolute offset of a file address. */
  private abs(address: number, what: string): number {
    if (address === UNDEFINED_ADDRESS) this.fail(`corrupt file: ${what} has an undefined address`);
    return this.base + address;
  }

  // ---- object headers

  messages(address: number): Message[] {
    let cached = this.headers.get(address);
    if (!cached) {
      cached = this.readObjectHeader(address);
      this.headers.set(address, cached);
    }
    return cached;
  }

  private readObjectHeader(address: number): Message[] {
    const b = this.bytes;
    const start = this.abs(address, 'an object header');
    const messages: Message[] = [];
    const blocks: Array<[number, number]> = [];
    if (b.signature(start) === 'OHDR') {
      if (b.u8(start + 4) !== 2) this.fail(`corrupt object header at ${address}: version ${b.u8(start + 4)}`);
      const flags = b.u8(start + 5);
      let o = start + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
      const sizeBytes = 1 << (flags & 3);
      const chunkSize = b.uint(o, sizeBytes);
      o += sizeBytes;
      blocks.push([o, chunkSize]);
      return this.readMessagesV2(blocks, (flags & 0x04) !== 0, messages);
    }
    const version = b.u8(start);
    if (version !== 1) this.fail(`corrupt file: no object header at address ${address} (version byte ${version})`);
    const count = b.u16(start + 2);
    const size = b.u32(start + 8);
    blocks.push([start + 16, size]);
    for (let bi = 0; bi < blocks.length && messages.length < count; bi++) {
      const [blockStart, blockSize] = blocks[bi];
      b.check(blockStart, blockSize, 'an object header block');
      let o = blockStart;
      while (o + 8 <= blockStart + blockSize && messages.length < count) {
        const type = b.u16(o);
        const msgSize = b.u16(o + 2);
        const body = o + 8;
        if (body + msgSize > blockStart + blockSize) this.fail(`corrupt object header at address ${address}: message overruns its block`);
        messages.push({ type, offset: body, size: msgSize });
        if (type === MSG.continuation) blocks.push([this.abs(b.u64(body), 'a header continuation'), b.u64(body + 8)]);
        o = body + msgSize;
      }
    }
    return messages.filter((m) => m.type !== 0);
  }

  private readMessagesV2(blocks: Array<[number, number]>, creationOrder: boolean, messages: Message[]): Message[] {
    const b = this.bytes;
    const headerSize = 4 + (creationOrder ? 2 : 0);
    for (let bi = 0; bi < blocks.length; bi++) {
      const [blockStart, blockSize] = blocks[bi];
      let o = blockStart;
      if (bi > 0) {
        if (b.signature(o) !== 'OCHK') this.fail(`corrupt object header continuation at byte ${o}`);
        o += 4;
      }
      const end = bi === 0 ? blockStart + blockSize : blockStart + blockSize - 4; // minus checksum
      b.check(blockStart, blockSize, 'an object header block');
      while (o + headerSize <= end) {
        const type = b.u8(o);
        const msgSize = b.u16(o + 1);
        const body = o + headerSize;
        if (body + msgSize > end) this.fail(`corrupt object header: message overruns its block at byte ${o}`);
        if (type !== 0) messages.push({ type, offset: body, size: msgSize });
        if (type === MSG.continuation) blocks.push([this.abs(b.u64(body), 'a header continuation'), b.u64(body + 8)]);
        o = body + msgSize;
      }
    }
    return messages;
  }

  private message(address: number, type: number): Message | undefined {
    return this.messages(address).find((m) => m.type === type);
  }

  isDataset(address: number): boolean {
    return this.message(address, MSG.dataspace) !== undefined && this.message(address, MSG.layout) !== undefined;
  }

  // ---- groups

  /** Child name → object header address. */
  links(address: number): Map<string, number> {
    const b = this.bytes;
    const links = new Map<string, number>();
    const symbolTable = this.message(address, MSG.symbolTable);
    if (symbolTable) {
      const heap = this.localHeap(b.u64(symbolTable.offset + 8));
      this.walkGroupBtree(b.u64(symbolTable.offset), heap, links, 0);
    }
    for (const m of this.messages(address)) {
      if (m.type === MSG.link) this.readLinkMessage(m, links);
      if (m.type === MSG.linkInfo) {
        const flags = b.u8(m.offset + 1);
        const heapAddress = b.u64(m.offset + 2 + (flags & 1 ? 8 : 0));
        if (heapAddress !== UNDEFINED_ADDRESS) this.fail('group uses dense link storage (fractal heap), which this reader does not support');
      }
    }
    return links;
  }

  private localHeap(address: number): (offset: number) => string {
    const b = this.bytes;
    const o = this.abs(address, 'a local heap');
    if (b.signature(o) !== 'HEAP') this.fail(`corrupt file: no local heap at address ${address}`);
    const size = b.u64(o + 8);
    const dataStart = this.abs(b.u64(o + 24), 'local heap data');
    b.check(dataStart, size, 'local heap data');
    return (offset) => {
      if (offset >= size) this.fail('corrupt file: link name outside its local heap');
      return b.ascii(dataStart + offset, size - offset);
    };
  }

  private walkGroupBtree(address: number, name: (offset: number) => string, links: Map<string, number>, depth: number): void {
    const b = this.bytes;
    if (depth > 32) this.fail('corrupt file: group B-tree is too deep');
    const o = this.abs(address, 'a group B-tree node');
    if (b.signature(o) !== 'TREE' || b.u8(o + 4) !== 0) this.fail(`corrupt file: no group B-tree node at address ${address}`);
    const level = b.u8(o + 5);
    const entries = b.u16(o + 6);
    for (let i = 0; i < entries; i++) {
      const child = b.u64(o + 24 + 8 + i * 16); // keys and children interleave, key first
      if (level > 0) this.walkGroupBtree(child, name, links, depth + 1);
      else this.readSymbolNode(child, name, links);
    }
  }

  private readSymbolNode(address: number, name: (offset: number) => string, links: Map<string, number>): void {
    const b = this.bytes;
    const o = this.abs(address, 'a symbol table node');
    if (b.signature(o) !== 'SNOD') this.fail(`corrupt file: no symbol table node at address ${address}`);
    const count = b.u16(o + 6);
    for (let i = 0; i < count; i++) {
      const entry = o + 8 + i * 40;
      links.set(name(b.u64(entry)), b.u64(entry + 8));
    }
  }

  private readLinkMessage(m: Message, links: Map<string, number>): void {
    const b = this.bytes;
    const flags = b.u8(m.offset + 1);
    let o = m.offset + 2;
    const linkType = flags & 0x08 ? b.u8(o++) : 0;
    if (flags & 0x04) o += 8;
    if (flags & 0x10) o += 1;
    const nameSize = b.uint(o, 1 << (flags & 3));
    o += 1 << (flags & 3);
    const linkName = new TextDecoder().decode(b.slice(o, nameSize, 'a link name'));
    o += nameSize;
    if (linkType === 0) links.set(linkName, b.u64(o)); // soft/external links are not followed
  }

  // ---- attributes

  attributes(address: number): Map<string, Attribute> {
    const b = this.bytes;
    const attrs = new Map<string, Attribute>();
    for (const m of this.messages(address)) {
      if (m.type !== MSG.attribute) continue;
      const version = b.u8(m.offset);
      const nameSize = b.u16(m.offset + 2);
      const typeSize = b.u16(m.offset + 4);
      const spaceSize = b.u16(m.offset + 6);
      const pad = version === 1 ? (n: number) => Math.ceil(n / 8) * 8 : (n: number) => n;
      let o = m.offset + 8 + (version === 3 ? 1 : 0);
      const name = b.ascii(o, nameSize);
      o += pad(nameSize);
      const type = this.parseDatatype(o);
      o += pad(typeSize);
      const dims = this.parseDataspace(o);
      o += pad(spaceSize);
      const count = dims.reduce((x, y) => x * y, 1);
      const dataSize = Math.min(count * type.size, m.offset + m.size - o);
      attrs.set(name, { name, type, dims, data: b.slice(o, Math.max(0, dataSize), 'attribute data') });
    }
    return attrs;
  }

  /** A string or integer attribute as a JS value; undefined when absent or of another type. */
  attribute(address: number, name: string): string | number | undefined {
    const attr = this.attributes(address).get(name);
    if (!attr) return undefined;
    if (attr.type.kind === 'string') {
      let s = '';
      for (const c of attr.data) {
        if (c === 0) break;
        s += String.fromCharCode(c);
      }
      return s.trimEnd();
    }
    if (attr.type.kind === 'int' && attr.data.length >= attr.type.size) {
      return new Bytes(attr.data, (m) => this.fail(m)).uint(0, attr.type.size);
    }
    return undefined;
  }

  // ---- datasets

  private parseDatatype(o: number): Hdf5Type {
    const b = this.bytes;
    const classAndVersion = b.u8(o);
    const typeClass = classAndVersion & 0x0f;
    const bits0 = b.u8(o + 1);
    const size = b.u32(o + 4);
    switch (typeClass) {
      case 0:
        if (bits0 & 1) this.fail('big-endian integers are not supported');
        return { kind: 'int', size, signed: (bits0 & 0x08) !== 0 };
      case 1:
        if (bits0 & 0x41) this.fail('big-endian or VAX floats are not supported');
        return { kind: 'float', size };
      case 3:
        return { kind: 'string', size };
      case 7:
        return { kind: 'reference', size };
      default:
        return { kind: 'other', size, typeClass };
    }
  }

  private parseDataspace(o: number): number[] {
    const b = this.bytes;
    const version = b.u8(o);
    const rank = b.u8(o + 1);
    if (version === 2 && b.u8(o + 3) === 2) return []; // null dataspace: no elements
    const dimsStart = o + (version === 1 ? 8 : 4);
    if (version !== 1 && version !== 2) this.fail(`unsupported dataspace message version ${version}`);
    const dims: number[] = [];
    for (let i = 0; i < rank; i++) dims.push(b.u64(dimsStart + i * 8));
    return dims; // rank 0 = scalar
  }

  datasetType(address: number): Hdf5Type {
    const m = this.message(address, MSG.datatype);
    if (!m) this.fail(`object at address ${address} is not a dataset`);
    return this.parseDatatype(m.offset);
  }

  /** Dataset dims in HDF5 (C) order; [] for a scalar. */
  datasetDims(address: number): number[] {
    const m = this.message(address, MSG.dataspace);
    if (!m) this.fail(`object at address ${address} is not a dataset`);
    return this.parseDataspace(m.offset);
  }

  private layout(address: number): Layout {
    const b = this.bytes;
    const m = this.message(address, MSG.layout);
    if (!m) this.fail(`object at address ${address} is not a dataset`);
    const version = b.u8(m.offset);
    if (version === 3 || version === 4) {
      const cls = b.u8(m.offset + 1);
      const o = m.offset + 2;
      if (cls === 0) return { kind: 'compact', data: b.slice(o + 2, b.u16(o), 'compact data') };
      if (cls === 1) return { kind: 'contiguous', address: b.u64(o), size: b.u64(o + 8) };
      if (cls === 2 && version === 3) {
        const rank = b.u8(o);
        const chunkDims: number[] = [];
        for (let i = 0; i < rank; i++) chunkDims.push(b.u32(o + 9 + i * 4));
        return { kind: 'chunked', btree: b.u64(o + 1), chunkDims };
      }
      return this.fail(`unsupported data layout (version ${version}, class ${cls})`);
    }
    if (version === 1 || version === 2) {
      const rank = b.u8(m.offset + 1);
      const cls = b.u8(m.offset + 2);
      let o = m.offset + 8;
      const addr = cls === 0 ? UNDEFINED_ADDRESS : b.u64(o);
      if (cls !== 0) o += 8;
      const dims: number[] = [];
      for (let i = 0; i < rank; i++) dims.push(b.u32(o + i * 4));
      o += rank * 4;
      if (cls === 0) return { kind: 'compact', data: b.slice(o + 4, b.u32(o), 'compact data') };
      if (cls === 1) return { kind: 'contiguous', address: addr, size: dims.reduce((x, y) => x * y, 1) };
      return { kind: 'chunked', btree: addr, chunkDims: dims };
    }
    return this.fail(`unsupported data layout message version ${version}`);
  }

  private filters(address: number): Filter[] {
    const b = this.bytes;
    const m = this.message(address, MSG.filters);
    if (!m) return [];
    const version = b.u8(m.offset);
    const count = b.u8(m.offset + 1);
    let o = m.offset + (version === 1 ? 8 : 2);
    const filters: Filter[] = [];
    for (let i = 0; i < count; i++) {
      const id = b.u16(o);
      const hasName = version === 1 || id >= 256;
      const nameLength = hasName ? b.u16(o + 2) : 0;
      o += hasName ? 4 : 2;
      const flags = b.u16(o);
      const nValues = b.u16(o + 2);
      o += 4;
      o += version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength;
      const values: number[] = [];
      for (let j = 0; j < nValues; j++) values.push(b.u32(o + j * 4));
      o += nValues * 4 + (version === 1 && nValues % 2 ? 4 : 0);
      filters.push({ id, flags, values });
    }
    return filters;
  }

  /** All elements of a dataset as raw little-endian bytes in C order of its dims. */
  readRaw(address: number, what: string): Uint8Array {
    const b = this.bytes;
    const type = this.datasetType(address);
    const dims = this.datasetDims(address);
    const count = dims.reduce((x, y) => x * y, 1);
    const size = count * type.size;
    const layout = this.layout(address);
    if (layout.kind === 'compact') {
      if (layout.data.length < size) this.fail(`${what}: compact data holds ${layout.data.length} bytes, expected ${size}`);
      return layout.data.subarray(0, size);
    }
    if (layout.kind === 'contiguous') {
      if (layout.address === UNDEFINED_ADDRESS) return new Uint8Array(size); // never written: fill value 0
      return b.slice(this.abs(layout.address, what), size, `${what} data`);
    }
    const out = new Uint8Array(size);
    if (layout.btree === UNDEFINED_ADDRESS) return out;
    const filters = this.filters(address);
    const rank = dims.length;
    const chunkDims = layout.chunkDims.slice(0, rank);
    const chunkBytes = chunkDims.reduce((x, y) => x * y, 1) * type.size;
    this.walkChunkBtree(layout.btree, rank, 0, (offsets, chunkAddress, storedSize, filterMask) => {
      let chunk = b.slice(this.abs(chunkAddress, what), storedSize, `${what} chunk`);
      // Undo the pipeline last filter first. A filter's output is what the filters before
      // it produced: the chunk itself plus 4 bytes per fletcher32 checksum among them.
      for (let i = filters.length - 1; i >= 0; i--) {
        if (filterMask & (1 << i)) continue;
        const checksums = filters.slice(0, i).filter((f, j) => f.id === 3 && !(filterMask & (1 << j))).length;
        chunk = this.applyFilter(filters[i], chunk, chunkBytes + 4 * checksums, type.size, what);
      }
      if (chunk.length !== chunkBytes) this.fail(`${what}: chunk decodes to ${chunk.length} bytes, expected ${chunkBytes}`);
      copyChunk(chunk, offsets, chunkDims, out, dims, type.size);
    });
    return out;
  }

  private applyFilter(filter: Filter, data: Uint8Array, outSize: number, itemSize: number, what: string): Uint8Array {
    const fail = (m: string): never => this.fail(`${what}: ${m}`);
    switch (filter.id) {
      case 1:
        return zlibInflate(data, outSize, fail);
      case 2: {
        const n = data.length / itemSize;
        const out = new Uint8Array(data.length);
        for (let j = 0; j < itemSize; j++) for (let i = 0; i < n; i++) out[i * itemSize + j] = data[j * n + i];
        return out;
      }
      case 3: {
        const body = data.subarray(0, data.length - 4);
        const t = data.subarray(data.length - 4);
        const sum = fletcher32(body);
        // H5Z_filter_fletcher32 stores the sum little-endian; files from HDF5 < 1.6.3
        // have it byte-swapped, which the library also accepts.
        const little = (t[0] | (t[1] << 8) | (t[2] << 16) | (t[3] << 24)) >>> 0;
        const big = ((t[0] << 24) | (t[1] << 16) | (t[2] << 8) | t[3]) >>> 0;
        if (sum !== little && sum !== big) fail('fletcher32 checksum mismatch (corrupt data)');
        return body;
      }
      default:
        return fail(`HDF5 filter ${filter.id} is not supported (only deflate, shuffle and fletcher32)`);
    }
  }

  private walkChunkBtree(
    address: number,
    rank: number,
    depth: number,
    visit: (offsets: number[], address: number, size: number, filterMask: number) => void,
  ): void {
    const b = this.bytes;
    if (depth > 32) this.fail('corrupt file: chunk B-tree is too deep');
    const o = this.abs(address, 'a chunk B-tree node');
    if (b.signature(o) !== 'TREE' || b.u8(o + 4) !== 1) this.fail(`corrupt file: no chunk B-tree node at address ${address}`);
    const level = b.u8(o + 5);
    const entries = b.u16(o + 6);
    const keySize = 8 + 8 * (rank + 1);
    let p = o + 24;
    for (let i = 0; i < entries; i++) {
      const size = b.u32(p);
      const mask = b.u32(p + 4);
      const offsets: number[] = [];
      for (let d = 0; d < rank; d++) offsets.push(b.u64(p + 8 + d * 8));
      const child = b.u64(p + keySize);
      if (level > 0) this.walkChunkBtree(child, rank, depth + 1, visit);
      else visit(offsets, child, size, mask);
      p += keySize + 8;
    }
  }
}

/** HDF5's H5_checksum_fletcher32: big-endian 16-bit words, sums folded to 16 bits. */
function fletcher32(data: Uint8Array): number {
  let sum1 = 0;
  let sum2 = 0;
  const words = data.length >> 1;
  for (let i = 0; i < words; ) {
    const end = Math.min(words, i + 360); // folding every 360 words keeps sums in 32 bits
    for (; i < end; i++) {
      sum1 += (data[2 * i] << 8) | data[2 * i + 1];
      sum2 += sum1;
    }
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  if (data.length % 2) {
    sum1 += data[data.length - 1] << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  return ((sum2 << 16) | sum1) >>> 0;
}

/** Copies a decoded chunk (C order, chunkDims) into the dataset buffer, clipping edges. */
function copyChunk(chunk: Uint8Array, offsets: number[], chunkDims: number[], out: Uint8Array, dims: number[], item: number): void {
  const rank = dims.length;
  if (rank === 0) {
    out.set(chunk.subarray(0, item));
    return;
  }
  const rowLen = Math.min(chunkDims[rank - 1], dims[rank - 1] - offsets[rank - 1]) * item;
  const idx = new Array<number>(rank - 1).fill(0);
  for (;;) {
    let src = 0;
    let dst = 0;
    let inside = true;
    for (let d = 0; d < rank - 1; d++) {
      const pos = offsets[d] + idx[d];
      if (pos >= dims[d]) inside = false;
      src = src * chunkDims[d] + idx[d];
      dst = dst * dims[d] + pos;
    }
    if (inside && rowLen > 0) {
      src = src * chunkDims[rank - 1] * item;
      dst = (dst * dims[rank - 1] + offsets[rank - 1]) * item;
      out.set(chunk.subarray(src, src + rowLen), dst);
    }
    let d = rank - 2;
    while (d >= 0 && ++idx[d] >= chunkDims[d]) idx[d--] = 0;
    if (d < 0) return;
  }
}

// ---------------------------------------------------------------- MATLAB layer

/** A MATLAB numeric array: MATLAB dims and column-major data, as stored. */
export interface MatArray {
  matlabClass: string;
  dims: number[];
  data: Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
}

const NUMERIC_CLASSES = new Set(['double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'logical']);

/** One MATLAB value in the file (a variable, a struct field, a cell element). */
export class MatNode {
  constructor(readonly file: MatFile, readonly address: number, readonly path: string) {}

  private get h5(): Hdf5File {
    return this.file.hdf5;
  }

  get isGroup(): boolean {
    return !this.h5.isDataset(this.address);
  }

  /** MATLAB_class attribute ('struct', 'cell', 'char', 'single', …); '' when absent. */
  get matlabClass(): string {
    const cls = this.h5.attribute(this.address, 'MATLAB_class');
    return typeof cls === 'string' ? cls : '';
  }

  get isEmpty(): boolean {
    return !this.isGroup && Boolean(this.h5.attribute(this.address, 'MATLAB_empty'));
  }

  get isReferenceArray(): boolean {
    return !this.isGroup && this.h5.datasetType(this.address).kind === 'reference';
  }

  /** Field / member names of a struct group (not '#refs#' and friends). */
  fieldNames(): string[] {
    if (!this.isGroup) return [];
    return [...this.h5.links(this.address).keys()].filter((k) => !k.startsWith('#'));
  }

  field(name: string): MatNode {
    const links = this.isGroup ? this.h5.links(this.address) : undefined;
    const address = links?.get(name);
    if (address === undefined) {
      const have = this.fieldNames();
      this.file.fail(`${this.path} has no field '${name}'${have.length ? ` (fields: ${have.join(', ')})` : ''}`);
    }
    return new MatNode(this.file, address, `${this.path}.${name}`);
  }

  hasField(name: string): boolean {
    return this.isGroup && this.h5.links(this.address).has(name);
  }

  /** MATLAB dims (HDF5 dims reversed); an empty array reports its stored dims. */
  get dims(): number[] {
    if (this.isGroup) return [1, 1];
    if (this.isEmpty) return this.readEmptyDims();
    const dims = this.h5.datasetDims(this.address).slice().reverse();
    return dims.length === 0 ? [1, 1] : dims.length === 1 ? [dims[0], 1] : dims;
  }

  /** An empty array stores its MATLAB dims (e.g. [0 0]) as uint64 values. */
  private readEmptyDims(): number[] {
    const raw = this.h5.readRaw(this.address, this.path);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const dims: number[] = [];
    for (let i = 0; i + 8 <= raw.length; i += 8) dims.push(view.getUint32(i, true));
    return dims.length ? dims : [0, 0];
  }

  /** Followed object references of a cell or struct-array field, in MATLAB linear order. */
  references(): MatNode[] {
    if (!this.isReferenceArray) this.file.fail(`${this.path} is not a cell or struct-array field (no object references)`);
    const raw = this.h5.readRaw(this.address, this.path);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const nodes: MatNode[] = [];
    for (let i = 0; i + 8 <= raw.length; i += 8) {
      const lo = view.getUint32(i, true);
      const hi = view.getUint32(i + 4, true);
      const address = hi * 0x100000000 + lo;
      const name = `${this.path}(${nodes.length + 1})`;
      if (address === 0 || (lo === 0xffffffff && hi === 0xffffffff)) this.file.fail(`${name} is a null object reference`);
      nodes.push(new MatNode(this.file, address, name));
    }
    return nodes;
  }

  /** The elements of a struct-array field: followed references, or the value itself for a 1×1 struct. */
  elements(): MatNode[] {
    return this.isReferenceArray ? this.references() : [this];
  }

  /** A char array as a string (MATLAB stores UTF-16 code units in uint16). */
  readString(): string {
    if (this.isGroup || this.matlabClass !== 'char') this.file.fail(`${this.path} is not a char array (class '${this.matlabClass || 'none'}')`);
    if (this.isEmpty) return '';
    const codes = this.readTyped();
    return String.fromCharCode(...codes);
  }

  /** A cell array of char arrays (e.g. DagNN layer.params) as strings. */
  readStringCell(): string[] {
    if (this.isEmpty) return [];
    return this.references().map((n) => n.readString());
  }

  /** A numeric array with MATLAB dims and column-major data. */
  readArray(): MatArray {
    const cls = this.matlabClass;
    if (this.isGroup || !NUMERIC_CLASSES.has(cls)) this.file.fail(`${this.path} is not a numeric array (class '${cls || 'none'}')`);
    if (this.isEmpty) return { matlabClass: cls, dims: this.dims, data: new Float64Array(0) };
    return { matlabClass: cls, dims: this.dims, data: this.readTyped() };
  }

  private readTyped(): MatArray['data'] {
    const type = this.h5.datasetType(this.address);
    const raw = this.h5.readRaw(this.address, this.path);
    // Copy: typed-array views need aligned offsets, and the result outlives the file bytes.
    const buffer = new Uint8Array(raw).buffer;
    if (type.kind === 'float' && type.size === 4) return new Float32Array(buffer);
    if (type.kind === 'float' && type.size === 8) return new Float64Array(buffer);
    if (type.kind === 'int') {
      if (type.size === 1) return type.signed ? new Int8Array(buffer) : new Uint8Array(buffer);
      if (type.size === 2) return type.signed ? new Int16Array(buffer) : new Uint16Array(buffer);
      if (type.size === 4) return type.signed ? new Int32Array(buffer) : new Uint32Array(buffer);
    }
    return this.file.fail(`${this.path} has an unsupported element type (${type.kind}, ${type.size} bytes)`);
  }
}

/** A MATLAB v7.3 MAT-file held in memory. */
export class MatFile {
  readonly hdf5: Hdf5File;

  constructor(bytes: Uint8Array, readonly fileName: string) {
    this.hdf5 = new Hdf5File(bytes, fileName);
    const header = new TextDecoder('latin1').decode(bytes.subarray(0, MATLAB_V73_HEADER.length));
    if (this.hdf5.superblockOffset !== 512 || header !== MATLAB_V73_HEADER) {
      this.fail(`is an HDF5 file but not a MATLAB v7.3 MAT-file (no '${MATLAB_V73_HEADER}' header in a 512-byte user block)`);
    }
  }

  fail(msg: string): never {
    throw new MatFileError(`${this.fileName}: ${msg}`);
  }

  /** Names of the top-level variables. */
  variableNames(): string[] {
    return [...this.hdf5.links(this.hdf5.rootAddress).keys()].filter((k) => !k.startsWith('#'));
  }

  variable(name: string): MatNode {
    const address = this.hdf5.links(this.hdf5.rootAddress).get(name);
    if (address === undefined) {
      const have = this.variableNames();
      this.fail(`missing variable '${name}' (the file holds ${have.length ? have.map((v) => `'${v}'`).join(', ') : 'no variables'})`);
    }
    return new MatNode(this, address, name);
  }
}

/** Opens a MATLAB v7.3 MAT-file; `fileName` is used in error messages. */
export function readMatV73(bytes: Uint8Array, fileName: string): MatFile {
  return new MatFile(bytes, fileName);
}
