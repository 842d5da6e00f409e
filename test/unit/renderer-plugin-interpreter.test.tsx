// @vitest-environment jsdom
/** The Plugins page shows each plugin's interpreter and edits it (issue 14 item 4). */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PluginInfo } from '../../shared/dto/plugins';
import { ApiError } from '../../renderer/src/api/api-error';
import { setApi } from '../../renderer/src/api/runtime';
import { PluginsPage } from '../../renderer/src/pages/PluginsPage';
import { useConnection } from '../../renderer/src/stores/connection';
import { useInterpreters } from '../../renderer/src/stores/interpreters';
import { usePlugins } from '../../renderer/src/stores/plugins';
import { useStream } from '../../renderer/src/stores/stream';
import { connection, fakeApi, interpList, type FakeApi } from './renderer-helpers';

let fake: FakeApi;

const plugin = (name: string, interpreter: string | null, over: Partial<PluginInfo> = {}): PluginInfo => ({
  name, description: `${name} plugin`, methods: ['POST'], available: true, error: '', source: `/p/${name}.py`, has_secret: false, style: 'request', missing: null, interpreter, ack: null, max_concurrency: 0, ...over,
});

beforeEach(() => {
  fake = fakeApi();
  setApi(fake.api);
  useStream.setState({ state: 'open', epoch: 0 });
  useConnection.setState({ data: connection(1, { interpreter: 'system' }), loaded: true });
  useInterpreters.setState({ data: interpList(1, ['system', 'ml-venv'], 'system'), epoch: 0, loaded: true, error: null });
  usePlugins.setState({ data: null, loaded: false, loading: false, error: null });
});
afterEach(cleanup);

describe('Plugins page: interpreter per plugin', () => {
  it("shows each plugin's interpreter and binds, then unbinds, one", async () => {
    let bound: string | null = null;
    fake.on('listPlugins', () => ({ plugins: [plugin('ml', 'ml-venv'), plugin('echo', bound)] }));
    fake.on('setPluginInterpreter', (input) => {
      bound = (input as { interpreter: string }).interpreter;
      return { name: 'echo', interpreter: bound };
    });
    fake.on('clearPluginInterpreter', () => {
      bound = null;
      return { name: 'echo', interpreter: null };
    });
    render(<PluginsPage />);
    const ml = await screen.findByLabelText<HTMLSelectElement>('Interpreter of ml');
    const echo = screen.getByLabelText<HTMLSelectElement>('Interpreter of echo');
    expect(ml.value).toBe('ml-venv');
    expect(echo.value).toBe('');
    expect(within(echo).getAllByRole('option').map((o) => o.textContent)).toEqual(['active (default) · system', 'system', 'ml-venv']);

    fireEvent.change(echo, { target: { value: 'ml-venv' } });
    await waitFor(() => expect(screen.getByLabelText<HTMLSelectElement>('Interpreter of echo').value).toBe('ml-venv'));
    expect(fake.calls.find((c) => c.name === 'setPluginInterpreter')?.input).toEqual({ name: 'echo', interpreter: 'ml-venv' });
    expect(fake.calls.filter((c) => c.name === 'listPlugins')).toHaveLength(2);

    fireEvent.change(screen.getByLabelText('Interpreter of echo'), { target: { value: '' } });
    await waitFor(() => expect(screen.getByLabelText<HTMLSelectElement>('Interpreter of echo').value).toBe(''));
    expect(fake.calls.find((c) => c.name === 'clearPluginInterpreter')?.input).toEqual({ name: 'echo' });
  });

  it('shows why a binding was refused and keeps the current one', async () => {
    fake.on('listPlugins', () => ({ plugins: [plugin('echo', null)] }));
    fake.on('setPluginInterpreter', () => Promise.reject(new ApiError('NOT_FOUND', "no interpreter named 'ml-venv' (plugin 'echo' was not bound)", undefined, 404)));
    render(<PluginsPage />);
    const echo = await screen.findByLabelText<HTMLSelectElement>('Interpreter of echo');
    fireEvent.change(echo, { target: { value: 'ml-venv' } });
    expect((await screen.findByRole('alert')).textContent).toContain("no interpreter named 'ml-venv'");
    expect(screen.getByLabelText<HTMLSelectElement>('Interpreter of echo').value).toBe('');
  });

  it("offers to install a bound plugin's missing package into its own interpreter", async () => {
    fake.on('listPlugins', () => ({ plugins: [plugin('ml', 'ml-venv', { available: false, error: "No module named 'numpy'", missing: { module: 'numpy', package: 'numpy' } })] }));
    render(<PluginsPage />);
    const button = await screen.findByRole('button', { name: 'Install missing packages' });
    expect(button.getAttribute('title')).toContain("'ml-venv'");
  });
});
