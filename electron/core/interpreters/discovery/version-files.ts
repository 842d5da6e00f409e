/**
 * Reading interpreter facts from files, so that no process has to be started:
 * pyvenv.cfg, include/pythonX.Y/patchlevel.h, conda-meta/python-*.json, folder
 * names, and the architecture from the executable's header (ELF / Mach-O / PE).
 */
import type { InterpreterImplementation } from '../../../../shared/interpreters-discovery.js';
import type { PathApi, SafeFs } from './fs-helpers.js';

export const MIN_SUPPORTED: readonly [number, number] = [3, 8];

/** `3.11.2` out of `3.11.2`, `3.11.2.final.0`, `3.13.0rc1`, `3.12.0+`; null otherwise. */
export function fullVersion(text: string | undefined): string | null {
  const match = text ? /^\s*(\d+)\.(\d+)\.(\d+)/.exec(text) : null;
  return match ? `${match[1]}.${match[2]}.${match[3]}` : null;
}

export function majorMinor(version: string): [number, number] {
  const [major = '0', minor = '0'] = version.split('.');
  return [Number(major), Number(minor)];
}

/** The "not supported" sentence used by discovery and validation alike, or null when supported. */
export function unsupportedVersionReason(version: string): string | null {
  const [major, minor] = majorMinor(version);
  const [needMajor, needMinor] = MIN_SUPPORTED;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return null;
  return `Python ${version} is not supported (need ${needMajor}.${needMinor}+)`;
}

export interface PyvenvCfg {
  home: string | null;
  executable: string | null;
  version: string | null;
  implementation: InterpreterImplementation | null;
}

export function parsePyvenvCfg(text: string): PyvenvCfg {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq <= 0 || line.trimStart().startsWith('#')) continue;
    values.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const impl = values.get('implementation')?.toLowerCase();
  return {
    home: values.get('home') || null,
    executable: values.get('executable') || values.get('base-executable') || null,
    version: fullVersion(values.get('version') ?? values.get('version_info')),
    implementation: impl === 'cpython' || impl === 'pypy' ? impl : null,
  };
}

export interface HeaderVersion {
  version: string;
  implementation: InterpreterImplementation;
}

/** PY_VERSION (and PYPY_VERSION) out of a patchlevel.h. */
export function parsePatchlevel(text: string): HeaderVersion | null {
  const match = /^#\s*define\s+PY_VERSION\s+"([^"]+)"/m.exec(text);
  const version = fullVersion(match?.[1]);
  if (!version) return null;
  return { version, implementation: /^#\s*define\s+PYPY_VERSION\s/m.test(text) ? 'pypy' : 'cpython' };
}

/** `3.11` out of `python3.11`, `python3.6m`, `python3.13t`, `python3.11.exe`; null otherwise. */
export function versionFromExecutableName(name: string): string | null {
  const match = /^(?:python|pypy)(\d+)\.(\d+)[a-z]*(?:\.exe)?$/i.exec(name);
  return match ? `${match[1]}.${match[2]}` : null;
}

export function implementationFromName(name: string): InterpreterImplementation | null {
  if (/^pypy/i.test(name)) return 'pypy';
  if (/^python/i.test(name)) return 'cpython';
  return null;
}

/**
 * Version from `<prefix>/include/python3.X*\/patchlevel.h` (POSIX layout) or
 * `<prefix>\include\patchlevel.h` (Windows). `hint` (`3.11`) picks among several
 * include folders; without it, only an unambiguous folder is used.
 */
export async function versionFromPatchlevel(
  fs: SafeFs,
  pathApi: PathApi,
  prefix: string,
  hint: string | null,
  windows: boolean,
): Promise<HeaderVersion | null> {
  const include = pathApi.join(prefix, 'include');
  if (windows) {
    const text = await fs.readText(pathApi.join(include, 'patchlevel.h'));
    return text === null ? null : parsePatchlevel(text);
  }
  const folders = (await fs.listDir(include)).filter((name) => {
    const match = /^python(\d+\.\d+)[a-z]*$/.exec(name);
    return match !== null && (hint === null || match[1] === hint);
  });
  const minors = new Set(folders.map((name) => /^python(\d+\.\d+)/.exec(name)?.[1]));
  if (folders.length === 0 || minors.size !== 1) return null;
  for (const folder of folders) {
    const text = await fs.readText(pathApi.join(include, folder, 'patchlevel.h'));
    const parsed = text === null ? null : parsePatchlevel(text);
    if (parsed && (hint === null || parsed.version.startsWith(`${hint}.`))) return parsed;
  }
  return null;
}

/** `conda-meta/python-3.11.5-h955ad1f_0.json` → 3.11.5 (a `pypy` build string means PyPy). */
export async function versionFromCondaMeta(fs: SafeFs, pathApi: PathApi, prefix: string): Promise<HeaderVersion | null> {
  const names = await fs.listDir(pathApi.join(prefix, 'conda-meta'));
  for (const name of names) {
    const match = /^python-(\d+\.\d+\.\d+)-(.+)\.json$/.exec(name);
    if (match?.[1] && match[2] !== undefined) {
      return { version: match[1], implementation: match[2].includes('pypy') ? 'pypy' : 'cpython' };
    }
  }
  return null;
}

/** Normalized architecture names, shared with the probe's `platform.machine()`. */
export function normalizeArch(raw: string | null | undefined, bits?: number): string | null {
  const value = raw?.trim().toLowerCase();
  if (!value) return null;
  if (value === 'x86_64' || value === 'amd64' || value === 'x64') return bits === 32 ? 'x86' : 'x86_64';
  if (value === 'aarch64' || value === 'arm64') return 'arm64';
  if (/^i[3-6]86$/.test(value) || value === 'x86') return 'x86';
  if (value.startsWith('armv') || value === 'arm') return 'arm';
  return value;
}

const ELF_MACHINES: Record<number, string> = { 0x03: 'x86', 0x28: 'arm', 0x3e: 'x86_64', 0xb7: 'arm64', 0xf3: 'riscv64' };
const PE_MACHINES: Record<number, string> = { 0x14c: 'x86', 0x8664: 'x86_64', 0xaa64: 'arm64' };
const MACHO_CPUS: Record<number, string> = { 0x01000007: 'x86_64', 0x0100000c: 'arm64', 7: 'x86' };

/** Architecture from the first bytes of an ELF, thin/universal Mach-O or PE executable. */
export function archFromHeader(bytes: Uint8Array): string | null {
  if (bytes.length < 20) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) === 0x7f454c46) {
    const little = bytes[5] === 1;
    return ELF_MACHINES[view.getUint16(18, little)] ?? null;
  }
  const magic = view.getUint32(0);
  if (magic === 0xcffaedfe || magic === 0xcefaedfe) return MACHO_CPUS[view.getUint32(4, true)] ?? null;
  if (magic === 0xcafebabe) {
    const count = view.getUint32(4);
    const archs = new Set<string>();
    for (let i = 0; i < count && 8 + i * 20 + 4 <= bytes.length; i++) {
      const arch = MACHO_CPUS[view.getUint32(8 + i * 20)];
      if (arch) archs.add(arch);
    }
    return archs.size > 1 ? 'universal2' : ([...archs][0] ?? null);
  }
  if (bytes[0] === 0x4d && bytes[1] === 0x5a && bytes.length >= 0x40) {
    const peOffset = view.getUint32(0x3c, true);
    if (peOffset + 6 <= bytes.length && view.getUint32(peOffset) === 0x50450000) {
      return PE_MACHINES[view.getUint16(peOffset + 4, true)] ?? null;
    }
  }
  return null;
}

export async function archFromExecutable(fs: SafeFs, file: string): Promise<string | null> {
  const head = await fs.readHead(file, 4096);
  return head ? archFromHeader(head) : null;
}
