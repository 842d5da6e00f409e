/**
 * Installing packages through the REST API with real tools: a venv made by Debian's python3, a
 * wheel built here, pip told `--no-index --find-links` the way a user would (PIP_NO_INDEX and
 * PIP_FIND_LINKS in the app's environment), validation before and after, a requirement that
 * cannot be found, PEP 668, and cancelling a running install (no process left).
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../shared/dto/jobs.js';
import type { InterpreterList } from '../../shared/dto/interpreters.js';
import type { ValidationReport } from '../../shared/interpreters-discovery.js';
import type { Disposable } from '../../electron/core/events.js';
import { startTestBridge, tempDir, type TestBridge } from '../helpers/bridge.js';
import {
  alive, DEBIAN_PYTHON_MISSING, failedChecks, fakeExecutor, HAVE_DEBIAN_PYTHON, installed, makeSlowSdist, makeVenv, makeWheel,
  parentPid, SYSTEM_EXTERNALLY_MANAGED, SYSTEM_MARKER, SYSTEM_PYTHON, validate, waitFor, waitJob,
} from './provisioning-support.js';

const skipReason = HAVE_DEBIAN_PYTHON ? '' : ` (skipped: ${DEBIAN_PYTHON_MISSING})`;

describe.skipIf(!HAVE_DEBIAN_PYTHON)(`installing packages through the API${skipReason}`, () => {
  let dir: string;
  let wheels: string;
  let python: string;
  let pidFile: string;
  let tb: TestBridge;
  let executor: ReturnType<typeof fakeExecutor>;
  const events: Job[] = [];
  let sub: Disposable;

  beforeAll(async () => {
    dir = tempDir('wb-prov-');
    wheels = path.join(dir, 'wheels');
    makeWheel(wheels, 'wbtestpkg');
    makeSlowSdist(wheels);
    python = makeVenv(path.join(dir, 'venv'), { systemSite: true });
    pidFile = path.join(dir, 'slow.pids');
    const config = [
      '# provisioning tests',
      'python:',
      '  active_interpreter: "work"   # the one the executor runs',
      '  interpreters:',
      '    work:',
      '      name: "Work venv"',
      `      path: "${python}"`,
      '      required_packages: ["wbtestpkg"]',
      '    system:',
      `      path: "${SYSTEM_PYTHON}"`,
      '',
    ].join('\n');
    executor = fakeExecutor();
    tb = await startTestBridge({
      dir,
      configText: config,
      env: { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels, PIP_NO_BUILD_ISOLATION: '0', WB_SLOW_PIDFILE: pidFile },
      replace: { executor },
    });
    sub = tb.bridge.core.events.on('jobUpdated', (j) => events.push(j));
  });

  afterAll(async () => {
    sub?.dispose();
    if (tb) await tb.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs the missing required package: validation goes from failing to passing, the executor restarts once', async () => {
    const before = await validate(python, ['wbtestpkg']);
    expect(failedChecks(before)).toEqual(['package:wbtestpkg']);
    const apiBefore = await tb.request('POST', '/api/dashboard/interpreters/work/validate');
    expect(apiBefore.status).toBe(200);
    expect(failedChecks(apiBefore.json as ValidationReport)).toEqual(['package:wbtestpkg']);

    const res = await tb.request('POST', '/api/dashboard/interpreters/work/install');
    expect(res.status).toBe(202);
    const started = res.json as Job;
    expect(started).toMatchObject({ kind: 'install', interpreter: 'work', state: 'running' });

    const job = await waitJob(tb, started.id);
    expect(job).toMatchObject({ state: 'succeeded', phase: 'done', percent: 100, error: null, warnings: [] });
    expect(job.command).toEqual([python, '-m', 'pip', 'install', 'wbtestpkg']);
    expect(job.output).toContain(`Looking in links: ${wheels}`);
    expect(job.output).toContain('Successfully installed wbtestpkg-0.1');
    expect(job.output).toContain("installed in 'work': wbtestpkg 0.1");

    const after = await validate(python, ['wbtestpkg']);
    expect(after.ok).toBe(true);
    expect(after.packages).toEqual([{ name: 'wbtestpkg', version: '0.1' }]);
    expect(executor.reconnects).toHaveLength(1);
    // the job validated the interpreter again before it ended
    expect(job.output).toContain("validation of 'work' passes");
    const list = (await tb.request('GET', '/api/dashboard/interpreters')).json as InterpreterList;
    expect(list.interpreters.find((i) => i.key === 'work')).toMatchObject({ status: 'ready', validated: true, validation_error: null });

    const mine = events.filter((e) => e.id === job.id);
    const revisions = mine.map((e) => e.revision);
    expect(revisions).toEqual([...new Set(revisions)].sort((a, b) => a - b));
    expect(new Set(mine.map((e) => e.phase))).toEqual(new Set(['queued', 'resolving', 'installing', 'verifying', 'done']));
    expect(mine.at(-1)).toEqual(job);
  });

  it('fails clearly on a requirement that cannot be found, and changes nothing', async () => {
    const configBefore = readFileSync(tb.configFile, 'utf8');
    const packagesBefore = installed(python);
    const restarts = executor.reconnects.length;

    const res = await tb.request('POST', '/api/dashboard/interpreters/work/install', { body: ['wb-does-not-exist>=1'] });
    expect(res.status).toBe(202);
    const job = await waitJob(tb, (res.json as Job).id);
    expect(job.state).toBe('failed');
    expect(job.error).toBe(
      'pip install exited with code 1: ERROR: Could not find a version that satisfies the requirement wb-does-not-exist>=1 (from versions: none) ' +
        'ERROR: No matching distribution found for wb-does-not-exist>=1',
    );
    expect(readFileSync(tb.configFile, 'utf8')).toBe(configBefore);
    expect(installed(python)).toEqual(packagesBefore);
    expect(executor.reconnects).toHaveLength(restarts);
  });

  it('refuses options passed as packages, unknown interpreters and unknown jobs', async () => {
    const opt = await tb.request('POST', '/api/dashboard/interpreters/work/install', { body: { packages: ['--index-url=https://evil.example/simple'] } });
    expect(opt.status).toBe(400);
    expect((opt.json as { error: { message: string } }).error.message).toMatch(/looks like an option/);
    expect((await tb.request('POST', '/api/dashboard/interpreters/nope/install')).status).toBe(404);
    expect((await tb.request('GET', '/api/dashboard/jobs/job_unknown')).status).toBe(404);
    expect((await tb.request('DELETE', '/api/dashboard/jobs/job_unknown')).status).toBe(404);
  });

  it.skipIf(!SYSTEM_EXTERNALLY_MANAGED)(`refuses Debian's externally managed python (PEP 668) and suggests a virtual environment`, async () => {
    const res = await tb.request('POST', '/api/dashboard/interpreters/system/install', { body: ['wbtestpkg'] });
    expect(res.status).toBe(409);
    const error = (res.json as { error: { code: string; message: string; details: unknown } }).error;
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`is externally managed (PEP 668: ${SYSTEM_MARKER} exists)`);
    expect(error.message).toContain('Create a virtual environment instead');
    expect(error.message).toContain('break_system_packages: true');
    expect(error.details).toEqual({ reason: 'externally-managed', marker: SYSTEM_MARKER });
  });

  it.skipIf(!SYSTEM_EXTERNALLY_MANAGED)('passes --break-system-packages when asked (with a requirement that cannot be found: nothing is installed)', async () => {
    const res = await tb.request('POST', '/api/dashboard/interpreters/system/install', {
      body: { packages: ['wb-does-not-exist'], break_system_packages: true },
    });
    expect(res.status).toBe(202);
    const job = await waitJob(tb, (res.json as Job).id);
    expect(job.command).toEqual([SYSTEM_PYTHON, '-m', 'pip', 'install', '--break-system-packages', 'wb-does-not-exist']);
    expect(job.warnings).toEqual(["installing into the externally managed 'system' as asked (--break-system-packages)"]);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/No matching distribution found for wb-does-not-exist/);
  });

  it('cancels a running install: pip and the setup.py it started are stopped, nothing is left', async () => {
    const res = await tb.request('POST', '/api/dashboard/interpreters/work/install', { body: ['wbslow'] });
    expect(res.status).toBe(202);
    const id = (res.json as Job).id;

    const setupPid = await waitFor('setup.py to start', () => {
      const text = (() => {
        try {
          return readFileSync(pidFile, 'utf8');
        } catch {
          return '';
        }
      })();
      const pid = Number(text.trim().split('\n')[0]);
      return pid > 0 ? pid : null;
    });
    const pipPid = parentPid(setupPid);
    expect(readFileSync(`/proc/${pipPid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining([python, '-m', 'pip', 'install']));
    expect(alive(setupPid) && alive(pipPid)).toBe(true);

    const busy = await tb.request('POST', '/api/dashboard/interpreters/work/install');
    expect(busy.status).toBe(409);
    expect((busy.json as { error: { details: unknown } }).error.details).toEqual({ job: id });

    const cancel = await tb.request('DELETE', `/api/dashboard/jobs/${id}`);
    expect(cancel.status).toBe(200);
    const job = cancel.json as Job;
    expect(job).toMatchObject({ state: 'cancelled', phase: 'done', error: null });
    expect(alive(setupPid)).toBe(false);
    expect(alive(pipPid)).toBe(false);
    expect(installed(python).some((d) => d.startsWith('wbslow'))).toBe(false);
    expect((await tb.request('GET', `/api/dashboard/jobs/${id}`)).json).toEqual(job);
  });
});
