/**
 * Download progress for real: pip 24.1+ (`--progress-bar raw`) fetching a 1.5 MB wheel from a
 * find-links page served slowly on 127.0.0.1, the job's percentage rising to 100, watched the way
 * the dashboard does: `jobUpdated` server-sent events on GET /api/dashboard/events.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../shared/dto/jobs.js';
import { startTestBridge, tempDir, type TestBridge } from '../helpers/bridge.js';
import { makeWheel, waitJob } from './provisioning-support.js';

/** A Python whose venvs get pip 24.1 or newer (ensurepip's bundled version). */
function pythonWithRawProgress(): string | null {
  const root = path.join(process.env['PYENV_ROOT'] ?? path.join(os.homedir(), '.pyenv'), 'versions');
  const candidates = existsSync(root) ? readdirSync(root).map((v) => path.join(root, v, 'bin', 'python3')) : [];
  for (const python of [...candidates, '/usr/bin/python3']) {
    try {
      const v = execFileSync(python, ['-c', 'import ensurepip, venv; print(ensurepip.version())'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const [major, minor] = v.split('.').map(Number);
      if ((major ?? 0) > 24 || (major === 24 && (minor ?? 0) >= 1)) return python;
    } catch {
      // not a usable Python 3
    }
  }
  return null;
}

const PYTHON = pythonWithRawProgress();
const WHY = 'no Python here bundles pip 24.1+ (needed for --progress-bar raw)';

describe.skipIf(!PYTHON)(`download progress${PYTHON ? ` (${PYTHON})` : ` (skipped: ${WHY})`}`, () => {
  let dir: string;
  let tb: TestBridge;
  let server: http.Server;
  let venvPython: string;

  beforeAll(async () => {
    dir = tempDir('wb-progress-');
    const wheels = path.join(dir, 'wheels');
    const wheel = makeWheel(wheels, 'wbbig', '0.1', { 'wbbig/blob.bin': randomBytes(1_500_000) });
    const body = readFileSync(wheel);
    const name = path.basename(wheel);
    // a find-links page, and the wheel sent in 64 KiB pieces 50 ms apart (over a second: several progress events)
    server = http.createServer((req, res) => {
      if (req.url === `/${name}`) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
        let offset = 0;
        const send = (): void => {
          if (offset >= body.length) return void res.end();
          res.write(body.subarray(offset, offset + 65536));
          offset += 65536;
          setTimeout(send, 50);
        };
        send();
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><body><a href="/${name}">${name}</a></body></html>`);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    venvPython = path.join(dir, 'venv', 'bin', 'python');
    execFileSync(PYTHON!, ['-m', 'venv', path.join(dir, 'venv')], { stdio: 'ignore' });
    const config = ['python:', '  interpreters:', '    fresh:', `      path: "${venvPython}"`, '      required_packages: ["wbbig"]', ''].join('\n');
    tb = await startTestBridge({ dir, configText: config, env: { PIP_NO_INDEX: '1', PIP_FIND_LINKS: `http://127.0.0.1:${port}/`, PIP_NO_CACHE_DIR: '1' } });
  });

  afterAll(async () => {
    await tb?.stop();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports the percentage pip gives while downloading, pushed as server-sent events', async () => {
    const abort = new AbortController();
    const stream = await fetch(`${tb.url}/api/dashboard/events`, { headers: { authorization: `Bearer ${tb.token}` }, signal: abort.signal });
    expect(stream.status).toBe(200);
    const pushed: Job[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!/^event: jobUpdated$/m.test(block)) continue;
          const job = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Job;
          pushed.push(job);
          if (job.state !== 'running') return;
        }
      }
    })().catch(() => undefined);

    const res = await tb.request('POST', '/api/dashboard/interpreters/fresh/install');
    expect(res.status).toBe(202);
    const job = await waitJob(tb, (res.json as Job).id);
    await Promise.race([reading, new Promise((r) => setTimeout(r, 5000))]);
    abort.abort();

    expect(job.state).toBe('succeeded');
    expect(job.command).toEqual([venvPython, '-m', 'pip', 'install', '--progress-bar', 'raw', 'wbbig']);
    expect(job.output.some((l) => /^Progress \d+ of \d+$/.test(l))).toBe(true);
    const downloading = pushed.filter((j) => j.id === job.id && j.phase === 'downloading' && j.percent !== null).map((j) => j.percent!);
    expect(downloading.length).toBeGreaterThanOrEqual(2);
    expect(downloading).toEqual([...downloading].sort((a, b) => a - b));
    expect(downloading.some((p) => p > 0 && p < 100)).toBe(true);
    expect(pushed.at(-1)).toMatchObject({ id: job.id, state: 'succeeded', percent: 100 });
  });
});
