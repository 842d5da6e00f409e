/**
 * File-system helpers for discovery: a `node:fs` backed implementation of
 * `DiscoveryFs`, and a per-call view that never throws and memoizes directory
 * listings (several sources scan the same folders).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { DiscoveryFs, FileStat } from './types.js';

export type PathApi = typeof path.posix;

/** `DiscoveryFs` on top of `node:fs/promises`. Stateless. */
export const nodeDiscoveryFs: DiscoveryFs = {
  readdir: (dir) => fsp.readdir(dir),
  stat: (p) => fsp.stat(p),
  lstat: (p) => fsp.lstat(p),
  realpath: (p) => fsp.realpath(p),
  readlink: (p) => fsp.readlink(p),
  readFile: (p) => fsp.readFile(p, 'utf8'),
  async readHead(p, length) {
    const handle = await fsp.open(p, 'r');
    try {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  },
};

export function pathApiFor(platform: NodeJS.Platform): PathApi {
  return platform === 'win32' ? path.win32 : path.posix;
}

export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const { code } = err as { code: unknown };
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Never-throwing, memoizing file-system view for one discovery call. */
export class SafeFs {
  private readonly listings = new Map<string, Promise<string[]>>();
  private readonly realpaths = new Map<string, Promise<string | null>>();

  constructor(readonly raw: DiscoveryFs) {}

  listDir(dir: string): Promise<string[]> {
    let listing = this.listings.get(dir);
    if (!listing) {
      listing = this.raw.readdir(dir).catch(() => []);
      this.listings.set(dir, listing);
    }
    return listing;
  }

  stat(p: string): Promise<FileStat | null> {
    return this.raw.stat(p).catch(() => null);
  }

  lstat(p: string): Promise<FileStat | null> {
    return this.raw.lstat(p).catch(() => null);
  }

  realpath(p: string): Promise<string | null> {
    let resolved = this.realpaths.get(p);
    if (!resolved) {
      resolved = this.raw.realpath(p).catch(() => null);
      this.realpaths.set(p, resolved);
    }
    return resolved;
  }

  readText(p: string): Promise<string | null> {
    return this.raw.readFile(p).catch(() => null);
  }

  readHead(p: string, length: number): Promise<Uint8Array | null> {
    return this.raw.readHead(p, length).catch(() => null);
  }

  async isDir(p: string): Promise<boolean> {
    return (await this.stat(p))?.isDirectory() ?? false;
  }

  async exists(p: string): Promise<boolean> {
    return (await this.lstat(p)) !== null;
  }

  /**
   * Follows a symlink chain hop by hop and returns the first target that does not
   * exist (or the last one reached when the chain loops).
   */
  async danglingTarget(p: string, pathApi: PathApi): Promise<string> {
    let current = p;
    for (let hop = 0; hop < 40; hop++) {
      const link = await this.raw.readlink(current).catch(() => null);
      if (link === null) return current;
      const next = pathApi.resolve(pathApi.dirname(current), link);
      if ((await this.lstat(next)) === null) return next;
      current = next;
    }
    return current;
  }
}

/** `ino:size:mtime`, enough to notice a replaced or rewritten file. */
export function fingerprintOf(stat: FileStat | null): string {
  return stat ? `${stat.ino}:${stat.size}:${Math.trunc(stat.mtimeMs)}` : 'missing';
}
