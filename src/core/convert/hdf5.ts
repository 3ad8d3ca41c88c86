// HDF5 reader: the part of the format MATLAB's `save -v7.3` (and h5py imitating it)
// writes — superblock v0–v3, object headers v1/v2, symbol-table (old-style) and compact
// link-message groups, attributes, compact / contiguous / chunked (B-tree v1) storage,
// fixed-point, floating-point, string and object-reference types. The chunk filters
// (deflate, shuffle, fletcher32) are in hdf5-filters.ts; MATLAB semantics on top of this
// are in matlab-v73.ts.
//
// Why not jsfive (0.4.2): it looks for the superblock only at offset 0 (MATLAB puts it at
// 512), its File._get_object_by_address never returns the object it finds (so references
// cannot be followed), it slices contiguous reference datasets with the element count
// instead of the byte count, it reads floats one DataView call at a time into plain arrays
// (~14 M values here), and it throws bare strings. Fixing all that from the outside would
// be more code than this reader.
import { WeightsFormatError } from './weights-bundle';
import { applyFilter, copyChunk, type Hdf5Filter } from './hdf5-filters';

/** An HDF5 file that cannot be read (callers may pass their own error type to Hdf5File). */
export class Hdf5FormatError extends WeightsFormatError {
  override name = 'Hdf5FormatError';
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const UNDEFINED_ADDRESS = Number.MAX_SAFE_INTEGER; // all-ones addresses are mapped here

/** Bounds-checked little-endian reads; any read past the end means a truncated file. */
class Bytes {
  readonly view: DataView;
  constructor(
    readonly data: Uint8Array,
    private readonly fail: (msg: string) => never,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  get length(): number {
    return this.data.length;
  }
  check(offset: number, size: number, what: string): void {
    if (!(offset >= 0) || offset + size > this.data.length) {
      this.fail(
        `truncated or corrupt file: ${what} at byte ${offset} (+${size}) lies past the end of the file (${this.data.length} bytes)`,
      );
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
      case 1:
        return this.u8(o);
      case 2:
        return this.u16(o);
      case 4:
        return this.u32(o);
      case 8:
        return this.u64(o);
      default:
        return this.fail(`corrupt file: ${size}-byte integer field at byte ${o}`);
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

  /** `where` names the file in error messages; `makeError` builds the error thrown (Hdf5FormatError by default). */
  constructor(
    data: Uint8Array,
    private readonly where: string,
    private readonly makeError: (message: string) => Error = (message) => new Hdf5FormatError(message),
  ) {
    // A node Buffer is a Uint8Array whose slice() does not copy; use plain Uint8Array semantics.
    data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const fail = (msg: string): never => {
      throw makeError(`${where}: ${msg}`);
    };
    this.bytes = new Bytes(data, fail);
    const sb = Hdf5File.findSuperblock(data);
    if (sb < 0) fail(Hdf5File.describeNonHdf5(data));
    this.superblockOffset = sb;
    const b = this.bytes;
    const version = b.u8(sb + 8);
    let eof: number;
    if (version === 0 || version === 1) {
      if (b.u8(sb + 13) !== 8 || b.u8(sb + 14) !== 8)
        fail('HDF5 file uses offsets/lengths other than 8 bytes, which this reader does not support');
      let o = sb + 24 + (version === 1 ? 4 : 0);
      this.base = b.u64(o);
      eof = b.u64(o + 16);
      o += 32; // base, free-space, end-of-file, driver-info addresses
      this.rootAddress = b.u64(o + 8); // root group symbol-table entry: object header address
    } else if (version === 2 || version === 3) {
      if (b.u8(sb + 9) !== 8 || b.u8(sb + 10) !== 8)
        fail('HDF5 file uses offsets/lengths other than 8 bytes, which this reader does not support');
      this.base = b.u64(sb + 12);
      eof = b.u64(sb + 28);
      this.rootAddress = b.u64(sb + 36);
    } else {
      throw makeError(`${where}: unsupported HDF5 superblock version ${version}`);
    }
    if (this.base !== sb)
      fail(`corrupt HDF5 superblock: base address ${this.base} but the superblock is at byte ${sb}`);
    // The HDF5 library stores the end-of-file address including the user block (h5py and
    // MATLAB files both measure it from byte 0), so compare it with the whole length.
    if (eof > data.length) {
      fail(
        `file is truncated: the HDF5 superblock says it has ${eof} bytes but only ${data.length} are present`,
      );
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
    if (data.length === 0) return 'not an HDF5 file: file is empty';
    if (data.length < 520)
      return `not an HDF5 file: no HDF5 signature (file is only ${data.length} bytes — truncated?)`;
    return 'not an HDF5 file: no HDF5 signature at byte 0, 512, 1024, …';
  }

  fail(msg: string): never {
    throw this.makeError(`${this.where}: ${msg}`);
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
    if (version !== 1)
      this.fail(`corrupt file: no object header at address ${address} (version byte ${version})`);
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
        if (body + msgSize > blockStart + blockSize)
          this.fail(`corrupt object header at address ${address}: message overruns its block`);
        messages.push({ type, offset: body, size: msgSize });
        if (type === MSG.continuation)
          blocks.push([this.abs(b.u64(body), 'a header continuation'), b.u64(body + 8)]);
        o = body + msgSize;
      }
    }
    return messages.filter((m) => m.type !== 0);
  }

  private readMessagesV2(
    blocks: Array<[number, number]>,
    creationOrder: boolean,
    messages: Message[],
  ): Message[] {
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
        if (type === MSG.continuation)
          blocks.push([this.abs(b.u64(body), 'a header continuation'), b.u64(body + 8)]);
        o = body + msgSize;
      }
    }
    return messages;
  }

  private message(address: number, type: number): Message | undefined {
    return this.messages(address).find((m) => m.type === type);
  }

  isDataset(address: number): boolean {
    return (
      this.message(address, MSG.dataspace) !== undefined && this.message(address, MSG.layout) !== undefined
    );
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
        if (heapAddress !== UNDEFINED_ADDRESS)
          this.fail('group uses dense link storage (fractal heap), which this reader does not support');
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

  private walkGroupBtree(
    address: number,
    name: (offset: number) => string,
    links: Map<string, number>,
    depth: number,
  ): void {
    const b = this.bytes;
    if (depth > 32) this.fail('corrupt file: group B-tree is too deep');
    const o = this.abs(address, 'a group B-tree node');
    if (b.signature(o) !== 'TREE' || b.u8(o + 4) !== 0)
      this.fail(`corrupt file: no group B-tree node at address ${address}`);
    const level = b.u8(o + 5);
    const entries = b.u16(o + 6);
    for (let i = 0; i < entries; i++) {
      const child = b.u64(o + 24 + 8 + i * 16); // keys and children interleave, key first
      if (level > 0) this.walkGroupBtree(child, name, links, depth + 1);
      else this.readSymbolNode(child, name, links);
    }
  }

  private readSymbolNode(
    address: number,
    name: (offset: number) => string,
    links: Map<string, number>,
  ): void {
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

  private filters(address: number): Hdf5Filter[] {
    const b = this.bytes;
    const m = this.message(address, MSG.filters);
    if (!m) return [];
    const version = b.u8(m.offset);
    const count = b.u8(m.offset + 1);
    let o = m.offset + (version === 1 ? 8 : 2);
    const filters: Hdf5Filter[] = [];
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
      if (layout.data.length < size)
        this.fail(`${what}: compact data holds ${layout.data.length} bytes, expected ${size}`);
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
    const fail = (m: string): never => this.fail(`${what}: ${m}`);
    this.walkChunkBtree(layout.btree, rank, 0, (offsets, chunkAddress, storedSize, filterMask) => {
      let chunk = b.slice(this.abs(chunkAddress, what), storedSize, `${what} chunk`);
      // Undo the pipeline last filter first. A filter's output is what the filters before
      // it produced: the chunk itself plus 4 bytes per fletcher32 checksum among them.
      for (let i = filters.length - 1; i >= 0; i--) {
        if (filterMask & (1 << i)) continue;
        const checksums = filters.slice(0, i).filter((f, j) => f.id === 3 && !(filterMask & (1 << j))).length;
        chunk = applyFilter(filters[i], chunk, chunkBytes + 4 * checksums, type.size, fail);
      }
      if (chunk.length !== chunkBytes)
        this.fail(`${what}: chunk decodes to ${chunk.length} bytes, expected ${chunkBytes}`);
      copyChunk(chunk, offsets, chunkDims, out, dims, type.size);
    });
    return out;
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
    if (b.signature(o) !== 'TREE' || b.u8(o + 4) !== 1)
      this.fail(`corrupt file: no chunk B-tree node at address ${address}`);
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
