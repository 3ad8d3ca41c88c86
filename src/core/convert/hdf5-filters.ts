// HDF5's chunk filter pipeline as MATLAB and h5py write it: deflate (filter 1, a
// zlib-wrapped stream per chunk), shuffle (2) and fletcher32 (3); plus the copy of a
// decoded chunk into the dataset's buffer. DEFLATE itself is fflate's.
import { unzlibSync } from 'fflate';

export interface Hdf5Filter {
  id: number;
  flags: number;
  values: number[];
}

/** zlib-wrapped deflate → exactly `outSize` bytes; overflow, bad codes and a wrong Adler-32 are corruption. */
export function zlibInflate(input: Uint8Array, outSize: number, fail: (m: string) => never): Uint8Array {
  if (
    input.length < 6 ||
    (input[0] & 0x0f) !== 8 ||
    ((input[0] << 8) | input[1]) % 31 !== 0 ||
    input[1] & 0x20
  ) {
    fail('corrupt deflate data: bad zlib header');
  }
  if (input.length === 6) fail('corrupt deflate data: stream ends early');
  // One spare byte: output that reaches it means the stream holds more than the chunk.
  let out: Uint8Array;
  try {
    out = unzlibSync(input, { out: new Uint8Array(outSize + 1) });
  } catch (error) {
    // fflate throws Errors with a numeric code; a stored block past a fixed output buffer
    // surfaces as the RangeError of TypedArray.set.
    if (error instanceof RangeError) return fail('corrupt deflate data: more output than the chunk holds');
    if (error instanceof Error && typeof (error as { code?: unknown }).code === 'number') {
      return fail(`corrupt deflate data: ${error.message}`);
    }
    throw error;
  }
  if (out.length > outSize) fail('corrupt deflate data: more output than the chunk holds');
  if (out.length !== outSize)
    fail(`corrupt deflate data: chunk inflates to ${out.length} bytes, expected ${outSize}`);
  // fflate's unzlibSync does not check the Adler-32 trailer (big-endian, the last 4 bytes).
  const t = input.subarray(input.length - 4);
  const stored = ((t[0] << 24) | (t[1] << 16) | (t[2] << 8) | t[3]) >>> 0;
  if (adler32(out) !== stored) fail('corrupt deflate data: Adler-32 checksum mismatch');
  return out;
}

/** RFC 1950 Adler-32. */
function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length;) {
    const end = Math.min(data.length, i + 5552); // largest run without 32-bit overflow
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** HDF5's H5_checksum_fletcher32: big-endian 16-bit words, sums folded to 16 bits. */
function fletcher32(data: Uint8Array): number {
  let sum1 = 0;
  let sum2 = 0;
  const words = data.length >> 1;
  for (let i = 0; i < words;) {
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

/** Undoes one filter; `outSize` is what the filters before it produced. */
export function applyFilter(
  filter: Hdf5Filter,
  data: Uint8Array,
  outSize: number,
  itemSize: number,
  fail: (m: string) => never,
): Uint8Array {
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

/** Copies a decoded chunk (C order, chunkDims) into the dataset buffer, clipping edges. */
export function copyChunk(
  chunk: Uint8Array,
  offsets: number[],
  chunkDims: number[],
  out: Uint8Array,
  dims: number[],
  item: number,
): void {
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
