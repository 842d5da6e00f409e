/** The command line, environment and transport of one executor spawn. */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { looksSecret } from '../../../shared/dto/common.js';
import type { LogLevel } from '../../../shared/dto/config.js';
import { childEnv } from '../process/env.js';
import type { ResolvedInterpreter } from '../interpreters/registry.js';

export const TOKEN_ENV = 'WEBHOOK_BRIDGE_EXECUTOR_TOKEN';
export const NONCE_ENV = 'WEBHOOK_BRIDGE_EXECUTOR_NONCE';
/** "0" turns off upstream's envelope for webhook_bridge 0.6–4.0 plugins (resources/python/webhook_bridge_executor/legacy.py). */
export const LEGACY_ENVELOPE_ENV = 'WEBHOOK_BRIDGE_LEGACY_ENVELOPE';
/** plugins.legacy_generation: auto, 3 or 4 (resources/python/webhook_bridge_executor/legacy.py). */
export const LEGACY_GENERATION_ENV = 'WEBHOOK_BRIDGE_LEGACY_GENERATION';

export type Transport = { kind: 'unix' } | { kind: 'tcp'; host: string; port: number };

export interface LaunchSettings {
  /** Holds python/ (the executor and the plugin API). */
  resourcesDir: string;
  /** Plugin folders in priority order (first match wins). */
  pluginDirs: string[];
  pluginTimeoutS: number;
  /** plugins.legacy_envelope: answer webhook_bridge 0.6–4.0 plugins in upstream's envelope. */
  legacyEnvelope: boolean;
  /** plugins.legacy_generation: which webhook_bridge generation the 0.6–4.0 plugins are ('auto': told from each class). */
  legacyGeneration: 'auto' | 3 | 4;
  logLevel: LogLevel;
  transport: Transport;
  /** The app's environment: the executor inherits it (minus the app's secrets). */
  baseEnv: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  /** Where the private socket folder is made. */
  tmpDir: string;
  cwd: string;
}

export interface PreparedLaunch {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  token: string;
  nonce: string;
  /** The private 0700 folder holding the socket (removed after the executor exits: by the app, or by the executor when the app is gone). */
  socketDir: string | null;
  /** Values of secret-looking environment variables (to redact from logs). */
  secrets: string[];
  virtualEnv: string | null;
}

const PY_LEVEL: Record<LogLevel, string> = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' };
// sun_path is 108 bytes on Linux and 104 on macOS, NUL included.
const MAX_SOCKET_PATH = 100;

/** The venv an interpreter belongs to: its venv_path, else the folder with pyvenv.cfg above bin/. */
export function virtualEnvOf(interp: ResolvedInterpreter): string | null {
  if (interp.venv_path) return interp.venv_path;
  const root = path.dirname(path.dirname(interp.path));
  return existsSync(path.join(root, 'pyvenv.cfg')) ? root : null;
}

function envKey(env: Record<string, string>, name: string, platform: NodeJS.Platform): string {
  if (platform !== 'win32') return name;
  return Object.keys(env).find((k) => k.toUpperCase() === name) ?? name;
}

export function executorEnv(interp: ResolvedInterpreter, s: LaunchSettings, token: string, nonce: string): { env: Record<string, string>; virtualEnv: string | null } {
  const env = childEnv(s.baseEnv, interp.environment);
  const delimiter = s.platform === 'win32' ? ';' : ':';
  const virtualEnv = virtualEnvOf(interp);
  if (virtualEnv) {
    const pathKey = envKey(env, 'PATH', s.platform);
    const bin = path.join(virtualEnv, s.platform === 'win32' ? 'Scripts' : 'bin');
    env[pathKey] = env[pathKey] ? `${bin}${delimiter}${env[pathKey]}` : bin;
    env['VIRTUAL_ENV'] = virtualEnv;
    delete env['PYTHONHOME'];
  }
  const pyRoot = path.join(s.resourcesDir, 'python');
  const pyPathKey = envKey(env, 'PYTHONPATH', s.platform);
  env[pyPathKey] = env[pyPathKey] ? `${pyRoot}${delimiter}${env[pyPathKey]}` : pyRoot;
  env['PYTHONUNBUFFERED'] = '1';
  env[TOKEN_ENV] = token;
  env[NONCE_ENV] = nonce;
  env[LEGACY_ENVELOPE_ENV] = s.legacyEnvelope ? '1' : '0';
  env[LEGACY_GENERATION_ENV] = String(s.legacyGeneration);
  return { env, virtualEnv };
}

async function privateSocketDir(tmpDir: string): Promise<string> {
  for (const base of [tmpDir, '/tmp']) {
    const dir = await fs.mkdtemp(path.join(base, 'wbx-'));
    await fs.chmod(dir, 0o700);
    if (path.join(dir, 'executor.sock').length <= MAX_SOCKET_PATH) return dir;
    await fs.rm(dir, { recursive: true, force: true });
  }
  throw new Error(`no folder short enough for a unix socket (TMPDIR=${tmpDir})`);
}

/** Builds everything one spawn needs; creates the private socket folder for the unix transport. */
export async function prepareLaunch(interp: ResolvedInterpreter, s: LaunchSettings): Promise<PreparedLaunch> {
  const token = randomBytes(32).toString('base64url');
  const nonce = randomBytes(16).toString('hex');
  const { env, virtualEnv } = executorEnv(interp, s, token, nonce);
  const args = [path.join(s.resourcesDir, 'python', 'webhook_bridge_executor')];
  let socketDir: string | null = null;
  if (s.transport.kind === 'unix') {
    socketDir = await privateSocketDir(s.tmpDir);
    // The executor removes the folder itself if the app is gone when it exits (killed with SIGKILL).
    args.push('--socket', path.join(socketDir, 'executor.sock'), '--remove-socket-dir');
  } else {
    args.push('--host', s.transport.host, '--port', String(s.transport.port));
  }
  for (const dir of s.pluginDirs) args.push('--plugin-dir', dir);
  args.push('--plugin-timeout', String(s.pluginTimeoutS), '--log-level', PY_LEVEL[s.logLevel]);
  const secrets = Object.entries(interp.environment).filter(([k]) => looksSecret(k)).map(([, v]) => v);
  return { file: interp.path, args, env, cwd: s.cwd, token, nonce, socketDir, secrets, virtualEnv };
}
