// Draws the app icons (two people side by side at a desk) as PNG files in
// public/icons and the favicon as SVG, with nothing but node:zlib. Run it
// with `npm run icons` after changing the design; the output is committed.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');
const ACCENT = [0x2d, 0x6a, 0x6e];
const PAPER = [0xf7, 0xf6, 0xf3];

// The mark in a unit square: heads, shoulders and a desk.
const heads = [
  { x: 0.37, y: 0.38, r: 0.085 },
  { x: 0.63, y: 0.38, r: 0.085 },
];
const BODY_HALF = 0.115;
const BODY_TOP = 0.5;
const DESK = { x0: 0.2, x1: 0.8, y0: 0.68, y1: 0.735 };

function inMark(u, v) {
  for (const h of heads) {
    if ((u - h.x) ** 2 + (v - h.y) ** 2 <= h.r ** 2) return true;
    const cy = BODY_TOP + BODY_HALF;
    if (Math.abs(u - h.x) <= BODY_HALF && v >= cy && v <= DESK.y0) return true;
    if ((u - h.x) ** 2 + (v - cy) ** 2 <= BODY_HALF ** 2) return true;
  }
  return u >= DESK.x0 && u <= DESK.x1 && v >= DESK.y0 && v <= DESK.y1;
}

function inRoundedSquare(u, v, radius) {
  const dx = Math.max(radius - u, 0, u - (1 - radius));
  const dy = Math.max(radius - v, 0, v - (1 - radius));
  return dx * dx + dy * dy <= radius * radius;
}

// render returns RGBA pixels; scale shrinks the mark toward the centre (for
// the maskable safe zone), radius rounds the background (0 = full bleed).
function render(size, { scale = 1, radius = 0 }) {
  const px = Buffer.alloc(size * size * 4);
  const S = 4; // 4×4 supersampling for smooth edges
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const u = (x + (sx + 0.5) / S) / size;
          const v = (y + (sy + 0.5) / S) / size;
          if (radius > 0 && !inRoundedSquare(u, v, radius)) continue;
          bg++;
          if (inMark(0.5 + (u - 0.5) / scale, 0.5 + (v - 0.5) / scale)) fg++;
        }
      }
      const i = (y * size + x) * 4;
      const t = bg ? fg / bg : 0;
      for (let c = 0; c < 3; c++) px[i + c] = Math.round(ACCENT[c] * (1 - t) + PAPER[c] * t);
      px[i + 3] = Math.round((255 * bg) / (S * S));
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function hex(rgb) {
  return '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('');
}

function svg() {
  const r = (n) => +(n * 64).toFixed(2);
  const bodies = heads
    .map((h) => {
      const cy = BODY_TOP + BODY_HALF;
      return `<circle cx="${r(h.x)}" cy="${r(h.y)}" r="${r(h.r)}"/>` +
        `<path d="M${r(h.x - BODY_HALF)} ${r(DESK.y0)}V${r(cy)}a${r(BODY_HALF)} ${r(BODY_HALF)} 0 0 1 ${r(2 * BODY_HALF)} 0V${r(DESK.y0)}z"/>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">` +
    `<rect width="64" height="64" rx="${r(0.22)}" fill="${hex(ACCENT)}"/>` +
    `<g fill="${hex(PAPER)}">${bodies}<rect x="${r(DESK.x0)}" y="${r(DESK.y0)}" width="${r(DESK.x1 - DESK.x0)}" height="${r(DESK.y1 - DESK.y0)}"/></g></svg>\n`;
}

const outputs = [
  ['icons/icon-192.png', () => png(192, render(192, { radius: 0.22 }))],
  ['icons/icon-512.png', () => png(512, render(512, { radius: 0.22 }))],
  // Maskable: full bleed, the mark inside the 80 % safe zone.
  ['icons/maskable-512.png', () => png(512, render(512, { scale: 0.72 }))],
  ['icons/apple-touch-icon.png', () => png(180, render(180, { scale: 0.85 }))],
  ['favicon.svg', () => svg()],
];

for (const [name, make] of outputs) {
  const file = join(root, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, make());
  console.log('wrote', name);
}
