// @vitest-environment jsdom
/**
 * The dashboard's provisioning UI: "Install missing packages" and "Create virtual environment" on
 * interpreter cards, the job panel (phase, determinate/indeterminate progress, live log that follows
 * new lines, warnings, Cancel, outcome), the PEP 668 choice, a busy interpreter's running job, the
 * Add form's "Create virtual environment", and the jobs store.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InterpreterView } from '../../shared/dto/interpreters';
import type { Job } from '../../shared/dto/jobs';
import type { ValidationReport } from '../../shared/interpreters-discovery';
import { ApiError } from '../../renderer/src/api/api-error';
import { setApi } from '../../renderer/src/api/runtime';
import { AddInterpreterForm } from '../../renderer/src/pages/interpreters/AddInterpreterForm';
import { InterpreterCard } from '../../renderer/src/pages/interpreters/InterpreterCard';
import { commandLine, offersInstall, offersVenv } from '../../renderer/src/pages/interpreters/provisioning';
import { useInterpreters } from '../../renderer/src/stores/interpreters';
import { useJobs, latestJob } from '../../renderer/src/stores/jobs';
import { dispatchEvent } from '../../renderer/src/stores/live';
import { deferred, fakeApi, interp, interpList, type FakeApi } from './renderer-helpers';

let fake: FakeApi;

function job(revision: number, over: Partial<Job> = {}): Job {
  return {
    id: 'job_1', revision, kind: 'install', interpreter: 'work', phase: 'queued', percent: null, output: [], warnings: [],
    state: 'running', error: null, command: [], started_at: '2026-01-01T00:00:00.000Z', finished_at: null, ...over,
  };
}

function report(missing: string[], ok = false): ValidationReport {
  return {
    ok,
    checks: [
      { check: 'exists', ok: true, level: 'info', message: '/venv/bin/python exists' },
      ...missing.map((m) => ({ check: `package:${m}`, ok: false, level: 'error' as const, message: `required package ${m} is not installed` })),
    ],
    version: '3.11.2', implementation: 'cpython', packages: [{ name: 'requests', version: '2.31.0' }, ...missing.map((name) => ({ name, version: null }))], durationMs: 40,
  };
}

const failing = (over: Partial<InterpreterView> = {}): InterpreterView =>
  interp('work', { path: '/venv/bin/python', status: 'error', status_reason: 'required package wbtestpkg is not installed', required_packages: ['requests', 'wbtestpkg'], ...over });

/** The card as the page shows it: from the interpreters store, so events re-render it. */
function Card({ name = 'work' }: { name?: string }): ReactElement | null {
  const it = useInterpreters((s) => s.data?.interpreters.find((i) => i.key === name));
  return it ? <InterpreterCard it={it} onRemove={() => undefined} /> : null;
}

function setInterpreters(list: InterpreterView[], revision = 1): void {
  useInterpreters.getState().apply({ revision, active: null, pinned_by: null, active_error: null, interpreters: list }, 0);
}

const push = (j: Job): void => act(() => dispatchEvent({ name: 'jobUpdated', payload: j }));
const card = (): HTMLElement => screen.getByRole('article', { name: 'Interpreter work' });
const panel = (): HTMLElement => screen.getByRole('region', { name: /job for work$/ });
const bar = (): HTMLElement => within(panel()).getByRole('progressbar');

beforeEach(() => {
  fake = fakeApi();
  setApi(fake.api);
  useInterpreters.setState({ data: null, epoch: 0, loaded: true, loading: false, error: null, validations: {}, activation: null });
  useJobs.setState({ jobs: {}, requests: {}, cancelling: {}, dismissed: {}, visited: {} });
});
afterEach(cleanup);

describe('Install missing packages', () => {
  it('installs in one click and shows phase, progress, the live log, warnings, then the card turns green', async () => {
    setInterpreters([failing()]);
    useInterpreters.setState({ validations: { work: { running: false, report: report(['wbtestpkg']), error: null } } });
    const answer = deferred<Job>();
    fake.on('installPackages', () => answer.promise);
    render(<Card />);
    expect(within(card()).getByText('Error')).toBeTruthy();
    expect(within(card()).getByText('Missing required package:').textContent).toContain('wbtestpkg');

    fireEvent.click(within(card()).getByRole('button', { name: 'Install missing packages' }));
    expect(fake.calls.at(-1)).toEqual({ name: 'installPackages', input: { name: 'work' } });
    await waitFor(() => expect((within(card()).getByRole('button', { name: 'Install missing packages' }) as HTMLButtonElement).disabled).toBe(true));
    await act(async () => answer.resolve(job(0)));

    // queued, no percent: an indeterminate bar; the panel took focus from the vanished button
    expect(within(card()).queryByRole('button', { name: 'Install missing packages' })).toBeNull();
    expect(within(panel()).getByRole('heading', { name: 'Installing packages…' })).toBe(document.activeElement);
    expect(bar().getAttribute('aria-valuenow')).toBeNull();
    expect(bar().className).toContain('is-indeterminate');
    expect(within(panel()).getByRole('status').textContent).toBe('Queued');

    push(job(2, { phase: 'downloading', percent: 40, command: ['/venv/bin/python', '-m', 'pip', 'install', 'wbtestpkg'], output: ['Looking in links: /wheels', 'Processing /wheels/wbtestpkg-0.1-py3-none-any.whl'] }));
    expect(bar().getAttribute('aria-valuenow')).toBe('40');
    expect(bar().className).not.toContain('is-indeterminate');
    expect(within(panel()).getByText('Downloading · 40%')).toBeTruthy();
    expect(within(panel()).getByText('$ /venv/bin/python -m pip install wbtestpkg')).toBeTruthy();
    const log = within(panel()).getByRole('log', { name: 'Tool output' });
    expect(log.textContent).toContain('Processing /wheels/wbtestpkg-0.1-py3-none-any.whl');
    expect(log.tabIndex).toBe(0);
    expect(within(panel()).getByRole('listitem', { current: 'step' }).textContent).toBe('Downloading');

    push(job(1, { phase: 'resolving' })); // stale: dropped
    expect(within(panel()).getByText('Downloading · 40%')).toBeTruthy();

    push(job(3, { phase: 'installing', percent: null, warnings: ['could not download uv: offline; using pip instead'], output: ['Installing collected packages: wbtestpkg'] }));
    expect(within(panel()).getByRole('list', { name: 'Warnings' }).textContent).toContain('could not download uv: offline; using pip instead');
    expect(bar().className).toContain('is-indeterminate');

    // the core re-validates before the job ends; the interpreter list follows
    act(() => dispatchEvent({ name: 'interpretersChanged', payload: { revision: 2, active: null, pinned_by: null, active_error: null, interpreters: [failing({ status: 'ready', status_reason: null, validated: true })] } }));
    push(job(4, { state: 'succeeded', phase: 'done', percent: 100, finished_at: '2026-01-01T00:00:03.200Z', output: ['Successfully installed wbtestpkg-0.1', "validation of 'work' passes"] }));
    expect(within(panel()).getByRole('heading', { name: 'Packages installed' })).toBeTruthy();
    expect(bar().getAttribute('aria-valuenow')).toBe('100');
    expect(within(panel()).getByText('Finished in 3.2 s')).toBeTruthy();
    expect(panel().querySelector('.job-outcome')?.textContent).toBe("Validation passes: 'work' is ready to run the executor.");
    expect(within(card()).getByText('Ready')).toBeTruthy();
    expect(within(card()).queryByRole('button', { name: 'Cancel the install' })).toBeNull();
    // the report read before the install is stale now
    expect(within(card()).queryByLabelText('Validation result')).toBeNull();
    // a successful job folds its log away; it opens on demand
    expect(within(panel()).queryByRole('log')).toBeNull();
    fireEvent.click(within(panel()).getByRole('button', { name: /^Output \(2 lines\)/ }));
    expect(within(panel()).getByRole('log').textContent).toContain('Successfully installed wbtestpkg-0.1');

    fireEvent.click(within(panel()).getByRole('button', { name: 'Close the install result' }));
    expect(screen.queryByRole('region', { name: /job for work$/ })).toBeNull();
  });

  it('follows new output lines unless the user scrolled up', () => {
    setInterpreters([failing()]);
    render(<Card />);
    push(job(1, { phase: 'installing', output: ['a'] }));
    const log = within(panel()).getByRole('log');
    let top = 0;
    Object.defineProperty(log, 'scrollHeight', { configurable: true, get: () => 1000 });
    Object.defineProperty(log, 'clientHeight', { configurable: true, get: () => 200 });
    Object.defineProperty(log, 'scrollTop', { configurable: true, get: () => top, set: (v: number) => (top = v) });
    push(job(2, { phase: 'installing', output: ['a', 'b'] }));
    expect(top).toBe(1000);
    top = 300;
    fireEvent.scroll(log);
    push(job(3, { phase: 'installing', output: ['a', 'b', 'c'] }));
    expect(top).toBe(300); // the user reads earlier lines: left alone
    top = 800;
    fireEvent.scroll(log);
    push(job(4, { phase: 'installing', output: ['a', 'b', 'c', 'd'] }));
    expect(top).toBe(1000);
  });

  it('cancels a running install and says nothing was changed', async () => {
    setInterpreters([failing()]);
    const answer = deferred<Job>();
    fake.on('cancelJob', () => answer.promise);
    render(<Card />);
    push(job(1, { phase: 'resolving' }));
    push(job(2, { phase: 'installing', percent: 12 }));
    const cancel = within(panel()).getByRole('button', { name: 'Cancel the install' });
    cancel.focus();
    fireEvent.click(cancel);
    expect(fake.calls.at(-1)).toEqual({ name: 'cancelJob', input: { id: 'job_1' } });
    expect(within(panel()).getByText('Cancelling…')).toBeTruthy();
    await act(async () => answer.resolve(job(3, { state: 'cancelled', phase: 'done', percent: 12, finished_at: '2026-01-01T00:00:01.000Z' })));
    expect(within(panel()).getByRole('heading', { name: 'Install cancelled' })).toBe(document.activeElement);
    expect(within(panel()).getByText(/Nothing was changed/)).toBeTruthy();
    expect(within(panel()).getByText('Stopped in 1.0 s')).toBeTruthy();
    // where it stopped: the last phase it ran in; before it, what ran and what was skipped
    const steps = within(panel()).getByRole('list', { name: 'Steps' });
    expect(steps.querySelector('.step-done')?.textContent).toBe('Resolving');
    expect(steps.querySelector('.step-skipped')?.textContent).toBe('Downloading (skipped)');
    expect(steps.querySelector('.step-stopped')?.textContent).toBe('Installing (stopped)');
    expect(steps.querySelector('.step-todo')?.textContent).toBe('Verifying');
  });

  it('says when a cancel came too late to stop the changes', async () => {
    setInterpreters([failing()]);
    fake.on('cancelJob', () => job(5, { phase: 'verifying' }));
    render(<Card />);
    push(job(4, { phase: 'verifying' }));
    fireEvent.click(within(panel()).getByRole('button', { name: 'Cancel the install' }));
    expect(await within(panel()).findByText(/Too late to cancel/)).toBeTruthy();
  });

  it('shows a failure with its error and the full log, and tries again', async () => {
    setInterpreters([failing()]);
    fake.on('installPackages', () => job(0, { id: 'job_2', started_at: '2026-01-01T00:01:00.000Z' }));
    render(<Card />);
    push(job(3, { state: 'failed', phase: 'done', error: 'pip install exited with code 1: ERROR: No matching distribution found for nosuchpkg', output: ['ERROR: No matching distribution found for nosuchpkg'], finished_at: '2026-01-01T00:00:02.000Z' }));
    expect(within(panel()).getByRole('heading', { name: 'Install failed' })).toBeTruthy();
    expect(within(panel()).getByRole('alert').textContent).toContain('No matching distribution found for nosuchpkg');
    expect(within(panel()).getByRole('log').textContent).toContain('ERROR: No matching distribution');
    expect(panel().querySelectorAll('.step-done, .step-failed')).toHaveLength(0); // never seen running: no step claimed
    // "Try again" on the panel stands for the offer below
    expect(within(card()).queryByRole('button', { name: 'Install missing packages' })).toBeNull();
    fireEvent.click(within(panel()).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(within(panel()).getByRole('heading', { name: 'Installing packages…' })).toBeTruthy());
    expect(fake.calls.at(-1)).toEqual({ name: 'installPackages', input: { name: 'work' } });
  });

  it('offers a virtual environment or installing anyway into an externally managed Python', async () => {
    setInterpreters([failing({ path: '/usr/bin/python3', venv_path: '/home/u/.venvs/work', venv_exists: true })]);
    fake.on('installPackages', (input) => {
      if ((input as { break_system_packages?: boolean }).break_system_packages) return job(0);
      throw new ApiError('CONFLICT', "'work' (/usr/bin/python3) is externally managed", { reason: 'externally-managed', marker: '/usr/lib/python3.11/EXTERNALLY-MANAGED' }, 409);
    });
    fake.on('createVenv', () => job(0, { id: 'job_v', kind: 'venv' }));
    render(<Card />);
    fireEvent.click(within(card()).getByRole('button', { name: 'Install missing packages' }));
    const choice = await within(card()).findByRole('alert');
    expect(choice.textContent).toContain("'work' is managed by the operating system");
    expect(choice.textContent).toContain('/home/u/.venvs/work');
    fireEvent.click(within(choice).getByRole('button', { name: 'Install anyway' }));
    await waitFor(() => expect(fake.calls.at(-1)).toEqual({ name: 'installPackages', input: { name: 'work', break_system_packages: true } }));
    expect(await within(card()).findByRole('heading', { name: 'Installing packages…' })).toBeTruthy();

    // the other way out: create the venv
    act(() => useJobs.setState({ jobs: {} }));
    fireEvent.click(within(card()).getByRole('button', { name: 'Install missing packages' }));
    fireEvent.click(within(await within(card()).findByRole('alert')).getByRole('button', { name: 'Create virtual environment' }));
    expect(await within(card()).findByRole('heading', { name: 'Creating the virtual environment…' })).toBeTruthy();
    expect(fake.calls.at(-1)).toEqual({ name: 'createVenv', input: { name: 'work' } });
  });

  it('shows the job already running when the interpreter is busy (409 with details.job)', async () => {
    setInterpreters([failing()]);
    fake.on('installPackages', () => {
      throw new ApiError('CONFLICT', "'work' is busy: job job_9 is still running", { job: 'job_9' }, 409);
    });
    fake.on('getJob', () => job(6, { id: 'job_9', kind: 'venv', phase: 'installing', output: ['creating a virtual environment'] }));
    render(<Card />);
    fireEvent.click(within(card()).getByRole('button', { name: 'Install missing packages' }));
    expect(await within(card()).findByRole('heading', { name: 'Creating the virtual environment…' })).toBeTruthy();
    expect(fake.calls.at(-1)).toEqual({ name: 'getJob', input: { id: 'job_9' } });
    expect(within(card()).queryByRole('alert')).toBeNull();
  });

  it('shows other refusals as an error that can be dismissed', async () => {
    setInterpreters([failing()]);
    fake.on('installPackages', () => {
      throw new ApiError('CONFLICT', "pip is not available in 'work'", undefined, 409);
    });
    render(<Card />);
    fireEvent.click(within(card()).getByRole('button', { name: 'Install missing packages' }));
    const alert = await within(card()).findByRole('alert');
    expect(alert.textContent).toContain('Could not install packages');
    expect(alert.textContent).toContain("pip is not available in 'work'");
    fireEvent.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(within(card()).queryByRole('alert')).toBeNull();
  });
});

describe('Create virtual environment on a card', () => {
  it('is offered when venv_path holds no venv, and shows the job', async () => {
    setInterpreters([interp('work', { venv_path: '/srv/venvs/work', venv_exists: false, status: 'unavailable', status_reason: '/srv/venvs/work/bin/python does not exist' })]);
    fake.on('createVenv', () => job(0, { kind: 'venv' }));
    render(<Card />);
    expect(within(card()).getByText('No virtual environment at').textContent).toContain('/srv/venvs/work');
    fireEvent.click(within(card()).getByRole('button', { name: 'Create virtual environment' }));
    expect(await within(card()).findByRole('heading', { name: 'Creating the virtual environment…' })).toBeTruthy();
    expect(fake.calls).toEqual([{ name: 'createVenv', input: { name: 'work' } }]);
    // a venv job has no download step
    expect(within(panel()).getByRole('list', { name: 'Steps' }).textContent).toBe('PreparingCreatingVerifying');
    push(job(5, { kind: 'venv', state: 'succeeded', phase: 'done', percent: 100, finished_at: '2026-01-01T00:00:04.000Z' }));
    expect(within(panel()).getByRole('heading', { name: 'Virtual environment created' })).toBeTruthy();
  });

  it('says why when the core refuses (no venv_path: 400)', async () => {
    setInterpreters([interp('work', { venv_path: '/srv/v', venv_exists: false })]);
    fake.on('createVenv', () => {
      throw new ApiError('INVALID_INPUT', "'work' has no venv_path: set the folder of its virtual environment first", { fields: [{ field: 'venv_path', message: 'not set: choose the folder of its virtual environment first' }] }, 400);
    });
    render(<Card />);
    fireEvent.click(within(card()).getByRole('button', { name: 'Create virtual environment' }));
    expect((await within(card()).findByRole('alert')).textContent).toContain('has no venv_path');
  });
});

describe('what a card offers', () => {
  it('offers an install only for failing interpreters with required packages missing', () => {
    expect(offersInstall(failing(), report(['wbtestpkg']))).toBe(true);
    expect(offersInstall(failing(), null)).toBe(true); // failed validation, no report in hand
    expect(offersInstall(failing(), report([]))).toBe(false); // the report finds every package
    expect(offersInstall(failing({ required_packages: [] }), null)).toBe(false);
    expect(offersInstall(failing({ status: 'ready' }), null)).toBe(false);
    expect(offersInstall(failing({ status: 'unknown' }), null)).toBe(false);
    expect(offersInstall(failing({ status: 'unavailable' }), null)).toBe(false);
  });

  it('offers a venv only where venv_path holds none', () => {
    expect(offersVenv(interp('a', { venv_path: '/v', venv_exists: false }))).toBe(true);
    expect(offersVenv(interp('a', { venv_path: '/v', venv_exists: true }))).toBe(false);
    expect(offersVenv(interp('a'))).toBe(false);
    expect(offersVenv(interp('default', { venv_path: '/v', venv_exists: false, legacy: true }))).toBe(false);
  });

  it('shows nothing on a ready card', () => {
    setInterpreters([failing({ status: 'ready', status_reason: null })]);
    render(<Card />);
    expect(within(card()).queryByRole('button', { name: /Install missing packages|Create virtual environment/ })).toBeNull();
  });

  it('quotes command lines to read', () => {
    expect(commandLine(['/x/python', '-m', 'pip', 'install', 'requests>=2', 'a b'])).toBe("/x/python -m pip install 'requests>=2' 'a b'");
  });
});

describe('Add form: Create virtual environment', () => {
  it('adds the interpreter with the base python and venv_path, then starts createVenv', async () => {
    useInterpreters.setState({ data: interpList(1, ['default'], 'default') });
    fake.on('addInterpreter', () => interpList(2, ['default', 'hooks'], 'default'));
    fake.on('createVenv', () => job(0, { kind: 'venv', interpreter: 'hooks' }));
    const onDone = vi.fn();
    render(<AddInterpreterForm onDone={onDone} onCancel={() => undefined} />);
    fireEvent.change(screen.getByLabelText('Key'), { target: { value: 'hooks' } });
    fireEvent.click(screen.getByLabelText('Create virtual environment'));
    expect(screen.getByLabelText('Base interpreter path')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Base interpreter path'), { target: { value: '/usr/bin/python3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add and create venv' }));
    expect(screen.getByText('is required to create a virtual environment')).toBeTruthy();
    expect(fake.calls).toHaveLength(0);
    fireEvent.change(screen.getByLabelText('Virtual environment'), { target: { value: '/srv/venvs/hooks' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add and create venv' }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith('hooks', true));
    expect(fake.calls).toEqual([
      { name: 'addInterpreter', input: { key: 'hooks', path: '/usr/bin/python3', venv_path: '/srv/venvs/hooks' } },
      { name: 'createVenv', input: { name: 'hooks' } },
    ]);
    await waitFor(() => expect(latestJob(useJobs.getState(), 'hooks')?.kind).toBe('venv'));
  });

  it('does not create a venv when the interpreter could not be added', async () => {
    fake.on('addInterpreter', () => {
      throw new ApiError('INVALID_INPUT', 'path: /nope does not exist', { fields: [{ field: 'path', message: '/nope does not exist' }] }, 400);
    });
    const onDone = vi.fn();
    render(<AddInterpreterForm onDone={onDone} onCancel={() => undefined} />);
    fireEvent.change(screen.getByLabelText('Key'), { target: { value: 'hooks' } });
    fireEvent.click(screen.getByLabelText('Create virtual environment'));
    fireEvent.change(screen.getByLabelText('Base interpreter path'), { target: { value: '/nope' } });
    fireEvent.change(screen.getByLabelText('Virtual environment'), { target: { value: '/srv/v' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add and create venv' }));
    expect(await screen.findByText('/nope does not exist')).toBeTruthy();
    expect(fake.calls.map((c) => c.name)).toEqual(['addInterpreter']);
    expect(onDone).not.toHaveBeenCalled();
  });
});

describe('jobs store', () => {
  it('keeps the highest revision per job and picks the newest job of an interpreter', () => {
    const s = useJobs.getState();
    expect(s.apply(job(3, { phase: 'installing' }))).toBe(true);
    expect(s.apply(job(2, { phase: 'resolving' }))).toBe(false);
    expect(useJobs.getState().jobs['job_1']?.phase).toBe('installing');
    s.apply(job(1, { id: 'job_new', started_at: '2026-01-02T00:00:00.000Z' }));
    s.apply(job(1, { id: 'job_other', interpreter: 'other', started_at: '2026-01-03T00:00:00.000Z' }));
    expect(latestJob(useJobs.getState(), 'work')?.id).toBe('job_new');
    s.dismiss('job_new');
    expect(latestJob(useJobs.getState(), 'work')?.id).toBe('job_1');
    expect(latestJob(useJobs.getState(), 'nobody')).toBeNull();
  });

  it('keeps a bounded number of jobs, dropping the oldest finished ones', () => {
    for (let i = 0; i < 60; i++) {
      const started = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
      useJobs.getState().apply(job(1, { id: `j${i}`, started_at: started, state: i === 0 ? 'running' : 'succeeded' }));
    }
    const ids = Object.keys(useJobs.getState().jobs);
    expect(ids.length).toBe(40);
    expect(ids).toContain('j0'); // running: kept
    expect(ids).toContain('j59');
    expect(ids).not.toContain('j1');
  });
});
