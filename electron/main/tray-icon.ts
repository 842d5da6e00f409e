/**
 * Tray icons drawn at run time (a filled circle coloured by the connection state), so the shell
 * needs no image files. Pure: returns PNG bytes that `nativeImage.createFromBuffer` accepts.
 */
import { deflateSync } from 'node:zlib';
import type { TrayTone } from './tray-model.js';

export const TONE_COLORS: Record<TrayTone, readonly [number, number, number]> = {
  ok: [46, 160, 67],
  busy: [219, 154, 4],
  error: [207, 34, 46],
  idle: [110, 118, 129],
};

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A `size`×`size` RGBA PNG: an anti-aliased disc of `rgb` on transparency. */
export function discPng(size: number, rgb: readonly [number, number, number]): Buffer {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  const r = size / 2 - 1;
  const centre = size / 2;
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x + 0.5 - centre, y + 0.5 - centre);
      const alpha = Math.max(0, Math.min(1, r - d + 0.5));
      const i = row + 1 + x * 4;
      raw[i] = rgb[0];
      raw[i + 1] = rgb[1];
      raw[i + 2] = rgb[2];
      raw[i + 3] = Math.round(alpha * 255);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export function toneIcon(tone: TrayTone, size = 32): Buffer {
  return discPng(size, TONE_COLORS[tone]);
}
