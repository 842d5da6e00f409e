import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBridge, type Bridge, type BridgeOptions } from '../../electron/app.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TestBridge {
  bridge: Bridge;
  dir: string;
  configFile: string;
  url: string;
  token: string;
  /** A real HTTP request to the bridge; JSON bodies are encoded when `body` is not a string/Buffer. */
  request(method: string, urlPath: string, opts?: { body?: unknown; headers?: Record<string, string>; auth?: boolean }): Promise<{ status: number; headers: Headers; json: unknown; text: string }>;
  stop(): Promise<void>;
}

export function tempDir(prefix = 'wb-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts headless mode in-process on a free port with a config in a fresh temp folder. */
export async function startTestBridge(opts: { configText?: string; env?: Record<string, string>; dir?: string; replace?: BridgeOptions['replace']; executorTuning?: BridgeOptions['executorTuning'] } = {}): Promise<TestBridge> {
  const dir = opts.dir ?? tempDir();
  const configFile = path.join(dir, 'config.yaml');
  if (opts.configText !== undefined) await fs.writeFile(configFile, opts.configText, { mode: 0o600 });
  const env: Record<string, string | undefined> = { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_STATE_HOME: path.join(dir, 'xdg-state'), XDG_DATA_HOME: path.join(dir, 'xdg-data'), ...opts.env };
  delete env['WEBHOOK_BRIDGE_API_TOKEN'];
  if (opts.env?.['WEBHOOK_BRIDGE_API_TOKEN']) env['WEBHOOK_BRIDGE_API_TOKEN'] = opts.env['WEBHOOK_BRIDGE_API_TOKEN'];
  const bridge = await startBridge({ configFlag: configFile, port: 0, host: '127.0.0.1', env, home: dir, fileLog: false, resourcesDir: path.join(REPO_ROOT, 'resources'), ...(opts.replace ? { replace: opts.replace } : {}), ...(opts.executorTuning ? { executorTuning: opts.executorTuning } : {}) });
  const token = bridge.token.token;
  return {
    bridge,
    dir,
    configFile,
    url: bridge.url,
    token,
    async request(method, urlPath, o = {}) {
      const headers: Record<string, string> = { ...(o.auth === false ? {} : { authorization: `Bearer ${token}` }), ...o.headers };
      let body: string | Buffer | undefined;
      if (o.body !== undefined) {
        if (typeof o.body === 'string' || Buffer.isBuffer(o.body)) body = o.body;
        else {
          body = JSON.stringify(o.body);
          headers['content-type'] ??= 'application/json';
        }
      }
      const res = await fetch(`${bridge.url}${urlPath}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let json: unknown = undefined;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, headers: res.headers, json, text };
    },
    stop: () => bridge.stop(),
  };
}
