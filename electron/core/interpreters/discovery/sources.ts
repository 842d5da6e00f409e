/**
 * Discovery sources. Each lists candidate executables cheaply (folder listings,
 * no processes); the orchestrator resolves, collapses and describes them.
 */
import type { PathApi, SafeFs } from './fs-helpers.js';
import type { Candidate, DiscoveryDeps, InterpreterKind, SourceResult } from './types.js';
import { normalizeArch } from './version-files.js';
import { parsePyLauncherList, pep514Installs } from './windows-listings.js';

export interface SourceContext {
  deps: DiscoveryDeps;
  fs: SafeFs;
  path: PathApi;
  windows: boolean;
  /** Environment lookup (case-insensitive on Windows). */
  env(name: string): string | undefined;
  pyenvRoot: string;
}

export interface Source {
  name: string;
  /** Platforms the source exists on; all when absent. */
  platforms?: readonly NodeJS.Platform[];
  collect(ctx: SourceContext): Promise<SourceResult>;
}

const POSIX_NAMES = /^python(?:3(?:\.\d+t?)?)?$/;
const WINDOWS_NAMES = /^python(?:3(?:\.\d+t?)?)?\.exe$/i;
const POSIX_ONLY: readonly NodeJS.Platform[] = ['linux', 'darwin', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix'];

const found = (candidates: Candidate[], processesStarted = 0): SourceResult => ({ candidates, processesStarted });

/** `<env>/bin/python` or `<env>\Scripts\python.exe`. */
export function venvExecutable(ctx: SourceContext, dir: string): string {
  return ctx.windows ? ctx.path.join(dir, 'Scripts', 'python.exe') : ctx.path.join(dir, 'bin', 'python');
}

/** Executable of a conda / full install prefix. */
function prefixExecutable(ctx: SourceContext, prefix: string): string {
  return ctx.windows ? ctx.path.join(prefix, 'python.exe') : ctx.path.join(prefix, 'bin', 'python');
}

/** Shim folders (pyenv, pyenv-virtualenv, asdf, mise, pyenv-win) hold dispatch scripts, not interpreters. */
function isShimDir(ctx: SourceContext, dir: string): boolean {
  return ctx.path.basename(dir).toLowerCase() === 'shims';
}

/** macOS's /usr/bin/python3 is a stub that offers to install the developer tools unless they exist. */
async function macStubUsable(ctx: SourceContext): Promise<boolean> {
  const devPythons = [
    '/Library/Developer/CommandLineTools/usr/bin/python3',
    '/Applications/Xcode.app/Contents/Developer/usr/bin/python3',
  ];
  const present = await Promise.all(devPythons.map((p) => ctx.fs.exists(p)));
  return present.some(Boolean);
}

async function scanBinDir(ctx: SourceContext, dir: string, kind: InterpreterKind): Promise<Candidate[]> {
  const pattern = ctx.windows ? WINDOWS_NAMES : POSIX_NAMES;
  const names = (await ctx.fs.listDir(dir)).filter((name) => pattern.test(name));
  if (ctx.deps.platform === 'darwin' && dir === '/usr/bin' && names.includes('python3') && !(await macStubUsable(ctx))) {
    return names.filter((n) => n !== 'python3').map((name) => ({ path: ctx.path.join(dir, name), kind }));
  }
  return names.map((name) => ({ path: ctx.path.join(dir, name), kind }));
}

const pathSource: Source = {
  name: 'path',
  async collect(ctx) {
    const raw = ctx.env('PATH') ?? '';
    const dirs = [...new Set(raw.split(ctx.path.delimiter).map((d) => d.trim().replace(/^"(.*)"$/, '$1')))].filter(
      (dir) =>
        dir !== '' &&
        ctx.path.isAbsolute(dir) &&
        !isShimDir(ctx, dir) &&
        !(ctx.windows && /\\microsoft\\windowsapps\\?$/i.test(dir)),
    );
    const lists = await Promise.all(dirs.map((dir) => scanBinDir(ctx, dir, 'path')));
    return found(lists.flat());
  },
};

const systemSource: Source = {
  name: 'system',
  platforms: POSIX_ONLY,
  async collect(ctx) {
    const lists = await Promise.all(['/usr/bin', '/usr/local/bin'].map((dir) => scanBinDir(ctx, dir, 'system')));
    return found(lists.flat());
  },
};

const pyenvSource: Source = {
  name: 'pyenv',
  async collect(ctx) {
    const versionsDir = ctx.path.join(ctx.pyenvRoot, 'versions');
    const names = (await ctx.fs.listDir(versionsDir)).filter((n) => !n.startsWith('.'));
    const perVersion = await Promise.all(
      names.map(async (name): Promise<Candidate[]> => {
        const dir = ctx.path.join(versionsDir, name);
        const [entry, envNames] = await Promise.all([ctx.fs.lstat(dir), ctx.fs.listDir(ctx.path.join(dir, 'envs'))]);
        // A CPython folder is named after the version pyenv installed (`3.11.7`, `3.13.0t`),
        // unless someone linked the folder elsewhere.
        const version = entry && !entry.isSymbolicLink() ? /^(\d+\.\d+\.\d+)t?$/.exec(name)?.[1] : undefined;
        const candidates: Candidate[] = [
          {
            path: ctx.windows ? ctx.path.join(dir, 'python.exe') : ctx.path.join(dir, 'bin', 'python'),
            kind: 'pyenv',
            ...(version ? { hints: { version, versionSource: 'path-name', implementation: 'cpython' } } : {}),
          },
        ];
        for (const envName of envNames) {
          const envDir = ctx.path.join(dir, 'envs', envName);
          const isConda = await ctx.fs.isDir(ctx.path.join(envDir, 'conda-meta'));
          candidates.push({ path: prefixExecutable(ctx, envDir), kind: isConda ? 'conda' : 'pyenv-virtualenv' });
        }
        return candidates;
      }),
    );
    return found(perVersion.flat());
  },
};

function condaRoots(ctx: SourceContext): string[] {
  const home = ctx.deps.homeDir;
  const names = ['miniconda3', 'anaconda3', 'miniforge3', 'mambaforge', 'micromamba'];
  // ~/.conda has no interpreter of its own but holds envs/ when the base install is read-only.
  const roots = [...names.map((n) => ctx.path.join(home, n)), ctx.path.join(home, '.conda')];
  if (ctx.windows) {
    const programData = ctx.env('ProgramData');
    if (programData) roots.push(...names.map((n) => ctx.path.join(programData, n)));
  } else {
    roots.push('/opt/conda', '/opt/miniconda3', '/opt/anaconda3', '/opt/miniforge3');
  }
  const condaExe = ctx.env('CONDA_EXE');
  if (condaExe) roots.push(ctx.path.dirname(ctx.path.dirname(condaExe)));
  const mambaRoot = ctx.env('MAMBA_ROOT_PREFIX');
  if (mambaRoot) roots.push(mambaRoot);
  return [...new Set(roots)];
}

const condaSource: Source = {
  name: 'conda',
  async collect(ctx) {
    const roots = condaRoots(ctx);
    const envLists = await Promise.all(
      roots.map(async (root) => (await ctx.fs.listDir(ctx.path.join(root, 'envs'))).map((n) => ctx.path.join(root, 'envs', n))),
    );
    const listed = await ctx.fs.readText(ctx.path.join(ctx.deps.homeDir, '.conda', 'environments.txt'));
    const fromFile = (listed ?? '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && ctx.path.isAbsolute(l));
    const active = ctx.env('CONDA_PREFIX');
    const prefixes = new Set([...roots, ...envLists.flat(), ...fromFile, ...(active ? [active] : [])]);
    return found([...prefixes].map((prefix) => ({ path: prefixExecutable(ctx, prefix), kind: 'conda' as const })));
  },
};

const venvSource: Source = {
  name: 'venv',
  async collect(ctx) {
    const bases = [ctx.deps.cwd, ...(ctx.deps.venvPaths?.() ?? [])];
    const dirs = bases.flatMap((base) => [base, ctx.path.join(base, '.venv'), ctx.path.join(base, 'venv')]);
    const workon = ctx.env('WORKON_HOME') || ctx.path.join(ctx.deps.homeDir, '.virtualenvs');
    dirs.push(...(await ctx.fs.listDir(workon)).map((name) => ctx.path.join(workon, name)));
    return found([...new Set(dirs)].map((dir) => ({ path: venvExecutable(ctx, dir), kind: 'venv' as const, requireVenv: true })));
  },
};

const UV_NAME = /^(cpython|pypy)-(\d+\.\d+\.\d+)(?:[a-z]+\d*)?(?:\+[a-z]+)?-[^-]+-([^-]+)-/;

const uvSource: Source = {
  name: 'uv',
  async collect(ctx) {
    // uv's defaults: `$XDG_DATA_HOME/uv/python` (POSIX), `%APPDATA%\uv\data\python` (Windows).
    const defaultDir = ctx.windows
      ? ctx.path.join(ctx.env('APPDATA') ?? ctx.path.join(ctx.deps.homeDir, 'AppData', 'Roaming'), 'uv', 'data', 'python')
      : ctx.path.join(ctx.env('XDG_DATA_HOME') || ctx.path.join(ctx.deps.homeDir, '.local', 'share'), 'uv', 'python');
    const dir = ctx.env('UV_PYTHON_INSTALL_DIR') || defaultDir;
    const names = (await ctx.fs.listDir(dir)).filter((n) => !n.startsWith('.'));
    return found(
      names.map((name) => {
        const match = UV_NAME.exec(name);
        const install = ctx.path.join(dir, name);
        const exe = ctx.windows ? ctx.path.join(install, 'python.exe') : ctx.path.join(install, 'bin', 'python3');
        if (!match?.[1] || !match[2]) return { path: exe, kind: 'uv' as const };
        const implementation = match[1] === 'pypy' ? ('pypy' as const) : ('cpython' as const);
        const architecture = normalizeArch(match[3]);
        // A PyPy folder name carries the language version it implements, which is what we report.
        const hints = { version: match[2], versionSource: 'path-name' as const, implementation, ...(architecture ? { architecture } : {}) };
        return { path: exe, kind: 'uv' as const, hints };
      }),
    );
  },
};

const homebrewSource: Source = {
  name: 'homebrew',
  platforms: ['darwin'],
  async collect(ctx) {
    const optDirs = ['/opt/homebrew/opt', '/usr/local/opt'];
    const kegs = await Promise.all(
      optDirs.map(async (opt) =>
        (await ctx.fs.listDir(opt)).filter((n) => /^python@3\.\d+$/.test(n)).map((n) => ({ path: `${opt}/${n}/bin/python3`, kind: 'homebrew' as const })),
      ),
    );
    return found([...(await scanBinDir(ctx, '/opt/homebrew/bin', 'homebrew')), ...kegs.flat()]);
  },
};

const frameworkSource: Source = {
  name: 'macos-framework',
  platforms: ['darwin'],
  async collect(ctx) {
    const root = '/Library/Frameworks/Python.framework/Versions';
    const names = (await ctx.fs.listDir(root)).filter((n) => n !== 'Current' && /^\d+\.\d+/.test(n));
    return found(names.map((n) => ({ path: `${root}/${n}/bin/python3`, kind: 'macos-framework' as const })));
  },
};

const registrySource: Source = {
  name: 'windows-registry',
  platforms: ['win32'],
  async collect(ctx) {
    const listing = await ctx.deps.readRegistry?.().catch(() => null);
    if (!listing) return found([]);
    const candidates = pep514Installs(listing.keys).map((install) => ({
      path: install.executablePath,
      kind: 'windows-registry' as const,
      hints: {
        ...(install.version ? { version: install.version, versionSource: 'registry' as const } : {}),
        ...(install.company === 'PythonCore' ? { implementation: 'cpython' as const } : {}),
        ...(install.architecture ? { architecture: install.architecture } : {}),
      },
    }));
    return found(candidates, listing.processesStarted);
  },
};

const pyLauncherSource: Source = {
  name: 'py-launcher',
  platforms: ['win32'],
  async collect(ctx) {
    const listing = await ctx.deps.listPyLauncher?.().catch(() => null);
    if (!listing) return found([]);
    const candidates = parsePyLauncherList(listing.output).map((entry) => ({
      path: entry.path,
      kind: 'py-launcher' as const,
      ...(entry.architecture ? { hints: { architecture: entry.architecture } } : {}),
    }));
    return found(candidates, listing.processesStarted);
  },
};

const windowsStoreSource: Source = {
  name: 'windows-store',
  platforms: ['win32'],
  async collect(ctx) {
    const localAppData = ctx.env('LOCALAPPDATA') ?? ctx.path.join(ctx.deps.homeDir, 'AppData', 'Local');
    const dir = ctx.path.join(localAppData, 'Microsoft', 'WindowsApps');
    const names = (await ctx.fs.listDir(dir)).filter((n) => /^python3\.\d+\.exe$/i.test(n));
    return found(names.map((n) => ({ path: ctx.path.join(dir, n), kind: 'windows-store' as const, opaque: true })));
  },
};

export const ALL_SOURCES: readonly Source[] = [
  pathSource,
  systemSource,
  pyenvSource,
  condaSource,
  venvSource,
  uvSource,
  homebrewSource,
  frameworkSource,
  registrySource,
  pyLauncherSource,
  windowsStoreSource,
];
