/**
 * 50 live switches between two interpreters (Debian's python3 and a --system-site-packages venv of
 * it) through the REST API while 8 senders keep webhooks coming, then switches to a broken
 * interpreter (a pyenv Python without grpc).
 *
 * - no failed request, every switch answered `switched: true`;
 * - nothing leaks (counted before and after, the bridge running in this process): open descriptors
 *   of this process (/proc/self/fd, by kind), executor processes (ours: by the private plugin
 *   folder on their command line), socket folders in the private TMPDIR;
 * - a switch to the broken interpreter is a 409 naming the missing module, and the old executor
 *   keeps serving (same pid, active interpreter unchanged, still no failed request).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concurrentTraffic, executorProcesses, fdKinds, openFds, orphansOf, sleep, waitFor, webhookClient, type Traffic } from '../helpers/chaos.js';
import { makeVenv, pythonWithoutGrpc, tempDir } from '../helpers/executor.js';
import { removePrivateTmpDir, report, startChaosBridge, SYSTEM_PYTHON, type ChaosBridge } from './support.js';

const SWITCHES = 50;
const BROKEN_SWITCHES = 5;
const CONCURRENCY = 8;
const NO_GRPC = pythonWithoutGrpc();

let b: ChaosBridge | undefined;
let venvDir = '';
let venvPython = '';
beforeAll(() => {
  venvDir = tempDir('wb-chaos-venv-');
  venvPython = makeVenv(venvDir);
});
afterAll(async () => {
  await b?.stop();
  rmSync(venvDir, { recursive: true, force: true });
  removePrivateTmpDir();
});

function fdDiff(before: Map<number, string>, after: Map<number, string>): string[] {
  const out: string[] = [];
  for (const [fd, target] of after) if (before.get(fd) !== target) out.push(`+${fd} ${target}`);
  for (const [fd, target] of before) if (!after.has(fd)) out.push(`-${fd} ${target}`);
  return out;
}

describe.skipIf(process.platform !== 'linux')('interpreter switches under load', () => {
  it(`${SWITCHES} switches at c=${CONCURRENCY}: no failed request, no leaked process, socket folder or descriptor; a broken interpreter leaves the old one serving`, async () => {
    b = await startChaosBridge({
      interpreters: () => ({ system: { path: SYSTEM_PYTHON }, venv: { path: venvPython }, ...(NO_GRPC ? { bare: { path: NO_GRPC } } : {}) }),
      active: 'system',
    });
    const bridge = b;
    const activate = async (name: string): Promise<{ status: number; json: unknown }> => bridge.api('POST', `/api/dashboard/interpreters/${name}/activate`);
    const settle = async (): Promise<void> => {
      await waitFor(() => executorProcesses(bridge.marker).length === 1, 20_000, 'the retired executors to stop');
      await sleep(300);
    };

    // warm-up: everything created once and kept (config backups and watchers, gRPC, HTTP internals)
    const warm = webhookClient(bridge.url);
    const warmTraffic = concurrentTraffic(warm, CONCURRENCY);
    expect((await activate('venv')).status).toBe(200);
    expect((await activate('system')).status).toBe(200);
    await warmTraffic.stop();
    warm.close();
    await settle();
    const fdsBefore = openFds();
    const procsBefore = executorProcesses(bridge.marker).length;
    const dirsBefore = bridge.socketDirs().length;

    const client = webhookClient(bridge.url, { timeoutMs: 30_000 });
    const traffic: Traffic = concurrentTraffic(client, CONCURRENCY);
    const times: number[] = [];
    const pids = new Set<number>([bridge.status().pid as number]);
    const brokenAnswers: { status: number; json: unknown }[] = [];
    try {
      for (let i = 0; i < SWITCHES; i++) {
        const name = i % 2 === 0 ? 'venv' : 'system';
        const t0 = performance.now();
        const r = await activate(name);
        times.push(performance.now() - t0);
        expect(r.status, JSON.stringify(r.json)).toBe(200);
        expect(r.json).toMatchObject({ active: name, switched: true });
        expect(bridge.status()).toMatchObject({ state: 'connected', interpreter: name });
        pids.add(bridge.status().pid as number);
      }
      if (NO_GRPC) {
        const serving = bridge.status().pid;
        const active = bridge.bridge.core.registry.activeName();
        for (let i = 0; i < BROKEN_SWITCHES; i++) brokenAnswers.push(await activate('bare'));
        expect(bridge.status()).toMatchObject({ state: 'connected', pid: serving });
        expect(bridge.bridge.core.registry.activeName()).toBe(active);
      }
      await sleep(500); // traffic keeps flowing after the last switch
    } finally {
      const summary = await traffic.stop();
      client.close();
      const sorted = [...times].sort((x, y) => x - y);
      report(`${SWITCHES} switches + ${NO_GRPC ? BROKEN_SWITCHES : 0} to a broken interpreter at c=${CONCURRENCY}`, summary, {
        'switch ms median/max': `${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)}/${Math.round(sorted.at(-1) ?? 0)}`,
        'executors started': pids.size,
      });
      expect(summary.outcomes.filter((o) => o.status !== 200).map((o) => `${o.status} ${o.error ?? ''} ${o.body}`)).toEqual([]);
      expect(summary.ok).toBeGreaterThan(SWITCHES * 5);
    }
    expect(pids.size).toBe(SWITCHES + 1);
    for (const r of brokenAnswers) {
      expect(r.status).toBe(409);
      expect(JSON.stringify(r.json)).toMatch(/missing Python module 'grpc'/);
    }

    await settle();
    const ours = executorProcesses(bridge.marker);
    expect(ours).toHaveLength(procsBefore);
    expect(orphansOf(ours, process.pid)).toEqual([]);
    expect(bridge.socketDirs()).toHaveLength(dirsBefore);
    // descriptors: sockets of closed connections go away asynchronously; give them a moment
    await waitFor(() => openFds().size <= fdsBefore.size, 5_000, 'descriptors back to their count').catch(() => undefined);
    const fdsAfter = openFds();
    report('descriptors of the test process (bridge in-process)', null, { before: fdsBefore.size, after: fdsAfter.size, 'kinds before': fdKinds(fdsBefore), 'kinds after': fdKinds(fdsAfter) });
    // the same number of each kind (the serving executor's channel and pipes are other descriptors than before, as it is another process)
    expect(fdKinds(fdsAfter), fdDiff(fdsBefore, fdsAfter).join('\n')).toEqual(fdKinds(fdsBefore));
    expect(fdsAfter.size).toBe(fdsBefore.size);

    await bridge.stop();
    expect(executorProcesses(bridge.marker)).toEqual([]);
    expect(bridge.socketDirs()).toEqual([]);
  });
});
