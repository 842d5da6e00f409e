/**
 * The one process runner with real processes: capped lines from a child writing 50 MiB without a
 * newline (memory stays flat), the tree kill reaching a grandchild, `run`'s timeout and bounded
 * buffer, spawn failures, exits described, and the app's API token kept from children.
 * Pids are checked through /proc.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { describeExit } from '../../electron/core/process/exit.js';
import { cutMark } from '../../electron/core/process/lines.js';
import { ProcessRunner } from '../../electron/core/process/runner.js';
import type { OutputStream, SpawnedProcess } from '../../electron/core/process/spawn.js';
import { alive, waitFor } from './provisioning-support.js';

const LINUX = process.platform === 'linux';
const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
const runner = new ProcessRunner({ env, graceMs: 3000, drainMs: 300 });
const started: SpawnedProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop({ graceMs: 0 })));
});

function spawnSh(script: string, maxLineBytes?: number) {
  const lines: { line: string; stream: OutputStream }[] = [];
  const proc = runner.spawn({ file: '/bin/sh', args: ['-c', script], onLine: (line, stream) => lines.push({ line, stream }), maxLineBytes });
  started.push(proc);
  const pids = (): number[] => lines.filter((l) => /^\d+$/.test(l.line)).map((l) => Number(l.line));
  return { proc, lines, pids };
}

// Full collections, and time for V8 to free the buffers they found dead (that happens beside the
// main thread): what is measured is what is still referenced, not chunks already passed on.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
async function liveBytes(): Promise<number> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe.skipIf(!LINUX)(`the process runner${LINUX ? '' : ' (skipped: the pid checks read /proc)'}`, () => {
  it('cuts a 50 MiB line without a newline at the cap, marks its size, and does not hold it in memory', async () => {
    const half = 25 * 1024 * 1024;
    const write = `head -c ${half} /dev/zero | tr '\\0' x`;
    // half the line, a mark on stderr (measured there, while the line is still open), the other half
    const script = `${write}; echo mid >&2; sleep 1; ${write}; printf '\\nafter\\n'`;
    const before = await liveBytes();
    let during: Promise<number> | undefined;
    const lines: { line: string; stream: OutputStream }[] = [];
    const proc = runner.spawn({
      file: '/bin/sh',
      args: ['-c', script],
      maxLineBytes: 64 * 1024,
      onLine: (line, stream) => {
        if (stream === 'stderr' && line === 'mid') during = liveBytes();
        lines.push({ line, stream });
      },
    });
    started.push(proc);
    expect(await proc.exited).toEqual({ code: 0, signal: null, spawnError: null });
    // 25 MiB of the line had been read when it was measured: live memory grew by far less (the cap and chunks in flight)
    expect((await during)! - before).toBeLessThan(half / 10);
    const out = lines.filter((l) => l.stream === 'stdout').map((l) => l.line);
    expect(out).toHaveLength(2);
    expect(out[0]).toBe(`${'x'.repeat(64 * 1024)}${cutMark(2 * half)}`);
    expect(out[0]).toMatch(/… \[line cut: 52428800 bytes\]$/);
    expect(out[1]).toBe('after');
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['mid']);
  });

  it('reports the exit code, a signal and a file that cannot be run, each described once', async () => {
    const three = spawnSh('exit 3');
    expect(await three.proc.exited).toEqual({ code: 3, signal: null, spawnError: null });
    const killed = spawnSh('kill -9 $$');
    const k = await killed.proc.exited;
    expect(describeExit(k)).toBe('was killed by SIGKILL');
    const missing = runner.spawn({ file: '/nonexistent/python3', args: [] });
    const m = await missing.exited;
    expect(m).toMatchObject({ code: null, spawnError: 'ENOENT' });
    expect(describeExit(m)).toBe('could not be run (ENOENT)');
  });

  it('stop kills the whole tree, grandchildren included', async () => {
    const { proc, pids } = spawnSh('sleep 300 & echo $!; (sleep 300 & echo $!; wait) & wait');
    const children = await waitFor('two descendants', () => (pids().length === 2 ? pids() : null));
    const all = [proc.pid!, ...children];
    expect(all.every(alive)).toBe(true);
    expect(await proc.stop()).toBe('graceful');
    expect(all.filter(alive)).toEqual([]);
    expect((await proc.exited).signal).toBe('SIGTERM');
  });

  it('forces a tree that ignores SIGTERM after the grace', async () => {
    const { proc, pids } = spawnSh("trap '' TERM; sleep 300 & echo $!; wait; wait");
    const [child] = await waitFor('a child', () => (pids().length === 1 ? pids() : null));
    expect(await proc.stop({ graceMs: 200 })).toBe('forced');
    expect([proc.pid!, child!].filter(alive)).toEqual([]);
    expect((await proc.exited).signal).toBe('SIGKILL');
  });

  it('stop with the polite signal to the leader only: the leader exits, what it left behind is killed', async () => {
    const { proc, pids } = spawnSh("trap 'exit 0' TERM; (trap '' TERM; exec sleep 300) & echo $!; while :; do sleep 0.05; done");
    const [child] = await waitFor('a child', () => (pids().length === 1 ? pids() : null));
    expect(await proc.stop({ graceMs: 5000, politeTo: 'leader' })).toBe('graceful');
    await waitFor('the child to be gone', () => (alive(child!) ? null : true), 5000);
    expect((await proc.exited).code).toBe(0);
  });

  it('run kills the tree at the timeout', async () => {
    const result = await runner.run('/bin/sh', ['-c', 'sleep 300 & echo $!; wait'], { timeoutMs: 300 });
    const grandchild = Number(result.stdout.trim());
    expect(result).toMatchObject({ timedOut: true, overflowed: false, code: null, signal: 'SIGKILL', spawnError: null });
    expect(grandchild).toBeGreaterThan(0);
    expect(alive(grandchild)).toBe(false);
  });

  it('run keeps a bounded buffer: a flood is cut at maxBuffer and the process is killed', async () => {
    const result = await runner.run('/bin/sh', ['-c', 'yes flood; echo never-here >&2'], { timeoutMs: 20_000, maxBuffer: 64 * 1024 });
    expect(result.overflowed).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(64 * 1024);
    expect(result.stdout.startsWith('flood\nflood\n')).toBe(true);
    expect(result.code).toBeNull();
  });

  it('run returns both streams of a process that ends on its own', async () => {
    const result = await runner.run('/bin/sh', ['-c', 'echo out; echo err >&2; exit 4'], { timeoutMs: 20_000 });
    expect(result).toEqual({ code: 4, signal: null, spawnError: null, stdout: 'out\n', stderr: 'err\n', timedOut: false, overflowed: false });
  });

  it('never hands the app API token to a child, even in an environment built by hand', async () => {
    const own = new ProcessRunner({ env: { ...env, WEBHOOK_BRIDGE_API_TOKEN: 'app-secret', KEEP: 'kept' } });
    const byDefault = await own.run('/usr/bin/env', [], { timeoutMs: 20_000 });
    expect(byDefault.stdout).toContain('KEEP=kept');
    expect(byDefault.stdout).not.toContain('app-secret');
    const handBuilt = await own.run('/usr/bin/env', [], { timeoutMs: 20_000, env: { ...env, WEBHOOK_BRIDGE_API_TOKEN: 'app-secret', OTHER: '1' } });
    expect(handBuilt.stdout).toContain('OTHER=1');
    expect(handBuilt.stdout).not.toContain('app-secret');
  });
});
