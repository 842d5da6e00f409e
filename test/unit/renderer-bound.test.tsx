// @vitest-environment jsdom
/**
 * The Connection page shows the executor pools of bound interpreters (ConnectionStatus.bound): each
 * one's state, plugins, processes and last use, following connectionChanged live (a pool that
 * starts on a plugin's first call, then stops when idle), and nothing when no plugin is bound.
 */
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../renderer/src/api/runtime';
import { formatDateTime } from '../../renderer/src/lib/format';
import { ConnectionPage } from '../../renderer/src/pages/ConnectionPage';
import { useConnection } from '../../renderer/src/stores/connection';
import { useInterpreters } from '../../renderer/src/stores/interpreters';
import { dispatchEvent } from '../../renderer/src/stores/live';
import { useStream } from '../../renderer/src/stores/stream';
import type { BoundExecutor, ExecutorProcess } from '../../shared/dto/connection';
import { connection, fakeApi, interpList, type FakeApi } from './renderer-helpers';

let fake: FakeApi;

beforeEach(() => {
  fake = fakeApi();
  setApi(fake.api);
  useStream.setState({ state: 'open', epoch: 0 });
  useConnection.setState({ data: null, epoch: 0, loaded: false, loading: false, error: null, test: null });
  useInterpreters.setState({ data: interpList(1, ['system', 'ml-venv'], 'system'), epoch: 0, loaded: true, error: null });
});
afterEach(cleanup);

const USED = '2026-11-30T12:00:00.000Z';
const proc = (index: number, pid: number | null, state: ExecutorProcess['state'], in_flight: number): ExecutorProcess => ({ index, pid, generation: 1, state, in_flight, restarts: 0, started_at: null, last_error: null });
const bound = (over: Partial<BoundExecutor> = {}): BoundExecutor => ({
  interpreter: 'ml-venv',
  interpreter_path: '/home/u/ml/.venv/bin/python',
  plugins: ['ml', 'score'],
  state: 'stopped',
  pool: { size: 0, serving: 0, processes: [] },
  in_flight: 0,
  last_used: null,
  stopped_at: null,
  stop_reason: 'not started yet: the first call of a plugin bound to it starts it',
  last_error: null,
  ...over,
});

describe('Connection page: bound interpreters', () => {
  it('shows a bound pool before its first call, when it starts, and when it stops idle, live', async () => {
    fake.on('getConnection', () => connection(1, { interpreter: 'system', bound: [bound()] }));
    render(<ConnectionPage />);
    const section = await screen.findByRole('region', { name: 'Interpreter ml-venv' });
    expect(screen.getByText('Bound interpreters (0 of 1 running)')).toBeTruthy();
    expect(within(section).getByText('Stopped', { selector: '.badge' })).toBeTruthy();
    expect(within(section).getByText('ml, score')).toBeTruthy();
    expect(within(section).getByText('/home/u/ml/.venv/bin/python')).toBeTruthy();
    expect(within(section).getByText(/not started yet/)).toBeTruthy();
    expect(within(section).queryByRole('table')).toBeNull();

    // the first webhook of a bound plugin started its pool
    const serving = bound({ state: 'serving', stop_reason: null, last_used: USED, in_flight: 1, pool: { size: 2, serving: 1, processes: [proc(0, 7001, 'serving', 1), proc(1, null, 'starting', 0)] } });
    act(() => dispatchEvent({ name: 'connectionChanged', payload: connection(2, { interpreter: 'system', bound: [serving] }) }));
    const live = screen.getByRole('region', { name: 'Interpreter ml-venv' });
    expect(screen.getByText('Bound interpreters (1 of 1 running)')).toBeTruthy();
    expect(within(live).getByText('Serving', { selector: '.bound-head .badge' })).toBeTruthy();
    expect(within(live).getByText('1 of 2 serving · 1 in flight')).toBeTruthy();
    expect(within(live).getByText(formatDateTime(USED))).toBeTruthy();
    const table = within(live).getByRole('table', { name: 'Executor processes of ml-venv' });
    const rows = [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent));
    expect(rows).toEqual([['0', '7001', 'Serving', '1'], ['1', '—', 'Starting', '0']]);
    // the active pool's table is another one
    expect(screen.getByRole('table', { name: 'Executor processes' })).toBeTruthy();

    // idle: stopped, with the reason; no processes
    const idle = bound({ state: 'idle-stopped', last_used: USED, stopped_at: '2026-11-30T12:05:00.000Z', stop_reason: 'idle for 300 s (executor.bound_idle_seconds)' });
    act(() => dispatchEvent({ name: 'connectionChanged', payload: connection(3, { interpreter: 'system', bound: [idle] }) }));
    const stopped = screen.getByRole('region', { name: 'Interpreter ml-venv' });
    expect(within(stopped).getByText('Stopped (idle)', { selector: '.badge' })).toBeTruthy();
    expect(within(stopped).getByText(/idle for 300 s \(executor\.bound_idle_seconds\)/)).toBeTruthy();
    expect(within(stopped).queryByRole('table')).toBeNull();
    expect(screen.getByText('Bound interpreters (0 of 1 running)')).toBeTruthy();
  });

  it('shows why a bound interpreter fails', async () => {
    fake.on('getConnection', () => connection(1, { bound: [bound({ interpreter: 'gone', state: 'failing', last_error: "interpreter 'gone': file not found" })] }));
    render(<ConnectionPage />);
    const section = await screen.findByRole('region', { name: 'Interpreter gone' });
    expect(within(section).getByText('Failing')).toBeTruthy();
    expect(within(section).getByText("interpreter 'gone': file not found")).toBeTruthy();
  });

  it('shows no bound section when no plugin is bound', async () => {
    fake.on('getConnection', () => connection(1));
    render(<ConnectionPage />);
    expect(await screen.findByText('Connected')).toBeTruthy();
    expect(screen.queryByText(/Bound interpreters/)).toBeNull();
  });
});
