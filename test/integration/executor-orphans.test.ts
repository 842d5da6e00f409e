/**
 * No executor outlives the app: headless mode as a real child process, stopped with SIGTERM or
 * killed with SIGKILL (then the executor notices its stdin closing and exits on its own).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { configYaml, pidAlive, ROOT, SYSTEM_PYTHON, tempDir, waitUntil } from '../helpers/executor.js';

const TOKEN = 'orphan-test-token-0123456789abcdef';
const apps: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const app of apps.splice(0)) if (app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startApp(): Promise<{ app: ChildProcess; url: string; executorPid: number; address: string; exited: Promise<number | null> }> {
  const dir = tempDir('wbx-app-');
  dirs.push(dir);
  const configFile = path.join(dir, 'config.yaml');
  await fs.writeFile(configFile, configYaml({ interpreters: { system: { path: SYSTEM_PYTHON } }, active: 'system' }));
  const app = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'headless.ts'), '--config', configFile, '--port', '0', '--quiet'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, XDG_STATE_HOME: path.join(dir, 'state'), WEBHOOK_BRIDGE_API_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  apps.push(app);
  const stderr: string[] = [];
  app.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => app.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: app.stdout! }).on('line', (line) => {
      const m = /REST API listening on (\S+)/.exec(line);
      if (m?.[1]) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`the app exited (${code}): ${stderr.join('')}`)));
  });
  const res = await fetch(`${url}/api/dashboard/connection`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const status = (await res.json()) as { state: string; pid: number; address: string };
  expect(status.state).toBe('connected');
  return { app, url, executorPid: status.pid, address: status.address, exited };
}

describe('the executor never outlives the app', () => {
  it('is stopped with the app on SIGTERM', async () => {
    const { app, executorPid, exited } = await startApp();
    expect(pidAlive(executorPid)).toBe(true);
    app.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(pidAlive(executorPid)).toBe(false);
  });

  it('exits by itself when the app is killed with SIGKILL', async () => {
    const { app, url, executorPid, address, exited } = await startApp();
    const hook = await fetch(`${url}/api/v1/webhook/noop`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(hook.status).toBe(200);
    app.kill('SIGKILL');
    await exited;
    await waitUntil(() => !pidAlive(executorPid), 10_000, 'the orphaned executor to exit');
    // the app was not there to clean up: the executor removed its socket and its private folder
    expect(existsSync(address.replace(/^unix:/, ''))).toBe(false);
    expect(existsSync(path.dirname(address.replace(/^unix:/, '')))).toBe(false);
  });
});
