// A small zip reader for the archives torch.save writes since PyTorch 1.6 (miniz,
// every entry "stored", i.e. uncompressed, data aligned to 64 bytes through padding in
// the local header's extra field). Reads the central directory (zip64 too), returns
// entry data as views into the input (no copies) and checks each entry's CRC-32, which
// is how a corrupted storage in a zip checkpoint is caught.
import { WeightsFormatError } from './weights-bundle';

export class ZipFormatError extends WeightsFormatError {
  override name = 'ZipFormatError';
}

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

const LOCAL_HEADER_SIG = 0x04034b50;
const CENTRAL_HEADER_SIG = 0x02014b50;
const END_OF_CENTRAL_DIR_SIG = 0x06054b50;
const ZIP64_END_SIG = 0x06064b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EXTRA_ID = 0x0001;
const END_OF_CENTRAL_DIR_SIZE = 22;
const MAX_COMMENT = 0xffff;

/** True when the bytes start like a zip archive (a local file header). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
  );
}

let crcTable: Uint32Array | undefined;
function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  /** `where` names the file in error messages. */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly where: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readCentralDirectory();
  }

  private fail(what: string): never {
    throw new ZipFormatError(`${this.where}: ${what}`);
  }

  private u16(at: number): number {
    return this.view.getUint16(at, true);
  }

  private u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  private u64(at: number): number {
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      this.fail(`corrupt zip archive (64-bit field at byte ${at} is out of range)`);
    return Number(value);
  }

  private findEndOfCentralDirectory(): number {
    const lowest = Math.max(0, this.bytes.length - END_OF_CENTRAL_DIR_SIZE - MAX_COMMENT);
    for (let at = this.bytes.length - END_OF_CENTRAL_DIR_SIZE; at >= lowest; at--) {
      if (this.u32(at) === END_OF_CENTRAL_DIR_SIG) return at;
    }
    // A torch zip checkpoint ends with its central directory; a file that starts like a
    // zip but lacks one was cut short.
    return this.fail(
      looksLikeZip(this.bytes)
        ? `truncated zip checkpoint: the end-of-central-directory record is missing (${this.bytes.length} bytes; was the file cut short?)`
        : 'not a zip archive (no end-of-central-directory record)',
    );
  }

  private readCentralDirectory(): void {
    const eocd = this.findEndOfCentralDirectory();
    let count = this.u16(eocd + 10);
    let dirSize = this.u32(eocd + 12);
    let dirOffset = this.u32(eocd + 16);
    if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || this.u32(locator) !== ZIP64_LOCATOR_SIG)
        this.fail('corrupt zip archive (zip64 locator missing)');
      const zip64End = this.u64(locator + 8);
      if (zip64End + 56 > this.bytes.length || this.u32(zip64End) !== ZIP64_END_SIG)
        this.fail('corrupt zip archive (zip64 end record missing)');
      count = this.u64(zip64End + 32);
      dirSize = this.u64(zip64End + 40);
      dirOffset = this.u64(zip64End + 48);
    }
    if (dirOffset + dirSize > this.bytes.length)
      this.fail(
        `truncated or corrupt zip archive (central directory at ${dirOffset}+${dirSize} lies past the end, ${this.bytes.length} bytes)`,
      );
    const decoder = new TextDecoder('utf-8');
    let at = dirOffset;
    for (let i = 0; i < count; i++) {
      if (at + 46 > dirOffset + dirSize || this.u32(at) !== CENTRAL_HEADER_SIG)
        this.fail(`corrupt zip archive (bad central directory entry ${i} at byte ${at})`);
      const nameLength = this.u16(at + 28);
      const extraLength = this.u16(at + 30);
      const commentLength = this.u16(at + 32);
      const entry: ZipEntry = {
        name: decoder.decode(this.bytes.subarray(at + 46, at + 46 + nameLength)),
        method: this.u16(at + 10),
        crc32: this.u32(at + 16),
        compressedSize: this.u32(at + 20),
        size: this.u32(at + 24),
        localHeaderOffset: this.u32(at + 42),
      };
      this.applyZip64Extra(entry, at + 46 + nameLength, extraLength);
      this.entries.set(entry.name, entry);
      at += 46 + nameLength + extraLength + commentLength;
    }
  }

  /** Sizes and offsets of 0xffffffff live in the zip64 extra field, in this order. */
  private applyZip64Extra(entry: ZipEntry, extraStart: number, extraLength: number): void {
    const needed = (['size', 'compressedSize', 'localHeaderOffset'] as const).filter(
      (key) => entry[key] === 0xffffffff,
    );
    if (needed.length === 0) return;
    for (let at = extraStart; at + 4 <= extraStart + extraLength;) {
      const id = this.u16(at);
      const length = this.u16(at + 2);
      if (id === ZIP64_EXTRA_ID) {
        needed.forEach((key, i) => {
          if (8 * i + 8 > length) this.fail(`corrupt zip archive (short zip64 field for ${entry.name})`);
          entry[key] = this.u64(at + 4 + 8 * i);
        });
        return;
      }
      at += 4 + length;
    }
    this.fail(`corrupt zip archive (zip64 field missing for ${entry.name})`);
  }

  /** The entry's bytes (a view into the archive); checks the CRC-32 unless told not to. */
  read(name: string, verifyCrc = true): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) return this.fail(`zip entry ${name} is missing`);
    if (entry.method !== 0) {
      this.fail(
        `zip entry ${name} is compressed (method ${entry.method}); torch.save writes uncompressed entries, ` +
          'so this file was re-packed — unzip it and zip it again with "zip -0"',
      );
    }
    const local = entry.localHeaderOffset;
    if (local + 30 > this.bytes.length || this.u32(local) !== LOCAL_HEADER_SIG)
      this.fail(`corrupt zip archive (bad local header for ${name} at byte ${local})`);
    const start = local + 30 + this.u16(local + 26) + this.u16(local + 28);
    const end = start + entry.size;
    if (end > this.bytes.length)
      this.fail(
        `truncated zip archive: entry ${name} ends at byte ${end}, the file has ${this.bytes.length}`,
      );
    const data = this.bytes.subarray(start, end);
    if (verifyCrc && crc32(data) !== entry.crc32)
      this.fail(`corrupt zip entry ${name} (CRC-32 mismatch: the data was altered)`);
    return data;
  }
}
