// Draws the toolbar icon (a lens ring around a mouth-like waveform) as a PNG without
// image dependencies, so the build needs no binary assets in git.
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function drawIcon(size) {
  const rows = [];
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0 + RGBA
    for (let x = 0; x < size; x++) {
      const dx = (x - c) / (size / 2),
        dy = (y - c) / (size / 2);
      const r = Math.hypot(dx, dy);
      let rgba = [0, 0, 0, 0];
      if (r < 0.98) rgba = [24, 32, 48, 255];
      if (r > 0.8 && r < 0.98) rgba = [80, 200, 160, 255];
      // Lips: two arcs that meet at the corners.
      const lip = 0.32 * (1 - (dx / 0.55) ** 2);
      if (Math.abs(dx) < 0.55 && (Math.abs(dy - lip * 0.6) < 0.09 || Math.abs(dy + lip * 0.6) < 0.09))
        rgba = [240, 110, 110, 255];
      row.set(rgba, 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
