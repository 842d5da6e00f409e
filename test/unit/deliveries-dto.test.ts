/** The delivery DTOs: a whole delivery, a page, filters from a query string, and what they refuse. */
import { describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import {
  DeliveryDeleteFilterSchema,
  DeliveryFilterSchema,
  DeliveryIdInputSchema,
  DeliveryPageSchema,
  DeliverySchema,
  DeliverySummarySchema,
  InboxStatusSchema,
  type Delivery,
} from '../../shared/dto/deliveries.js';

const ID = '01JDQ8Z5K3M4N5P6Q7R8S9T0VW';

function delivery(): Delivery {
  return {
    id: ID,
    received_at: '2026-11-30T13:00:00.000Z',
    method: 'POST',
    path: '/api/v1/webhook/github',
    plugin: 'github',
    state: 'done',
    status: 200,
    duration_ms: 12.5,
    provider: 'github',
    event: 'push',
    provider_delivery_id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    attempt: 1,
    replay_of: null,
    request_size: 3,
    error: null,
    request: {
      method: 'POST',
      path: '/api/v1/webhook/github',
      query: 'a=1&a=2',
      headers: [
        ['X-Tag', 'one'],
        ['X-Tag', 'two'],
        ['Authorization', '[redacted]'],
      ],
      body: { encoding: 'base64', data: '/wA=', size: 2, truncated: false },
      content_type: 'application/octet-stream',
      remote_address: '127.0.0.1',
    },
    interpreter: 'default',
    executor_generation: 3,
    executor_pid: 4242,
    response: {
      status: 200,
      headers: [['X-Done', '1']],
      content_type: 'application/json',
      body: { encoding: 'utf8', data: '{"ok":true}', size: 11, truncated: false },
    },
    error_detail: null,
    signature: 'verified',
    attempts: [
      {
        attempt: 1,
        started_at: '2026-11-30T13:00:00.001Z',
        finished_at: '2026-11-30T13:00:00.013Z',
        status: 200,
        duration_ms: 12.5,
        error: null,
        executor_pid: 4242,
        executor_generation: 3,
      },
    ],
    logs: [{ attempt: 1, level: 'INFO', message: 'got push', at_ms: 1.5 }],
    next_attempt_at: null,
  };
}

describe('delivery DTOs', () => {
  it('accept a whole delivery, and its summary fields as a list row', () => {
    const d = delivery();
    expect(Value.Errors(DeliverySchema, d)).toEqual([]);
    const row = Object.fromEntries(Object.keys(DeliverySummarySchema.properties).map((k) => [k, d[k as keyof Delivery]]));
    expect(Value.Check(DeliverySummarySchema, row)).toBe(true);
    expect(Value.Check(DeliveryPageSchema, { items: [row], next_cursor: null })).toBe(true);
    expect(Value.Check(DeliveryPageSchema, { items: [], next_cursor: 'abc' })).toBe(true);
  });

  it('refuse a bad id, a bad state, a header that is not a pair, an unknown provider', () => {
    expect(Value.Check(DeliverySchema, { ...delivery(), id: 'not-an-id' })).toBe(false);
    // I, L, O and U are not Crockford base32.
    expect(Value.Check(DeliveryIdInputSchema, { id: '01JDQ8Z5K3M4N5P6Q7R8S9T0VI' })).toBe(false);
    expect(Value.Check(DeliveryIdInputSchema, { id: ID })).toBe(true);
    expect(Value.Check(DeliverySchema, { ...delivery(), state: 'lost' })).toBe(false);
    const d = delivery();
    expect(Value.Check(DeliverySchema, { ...d, request: { ...d.request, headers: [['X-Only-Name']] } })).toBe(false);
    expect(Value.Check(DeliverySchema, { ...d, provider: 'bitbucket' })).toBe(false);
    expect(Value.Check(DeliverySchema, { ...d, response: null, status: null })).toBe(true);
  });

  it('take a filter from query-string scalars, and refuse unknown fields and out-of-range limits', () => {
    const converted = Value.Convert(DeliveryFilterSchema, { plugin: 'github', status: '5xx', limit: '50', since: '2026-11-30T00:00:00Z' });
    expect(Value.Check(DeliveryFilterSchema, converted)).toBe(true);
    expect(converted).toMatchObject({ limit: 50 });
    expect(Value.Check(DeliveryFilterSchema, {})).toBe(true);
    expect(Value.Check(DeliveryFilterSchema, { limit: 0 })).toBe(false);
    expect(Value.Check(DeliveryFilterSchema, { limit: 501 })).toBe(false);
    expect(Value.Check(DeliveryFilterSchema, { status: '6xx' })).toBe(false);
    expect(Value.Check(DeliveryFilterSchema, { since: 'yesterday' })).toBe(false);
    expect(Value.Check(DeliveryFilterSchema, { plugin: '../etc' })).toBe(false);
    expect(Value.Check(DeliveryFilterSchema, { colour: 'red' })).toBe(false);
    expect(Value.Check(DeliveryDeleteFilterSchema, { plugin: 'github', q: 'push' })).toBe(true);
    expect(Value.Check(DeliveryDeleteFilterSchema, { cursor: 'x' })).toBe(false);
  });

  it('describe the recording status', () => {
    expect(Value.Check(InboxStatusSchema, { state: 'failing', error: 'ENOSPC', failing_since: '2026-11-30T13:00:00.000Z', dropped: 3 })).toBe(true);
    expect(Value.Check(InboxStatusSchema, { state: 'broken', error: null, failing_since: null, dropped: 0 })).toBe(false);
  });
});
