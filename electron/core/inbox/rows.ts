/** A DeliveryRecord ↔ a row of `deliveries`, and a row → the DTOs the API answers with. */
import type { Delivery, DeliveryBody, DeliverySummary, Provider } from '../../../shared/dto/deliveries.js';
import type { HeaderPair } from '../services.js';
import { SEARCH_BODY_MAX, type DeliveryRecord } from './types.js';

export interface DeliveryRow {
  id: string;
  received_ms: number;
  method: string;
  path: string;
  query: string;
  headers: string;
  body: Buffer;
  content_type: string | null;
  remote_address: string | null;
  plugin: string;
  interpreter: string | null;
  executor_generation: number | null;
  executor_pid: number | null;
  state: string;
  status: number | null;
  duration_ms: number | null;
  response_headers: string | null;
  response_body: Buffer | null;
  response_size: number | null;
  response_content_type: string | null;
  error_code: string | null;
  error_message: string | null;
  signature: string;
  provider: string | null;
  event: string | null;
  provider_delivery_id: string | null;
  attempt: number;
  replay_of: string | null;
  next_attempt_ms: number | null;
  attempts: string;
  logs: string;
  search: string;
  bytes: number;
  series_ms: number | null;
  series_attempt: number;
}

/** The columns a list row needs (no bodies). */
export const SUMMARY_COLUMNS =
  'id, received_ms, method, path, plugin, state, status, duration_ms, provider, event, provider_delivery_id, attempt, replay_of, length(body) AS request_size, error_message';

export type SummaryRow = Pick<DeliveryRow, 'id' | 'received_ms' | 'method' | 'path' | 'plugin' | 'state' | 'status' | 'duration_ms' | 'provider' | 'event' | 'provider_delivery_id' | 'attempt' | 'replay_of' | 'error_message'> & { request_size: number };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function searchText(r: DeliveryRecord): string {
  const headerValues = r.headers.map(([n, v]) => `${n}: ${v}`).join('\n');
  const body = r.body.subarray(0, SEARCH_BODY_MAX).toString('utf8');
  return `${r.path}\n${r.query}\n${headerValues}\n${body}`.toLowerCase();
}

export function toRow(r: DeliveryRecord): DeliveryRow {
  const headers = JSON.stringify(r.headers);
  const responseHeaders = r.response ? JSON.stringify(r.response.headers) : null;
  const attempts = JSON.stringify(r.attempts);
  const logs = JSON.stringify(r.logs);
  const search = searchText(r);
  const bytes = 256 + r.path.length + r.query.length + headers.length + r.body.length + (r.response?.body.length ?? 0) + (responseHeaders?.length ?? 0) + attempts.length + logs.length + search.length;
  return {
    id: r.id,
    received_ms: r.receivedMs,
    method: r.method,
    path: r.path,
    query: r.query,
    headers,
    body: r.body,
    content_type: r.contentType,
    remote_address: r.remoteAddress,
    plugin: r.plugin,
    interpreter: r.interpreter,
    executor_generation: r.executorGeneration,
    executor_pid: r.executorPid,
    state: r.state,
    status: r.status,
    duration_ms: r.durationMs,
    response_headers: responseHeaders,
    response_body: r.response?.body ?? null,
    response_size: r.response?.size ?? null,
    response_content_type: r.response?.contentType ?? null,
    error_code: r.error?.code ?? null,
    error_message: r.error?.message ?? null,
    signature: r.signature,
    provider: r.provider,
    event: r.event,
    provider_delivery_id: r.providerDeliveryId,
    attempt: r.attempt,
    replay_of: r.replayOf,
    next_attempt_ms: r.nextAttemptMs,
    attempts,
    logs,
    search,
    bytes,
    series_ms: r.series?.sinceMs ?? null,
    series_attempt: r.series?.fromAttempt ?? 0,
  };
}

/** Text when the bytes are UTF-8, else base64. */
export function bodyDto(bytes: Buffer, size: number): DeliveryBody {
  let text: string | null;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = null;
  }
  const truncated = size > bytes.length;
  return text === null ? { encoding: 'base64', data: bytes.toString('base64'), size, truncated } : { encoding: 'utf8', data: text, size, truncated };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function summaryDto(r: SummaryRow): DeliverySummary {
  return {
    id: r.id,
    received_at: iso(r.received_ms),
    method: r.method,
    path: r.path,
    plugin: r.plugin,
    state: r.state as DeliverySummary['state'],
    status: r.status,
    duration_ms: r.duration_ms,
    provider: r.provider as Provider | null,
    event: r.event,
    provider_delivery_id: r.provider_delivery_id,
    attempt: r.attempt,
    replay_of: r.replay_of,
    request_size: r.request_size,
    error: r.error_message,
  };
}

export function deliveryDto(r: DeliveryRow): Delivery {
  const responseHeaders = r.response_headers === null ? [] : (JSON.parse(r.response_headers) as HeaderPair[]);
  return {
    ...summaryDto({ ...r, request_size: r.body.length }),
    request: {
      method: r.method,
      path: r.path,
      query: r.query,
      headers: JSON.parse(r.headers) as HeaderPair[],
      body: bodyDto(r.body, r.body.length),
      content_type: r.content_type,
      remote_address: r.remote_address,
    },
    interpreter: r.interpreter,
    executor_generation: r.executor_generation,
    executor_pid: r.executor_pid,
    response:
      r.status === null || r.response_body === null
        ? null
        : { status: r.status, headers: responseHeaders, content_type: r.response_content_type, body: bodyDto(r.response_body, r.response_size ?? r.response_body.length) },
    error_detail: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' },
    signature: r.signature as Delivery['signature'],
    attempts: JSON.parse(r.attempts) as Delivery['attempts'],
    logs: JSON.parse(r.logs) as Delivery['logs'],
    next_attempt_at: r.next_attempt_ms === null ? null : iso(r.next_attempt_ms),
  };
}

/** Back from a row to the record (the async queue resumes deliveries from the database). */
export function recordOf(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    receivedMs: r.received_ms,
    method: r.method,
    path: r.path,
    query: r.query,
    headers: JSON.parse(r.headers) as HeaderPair[],
    body: r.body,
    contentType: r.content_type,
    remoteAddress: r.remote_address,
    plugin: r.plugin,
    interpreter: r.interpreter,
    executorGeneration: r.executor_generation,
    executorPid: r.executor_pid,
    state: r.state as DeliveryRecord['state'],
    status: r.status,
    durationMs: r.duration_ms,
    response:
      r.response_body === null
        ? null
        : { headers: JSON.parse(r.response_headers ?? '[]') as HeaderPair[], body: r.response_body, size: r.response_size ?? r.response_body.length, contentType: r.response_content_type },
    error: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' },
    signature: r.signature as DeliveryRecord['signature'],
    provider: r.provider as Provider | null,
    event: r.event,
    providerDeliveryId: r.provider_delivery_id,
    attempt: r.attempt,
    replayOf: r.replay_of,
    nextAttemptMs: r.next_attempt_ms,
    attempts: JSON.parse(r.attempts) as DeliveryRecord['attempts'],
    logs: JSON.parse(r.logs) as DeliveryRecord['logs'],
    series: r.series_ms === null ? null : { sinceMs: r.series_ms, fromAttempt: r.series_attempt },
  };
}
