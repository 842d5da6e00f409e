// @vitest-environment jsdom
/**
 * The Deliveries page in jsdom: the list draws only the rows in view of 10,000, live events add rows
 * (those the filter lets through), a row opens its detail (request, response, log lines, signature),
 * Replay shows the two answers side by side, and the store's merging and filter matching.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Delivery, DeliverySummary } from '../../shared/dto/deliveries';
import { setApi } from '../../renderer/src/api/runtime';
import { visibleRange, VirtualList } from '../../renderer/src/components/VirtualList';
import { DeliveriesPage } from '../../renderer/src/pages/DeliveriesPage';
import { matchesFilter, mergeRows, useDeliveries } from '../../renderer/src/stores/deliveries';
import { useInterpreters } from '../../renderer/src/stores/interpreters';
import { dispatchEvent } from '../../renderer/src/stores/live';
import { usePlugins } from '../../renderer/src/stores/plugins';
import { useStream } from '../../renderer/src/stores/stream';
import { fakeApi, interpList, type FakeApi } from './renderer-helpers';

/** A ULID-shaped id that sorts by `n`. */
const idOf = (n: number): string => `01JD${String(n).padStart(22, '0')}`;

function summary(n: number, over: Partial<DeliverySummary> = {}): DeliverySummary {
  return {
    id: idOf(n), received_at: new Date(Date.UTC(2026, 10, 30, 12, 0, 0, n)).toISOString(), method: 'POST', path: '/api/v1/webhook/echo',
    plugin: 'echo', state: 'done', status: 200, duration_ms: 3.5, provider: 'github', event: 'push', provider_delivery_id: null,
    attempt: 1, replay_of: null, request_size: 10, error: null, ...over,
  };
}

function delivery(n: number, over: Partial<Delivery> = {}): Delivery {
  return {
    ...summary(n),
    request: { method: 'POST', path: '/api/v1/webhook/echo', query: '', headers: [['content-type', 'application/json'], ['x-github-event', 'push']], body: { encoding: 'utf8', data: '{"hello":"world"}', size: 17, truncated: false }, content_type: 'application/json', remote_address: '127.0.0.1' },
    interpreter: 'default', executor_generation: 1, executor_pid: 4242,
    response: { status: 200, headers: [['x-a', '1']], content_type: 'application/json', body: { encoding: 'utf8', data: '{"echo":1}', size: 10, truncated: false } },
    error_detail: null, signature: 'verified',
    attempts: [{ attempt: 1, started_at: '2026-11-30T12:00:00.000Z', finished_at: '2026-11-30T12:00:00.004Z', status: 200, duration_ms: 3.5, error: null, executor_pid: 4242, executor_generation: 1 }],
    logs: [{ attempt: 1, level: 'INFO', message: 'handled the push', at_ms: 1.2 }],
    next_attempt_at: null,
    ...over,
  };
}

let fake: FakeApi;
beforeEach(() => {
  fake = fakeApi();
  setApi(fake.api);
  useStream.setState({ state: 'open', epoch: 0 });
  useInterpreters.setState({ data: interpList(1, ['default', 'other'], 'default'), epoch: 0, loaded: true, error: null });
  usePlugins.setState({ data: { plugins: [] }, loaded: true, loading: false, error: null });
  useDeliveries.setState({ rows: [], filter: {}, nextCursor: null, loading: false, loaded: false, error: null, unseen: 0, selected: null, detail: null, detailError: null, replays: {} });
});
afterEach(cleanup);

describe('VirtualList', () => {
  it('computes the drawn window from the scroll position', () => {
    expect(visibleRange(0, 360, 36, 10_000, 2)).toEqual([0, 12]);
    expect(visibleRange(36 * 5000, 360, 36, 10_000, 2)).toEqual([4998, 5012]);
    expect(visibleRange(36 * 9995, 360, 36, 10_000, 2)).toEqual([9993, 10_000]);
    expect(visibleRange(0, 360, 36, 0, 2)).toEqual([0, 0]);
  });

  it('draws a few dozen rows of 10,000, and the ones in view after a scroll', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => `row-${i}`);
    render(<VirtualList items={items} rowHeight={36} itemKey={(s) => s} renderRow={(s) => <span>{s}</span>} label="Rows" />);
    const grid = screen.getByRole('grid', { name: 'Rows' });
    expect(grid.getAttribute('aria-rowcount')).toBe('10000');
    const drawn = within(grid).getAllByRole('row');
    expect(drawn.length).toBeGreaterThan(10);
    expect(drawn.length).toBeLessThan(60);
    expect(screen.queryByText('row-5000')).toBeNull();
    grid.scrollTop = 36 * 5000;
    fireEvent.scroll(grid);
    expect(screen.getByText('row-5000')).toBeTruthy();
    expect(screen.queryByText('row-0')).toBeNull();
    expect(within(grid).getAllByRole('row').length).toBeLessThan(60);
  });
});

describe('deliveries store', () => {
  it('puts new rows on top newest first, replaces changed ones, drops duplicates and keeps at most max', () => {
    const rows = [summary(3), summary(2), summary(1)];
    const out = mergeRows(rows, [summary(4), summary(5), summary(5)], new Map([[idOf(2), summary(2, { status: 500 })]]), 4);
    expect(out.map((r) => r.id)).toEqual([idOf(5), idOf(4), idOf(3), idOf(2)]);
    expect(out[3]?.status).toBe(500);
  });

  it('matches pushed rows against the filter, and leaves the text search to the server', () => {
    expect(matchesFilter(summary(1), { plugin: 'echo', status: '2xx', provider: 'github', event: 'push' })).toBe(true);
    expect(matchesFilter(summary(1), { status: '5xx' })).toBe(false);
    expect(matchesFilter(summary(1, { status: null }), { status: 'error' })).toBe(true);
    expect(matchesFilter(summary(1), { since: '2026-12-01T00:00:00.000Z' })).toBe(false);
    expect(matchesFilter(summary(1), { q: 'anything' })).toBeNull();
  });
});

describe('Deliveries page', () => {
  it('lists 10,000 deliveries drawing only those in view, adds live ones, opens one and replays it side by side', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => summary(10_000 - i, i % 7 === 0 ? { status: 500 } : {}));
    fake.on('listDeliveries', () => ({ items: many, next_cursor: null }));
    render(<DeliveriesPage />);
    const grid = await screen.findByRole('grid', { name: 'Deliveries' });
    expect(grid.getAttribute('aria-rowcount')).toBe('10000');
    expect(within(grid).getAllByRole('row').length).toBeLessThan(60);

    act(() => dispatchEvent({ name: 'deliveryRecorded', payload: { deliveries: [summary(20_000, { plugin: 'fresh', provider: null, event: null })] } }));
    await waitFor(() => expect(within(grid).getByText('fresh')).toBeTruthy());
    expect(grid.getAttribute('aria-rowcount')).toBe('10001');

    fake.on('getDelivery', () => delivery(20_000, { plugin: 'fresh' }));
    fireEvent.click(within(grid).getByText('fresh'));
    const detail = await screen.findByRole('region', { name: 'Delivery' });
    expect(within(detail).getByText('signature verified')).toBeTruthy();
    expect(within(detail).getByLabelText('Request body').textContent).toBe('{\n  "hello": "world"\n}');
    expect(within(detail).getByText('handled the push')).toBeTruthy();
    fireEvent.click(within(detail).getByRole('tab', { name: /Response/ }));
    expect(within(detail).getByLabelText('Response body').textContent).toBe('{\n  "echo": 1\n}');

    fake.on('replayDelivery', (input) => delivery(20_001, { replay_of: (input as { id: string }).id, status: 500, interpreter: 'other', response: null, error: 'plugin raised' }));
    fireEvent.change(within(detail).getByLabelText('Replay under interpreter'), { target: { value: 'other' } });
    fireEvent.click(within(detail).getByRole('button', { name: 'Replay' }));
    const compare = await within(detail).findByRole('group', { name: 'Original and replayed responses' });
    expect(fake.calls.find((c) => c.name === 'replayDelivery')?.input).toEqual({ id: idOf(20_000), interpreter: 'other' });
    expect(within(compare).getByText('plugin raised')).toBeTruthy();
    expect(within(detail).getByText('answers differ')).toBeTruthy();
  });

  it('offers Retry for a dead delivery only, and reads it again after the retry', async () => {
    fake.on('listDeliveries', () => ({ items: [summary(1, { state: 'dead', status: 500 }), summary(2)], next_cursor: null }));
    let state: Delivery['state'] = 'dead';
    fake.on('getDelivery', (input) => ((input as { id: string }).id === idOf(1) ? delivery(1, { state, status: 500 }) : delivery(2)));
    fake.on('retryDelivery', () => {
      state = 'queued';
      return delivery(1, { state: 'queued', status: 500 });
    });
    render(<DeliveriesPage />);
    const grid = await screen.findByRole('grid', { name: 'Deliveries' });
    fireEvent.click(within(grid).getAllByText('echo')[1] as HTMLElement);
    let detail = await screen.findByRole('region', { name: 'Delivery' });
    await waitFor(() => expect(within(detail).getByRole('button', { name: 'Replay' })).toBeTruthy());
    expect(within(detail).queryByRole('button', { name: 'Retry' })).toBeNull();
    fireEvent.click(within(grid).getAllByText('echo')[0] as HTMLElement);
    detail = await screen.findByRole('region', { name: 'Delivery' });
    const retry = await within(detail).findByRole('button', { name: 'Retry' });
    fireEvent.click(retry);
    await waitFor(() => expect(fake.calls.find((c) => c.name === 'retryDelivery')?.input).toEqual({ id: idOf(1) }));
    await waitFor(() => expect(within(screen.getByRole('region', { name: 'Delivery' })).queryByRole('button', { name: 'Retry' })).toBeNull());
  });

  it('sends the filter to the server and counts pushed rows it cannot match itself', async () => {
    fake.on('listDeliveries', () => ({ items: [summary(1)], next_cursor: null }));
    render(<DeliveriesPage />);
    await screen.findByRole('grid', { name: 'Deliveries' });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: '5xx' } });
    await waitFor(() => expect(fake.calls.filter((c) => c.name === 'listDeliveries').at(-1)?.input).toEqual({ status: '5xx', limit: 500 }));
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'needle' } });
    await waitFor(() => expect(fake.calls.filter((c) => c.name === 'listDeliveries').at(-1)?.input).toEqual({ status: '5xx', q: 'needle', limit: 500 }));
    act(() => dispatchEvent({ name: 'deliveryRecorded', payload: { deliveries: [summary(2, { status: 502 })] } }));
    expect(await screen.findByText(/1 new delivery may match the search/)).toBeTruthy();
  });
});
