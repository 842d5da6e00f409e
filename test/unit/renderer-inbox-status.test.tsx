// @vitest-environment jsdom
/**
 * The Connection page shows the delivery inbox's recording status (ConnectionStatus.inbox): on, off,
 * or failing with the reason, the database path, how many deliveries it holds and its size,
 * following connectionChanged live.
 */
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../renderer/src/api/runtime';
import { formatDateTime } from '../../renderer/src/lib/format';
import { ConnectionPage } from '../../renderer/src/pages/ConnectionPage';
import { formatBytes } from '../../renderer/src/pages/InboxCard';
import { useConnection } from '../../renderer/src/stores/connection';
import { useInterpreters } from '../../renderer/src/stores/interpreters';
import { dispatchEvent } from '../../renderer/src/stores/live';
import { useStream } from '../../renderer/src/stores/stream';
import type { InboxStatus } from '../../shared/dto/deliveries';
import { connection, fakeApi, interpList, type FakeApi } from './renderer-helpers';

let fake: FakeApi;

beforeEach(() => {
  fake = fakeApi();
  setApi(fake.api);
  useStream.setState({ state: 'open', epoch: 0 });
  useConnection.setState({ data: null, epoch: 0, loaded: false, loading: false, error: null, test: null });
  useInterpreters.setState({ data: interpList(1, ['system'], 'system'), epoch: 0, loaded: true, error: null });
});
afterEach(cleanup);

const FILE = '/home/u/.local/share/webhook-bridge/inbox/deliveries.db';
const inbox = (over: Partial<InboxStatus> = {}): InboxStatus => ({ state: 'recording', error: null, failing_since: null, dropped: 0, file: FILE, deliveries: 12_345, size_bytes: 5 * 1024 * 1024, ...over });

describe('Connection page: the delivery inbox', () => {
  it('shows recording with the database, its rows and size; then failing with the reason, then off, live', async () => {
    fake.on('getConnection', () => connection(1, { inbox: inbox() }));
    render(<ConnectionPage />);
    const card = await screen.findByRole('region', { name: 'Delivery inbox' });
    expect(within(card).getByText('Recording', { selector: '.badge' })).toBeTruthy();
    expect(within(card).getByText(FILE)).toBeTruthy();
    expect(within(card).getByText('12,345')).toBeTruthy();
    expect(within(card).getByText('5.0 MiB')).toBeTruthy();
    expect(within(card).queryByRole('alert')).toBeNull();

    const since = '2026-11-30T12:00:00.000Z';
    act(() => dispatchEvent({ name: 'connectionChanged', payload: connection(2, { inbox: inbox({ state: 'failing', error: 'SQLITE_FULL: database or disk is full', failing_since: since, dropped: 7 }) }) }));
    const failing = screen.getByRole('region', { name: 'Delivery inbox' });
    expect(within(failing).getByText('Failing', { selector: '.badge' })).toBeTruthy();
    expect(within(failing).getByRole('alert').textContent).toBe(`SQLITE_FULL: database or disk is full (since ${formatDateTime(since)})`);
    expect(within(failing).getByText(/webhooks are still served/)).toBeTruthy();
    expect(within(failing).getByText('7')).toBeTruthy();

    act(() => dispatchEvent({ name: 'connectionChanged', payload: connection(3, { inbox: inbox({ state: 'off', deliveries: null, size_bytes: null }) }) }));
    const off = screen.getByRole('region', { name: 'Delivery inbox' });
    expect(within(off).getByText('Off', { selector: '.badge' })).toBeTruthy();
    expect(within(off).getByText(/inbox\.enabled: false/)).toBeTruthy();
    expect(within(off).queryByRole('alert')).toBeNull();
    expect(within(off).getAllByText('—').length).toBeGreaterThanOrEqual(2);
  });

  it('shows no inbox card when the status has none (an older bridge)', async () => {
    fake.on('getConnection', () => connection(1));
    render(<ConnectionPage />);
    await screen.findByText('Connected');
    expect(screen.queryByRole('region', { name: 'Delivery inbox' })).toBeNull();
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
    expect(formatBytes(null)).toBe('—');
  });
});
