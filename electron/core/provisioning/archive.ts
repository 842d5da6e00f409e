/**
 * Just enough of tar.gz and zip to take one executable out of a uv release archive, without
 * running an external `tar` or `unzip`.
 */
import { gunzipSync, inflateRawSync } from 'node:zlib';

const BLOCK = 512;
/** Refuse entries bigger than this (uv is ~40 MB). */
const MAX_ENTRY = 512 * 1024 * 1024;

function cString(buf: Buffer, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8');
}

function octal(buf: Buffer, start: number, length: number): number {
  const text = cString(buf, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

const baseName = (p: string): string => p.replace(/\/+$/, '').split(/[\\/]/).pop() ?? '';

/** The content of the first regular file named `name` (any folder) in a gzipped tar archive. */
export function extractFromTarGz(archive: Buffer, name: string): Buffer | null {
  const tar = gunzipSync(archive, { maxOutputLength: MAX_ENTRY });
  let longName: string | null = null;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    if (!Number.isFinite(size) || size < 0 || size > MAX_ENTRY) throw new Error('the tar archive is damaged (bad entry size)');
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + BLOCK;
    const data = tar.subarray(dataStart, dataStart + size);
    if (data.length < size) throw new Error('the tar archive is truncated');
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (type === 'x' || type === 'g') {
      const pax = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (pax?.[1] !== undefined && type === 'x') longName = pax[1];
      continue;
    }
    const prefix = cString(header, 345, 155);
    const entryName = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
    longName = null;
    if ((type === '0' || type === '\0') && baseName(entryName) === name) return Buffer.from(data);
  }
  return null;
}

/** The content of the first file named `name` (any folder) in a zip archive (stored or deflated). */
export function extractFromZip(archive: Buffer, name: string): Buffer | null {
  const minEnd = Math.max(0, archive.length - 22 - 0xffff);
  let end = -1;
  for (let i = archive.length - 22; i >= minEnd; i--) {
    if (archive.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = archive.readUInt16LE(end + 10);
  let p = archive.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    if (p + 46 > archive.length || archive.readUInt32LE(p) !== 0x02014b50) throw new Error('the zip archive is damaged (central directory)');
    const method = archive.readUInt16LE(p + 10);
    const compressed = archive.readUInt32LE(p + 20);
    const size = archive.readUInt32LE(p + 24);
    const nameLen = archive.readUInt16LE(p + 28);
    const extraLen = archive.readUInt16LE(p + 30);
    const commentLen = archive.readUInt16LE(p + 32);
    const local = archive.readUInt32LE(p + 42);
    const entryName = archive.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (entryName.endsWith('/') || baseName(entryName) !== name) continue;
    if (size > MAX_ENTRY) throw new Error('the zip entry is too large');
    if (archive.readUInt32LE(local) !== 0x04034b50) throw new Error('the zip archive is damaged (local header)');
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const raw = archive.subarray(start, start + compressed);
    if (method === 0) return Buffer.from(raw);
    if (method === 8) return inflateRawSync(raw, { maxOutputLength: MAX_ENTRY });
    throw new Error(`unsupported zip compression method ${method}`);
  }
  return null;
}
