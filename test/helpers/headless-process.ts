/**
 * Headless mode as a real child process, in its own process group so that a test can SIGKILL it
 * together with everything it started (the executor) in one go.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { REPO_ROOT } from './bridge.js';

let bundled: Promise<string> | undefined;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Headless mode bundled with its dependencies into one ES module, for suites that restart it many
 * times: `node bundle.mjs` starts several times faster than `node --import tsx` resolving and
 * transforming hundreds of files. `import.meta.url` (and `require`) are pinned to
 * electron/headless.ts so that resources/ and node_modules are found as from the sources. Built
 * once per test process under node_modules/.cache; bundles of finished processes are removed.
 */
export function bundleHeadless(): Promise<string> {
  bundled ??= (async () => {
    const dir = path.join(REPO_ROOT, 'node_modules', '.cache', 'webhook-bridge-tests');
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      const m = /^headless-(\d+)\.mjs$/.exec(name);
      if (m && !alive(Number(m[1]))) rmSync(path.join(dir, name), { force: true });
    }
    const outfile = path.join(dir, `headless-${process.pid}.mjs`);
    const entry = pathToFileURL(path.join(REPO_ROOT, 'electron', 'headless.ts')).href;
    await build({
      entryPoints: [path.join(REPO_ROOT, 'electron', 'headless.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      // a native module: its loader (`bindings`) looks for its .node file from __filename, which an
      // ES module bundle does not have; left as an import, it resolves from node_modules as usual
      external: ['better-sqlite3'],
      define: { 'import.meta.url': JSON.stringify(entry) },
      banner: { js: `import { createRequire as __wbCreateRequire } from 'node:module'; const require = __wbCreateRequire(${JSON.stringify(entry)});` },
      logLevel: 'silent',
    });
    return outfile;
  })();
  return bundled;
}

export interface HeadlessProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` to the whole process group. */
  killGroup(signal: NodeJS.Signals): void;
  /** SIGKILLs the group and waits for the exit. */
  kill(): Promise<void>;
}

export interface HeadlessOptions {
  configFile: string;
  /** HOME / XDG folders (a temp dir). */
  home: string;
  args?: string[];
  env?: Record<string, string>;
  /** Start through `npm run serve` instead of `node --import tsx electron/headless.ts`. */
  viaNpm?: boolean;
  /** Start this bundle (from `bundleHeadless()`) with plain node. */
  bundle?: string;
  readyTimeoutMs?: number;
}

const live = new Set<HeadlessProcess>();

/** SIGKILLs every headless process group a test started and did not stop (call in afterAll/afterEach). */
export async function killAllHeadless(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}

export async function startHeadless(o: HeadlessOptions): Promise<HeadlessProcess> {
  const args = ['--config', o.configFile, '--port', '0', ...(o.args ?? [])];
  const env: Record<string, string | undefined> = {
    ...process.env,
    HOME: o.home,
    XDG_CONFIG_HOME: path.join(o.home, 'xdg-config'),
    XDG_STATE_HOME: path.join(o.home, 'xdg-state'),
    XDG_DATA_HOME: path.join(o.home, 'xdg-data'),
    ...o.env,
  };
  if (!o.env?.['WEBHOOK_BRIDGE_API_TOKEN']) delete env['WEBHOOK_BRIDGE_API_TOKEN'];
  const child = o.viaNpm
    ? spawn('npm', ['run', '--silent', 'serve', '--', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn(process.execPath, [...(o.bundle ? [o.bundle] : ['--import', 'tsx', path.join(REPO_ROOT, 'electron', 'headless.ts')]), ...args], {
        cwd: REPO_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const pid = child.pid as number;
  let gone = false;
  void exited.then(() => (gone = true));
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const proc: HeadlessProcess = {
    child,
    pid,
    url: '',
    port: 0,
    stdout: () => out,
    stderr: () => err,
    exited,
    killGroup,
    async kill() {
      killGroup('SIGKILL');
      if (!gone) await exited;
      live.delete(proc);
    },
  };
  live.add(proc);
  const timeoutMs = o.readyTimeoutMs ?? 30_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`headless mode not ready within ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    const check = (): void => {
      const m = /^REST API listening on (http:\/\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout?.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`headless mode exited (${code ?? signal}) before it was ready:\n${out}\n${err}`));
    });
  }).catch(async (e: unknown) => {
    await proc.kill();
    throw e;
  });
  proc.url = url;
  proc.port = Number(new URL(url).port);
  return proc;
}
