/** The Python executor started by hand (no app): a private socket, a fresh token, its handshake read. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseHandshakeLine } from '../../electron/core/executor/handshake.js';
import { RESOURCES, SYSTEM_PYTHON } from './executor.js';

const EXECUTOR = path.join(RESOURCES, 'python', 'webhook_bridge_executor');

export interface ExecutorProcess {
  child: ChildProcess;
  address: string;
  token: string;
  /** Its folder (the socket's): the caller removes it. */
  dir: string;
  stderr: string[];
}

/** Spawns the executor on a socket in a new temp folder and waits for its handshake line. */
export async function spawnExecutorProcess(o: { prefix: string; pluginDirs: string[]; args: string[]; env?: Record<string, string> }): Promise<ExecutorProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), o.prefix));
  const token = randomBytes(16).toString('hex');
  const child = spawn(SYSTEM_PYTHON, [EXECUTOR, '--socket', path.join(dir, 'x.sock'), ...o.pluginDirs.flatMap((d) => ['--plugin-dir', d]), ...o.args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', WEBHOOK_BRIDGE_EXECUTOR_TOKEN: token, ...o.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const address = await new Promise<string>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`executor exited (${code}) before its handshake:\n${stderr.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const h = parseHandshakeLine(line);
      if (h) resolve(h.address);
    });
  });
  return { child, address, token, dir, stderr };
}
