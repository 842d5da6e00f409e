/**
 * The tool runner with real processes: output lines from both streams, exit codes, a start that
 * fails, and kill stopping the whole process tree — also children that ignore SIGTERM and
 * children a finished tool left behind. Checked by pid through /proc.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessRunner } from '../../electron/core/process/runner.js';
import { toolSpawner, type ToolProcess } from '../../electron/core/provisioning/plan.js';
import { alive, waitFor } from './provisioning-support.js';

const LINUX = process.platform === 'linux';
const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
const started: ToolProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.kill()));
});

function run(script: string, graceMs = 3000) {
  const lines: { line: string; stream: string }[] = [];
  const proc = toolSpawner(new ProcessRunner({ env, graceMs, drainMs: 300 }))('/bin/sh', ['-c', script], { env, onLine: (line, stream) => lines.push({ line, stream }) });
  started.push(proc);
  const pids = (): number[] => lines.filter((l) => /^\d+$/.test(l.line)).map((l) => Number(l.line));
  return { proc, lines, pids };
}

describe.skipIf(!LINUX)(`tool processes${LINUX ? '' : ' (skipped: the pid checks read /proc)'}`, () => {
  it('streams stdout and stderr lines (progress redraws with \\r too) and reports the exit code', async () => {
    const { proc, lines } = run('printf "Collecting x\\nProgress 1 of 4\\rProgress 4 of 4\\n"; echo "ERROR: boom" >&2; exit 3');
    expect(await proc.exited).toEqual({ code: 3, signal: null, spawnError: null });
    expect(lines).toEqual(
      expect.arrayContaining([
        { line: 'Collecting x', stream: 'stdout' },
        { line: 'Progress 1 of 4', stream: 'stdout' },
        { line: 'Progress 4 of 4', stream: 'stdout' },
        { line: 'ERROR: boom', stream: 'stderr' },
      ]),
    );
  });

  it('reports a tool that cannot be started', async () => {
    const proc = toolSpawner(new ProcessRunner({ env }))('/nonexistent/python3', ['-m', 'pip'], { env, onLine: () => undefined });
    const exit = await proc.exited;
    expect(exit.code).toBeNull();
    expect(exit.spawnError).toBe('ENOENT');
    await proc.kill();
  });

  it('kill stops the tool and everything it started', async () => {
    const { proc, pids } = run('sleep 300 & echo $!; (sleep 300 & echo $!; wait) & wait');
    const children = await waitFor('two children', () => (pids().length === 2 ? pids() : null));
    const all = [proc.pid!, ...children];
    expect(all.every(alive)).toBe(true);
    await proc.kill();
    expect(all.filter(alive)).toEqual([]);
    expect((await proc.exited).signal).toBe('SIGTERM');
  });

  it('uses SIGKILL for processes that ignore SIGTERM', async () => {
    const { proc, pids } = run("trap '' TERM; sleep 300 & echo $!; wait; wait", 300);
    const [child] = await waitFor('a child', () => (pids().length === 1 ? pids() : null));
    const t0 = Date.now();
    await proc.kill();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect([proc.pid!, child!].filter(alive)).toEqual([]);
    expect((await proc.exited).signal).toBe('SIGKILL');
  });

  it('does not wait forever for a tool whose leftover child holds the output pipe, and kill removes the leftover', async () => {
    const { proc, pids } = run('sleep 300 & echo $!; exit 0');
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    const [leftover] = pids();
    expect(alive(leftover!)).toBe(true);
    await proc.kill();
    expect(alive(leftover!)).toBe(false);
  });
});
