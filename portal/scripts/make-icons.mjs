// Writes the portal's PNG icons (192, 512, maskable 512, apple-touch 180) into public/icons with no
// dependency beyond Node: the mark is drawn with 4×4 supersampling and encoded as an RGBA PNG
// (zlib deflate + CRC-32 chunks). Run with `npm run icons -w portal`; the PNGs are committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

/** The portal's theme colour (#0d5c63) and the mark's colour. */
const BACKGROUND = [0x0d, 0x5c, 0x63];
const MARK = [0xff, 0xff, 0xff];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** An RGBA image as a PNG file (colour type 6, 8 bits, no interlace, filter 0 on every row). */
function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The mark in unit coordinates (0..1 of the square): a portico — pediment, three columns, a base.
 * `scale` shrinks it around the centre (maskable icons keep it inside the 80 % safe zone).
 */
function inMark(x, y, scale) {
  const u = (x - 0.5) / scale + 0.5;
  const v = (y - 0.5) / scale + 0.5;
  const pediment = v >= 0.2 && v <= 0.38 && Math.abs(u - 0.5) <= ((v - 0.2) / 0.18) * 0.36;
  const lintel = v > 0.38 && v <= 0.44 && u >= 0.14 && u <= 0.86;
  const column = v > 0.48 && v <= 0.74 && [0.25, 0.5, 0.75].some((c) => Math.abs(u - c) <= 0.055);
  const base = v > 0.77 && v <= 0.83 && u >= 0.14 && u <= 0.86;
  return pediment || lintel || column || base;
}

/** Inside the rounded square of the "any" icon (corner radius 18 % of the side). */
function inRoundedSquare(x, y) {
  const r = 0.18;
  const dx = Math.max(r - x, 0, x - (1 - r));
  const dy = Math.max(r - y, 0, y - (1 - r));
  return dx * dx + dy * dy <= r * r;
}

function draw(size, { maskable }) {
  const rgba = Buffer.alloc(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let cover = 0;
      let ink = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          if (!maskable && !inRoundedSquare(x, y)) continue;
          cover++;
          if (inMark(x, y, maskable ? 0.62 : 0.8)) ink++;
        }
      }
      const total = samples * samples;
      const i = (py * size + px) * 4;
      const t = cover === 0 ? 0 : ink / cover;
      for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(BACKGROUND[c] * (1 - t) + MARK[c] * t);
      rgba[i + 3] = Math.round((cover / total) * 255);
    }
  }
  return encodePng(size, rgba);
}

const out = new URL('../public/icons/', import.meta.url);
mkdirSync(out, { recursive: true });
const icons = [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['icon-maskable-512.png', 512, true],
  ['apple-touch-icon.png', 180, true],
];
for (const [name, size, maskable] of icons) {
  writeFileSync(new URL(name, out), draw(size, { maskable }));
  console.log(`wrote public/icons/${name} (${size}×${size}${maskable ? ', maskable' : ''})`);
}
