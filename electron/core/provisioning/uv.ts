/**
 * Finding uv (PATH, the usual install folders, the app's data folder) and downloading the official
 * release for this platform when allowed: archive and published `.sha256` over HTTPS from the
 * GitHub release, checksum verified, the binary kept in `<dataDir>/uv/`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { RunProcess } from '../process/run.js';
import type { Logger } from '../logging/logger.js';
import { extractFromTarGz, extractFromZip } from './archive.js';

export interface UvHost {
  platform: NodeJS.Platform;
  arch: string;
  /** 'musl' picks the musl build on Linux (Alpine…). */
  libc: 'glibc' | 'musl' | null;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** The app's data folder; a downloaded uv lives in its `uv/` subfolder. */
  dataDir: string;
  /** System folders searched after PATH (default: /opt/homebrew/bin, /usr/local/bin, /usr/bin; none on Windows). */
  systemDirs?: readonly string[];
}

export type FetchLike = (url: string, init?: { signal?: AbortSignal; redirect?: 'follow' }) => Promise<Response>;

export const UV_RELEASE_BASE = 'https://github.com/astral-sh/uv/releases/latest/download';

const ARCHES: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', ppc64: 'powerpc64le', s390x: 's390x', riscv64: 'riscv64gc' };

/** The release target triple and archive type for a platform, or null when uv publishes none. */
export function uvTarget(platform: NodeJS.Platform, arch: string, libc: 'glibc' | 'musl' | null): { target: string; archive: 'tar.gz' | 'zip' } | null {
  if (platform === 'win32') {
    const a = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686' }[arch];
    return a ? { target: `${a}-pc-windows-msvc`, archive: 'zip' } : null;
  }
  if (platform === 'darwin') {
    const a = { x64: 'x86_64', arm64: 'aarch64' }[arch];
    return a ? { target: `${a}-apple-darwin`, archive: 'tar.gz' } : null;
  }
  if (platform !== 'linux') return null;
  const musl = libc === 'musl';
  if (arch === 'arm') return { target: `armv7-unknown-linux-${musl ? 'musleabihf' : 'gnueabihf'}`, archive: 'tar.gz' };
  const a = ARCHES[arch];
  if (!a) return null;
  if (musl && !['x86_64', 'aarch64', 'i686'].includes(a)) return null;
  return { target: `${a}-unknown-linux-${musl ? 'musl' : 'gnu'}`, archive: 'tar.gz' };
}

export function uvReleaseUrls(target: { target: string; archive: string }): { archive: string; checksum: string; file: string } {
  const file = `uv-${target.target}.${target.archive}`;
  return { file, archive: `${UV_RELEASE_BASE}/${file}`, checksum: `${UV_RELEASE_BASE}/${file}.sha256` };
}

const exeName = (platform: NodeJS.Platform): string => (platform === 'win32' ? 'uv.exe' : 'uv');

/** Where the app keeps a downloaded uv. */
export function downloadedUvPath(host: UvHost): string {
  const p = host.platform === 'win32' ? path.win32 : path.posix;
  return p.join(host.dataDir, 'uv', exeName(host.platform));
}

/** Where uv is looked for, in order: PATH, the installers' folders, then the app's data folder. */
export function uvCandidates(host: UvHost): string[] {
  const win = host.platform === 'win32';
  const p = win ? path.win32 : path.posix;
  const env = host.env;
  const name = exeName(host.platform);
  const pathVar = env['PATH'] ?? env['Path'] ?? '';
  const dirs = pathVar.split(win ? ';' : ':').filter((d) => d !== '');
  const extra = [env['UV_INSTALL_DIR'], env['XDG_BIN_HOME'], p.join(host.home, '.local', 'bin'), p.join(env['CARGO_HOME'] ?? p.join(host.home, '.cargo'), 'bin')];
  if (win) {
    const local = env['LOCALAPPDATA'] ?? p.join(host.home, 'AppData', 'Local');
    extra.push(p.join(local, 'uv'), p.join(local, 'Programs', 'uv'), p.join(local, 'Microsoft', 'WinGet', 'Links'));
  } else {
    extra.push(...(host.systemDirs ?? ['/opt/homebrew/bin', '/usr/local/bin', '/usr/bin']));
  }
  const out = [...dirs, ...extra.filter((d): d is string => typeof d === 'string' && d !== '')].map((d) => p.join(d, name));
  out.push(downloadedUvPath(host));
  return [...new Set(out)];
}

async function isExecutableFile(file: string, platform: NodeJS.Platform): Promise<boolean> {
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) return false;
    if (platform !== 'win32') await fsp.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A short reason for a failed fetch: `fetch failed (ENOTFOUND)` rather than a stack. */
export function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'the download timed out';
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return `${err.message} (${typeof code === 'string' ? `${code}: ` : ''}${cause.message})`;
  }
  return err.message;
}

export interface UvLocatorDeps {
  host: UvHost;
  fetch: FetchLike;
  logger: Logger;
  /** Runs `uv --version` on a fresh download to check it works here. */
  runProcess?: RunProcess;
  downloadTimeoutMs?: number;
  /** A failed download is not retried for this long (default 5 minutes). */
  retryAfterMs?: number;
  clock?: () => number;
}

export interface UvChoice {
  path: string | null;
  warnings: string[];
}

/** Finds uv and downloads it when asked to; one download at a time, failures remembered a while. */
export class UvLocator {
  private inflight: Promise<string> | undefined;
  private lastFailure: { at: number; reason: string } | undefined;
  private readonly log: Logger;

  constructor(private readonly deps: UvLocatorDeps) {
    this.log = deps.logger.child('uv');
  }

  async find(): Promise<string | null> {
    for (const candidate of uvCandidates(this.deps.host)) {
      if (await isExecutableFile(candidate, this.deps.host.platform)) return candidate;
    }
    return null;
  }

  /** uv for a job: found, else downloaded when `autoDownload`; otherwise null and a warning saying why. */
  async ensure(autoDownload: boolean, fallback: string, onStatus?: (line: string) => void): Promise<UvChoice> {
    const found = await this.find();
    if (found) return { path: found, warnings: [] };
    if (!autoDownload) {
      return { path: null, warnings: [`uv was not found (PATH, the usual install folders, ${path.dirname(downloadedUvPath(this.deps.host))}) and python.auto_download_uv is off; using ${fallback} instead`] };
    }
    try {
      onStatus?.('uv was not found: downloading the official uv release');
      return { path: await this.download(onStatus), warnings: [] };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.log.warn(`could not download uv: ${reason}`);
      return { path: null, warnings: [`could not download uv: ${reason}; using ${fallback} instead`] };
    }
  }

  download(onStatus?: (line: string) => void): Promise<string> {
    const now = (this.deps.clock ?? Date.now)();
    const failed = this.lastFailure;
    if (failed && now - failed.at < (this.deps.retryAfterMs ?? 5 * 60_000)) return Promise.reject(new Error(failed.reason));
    this.inflight ??= this.doDownload(onStatus)
      .catch((err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        this.lastFailure = { at: (this.deps.clock ?? Date.now)(), reason };
        throw new Error(reason);
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetchBytes(url: string, signal: AbortSignal): Promise<Buffer> {
    let res: Response;
    try {
      res = await this.deps.fetch(url, { signal, redirect: 'follow' });
    } catch (err) {
      throw new Error(`${url}: ${describeFetchError(err)}`, { cause: err });
    }
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  private async doDownload(onStatus?: (line: string) => void): Promise<string> {
    const { host } = this.deps;
    const target = uvTarget(host.platform, host.arch, host.libc);
    if (!target) throw new Error(`uv publishes no release for ${host.platform}-${host.arch}`);
    const urls = uvReleaseUrls(target);
    const signal = AbortSignal.timeout(this.deps.downloadTimeoutMs ?? 180_000);
    onStatus?.(`downloading ${urls.checksum}`);
    const sumText = (await this.fetchBytes(urls.checksum, signal)).toString('utf8');
    const expected = /\b([0-9a-fA-F]{64})\b/.exec(sumText)?.[1]?.toLowerCase();
    if (!expected) throw new Error(`${urls.checksum} holds no SHA-256 checksum`);
    onStatus?.(`downloading ${urls.archive}`);
    const archive = await this.fetchBytes(urls.archive, signal);
    const actual = createHash('sha256').update(archive).digest('hex');
    if (actual !== expected) throw new Error(`checksum mismatch for ${urls.file} (published ${expected}, downloaded ${actual})`);
    onStatus?.(`checksum of ${urls.file} verified (sha256 ${actual})`);
    const name = exeName(host.platform);
    const binary = target.archive === 'zip' ? extractFromZip(archive, name) : extractFromTarGz(archive, name);
    if (!binary) throw new Error(`${urls.file} holds no ${name}`);
    const dest = downloadedUvPath(host);
    await fsp.mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
    const temp = `${dest}.${randomBytes(4).toString('hex')}.part`;
    try {
      await fsp.writeFile(temp, binary, { mode: 0o755 });
      if (this.deps.runProcess) {
        const check = await this.deps.runProcess(temp, ['--version'], { timeoutMs: 15_000 });
        if (check.code !== 0) throw new Error(`the downloaded uv does not run here (${check.spawnError ?? `exit code ${check.code}`})`);
        onStatus?.(check.stdout.trim());
      }
      await fsp.rename(temp, dest);
    } finally {
      await fsp.rm(temp, { force: true });
    }
    this.log.info(`downloaded uv to ${dest}`);
    return dest;
  }
}
