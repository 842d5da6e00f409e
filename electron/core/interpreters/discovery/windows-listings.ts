/**
 * Windows listings: parsers for `reg query <key> /s` output (PEP 514 registry
 * layout) and `py --list-paths`, plus default readers that start those tools.
 */
import type { RunProcess } from '../../process/run.js';
import type { PyLauncherListing, RegistryKey, RegistryListing } from './types.js';
import { fullVersion } from './version-files.js';

const VALUE_LINE = /^ {4}(.+?) {4}(REG_[A-Z_0-9]+)(?: {4}(.*))?$/;

/**
 * Parses `reg query ... /s` output. The default value is stored under `''`
 * whatever the display language calls it (`(Default)`, `(Standard)`, ...).
 */
export function parseRegQuery(output: string): RegistryKey[] {
  const keys: RegistryKey[] = [];
  let current: RegistryKey | null = null;
  for (const rawLine of output.split(/\r?\n/)) {
    const line = rawLine.replace(/\s+$/, '');
    if (/^HKEY_[A-Z_]+(\\|$)/.test(line)) {
      current = { key: line, values: {} };
      keys.push(current);
      continue;
    }
    const match = VALUE_LINE.exec(line);
    if (!current || !match?.[1]) continue;
    const isDefault = /^\(.+\)$/.test(match[1]);
    const data = match[3] ?? '';
    // An unset default is listed as "(value not set)" (also localized).
    if (isDefault && /^\(.*\)$/.test(data)) continue;
    current.values[isDefault ? '' : match[1]] = data;
  }
  return keys;
}

export interface Pep514Install {
  hive: string;
  company: string;
  tag: string;
  installPath: string;
  executablePath: string;
  version: string | null;
  architecture: string | null;
}

function archFromTag(tag: string, sysArchitecture: string | undefined): string | null {
  if (/-arm64$/i.test(tag)) return 'arm64';
  if (/-32$/.test(tag)) return 'x86';
  if (sysArchitecture === '32bit') return 'x86';
  if (sysArchitecture === '64bit') return 'x86_64';
  return null;
}

function joinWin(dir: string, file: string): string {
  return dir.endsWith('\\') ? `${dir}${file}` : `${dir}\\${file}`;
}

/** Installs described by PEP 514 keys (`...\Software\Python\<Company>\<Tag>[\InstallPath]`). */
export function pep514Installs(keys: readonly RegistryKey[]): Pep514Install[] {
  const tags = new Map<string, { hive: string; company: string; tag: string; values: Record<string, string>; install?: Record<string, string> }>();
  for (const { key, values } of keys) {
    const parts = key.split('\\');
    const pythonAt = parts.findIndex((part, i) => i > 0 && part.toLowerCase() === 'python' && /^software$|^wow6432node$/i.test(parts[i - 1] ?? ''));
    const company = parts[pythonAt + 1];
    const tag = parts[pythonAt + 2];
    if (pythonAt < 0 || !company || !tag || company.toLowerCase() === 'pylauncher') continue;
    const id = `${parts.slice(0, pythonAt + 3).join('\\')}`.toLowerCase();
    const entry = tags.get(id) ?? { hive: parts[0] ?? '', company, tag, values: {} };
    const sub = parts[pythonAt + 3];
    if (sub === undefined) entry.values = values;
    else if (sub.toLowerCase() === 'installpath' && parts.length === pythonAt + 4) entry.install = values;
    tags.set(id, entry);
  }
  const installs: Pep514Install[] = [];
  for (const { hive, company, tag, values, install } of tags.values()) {
    const installPath = install?.[''];
    const executablePath = install?.['ExecutablePath'] || (installPath ? joinWin(installPath, 'python.exe') : '');
    if (!executablePath) continue;
    installs.push({
      hive,
      company,
      tag,
      installPath: installPath ?? executablePath.replace(/\\[^\\]*$/, ''),
      executablePath,
      version: fullVersion(values['Version']),
      architecture: archFromTag(tag, values['SysArchitecture']),
    });
  }
  return installs;
}

export interface PyLauncherEntry {
  tag: string;
  path: string;
  architecture: string | null;
}

/** Parses `py --list-paths` of both the new (`-V:3.12 *  C:\...`) and the old (`-3.9-64  C:\... *`) launcher. */
export function parsePyLauncherList(output: string): PyLauncherEntry[] {
  const entries: PyLauncherEntry[] = [];
  for (const line of output.split(/\r?\n/)) {
    const match = /^\s*-(?:V:)?(\S+)(?:\s+\*)?\s+(.+?)(?:\s+\*)?\s*$/.exec(line);
    const tag = match?.[1];
    const file = match?.[2];
    if (!tag || !file || !/^(?:[A-Za-z]:\\|\\\\)/.test(file)) continue;
    const architecture = /-arm64$/i.test(tag) ? 'arm64' : /-32$/.test(tag) ? 'x86' : /-64$/.test(tag) ? 'x86_64' : null;
    entries.push({ tag, path: file, architecture });
  }
  return entries;
}

const REGISTRY_ROOTS = ['HKCU\\Software\\Python', 'HKLM\\Software\\Python', 'HKLM\\Software\\WOW6432Node\\Python'];

/** Reads the PEP 514 keys with `reg query <root> /s` (a missing root is simply empty). */
export function createRegQueryReader(runProcess: RunProcess, regExe = 'reg.exe', timeoutMs = 3000): () => Promise<RegistryListing> {
  return async () => {
    const outputs = await Promise.all(
      REGISTRY_ROOTS.map((root) => runProcess(regExe, ['query', root, '/s'], { timeoutMs }).catch(() => null)),
    );
    const keys = outputs.flatMap((result) => (result && result.code === 0 ? parseRegQuery(result.stdout) : []));
    return { keys, processesStarted: REGISTRY_ROOTS.length };
  };
}

/** Runs `py --list-paths`; null when the launcher is not installed. */
export function createPyLauncherLister(runProcess: RunProcess, pyExe = 'py.exe', timeoutMs = 3000): () => Promise<PyLauncherListing | null> {
  return async () => {
    const result = await runProcess(pyExe, ['--list-paths'], { timeoutMs }).catch(() => null);
    if (!result || result.spawnError) return null;
    return { output: `${result.stdout}\n${result.stderr}`, processesStarted: 1 };
  };
}
