/**
 * Types shared by the discovery modules. Everything the discovery needs from the
 * outside world (file system, environment, processes, clock) is described here and
 * handed in by the caller; nothing is read from globals.
 */
import type {
  InterpreterImplementation,
  InterpreterKind,
  VersionSource,
} from '../../../../shared/interpreters-discovery.js';

export type {
  DiscoveredInterpreter,
  InterpreterKind,
  VersionSource,
} from '../../../../shared/interpreters-discovery.js';

/** The subset of `fs.Stats` the discovery uses (a real `fs.Stats` satisfies it). */
export interface FileStat {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  mode: number;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** File-system access; every function rejects like its `node:fs/promises` namesake. */
export interface DiscoveryFs {
  readdir(dir: string): Promise<string[]>;
  stat(path: string): Promise<FileStat>;
  lstat(path: string): Promise<FileStat>;
  realpath(path: string): Promise<string>;
  readlink(path: string): Promise<string>;
  /** Whole file as UTF-8 (only used for small text files). */
  readFile(path: string): Promise<string>;
  /** The first `length` bytes (fewer if the file is shorter). */
  readHead(path: string, length: number): Promise<Uint8Array>;
}

/** What a successful probe of an interpreter reports. */
export interface ProbeInfo {
  version: string;
  /** Lower-cased `platform.python_implementation()`, e.g. `cpython`, `pypy`, `graalvm`. */
  implementation: string;
  architecture: string | null;
  prefix: string;
  basePrefix: string;
  executable: string;
}

export type ProbeOutcome =
  | { ok: true; info: ProbeInfo }
  /** `transient` failures (deadline reached) are not cached. */
  | { ok: false; reason: string; transient: boolean };

/** Starts one process per path, all in parallel, and gives up on them after `deadlineMs`. */
export type RunProbe = (paths: readonly string[], deadlineMs: number) => Promise<Map<string, ProbeOutcome>>;

/** One key of a `reg query /s` listing. Value names are as listed; the default value is `''`. */
export interface RegistryKey {
  key: string;
  values: Record<string, string>;
}

export interface RegistryListing {
  keys: RegistryKey[];
  /** How many processes were started to obtain the listing (for the stats). */
  processesStarted: number;
}

export interface PyLauncherListing {
  /** Raw output of `py --list-paths`. */
  output: string;
  processesStarted: number;
}

export interface DiscoveryDeps {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  cwd: string;
  fs: DiscoveryFs;
  runProbe: RunProbe;
  now: () => number;
  /** Configured `venv_path`s; each may be a venv or a folder holding `.venv` / `venv`. */
  venvPaths?: () => readonly string[];
  /** Interpreter path (or its realpath) → name of the registry entry using it. */
  configuredPaths?: () => ReadonlyMap<string, string>;
  /** Windows only: PEP 514 keys below `Software\Python` of HKCU and HKLM. */
  readRegistry?: () => Promise<RegistryListing>;
  /** Windows only: output of `py --list-paths`, or null when there is no launcher. */
  listPyLauncher?: () => Promise<PyLauncherListing | null>;
}

export interface DiscoverOptions {
  /** One deadline for all probes started by this call (default 3000 ms). */
  deadlineMs?: number;
  /** Ignore the cache (it is refreshed with the new results). */
  refresh?: boolean;
}

/** Facts a source already knows about a candidate (e.g. from a folder name or the registry). */
export interface CandidateHints {
  version?: string;
  versionSource?: VersionSource;
  implementation?: InterpreterImplementation;
  architecture?: string;
}

export interface Candidate {
  path: string;
  kind: InterpreterKind;
  hints?: CandidateHints;
  /** Keep only if the path turns out to belong to a virtual environment (pyvenv.cfg). */
  requireVenv?: boolean;
  /** Windows app-execution aliases: they cannot be stat-ed or resolved, take them as they are. */
  opaque?: boolean;
}

export interface SourceResult {
  candidates: Candidate[];
  processesStarted: number;
}
