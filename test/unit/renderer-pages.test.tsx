// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../renderer/src/api/api-error';
import { setApi } from '../../renderer/src/api/runtime';
import { takeTokenFromUrl, TOKEN_KEY } from '../../renderer/src/api/token';
import { ConfigPage } from '../../renderer/src/pages/ConfigPage';
import { ConnectionPage } from '../../renderer/src/pages/ConnectionPage';
import { filterLogs, LogsPage } from '../../renderer/src/pages/LogsPage';
import { parseJsonBody, PluginsPage } from '../../renderer/src/pages/PluginsPage';
import { TokenPage } from '../../renderer/src/pages/TokenPage';
import { useConfig } from '../../renderer/src/stores/config';
import { useConnection } from '../../renderer/src/stores/connection';
import { useInterpreters } from '../../renderer/src/stores/interpreters';
import { dispatchEvent } from '../../renderer/src/stores/live';
import { useLogs } from '../../renderer/src/stores/logs';
import { usePlugins } from '../../renderer/src/stores/plugins';
import { useStream } from '../../renderer/src/stores/stream';
import type { ExecutorProcessState } from '../../shared/dto/connection';
import { configView, connection, fakeApi, interpList, logEntry, type FakeApi } from './renderer-helpers';

let fake: FakeApi;

beforeEach(() => {
  fake = fakeApi();
  setApi(fake.api);
  useStream.setState({ state: 'open', epoch: 0 });
  useConnection.setState({ data: null, epoch: 0, loaded: false, loading: false, error: null, test: null });
  useConfig.setState({ data: null, epoch: 0, loaded: false, loading: false, error: null });
  useInterpreters.setState({ data: interpList(1, ['default', 'py'], 'default'), epoch: 0, loaded: true, error: null });
  useLogs.setState({ entries: [], lastSeq: 0, loaded: false, loading: false, error: null });
  usePlugins.setState({ data: null, loaded: false, loading: false, error: null });
});
afterEach(cleanup);

describe('Connection page', () => {
  it('shows the loading state, then live changes without reload', async () => {
    fake.on('getConnection', () => connection(1, { state: 'connected', pid: 4242 }));
    render(<ConnectionPage />);
    expect(screen.getByLabelText('Loading')).toBeTruthy();
    expect(await screen.findByText('Connected')).toBeTruthy();
    expect(screen.getByText('4242')).toBeTruthy();
    act(() => dispatchEvent({ name: 'connectionChanged', payload: connection(2, { state: 'failed', last_error: 'executor exited with code 1', stderr_tail: ['Traceback…', 'ImportError: grpc'] }) }));
    expect(screen.getByText('Failed', { selector: '.status-state' })).toBeTruthy();
    expect(screen.getByText('executor exited with code 1')).toBeTruthy();
    expect(screen.getByLabelText('Executor stderr (last lines)').textContent).toContain('ImportError: grpc');
  });

  it('explains an unavailable executor and runs the connection test', async () => {
    fake.on('getConnection', () => Promise.reject(new ApiError('UNAVAILABLE', 'the executor is not available', undefined, 503)));
    render(<ConnectionPage />);
    expect(await screen.findByText('The executor is not available')).toBeTruthy();
    fake.on('getConnection', () => connection(1));
    fake.on('testConnection', () => ({ ok: true, status: 'SERVING', probes: 5, latency_ms: { min: 0.8, median: 1.2, max: 3 }, executor: { pid: 1, address: 'x', python_version: '3.11.2', implementation: 'cpython', executable: '/usr/bin/python3', plugins: 3 }, error: null }));
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Test Connection' }));
    expect(await screen.findByText('Passed')).toBeTruthy();
    expect(screen.getByText('SERVING · 5 probes')).toBeTruthy();
    expect(screen.getByText('1.2 ms')).toBeTruthy();
  });
});

describe('Connection page: the executor pool', () => {
  const proc = (index: number, pid: number | null, state: ExecutorProcessState, in_flight: number, restarts: number) => ({ index, pid, generation: index + 1, state, in_flight, restarts, started_at: null, last_error: state === 'restarting' ? 'executor #2 was killed by SIGKILL' : null });

  it('lists each process with its pid, state, calls in flight and restarts, live', async () => {
    fake.on('getConnection', () => connection(1, { pid: 501, pool: { size: 2, serving: 2, processes: [proc(0, 501, 'serving', 3, 0), proc(1, 502, 'serving', 1, 0)] } }));
    render(<ConnectionPage />);
    const table = await screen.findByRole('table', { name: 'Executor processes' });
    expect(screen.getByText('Executor pool (2 of 2 serving)')).toBeTruthy();
    const rows = () => [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].slice(0, 5).map((td) => td.textContent));
    expect(rows()).toEqual([['0', '501', 'Serving', '3', '0'], ['1', '502', 'Serving', '1', '0']]);
    act(() => dispatchEvent({ name: 'connectionChanged', payload: connection(2, { pid: 501, restarts: 1, pool: { size: 2, serving: 1, processes: [proc(0, 501, 'serving', 4, 0), proc(1, null, 'restarting', 0, 1)] } }) }));
    expect(screen.getByText('Executor pool (1 of 2 serving)')).toBeTruthy();
    expect(rows()).toEqual([['0', '501', 'Serving', '4', '0'], ['1', '—', 'Restarting', '0', '1']]);
    expect(screen.getByText('Restarting').closest('[title]')?.getAttribute('title')).toBe('executor #2 was killed by SIGKILL');
  });

  it('shows no pool in external mode', async () => {
    fake.on('getConnection', () => connection(1, { mode: 'external', pool: { size: 0, serving: 0, processes: [] } }));
    render(<ConnectionPage />);
    expect(await screen.findByText('Connected')).toBeTruthy();
    expect(screen.queryByRole('table', { name: 'Executor processes' })).toBeNull();
  });
});

describe('Configuration page', () => {
  it('shows banners for an invalid file and an outside change, and the source of each value', async () => {
    fake.on('getConfig', () =>
      configView(3, { valid: false, errors: [{ path: 'python.interpreters.x.path', message: 'expected a string', line: 12 }], external_change_at: '2026-01-02T10:00:00.000Z' }),
    );
    render(<ConfigPage />);
    expect(await screen.findByText('The configuration file on disk is invalid')).toBeTruthy();
    expect(screen.getByText('expected a string')).toBeTruthy();
    expect(screen.getByText('The file was changed outside the app')).toBeTruthy();
    expect(screen.getAllByText('env WEBHOOK_BRIDGE_LOG_LEVEL').length).toBeGreaterThan(0);
    expect(screen.getByText('WEBHOOK_BRIDGE_LOG_LEVEL overrides the file until it is unset.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Save changes' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('sends only the changed settings', async () => {
    fake.on('getConfig', () => configView(3));
    fake.on('updateConfig', () => configView(4, { values: [{ key: 'python.venv_path', value: '/srv/venv', source: 'file' }] }));
    render(<ConfigPage />);
    fireEvent.change(await screen.findByLabelText('Default virtual environment'), { target: { value: '/srv/venv' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(fake.calls.some((c) => c.name === 'updateConfig')).toBe(true));
    expect(fake.calls.find((c) => c.name === 'updateConfig')?.input).toEqual({ venv_path: '/srv/venv' });
    expect(await screen.findByText('Saved to the configuration file')).toBeTruthy();
  });

  it('turns off the webhook_bridge envelope (plugins.legacy_envelope, on by default)', async () => {
    fake.on('getConfig', () => configView(3));
    fake.on('updateConfig', () => configView(4, { values: [{ key: 'plugins.legacy_envelope', value: false, source: 'file' }] }));
    render(<ConfigPage />);
    const box = await screen.findByLabelText(/Answer in webhook_bridge's envelope/);
    expect((box as HTMLInputElement).checked).toBe(true);
    fireEvent.click(box);
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(fake.calls.find((c) => c.name === 'updateConfig')?.input).toEqual({ legacy_envelope: false }));
  });
});

describe('Logs page', () => {
  it('filters by level and text', () => {
    const entries = [logEntry(1, 'debug detail', 'debug'), logEntry(2, 'Executor ready'), logEntry(3, 'slow plugin', 'warn'), logEntry(4, 'crash', 'error')];
    expect(filterLogs(entries, 'warn', '').map((e) => e.seq)).toEqual([3, 4]);
    expect(filterLogs(entries, 'debug', 'EXECUTOR').map((e) => e.seq)).toEqual([2]);
    expect(filterLogs(entries, 'debug', 'core')).toHaveLength(4);
  });

  it('tails live lines and freezes the view while paused', async () => {
    fake.on('getLogs', () => ({ instance: 'run-1', entries: [logEntry(1, 'first')], last_seq: 1 }));
    render(<LogsPage />);
    expect(await screen.findByText('first')).toBeTruthy();
    act(() => dispatchEvent({ name: 'logAppended', payload: logEntry(2, 'second') }));
    expect(screen.getByText('second')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    act(() => dispatchEvent({ name: 'logAppended', payload: logEntry(3, 'third') }));
    expect(screen.queryByText('third')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Resume (1 new)' }));
    expect(screen.getByText('third')).toBeTruthy();
  });
});

describe('Plugins page', () => {
  it('lists plugins and sends a test request with a JSON body', async () => {
    fake.on('listPlugins', () => ({ plugins: [{ name: 'echo', description: 'Echoes', methods: ['GET', 'POST'], available: true, error: '', source: '/p/echo.py', has_secret: false, style: 'request', missing: null }] }));
    fake.on('testPlugin', () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}', duration_ms: 4.2 }));
    render(<PluginsPage />);
    expect(await screen.findByText('Echoes')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('JSON body'), { target: { value: '{"a": [1, 2]}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByText('HTTP 200')).toBeTruthy();
    expect(screen.getByLabelText('Response body').textContent).toBe('{\n  "ok": true\n}');
    expect(fake.calls.find((c) => c.name === 'testPlugin')?.input).toEqual({ name: 'echo', method: 'POST', body: { a: [1, 2] } });
  });

  it('marks webhook_bridge-style plugins and installs the package a plugin misses into the active interpreter', async () => {
    useConnection.setState({ data: connection(1, { interpreter: 'py' }), loaded: true });
    fake.on('listPlugins', () => ({
      plugins: [
        { name: 'old', description: 'Upstream hook', methods: ['POST'], available: true, error: '', source: '/p/old.py', has_secret: false, style: 'legacy', missing: null },
        { name: 'needs_yaml', description: '', methods: [], available: false, error: "ModuleNotFoundError: No module named 'yaml' (needs_yaml.py, line 2)", source: '/p/needs_yaml.py', has_secret: false, style: null, missing: { module: 'yaml', package: 'PyYAML' } },
      ],
    }));
    fake.on('installPackages', () => ({ id: 'job_9', revision: 0, kind: 'install', interpreter: 'py', phase: 'queued', percent: null, output: [], warnings: [], state: 'running', error: null, command: [], started_at: '2026-01-01T00:00:00.000Z', finished_at: null }));
    render(<PluginsPage />);
    expect(await screen.findByText('Upstream hook')).toBeTruthy();
    expect(screen.getAllByText('webhook_bridge')).toHaveLength(1);
    expect(screen.getByText('PyYAML')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Install missing packages' }));
    await waitFor(() => expect(fake.calls.find((c) => c.name === 'installPackages')?.input).toEqual({ name: 'py', packages: ['PyYAML'] }));
    expect(await screen.findByRole('heading', { name: /Installing packages|Waiting/ })).toBeTruthy();
  });

  it('says why a body is not JSON, before sending', async () => {
    expect(parseJsonBody('')).toEqual({ ok: true, value: undefined });
    expect(parseJsonBody('{')).toMatchObject({ ok: false });
  });
});

describe('token', () => {
  it('takes #token= from the URL once, stores it, and removes it from the address bar', () => {
    const replaceState = vi.fn();
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) };
    const token = takeTokenFromUrl({ location: { hash: '#token=abc%2D123', pathname: '/logs', search: '' }, history: { replaceState, state: null }, storage });
    expect(token).toBe('abc-123');
    expect(store.get(TOKEN_KEY)).toBe('abc-123');
    expect(replaceState).toHaveBeenCalledWith(null, '', '/logs');
    expect(takeTokenFromUrl({ location: { hash: '', pathname: '/', search: '' }, history: { replaceState, state: null }, storage })).toBe('abc-123');
    expect(replaceState).toHaveBeenCalledTimes(1);
  });

  it('explains where to find a token and accepts a pasted one', () => {
    const onSubmit = vi.fn();
    render(<TokenPage status="rejected" onSubmit={onSubmit} />);
    expect(screen.getByText('The server refused this token')).toBeTruthy();
    expect(screen.getAllByText('WEBHOOK_BRIDGE_API_TOKEN').length).toBeGreaterThan(0);
    fireEvent.change(screen.getByLabelText('API token'), { target: { value: '  pasted-token  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Connect' }));
    expect(onSubmit).toHaveBeenCalledWith('pasted-token');
  });
});
