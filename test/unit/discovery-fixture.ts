/**
 * Test helpers for interpreter discovery: fixture trees on disk, an in-memory
 * file system (for Windows / macOS layouts) and a recording fake probe.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeDiscoveryFs } from '../../electron/core/interpreters/discovery/fs-helpers.js';
import type {
  DiscoveryDeps,
  DiscoveryFs,
  FileStat,
  ProbeInfo,
  ProbeOutcome,
  RunProbe,
} from '../../electron/core/interpreters/discovery/types.js';

/** Recorded `reg query HKCU\Software\Python /s` + `reg query HKLM\Software\WOW6432Node\Python /s` (CRLF). */
export const REG_QUERY_LISTING = [
  '',
  'HKEY_CURRENT_USER\\Software\\Python\\PythonCore',
  '    DisplayName    REG_SZ    Python Software Foundation',
  '    SupportUrl    REG_SZ    https://www.python.org/',
  '',
  'HKEY_CURRENT_USER\\Software\\Python\\PythonCore\\3.11',
  '    DisplayName    REG_SZ    Python 3.11 (64-bit)',
  '    SupportUrl    REG_SZ    https://www.python.org/',
  '    SysArchitecture    REG_SZ    64bit',
  '    SysVersion    REG_SZ    3.11',
  '    Version    REG_SZ    3.11.4',
  '',
  'HKEY_CURRENT_USER\\Software\\Python\\PythonCore\\3.11\\Help',
  '',
  'HKEY_CURRENT_USER\\Software\\Python\\PythonCore\\3.11\\Help\\Main Python Documentation',
  '    (Default)    REG_SZ    C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python311\\Doc\\html\\index.html',
  '',
  'HKEY_CURRENT_USER\\Software\\Python\\PythonCore\\3.11\\IdleShortcuts',
  '    (Default)    REG_DWORD    0x1',
  '',
  'HKEY_CURRENT_USER\\Software\\Python\\PythonCore\\3.11\\InstallPath',
  '    (Default)    REG_SZ    C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python311\\',
  '    ExecutablePath    REG_SZ    C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python311\\python.exe',
  '    WindowedExecutablePath    REG_SZ    C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python311\\pythonw.exe',
  '',
  'HKEY_CURRENT_USER\\Software\\Python\\PythonCore\\3.11\\PythonPath',
  '    (Default)    REG_SZ    C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python311\\Lib\\;C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python311\\DLLs\\',
  '',
  'HKEY_CURRENT_USER\\Software\\Python\\ContinuumAnalytics',
  '    DisplayName    REG_SZ    Anaconda, Inc.',
  '',
  'HKEY_CURRENT_USER\\Software\\Python\\ContinuumAnalytics\\Anaconda39-64',
  '    DisplayName    REG_SZ    Anaconda py39_4.12.0',
  '    SysArchitecture    REG_SZ    64bit',
  '    SysVersion    REG_SZ    3.9',
  '',
  'HKEY_CURRENT_USER\\Software\\Python\\ContinuumAnalytics\\Anaconda39-64\\InstallPath',
  '    (Default)    REG_SZ    C:\\Users\\me\\anaconda3',
  '    ExecutablePath    REG_SZ    C:\\Users\\me\\anaconda3\\python.exe',
  '',
  'HKEY_CURRENT_USER\\Software\\Python\\PyLauncher',
  '    (Default)    REG_SZ    (value not set)',
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Python\\PythonCore\\3.12-32',
  '    DisplayName    REG_SZ    Python 3.12 (32-bit)',
  '    SysArchitecture    REG_SZ    32bit',
  '    SysVersion    REG_SZ    3.12',
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Python\\PythonCore\\3.12-32\\InstallPath',
  '    (Standard)    REG_SZ    C:\\Program Files (x86)\\Python312-32\\',
  '',
].join('\r\n');

export const PY_LIST_PATHS_NEW = [
  ' -V:3.12 *        C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python312\\python.exe',
  ' -V:3.11          C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python311\\python.exe',
  ' -V:3.10-32       C:\\Tools\\Python310-32\\python.exe',
  ' -V:ContinuumAnalytics/Anaconda39-64 C:\\Users\\me\\anaconda3\\python.exe',
  '',
].join('\r\n');

export const PY_LIST_PATHS_OLD = [
  'Installed Pythons found by py Launcher for Windows',
  ' -3.9-64        C:\\Python39\\python.exe *',
  ' -3.8-32        C:\\Python38-32\\python.exe',
  ' -2.7-64        C:\\Python27\\python.exe',
  '',
].join('\r\n');

export function tempRoot(prefix = 'wb-discovery-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A tiny "interpreter": a shell script with the execute bit (never run by these tests). */
export function fakeExe(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return file;
}

export function link(target: string, file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  symlinkSync(target, file);
  return file;
}

export function textFile(file: string, content: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

export function patchlevel(prefix: string, version: string, folderSuffix = '', pypy = false): void {
  const [major, minor] = version.split('.');
  const extra = pypy ? '#define PYPY_VERSION "7.3.12"\n' : '';
  textFile(
    path.join(prefix, 'include', `python${major}.${minor}${folderSuffix}`, 'patchlevel.h'),
    `#define PY_MAJOR_VERSION ${major}\n#define PY_VERSION      \t"${version}"\n${extra}`,
  );
}

/** A POSIX install prefix: bin/python3.X (fake), bin/python3 → python3.X, optional patchlevel.h. */
export function posixInstall(prefix: string, version: string, withHeader = true): string {
  const [major, minor] = version.split('.');
  const exe = fakeExe(path.join(prefix, 'bin', `python${major}.${minor}`));
  link(`python${major}.${minor}`, path.join(prefix, 'bin', `python${major}`));
  link(`python${major}.${minor}`, path.join(prefix, 'bin', 'python'));
  if (withHeader) patchlevel(prefix, version);
  return exe;
}

/** Real fs whose directory listings outside `root` are empty (hides /usr/bin etc.). */
export function confinedFs(root: string): DiscoveryFs {
  return {
    ...nodeDiscoveryFs,
    readdir: (dir) => (dir === root || dir.startsWith(`${root}${path.sep}`) ? nodeDiscoveryFs.readdir(dir) : Promise.resolve([])),
  };
}

export interface FakeProbe {
  runProbe: RunProbe;
  calls: string[][];
}

/** Answers from a table; unknown paths fail like a non-Python file would. */
export function fakeProbe(answers: Record<string, Partial<ProbeInfo> | ProbeOutcome>): FakeProbe {
  const calls: string[][] = [];
  const runProbe: RunProbe = async (paths) => {
    calls.push([...paths]);
    return new Map(
      paths.map((p): [string, ProbeOutcome] => {
        const answer = answers[p];
        if (!answer) return [p, { ok: false, reason: 'probe failed: exited with code 127', transient: false }];
        if ('ok' in answer) return [p, answer];
        const info: ProbeInfo = {
          version: '3.12.0',
          implementation: 'cpython',
          architecture: 'x86_64',
          prefix: path.dirname(path.dirname(p)),
          basePrefix: path.dirname(path.dirname(p)),
          executable: p,
          ...answer,
        };
        return [p, { ok: true, info }];
      }),
    );
  };
  return { runProbe, calls };
}

export function depsFor(root: string, overrides: Partial<DiscoveryDeps> = {}): DiscoveryDeps {
  const home = path.join(root, 'home');
  return {
    platform: 'linux',
    env: { PATH: '' },
    homeDir: home,
    cwd: path.join(root, 'project'),
    fs: confinedFs(root),
    runProbe: fakeProbe({}).runProbe,
    now: () => performance.now(),
    ...overrides,
  };
}

type MemNode =
  | { type: 'file'; name: string; data: Uint8Array; mode: number; ino: number; mtimeMs: number }
  | { type: 'dir'; name: string; ino: number }
  | { type: 'symlink'; name: string; target: string; ino: number };

const enoent = (p: string): Error => Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });

/** In-memory file system with POSIX or Windows path rules (case-insensitive on Windows). */
export class MemFs implements DiscoveryFs {
  private readonly nodes = new Map<string, MemNode>();
  private nextIno = 1;
  private readonly p: typeof path.posix;

  constructor(private readonly windows: boolean) {
    this.p = windows ? path.win32 : path.posix;
  }

  private key(p: string): string {
    const normalized = this.p.normalize(p).replace(/[\\/]+$/, '') || this.p.sep;
    return this.windows ? normalized.toLowerCase() : normalized;
  }

  private ensureDir(dir: string): void {
    const parent = this.p.dirname(dir);
    if (parent !== dir) this.ensureDir(parent);
    if (!this.nodes.has(this.key(dir))) this.nodes.set(this.key(dir), { type: 'dir', name: this.p.basename(dir), ino: this.nextIno++ });
  }

  file(p: string, content: string | Uint8Array = '', mode = 0o755): this {
    this.ensureDir(this.p.dirname(p));
    const data = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    this.nodes.set(this.key(p), { type: 'file', name: this.p.basename(p), data, mode, ino: this.nextIno++, mtimeMs: 1 });
    return this;
  }

  symlink(p: string, target: string): this {
    this.ensureDir(this.p.dirname(p));
    this.nodes.set(this.key(p), { type: 'symlink', name: this.p.basename(p), target, ino: this.nextIno++ });
    return this;
  }

  dir(p: string): this {
    this.ensureDir(p);
    return this;
  }

  /** Resolves every symlink of `p` (the last component too when `followLast`). */
  private resolve(p: string, followLast: boolean, depth = 0): string {
    if (depth > 40) throw Object.assign(new Error(`ELOOP: ${p}`), { code: 'ELOOP' });
    const normalized = this.p.normalize(p);
    const root = this.p.parse(normalized).root;
    const parts = normalized.slice(root.length).split(this.p.sep).filter(Boolean);
    let current = root;
    for (const [index, part] of parts.entries()) {
      const next = this.p.join(current, part);
      const node = this.nodes.get(this.key(next));
      if (!node) throw enoent(p);
      const last = index === parts.length - 1;
      current = node.type === 'symlink' && (!last || followLast)
        ? this.resolve(this.p.resolve(current, node.target), true, depth + 1)
        : next;
    }
    return current;
  }

  private node(p: string, follow: boolean): MemNode {
    const node = this.nodes.get(this.key(this.resolve(p, follow)));
    if (!node) throw enoent(p);
    return node;
  }

  private statOf(node: MemNode): FileStat {
    return {
      isFile: () => node.type === 'file',
      isDirectory: () => node.type === 'dir',
      isSymbolicLink: () => node.type === 'symlink',
      mode: node.type === 'file' ? 0o100000 | node.mode : node.type === 'dir' ? 0o040755 : 0o120777,
      size: node.type === 'file' ? node.data.length : 0,
      mtimeMs: node.type === 'file' ? node.mtimeMs : 0,
      ino: node.ino,
    };
  }

  async readdir(dir: string): Promise<string[]> {
    const resolved = this.key(this.resolve(dir, true));
    if (this.nodes.get(resolved)?.type !== 'dir') throw enoent(dir);
    const names: string[] = [];
    for (const [key, node] of this.nodes) {
      if (key !== resolved && this.key(this.p.dirname(key)) === resolved) names.push(node.name);
    }
    return names;
  }

  async stat(p: string): Promise<FileStat> {
    return this.statOf(this.node(p, true));
  }

  async lstat(p: string): Promise<FileStat> {
    return this.statOf(this.node(p, false));
  }

  async realpath(p: string): Promise<string> {
    return this.resolve(p, true);
  }

  async readlink(p: string): Promise<string> {
    const node = this.node(p, false);
    if (node.type !== 'symlink') throw Object.assign(new Error(`EINVAL: ${p}`), { code: 'EINVAL' });
    return node.target;
  }

  async readFile(p: string): Promise<string> {
    const node = this.node(p, true);
    if (node.type !== 'file') throw Object.assign(new Error(`EISDIR: ${p}`), { code: 'EISDIR' });
    return new TextDecoder().decode(node.data);
  }

  async readHead(p: string, length: number): Promise<Uint8Array> {
    const node = this.node(p, true);
    if (node.type !== 'file') throw Object.assign(new Error(`EISDIR: ${p}`), { code: 'EISDIR' });
    return node.data.subarray(0, length);
  }
}
