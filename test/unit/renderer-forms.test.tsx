// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../renderer/src/api/api-error';
import { setApi } from '../../renderer/src/api/runtime';
import { AddInterpreterForm, parsePackages } from '../../renderer/src/pages/interpreters/AddInterpreterForm';
import { InterpretersPage } from '../../renderer/src/pages/interpreters/InterpretersPage';
import { useInterpreters } from '../../renderer/src/stores/interpreters';
import type { DiscoveredInterpreter } from '../../shared/interpreters-discovery';
import { fakeApi, interpList, type FakeApi } from './renderer-helpers';

let fake: FakeApi;

function found(path: string, over: Partial<DiscoveredInterpreter> = {}): DiscoveredInterpreter {
  return { path, realpath: path, aliases: [], version: '3.12.1', implementation: 'cpython', architecture: 'x86_64', kind: 'pyenv', prefix: null, baseInterpreter: null, versionSource: 'path-name', broken: null, configured: null, ...over };
}

beforeEach(() => {
  fake = fakeApi();
  setApi(fake.api);
  useInterpreters.setState({
    data: interpList(1, ['default'], 'default'),
    epoch: 0,
    loaded: true,
    loading: false,
    error: null,
    validations: {},
    activation: null,
    removing: null,
    discovery: { loading: false, result: null, error: null },
  });
});
afterEach(cleanup);

function fieldOf(label: string): HTMLInputElement {
  return screen.getByLabelText(label) as HTMLInputElement;
}

describe('Add Interpreter form', () => {
  it('shows an API field error next to the field it names', async () => {
    fake.on('addInterpreter', () => {
      throw new ApiError('INVALID_INPUT', 'path: /nope/python does not exist', { fields: [{ field: 'path', message: '/nope/python does not exist' }] }, 400);
    });
    const onDone = vi.fn();
    render(<AddInterpreterForm onDone={onDone} onCancel={() => undefined} />);
    fireEvent.change(fieldOf('Key'), { target: { value: 'mine' } });
    fireEvent.change(fieldOf('Interpreter path'), { target: { value: '/nope/python' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add to configuration' }));
    const path = fieldOf('Interpreter path');
    await waitFor(() => expect(path.getAttribute('aria-invalid')).toBe('true'));
    const errorId = path.getAttribute('aria-describedby')?.split(' ')[0] ?? '';
    expect(document.getElementById(errorId)?.textContent).toBe('/nope/python does not exist');
    expect(fieldOf('Key').getAttribute('aria-invalid')).toBe('false');
    expect(onDone).not.toHaveBeenCalled();
    expect(fake.calls[0]).toEqual({ name: 'addInterpreter', input: { key: 'mine', path: '/nope/python' } });
  });

  it('shows schema errors (details.fields) under their fields and unknown ones in a banner', async () => {
    fake.on('addInterpreter', () => {
      throw new ApiError('INVALID_INPUT', 'key: does not match', { fields: [{ field: 'key', message: 'does not match ^[A-Za-z0-9]…' }] }, 400);
    });
    render(<AddInterpreterForm onDone={() => undefined} onCancel={() => undefined} />);
    fireEvent.change(fieldOf('Key'), { target: { value: '-bad' } });
    fireEvent.change(fieldOf('Interpreter path'), { target: { value: '/usr/bin/python3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add to configuration' }));
    expect(await screen.findByText('does not match ^[A-Za-z0-9]…')).toBeTruthy();
    fake.on('addInterpreter', () => {
      throw new ApiError('CONFIG_INVALID', 'the configuration file is invalid', undefined, 409);
    });
    fireEvent.click(screen.getByRole('button', { name: 'Add to configuration' }));
    expect(await screen.findByText('the configuration file is invalid')).toBeTruthy();
  });

  it('asks for key and path before calling the API', () => {
    render(<AddInterpreterForm onDone={() => undefined} onCancel={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add to configuration' }));
    expect(screen.getAllByText('is required')).toHaveLength(2);
    expect(fake.calls).toHaveLength(0);
  });

  it('masks secret-looking environment values after entry and sends them all', async () => {
    fake.on('addInterpreter', () => interpList(2, ['default', 'x'], 'default'));
    const onDone = vi.fn();
    render(<AddInterpreterForm onDone={onDone} onCancel={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add variable' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add variable' }));
    const [n1, n2] = [fieldOf('Variable 1 name'), fieldOf('Variable 2 name')];
    fireEvent.change(n1, { target: { value: 'GITHUB_TOKEN' } });
    fireEvent.change(n2, { target: { value: 'REGION' } });
    const secret = screen.getByLabelText('Variable 1 value (secret, masked)') as HTMLInputElement;
    fireEvent.focus(secret);
    expect(secret.type).toBe('text');
    fireEvent.change(secret, { target: { value: 'ghp_123' } });
    fireEvent.blur(secret);
    expect(secret.type).toBe('password');
    const plain = fieldOf('Variable 2 value');
    fireEvent.change(plain, { target: { value: 'eu' } });
    fireEvent.blur(plain);
    expect(plain.type).toBe('text');
    fireEvent.change(fieldOf('Key'), { target: { value: 'x' } });
    fireEvent.change(fieldOf('Interpreter path'), { target: { value: '/usr/bin/python3' } });
    fireEvent.change(fieldOf('Required packages'), { target: { value: 'requests>=2\nrich, httpx' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add to configuration' }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith('x'));
    expect(fake.calls[0]?.input).toMatchObject({ environment: { GITHUB_TOKEN: 'ghp_123', REGION: 'eu' }, required_packages: ['requests>=2', 'rich', 'httpx'] });
  });

  it('fills the form from the discovery picker (a found interpreter in two clicks)', async () => {
    useInterpreters.setState({
      discovery: { loading: false, error: null, result: { interpreters: [found('/opt/py/bin/python3.12'), found('/usr/bin/python3', { configured: 'default' })], stats: { durationMs: 3, processesStarted: 0, cacheHits: 0, sources: [] } } },
    });
    fake.on('addInterpreter', () => interpList(2, ['default', 'pyenv-python-3.12.1'], 'default'));
    const onDone = vi.fn();
    render(<AddInterpreterForm onDone={onDone} onCancel={() => undefined} />);
    const picker = fieldOf('Found on this machine') as unknown as HTMLSelectElement;
    expect(within(picker).getAllByRole('option')).toHaveLength(2); // the placeholder and the one not configured yet
    fireEvent.change(picker, { target: { value: '/opt/py/bin/python3.12' } });
    expect(fieldOf('Interpreter path').value).toBe('/opt/py/bin/python3.12');
    expect(fieldOf('Key').value).toBe('pyenv-python-3.12.1');
    expect(fieldOf('Display name').value).toBe('Python 3.12.1 (pyenv)');
    fireEvent.click(screen.getByRole('button', { name: 'Add to configuration' }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith('pyenv-python-3.12.1'));
  });

  it('splits packages on lines and commas', () => {
    expect(parsePackages(' a\n\nb, c ,\n')).toEqual(['a', 'b', 'c']);
  });
});

describe('Interpreters page', () => {
  it('disables Remove for the active interpreter and asks before removing another', async () => {
    useInterpreters.setState({ data: interpList(1, ['default', 'old'], 'default') });
    fake.on('removeInterpreter', () => ({ removed: 'old' }));
    render(<InterpretersPage />);
    expect((screen.getByRole('button', { name: 'Remove default' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Remove old' }));
    const dialog = screen.getByRole('alertdialog');
    expect(within(dialog).getByText('Remove old?')).toBeTruthy();
    expect(document.activeElement?.textContent).toBe('Cancel');
    expect(fake.calls).toHaveLength(0);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(fake.calls).toEqual([{ name: 'removeInterpreter', input: { name: 'old' } }]);
    expect(screen.queryByRole('article', { name: 'Interpreter old' })).toBeNull();
  });

  it('shows each validation check and the activation outcome', async () => {
    useInterpreters.setState({ data: interpList(1, ['default', 'py'], 'default') });
    fake.on('validateInterpreter', () => ({
      ok: false,
      checks: [
        { check: 'exists', ok: true, level: 'info', message: '/usr/bin/py exists' },
        { check: 'grpc', ok: false, level: 'error', message: 'grpc cannot be imported' },
      ],
      version: '3.12.1', implementation: 'cpython', packages: [{ name: 'grpcio', version: null }], durationMs: 40,
    }));
    fake.on('activateInterpreter', () => ({ active: 'py', previous: 'default', switched: true, message: 'the executor now runs under py' }));
    render(<InterpretersPage />);
    const card = screen.getByRole('article', { name: 'Interpreter py' });
    fireEvent.click(within(card).getByRole('button', { name: 'Validate' }));
    expect(await within(card).findByText('grpc cannot be imported')).toBeTruthy();
    expect(within(card).getByText('1 check failed')).toBeTruthy();
    expect(within(card).getByText('/usr/bin/py exists')).toBeTruthy();
    await act(async () => {
      fireEvent.click(within(card).getByRole('button', { name: 'Activate' }));
    });
    expect(await screen.findByText("'py' is now active")).toBeTruthy();
    expect(screen.getByText('the executor now runs under py')).toBeTruthy();
  });
});
