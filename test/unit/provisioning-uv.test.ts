/**
 * uv: release targets and URLs, where it is looked for, the download with its checksum (fetch
 * injected: no network here), the fallback warning, and the archive readers (archives made by
 * the system's tar and Python's zipfile).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Logger } from '../../electron/core/logging/logger.js';
import { extractFromTarGz, extractFromZip } from '../../electron/core/provisioning/archive.js';
import { UvLocator, downloadedUvPath, uvCandidates, uvReleaseUrls, uvTarget, type FetchLike, type UvHost } from '../../electron/core/provisioning/uv.js';

const temps: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'wb-uv-'));
  temps.push(d);
  return d;
};
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

const has = (tool: string, args: string[]): boolean => {
  try {
    execFileSync(tool, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const HAS_TAR = has('tar', ['--version']);
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => has(p, ['-c', 'import zipfile']));

const logger = Logger.create({ level: 'error', sinks: [] });
const host = (over: Partial<UvHost> = {}): UvHost => {
  const home = tempDir();
  return { platform: 'linux', arch: 'x64', libc: 'glibc', env: { PATH: '' }, home, dataDir: path.join(home, 'data'), systemDirs: [], ...over };
};

const UV_SCRIPT = '#!/bin/sh\necho "uv 0.9.99 (fake)"\n';

/** A release archive as the uv project publishes it: uv-<target>/uv (+ uvx), by GNU tar. */
function makeTarGz(target: string, files: Record<string, string>, extraTarArgs: string[] = []): Buffer {
  const dir = tempDir();
  const top = path.join(dir, `uv-${target}`);
  mkdirSync(top);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(top, name), text, { mode: 0o755 });
  const out = path.join(dir, 'a.tar.gz');
  execFileSync('tar', [...extraTarArgs, '-czf', out, '-C', dir, `uv-${target}`]);
  return readFileSync(out);
}

function serve(files: Record<string, Buffer | string | number>): { fetch: FetchLike; calls: string[] } {
  const calls: string[] = [];
  const fetch: FetchLike = async (url) => {
    calls.push(url);
    const body = files[url];
    if (body === undefined) return new Response('not found', { status: 404 });
    if (typeof body === 'number') return new Response('', { status: body });
    return new Response(typeof body === 'string' ? body : new Uint8Array(body), { status: 200 });
  };
  return { fetch, calls };
}

const offline: FetchLike = async () => {
  throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND github.com'), { code: 'ENOTFOUND' }) });
};

describe('uv release targets', () => {
  it.each([
    ['linux', 'x64', 'glibc', 'x86_64-unknown-linux-gnu', 'tar.gz'],
    ['linux', 'x64', 'musl', 'x86_64-unknown-linux-musl', 'tar.gz'],
    ['linux', 'arm64', 'glibc', 'aarch64-unknown-linux-gnu', 'tar.gz'],
    ['linux', 'arm', 'glibc', 'armv7-unknown-linux-gnueabihf', 'tar.gz'],
    ['darwin', 'arm64', null, 'aarch64-apple-darwin', 'tar.gz'],
    ['darwin', 'x64', null, 'x86_64-apple-darwin', 'tar.gz'],
    ['win32', 'x64', null, 'x86_64-pc-windows-msvc', 'zip'],
    ['win32', 'arm64', null, 'aarch64-pc-windows-msvc', 'zip'],
  ] as const)('%s/%s/%s → uv-%s.%s', (platform, arch, libc, target, archive) => {
    expect(uvTarget(platform, arch, libc)).toEqual({ target, archive });
  });

  it('has none for platforms uv does not publish', () => {
    expect(uvTarget('freebsd', 'x64', null)).toBeNull();
    expect(uvTarget('darwin', 'ia32', null)).toBeNull();
  });

  it('downloads from the latest GitHub release, with the published .sha256 beside it', () => {
    expect(uvReleaseUrls({ target: 'x86_64-unknown-linux-gnu', archive: 'tar.gz' })).toEqual({
      file: 'uv-x86_64-unknown-linux-gnu.tar.gz',
      archive: 'https://github.com/astral-sh/uv/releases/latest/download/uv-x86_64-unknown-linux-gnu.tar.gz',
      checksum: 'https://github.com/astral-sh/uv/releases/latest/download/uv-x86_64-unknown-linux-gnu.tar.gz.sha256',
    });
  });
});

describe('finding uv', () => {
  it('looks on PATH, then the installers\' folders, then the app\'s data folder', () => {
    const list = uvCandidates({ platform: 'linux', arch: 'x64', libc: 'glibc', env: { PATH: '/a:/b', CARGO_HOME: '/c' }, home: '/h', dataDir: '/d' });
    expect(list).toEqual(['/a/uv', '/b/uv', '/h/.local/bin/uv', '/c/bin/uv', '/opt/homebrew/bin/uv', '/usr/local/bin/uv', '/usr/bin/uv', '/d/uv/uv']);
    const win = uvCandidates({ platform: 'win32', arch: 'x64', libc: null, env: { Path: 'C:\\Tools', LOCALAPPDATA: 'C:\\L' }, home: 'C:\\Users\\u', dataDir: 'C:\\L\\webhook-bridge' });
    expect(win).toEqual([
      'C:\\Tools\\uv.exe', 'C:\\Users\\u\\.local\\bin\\uv.exe', 'C:\\Users\\u\\.cargo\\bin\\uv.exe', 'C:\\L\\uv\\uv.exe',
      'C:\\L\\Programs\\uv\\uv.exe', 'C:\\L\\Microsoft\\WinGet\\Links\\uv.exe', 'C:\\L\\webhook-bridge\\uv\\uv.exe',
    ]);
  });

  it('finds an executable uv in ~/.local/bin and skips one that is not executable', async () => {
    const h = host();
    const bin = path.join(h.home, '.local', 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'uv'), UV_SCRIPT, { mode: 0o644 });
    const locator = new UvLocator({ host: h, fetch: offline, logger });
    expect(await locator.find()).toBeNull();
    chmodSync(path.join(bin, 'uv'), 0o755);
    expect(await locator.find()).toBe(path.join(bin, 'uv'));
    expect(await locator.ensure(true, 'pip')).toEqual({ path: path.join(bin, 'uv'), warnings: [] });
  });
});

describe('downloading uv', () => {
  it('says exactly why the download failed and that pip is used instead', async () => {
    const locator = new UvLocator({ host: host(), fetch: offline, logger });
    const choice = await locator.ensure(true, 'pip');
    expect(choice.path).toBeNull();
    expect(choice.warnings).toEqual([
      'could not download uv: https://github.com/astral-sh/uv/releases/latest/download/uv-x86_64-unknown-linux-gnu.tar.gz.sha256: ' +
        'fetch failed (ENOTFOUND: getaddrinfo ENOTFOUND github.com); using pip instead',
    ]);
  });

  it('does not download when auto_download_uv is off', async () => {
    const { fetch, calls } = serve({});
    const choice = await new UvLocator({ host: host(), fetch, logger }).ensure(false, 'python -m venv');
    expect(choice.path).toBeNull();
    expect(choice.warnings[0]).toMatch(/uv was not found .* python\.auto_download_uv is off; using python -m venv instead$/);
    expect(calls).toEqual([]);
  });

  it.skipIf(!HAS_TAR)('downloads, checks the sha256, extracts uv into the data folder, and finds it there next time', async () => {
    const h = host();
    const urls = uvReleaseUrls({ target: 'x86_64-unknown-linux-gnu', archive: 'tar.gz' });
    const archive = makeTarGz('x86_64-unknown-linux-gnu', { uv: UV_SCRIPT, uvx: '#!/bin/sh\n' });
    const sum = createHash('sha256').update(archive).digest('hex');
    const { fetch, calls } = serve({ [urls.checksum]: `${sum}  uv-x86_64-unknown-linux-gnu.tar.gz\n`, [urls.archive]: archive });
    const ran: string[] = [];
    const locator = new UvLocator({
      host: h, fetch, logger,
      runProcess: async (file, args) => {
        ran.push([file, ...args].join(' '));
        return { stdout: 'uv 0.9.99\n', stderr: '', code: 0, signal: null, timedOut: false, overflowed: false, spawnError: null };
      },
    });
    const status: string[] = [];
    const choice = await locator.ensure(true, 'pip', (l) => status.push(l));
    const dest = downloadedUvPath(h);
    expect(choice).toEqual({ path: dest, warnings: [] });
    expect(readFileSync(dest, 'utf8')).toBe(UV_SCRIPT);
    expect(statSync(dest).mode & 0o111).not.toBe(0);
    expect(calls).toEqual([urls.checksum, urls.archive]);
    expect(ran).toEqual([expect.stringMatching(/\.part --version$/)]);
    expect(status).toContain(`checksum of ${urls.file} verified (sha256 ${sum})`);
    expect(await locator.find()).toBe(dest);
  });

  it.skipIf(!HAS_TAR)('refuses an archive whose checksum does not match, and keeps nothing', async () => {
    const h = host();
    const urls = uvReleaseUrls({ target: 'x86_64-unknown-linux-gnu', archive: 'tar.gz' });
    const { fetch } = serve({ [urls.checksum]: `${'0'.repeat(64)}  x\n`, [urls.archive]: makeTarGz('x86_64-unknown-linux-gnu', { uv: UV_SCRIPT }) });
    const choice = await new UvLocator({ host: h, fetch, logger }).ensure(true, 'pip');
    expect(choice.path).toBeNull();
    expect(choice.warnings[0]).toMatch(/^could not download uv: checksum mismatch for uv-x86_64-unknown-linux-gnu\.tar\.gz \(published 0{64}, downloaded [0-9a-f]{64}\); using pip instead$/);
    expect(existsSync(path.dirname(downloadedUvPath(h))) ? execFileSync('ls', [path.dirname(downloadedUvPath(h))]).toString() : '').toBe('');
  });

  it('reports HTTP errors and remembers a failure for a while instead of retrying every job', async () => {
    let now = 1_000_000;
    const { fetch, calls } = serve({ [uvReleaseUrls({ target: 'x86_64-unknown-linux-gnu', archive: 'tar.gz' }).checksum]: 404 });
    const locator = new UvLocator({ host: host(), fetch, logger, clock: () => now, retryAfterMs: 60_000 });
    const first = await locator.ensure(true, 'pip');
    expect(first.warnings[0]).toMatch(/\.sha256: HTTP 404; using pip instead$/);
    const second = await locator.ensure(true, 'pip');
    expect(second.warnings).toEqual(first.warnings);
    expect(calls).toHaveLength(1);
    now += 61_000;
    await locator.ensure(true, 'pip');
    expect(calls).toHaveLength(2);
  });

  it('shares one download between jobs asking at the same time', async () => {
    let calls = 0;
    let fail: ((e: Error) => void) | undefined;
    const fetch: FetchLike = () => {
      calls++;
      return new Promise((_, reject) => (fail = reject));
    };
    const locator = new UvLocator({ host: host(), fetch, logger });
    const both = Promise.all([locator.ensure(true, 'pip'), locator.ensure(true, 'pip')]);
    // the download starts after the locator's own checks (files, a probe): wait for it, then fail it
    while (!fail) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    fail(new Error('connection reset'));
    const [a, b] = await both;
    expect(calls).toBe(1);
    expect(a.warnings).toEqual(b.warnings);
  });
});

describe('archives', () => {
  it.skipIf(!HAS_TAR)('finds uv in a GNU tar with long names and in a pax tar', () => {
    const longTarget = `x86_64-unknown-linux-gnu-${'a'.repeat(120)}`;
    expect(extractFromTarGz(makeTarGz(longTarget, { uvx: 'no', uv: UV_SCRIPT }, ['--format=gnu']), 'uv')?.toString()).toBe(UV_SCRIPT);
    expect(extractFromTarGz(makeTarGz(longTarget, { uv: UV_SCRIPT }, ['--format=pax']), 'uv')?.toString()).toBe(UV_SCRIPT);
    expect(extractFromTarGz(makeTarGz('t', { uvx: 'x' }), 'uv')).toBeNull();
  });

  it.skipIf(!PYTHON)('finds uv.exe in a zip, stored or deflated', () => {
    const dir = tempDir();
    const zip = path.join(dir, 'uv.zip');
    execFileSync(PYTHON!, ['-c', [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1], "w")',
      'z.writestr(zipfile.ZipInfo("uv-x86_64-pc-windows-msvc/"), b"")',
      'z.writestr("uvx.exe", b"stored", compress_type=zipfile.ZIP_STORED)',
      'z.writestr("uv.exe", b"MZ" + b"x" * 5000, compress_type=zipfile.ZIP_DEFLATED)',
      'z.close()',
    ].join('\n'), zip]);
    const data = readFileSync(zip);
    expect(extractFromZip(data, 'uv.exe')?.toString()).toBe(`MZ${'x'.repeat(5000)}`);
    expect(extractFromZip(data, 'uvx.exe')?.toString()).toBe('stored');
    expect(extractFromZip(data, 'nope.exe')).toBeNull();
    expect(() => extractFromZip(Buffer.from('not a zip at all, definitely not'), 'uv.exe')).toThrow(/not a zip/);
  });
});
