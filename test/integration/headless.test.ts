import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../helpers/bridge.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function serve(args: string[], env: Record<string, string> = {}) {
  const dir = tempDir();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'electron', 'headless.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOME: dir, XDG_STATE_HOME: path.join(dir, 'state'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /^REST API listening on (http:\/\/\S+)$/m.exec(out);
      if (m) resolve(m[1] as string);
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { dir, child, ready, exited, output: () => out, errors: () => err };
}

describe('npm run serve (headless mode)', () => {
  it('prints its one ready line on a free port, answers, and shuts down cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const s = serve(['--config', path.join(dir, 'c.yaml'), '--port', '0', '--quiet']);
    const url = await s.ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.output().match(/REST API listening on/g)).toHaveLength(1);
    expect(s.output()).toContain(`API token: ${path.join(dir, 'api-token')}`);
    const res = await fetch(`${url}/health`);
    expect(res.status).toBeLessThan(600);
    expect(await fs.readFile(path.join(dir, 'c.yaml'), 'utf8')).toMatch(/^# webhook-bridge configuration/);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('honours WEBHOOK_BRIDGE_CONFIG and exits on SIGINT', async () => {
    const dir = tempDir();
    const s = serve(['--port', '0'], { WEBHOOK_BRIDGE_CONFIG: path.join(dir, 'env.yaml') });
    await s.ready;
    await fs.access(path.join(dir, 'env.yaml'));
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
  });

  it('rejects a bad flag with usage and exit code 2', async () => {
    const s = serve(['--port', 'abc']);
    await expect(s.ready).rejects.toThrow(/--port: expected 0-65535/);
    expect(await s.exited).toBe(2);
  });
});
