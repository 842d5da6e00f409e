/**
 * Creating an interpreter's virtual environment (`venv_path`) from its base interpreter with
 * `uv venv --python <base> <dir>` or `<base> -m venv <dir>`, then pointing the interpreter's
 * `path` at the venv's python with a minimal config edit.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { conflict, errorMessage, fieldDetails, invalid, notFound } from '../app-error.js';
import { parsePyvenvCfg } from '../interpreters/discovery/version-files.js';
import { describeExit } from '../process/exit.js';
import { revalidate, toolEnvironment, type ProvisioningDeps } from './common.js';
import { JobFailure, unlessCancelled, type JobContext, type JobPlan } from './plan.js';
import { errorSummary } from './progress.js';

export type VenvDirState = 'missing' | 'empty' | 'venv' | 'other';

type PathApi = typeof path.posix;
const pathApi = (platform: NodeJS.Platform): PathApi => (platform === 'win32' ? path.win32 : path.posix);

/** The python of a venv: `bin/python`, or `Scripts\python.exe` on Windows. */
export function venvPython(dir: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? path.win32.join(dir, 'Scripts', 'python.exe') : path.posix.join(dir, 'bin', 'python');
}

/** `<uv> venv --python <base> [--allow-existing] <dir>` or `<base> -m venv <dir>`. */
export function venvArgv(base: string, dir: string, uv: string | null, existing = false): string[] {
  return uv ? [uv, 'venv', '--python', base, ...(existing ? ['--allow-existing'] : []), dir] : [base, '-m', 'venv', dir];
}

/** What is at `dir`: nothing, an empty folder, a venv (has pyvenv.cfg), or something else. */
export async function inspectVenvDir(dir: string): Promise<{ state: VenvDirState; detail: string }> {
  let st;
  try {
    st = await fsp.stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing', detail: `${dir} does not exist` };
    return { state: 'other', detail: `${dir} cannot be read (${errorMessage(err)})` };
  }
  if (!st.isDirectory()) return { state: 'other', detail: `${dir} is a file, not a folder` };
  const entries = await fsp.readdir(dir);
  if (entries.length === 0) return { state: 'empty', detail: `${dir} is an empty folder` };
  if (entries.includes('pyvenv.cfg')) return { state: 'venv', detail: `${dir} is a virtual environment` };
  return { state: 'other', detail: `${dir} is a folder with other files in it (no pyvenv.cfg)` };
}

async function isFile(file: string): Promise<boolean> {
  return fsp.stat(file).then((s) => s.isFile(), () => false);
}

/**
 * The interpreter the venv is made from: the interpreter's own path, unless that already points
 * into the venv folder; then the venv's pyvenv.cfg (`executable`, else `home`) says.
 */
export async function baseInterpreter(interpreterPath: string, dir: string, platform: NodeJS.Platform): Promise<string> {
  const p = pathApi(platform);
  const rel = p.relative(dir, interpreterPath);
  const inside = rel !== '' && !rel.startsWith('..') && !p.isAbsolute(rel);
  if (!inside) return interpreterPath;
  const text = await fsp.readFile(p.join(dir, 'pyvenv.cfg'), 'utf8').catch(() => null);
  const cfg = text === null ? null : parsePyvenvCfg(text);
  if (cfg?.executable) return cfg.executable;
  if (cfg?.home) return p.join(cfg.home, platform === 'win32' ? 'python.exe' : 'python3');
  throw conflict(
    `the path of this interpreter (${interpreterPath}) points into its venv_path ${dir}, and nothing says which Python to make the venv from: ` +
      'set its path to a base Python first',
  );
}

export async function planVenv(name: string, deps: ProvisioningDeps): Promise<JobPlan> {
  const p = pathApi(deps.platform);
  const target = await deps.registry.resolve(name);
  if (!(name in deps.config.settings.python.interpreters) || !target.venv_path) {
    throw invalid('venv_path', 'not set: choose the folder of its virtual environment first', `'${name}' has no venv_path: set the folder of its virtual environment first`);
  }
  if (!p.isAbsolute(target.venv_path)) {
    throw invalid('venv_path', `must be an absolute path (got '${target.venv_path}')`, `venv_path of '${name}' must be an absolute path (got '${target.venv_path}')`);
  }
  const dir = p.normalize(target.venv_path);
  const before = await inspectVenvDir(dir);
  if (before.state === 'other') {
    const why = `cannot create a virtual environment at ${dir}: ${before.detail}. Choose another venv_path or empty the folder.`;
    throw conflict(why, fieldDetails({ field: 'venv_path', message: why }));
  }
  const python = venvPython(dir, deps.platform);
  const base = await baseInterpreter(target.path, dir, deps.platform);
  if (!(await isFile(base))) throw conflict(`the base interpreter ${base} of '${name}' does not exist`);
  const reuse = before.state === 'venv' && (await isFile(python));
  const env = toolEnvironment(deps.env, target.environment);
  let ranTool = false;

  return {
    kind: 'venv',
    async execute(ctx: JobContext): Promise<void> {
      if (reuse) {
        ctx.line(`${dir} is already a virtual environment: using it`);
      } else {
        ctx.phase('resolving');
        let uv: string | null = null;
        if (target.use_uv) {
          const choice = await unlessCancelled(ctx, deps.uv.ensure(deps.config.settings.python.auto_download_uv, 'python -m venv', (l) => ctx.line(l)));
          for (const w of choice.warnings) ctx.warn(w);
          uv = choice.path;
        }
        const argv = venvArgv(base, dir, uv, before.state === 'venv');
        const tool = uv ? 'uv venv' : 'python -m venv';
        ctx.phase('installing');
        ctx.line(`creating a virtual environment at ${dir} from ${base}`);
        ranTool = true;
        const exit = await ctx.run(argv, env);
        if (exit.code !== 0) throw new JobFailure(`${tool} ${describeExit(exit)}: ${errorSummary(ctx.recentLines(80)) ?? 'it printed nothing'}`);
        if (!(await isFile(python))) throw new JobFailure(`${tool} finished, but ${python} does not exist`);
      }
      ctx.commit();
      ctx.phase('verifying');
      const changed = await deps.config.edit((doc) => {
        if (doc.getIn(['python', 'interpreters', name]) === undefined) throw notFound(`'${name}' was removed meanwhile`);
        if (doc.getIn(['python', 'interpreters', name, 'path']) === python) return false;
        doc.setIn(['python', 'interpreters', name, 'path'], python);
        return true;
      });
      ctx.line(changed ? `'${name}' now uses ${python}` : `'${name}' already uses ${python}`);
      if (changed && deps.registry.activeName() === name) {
        ctx.line(`'${name}' is the active interpreter: the executor keeps its current process until the venv's packages are installed`);
      }
      await revalidate(deps, name, ctx);
    },
    async afterFailure() {
      // leave things as they were: remove what a failed or cancelled creation left behind
      if (!ranTool || before.state === 'venv') return;
      await fsp.rm(dir, { recursive: true, force: true });
      if (before.state === 'empty') await fsp.mkdir(dir);
      deps.logger.info(`removed the incomplete virtual environment at ${dir}`);
    },
  };
}
