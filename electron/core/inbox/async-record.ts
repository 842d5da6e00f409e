/**
 * The records of immediate (ack: immediate) deliveries: the row written before the 202 (state
 * `queued`, no attempt yet), the request rebuilt from it for each attempt, and the row after an
 * attempt (one more entry in `attempts`, the plugin's log lines tagged with its number).
 *
 * Headers are kept as received while the delivery is queued (the plugin needs them, also on a
 * retry after the app restarted; the database is 0600 in a 0700 folder), and `redact_headers` is
 * applied once it is finished (done or dead). A retry by hand of a finished one therefore runs
 * without the redacted values, as a replay does.
 */
import type { DeliveryAttempt, DeliveryError, SignatureVerdict } from '../../../shared/dto/deliveries.js';
import { httpStatusOf } from '../../../shared/errors.js';
import { AppError, errorMessage } from '../app-error.js';
import type { HeaderPair, WebhookRequest, WebhookResponse } from '../services.js';
import { detectProvider } from './provider.js';
import { redact } from './recorder.js';
import type { NextStep } from './retry-policy.js';
import { RESPONSE_BODY_MAX, type DeliveryRecord } from './types.js';

const SIGNATURE_HEADER = 'x-hub-signature-256';

/** The row of a delivery just accepted: queued, due now, its series of attempts starting at arrival. */
export function queuedRecord(id: string, receivedMs: number, request: WebhookRequest): DeliveryRecord {
  const headers = request.rawHeaders ?? Object.entries(request.headers).map(([n, v]): HeaderPair => [n, v]);
  const facts = detectProvider(headers, request.body);
  return {
    id, receivedMs, method: request.method.toUpperCase(), path: request.path, query: request.query,
    headers: headers.map(([n, v]): HeaderPair => [n, v]), body: request.body, contentType: request.contentType || null,
    remoteAddress: request.remoteAddress ?? null, plugin: request.plugin, interpreter: null, executorGeneration: null,
    executorPid: null, state: 'queued', status: null, durationMs: null, response: null, error: null, signature: 'unknown',
    provider: facts.provider, event: facts.event, providerDeliveryId: facts.deliveryId, attempt: 0, replayOf: null,
    nextAttemptMs: receivedMs, attempts: [], logs: [], series: { sinceMs: receivedMs, fromAttempt: 0 },
  };
}

/** Told to the plugin with each attempt: the delivery's id (at least once: a plugin can tell a repeat by it) and the attempt. */
export const DELIVERY_HEADER = 'X-Webhook-Bridge-Delivery';
export const ATTEMPT_HEADER = 'X-Webhook-Bridge-Attempt';

/** The stored request, to run (headers joined by name as the webhook route does), with the delivery id and attempt number. */
export function requestOf(r: DeliveryRecord): WebhookRequest {
  const own = new Set([DELIVERY_HEADER.toLowerCase(), ATTEMPT_HEADER.toLowerCase()]);
  const pairs: HeaderPair[] = [...r.headers.filter(([n]) => !own.has(n.toLowerCase())), [DELIVERY_HEADER, r.id], [ATTEMPT_HEADER, String(r.attempt)]];
  const headers: Record<string, string> = {};
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  return {
    plugin: r.plugin, method: r.method, path: r.path, headers, rawHeaders: pairs,
    query: r.query, body: r.body, contentType: r.contentType ?? '', ...(r.remoteAddress ? { remoteAddress: r.remoteAddress } : {}),
  };
}

/** The record as an attempt starts: running, one more attempt (open until it finishes). */
export function startAttempt(r: DeliveryRecord, startedMs: number): DeliveryRecord {
  const n = r.attempt + 1;
  const attempt: DeliveryAttempt = {
    attempt: n, started_at: new Date(startedMs).toISOString(), finished_at: null, status: null, duration_ms: null,
    error: null, executor_pid: null, executor_generation: null,
  };
  return { ...r, state: 'running', attempt: n, nextAttemptMs: null, attempts: [...r.attempts, attempt] };
}

export type Outcome = { response: WebhookResponse } | { error: unknown };

function errorOf(outcome: Outcome): DeliveryError | null {
  if ('error' in outcome) {
    const e = outcome.error;
    return { code: e instanceof AppError ? e.code : 'INTERNAL', message: errorMessage(e) };
  }
  const res = outcome.response;
  if (res.error) return { code: res.status >= 500 ? 'PLUGIN_FAILED' : 'PLUGIN_REFUSED', message: res.error };
  if (res.status < 400) return null;
  return { code: res.status >= 500 ? 'PLUGIN_FAILED' : 'PLUGIN_REFUSED', message: `the plugin answered ${res.status}` };
}

/** The status the attempt ended with: the plugin's, or the bridge's error status when it gave none. */
export function statusOf(outcome: Outcome): number {
  if ('response' in outcome) return outcome.response.status;
  return outcome.error instanceof AppError ? httpStatusOf(outcome.error.code) : 500;
}

export interface Finish {
  outcome: Outcome;
  finishedMs: number;
  durationMs: number;
  step: NextStep;
  /** Whether the plugin has a secret (its signature verdict), null when unknown. */
  hasSecret: boolean | null;
  redacted: ReadonlySet<string>;
}

function verdict(outcome: Outcome, hasSecret: boolean | null): SignatureVerdict {
  if (!('response' in outcome)) return 'unknown';
  const res = outcome.response;
  if (res.status === 401 && (res.error ?? '').toLowerCase().includes(SIGNATURE_HEADER)) return 'rejected';
  if (hasSecret === null) return 'unknown';
  return hasSecret ? 'verified' : 'not_checked';
}

/** The record after its running attempt ended, in the state `step` says. */
export function finishAttempt(r: DeliveryRecord, f: Finish): DeliveryRecord {
  const res = 'response' in f.outcome ? f.outcome.response : null;
  const status = statusOf(f.outcome);
  const error = f.step.state === 'dead' ? deadError(errorOf(f.outcome), f.step.reason) : errorOf(f.outcome);
  const last = r.attempts.at(-1);
  const attempts = r.attempts.slice(0, -1);
  attempts.push({
    attempt: r.attempt, started_at: last?.started_at ?? new Date(f.finishedMs - f.durationMs).toISOString(),
    finished_at: new Date(f.finishedMs).toISOString(), status, duration_ms: f.durationMs, error: errorOf(f.outcome),
    executor_pid: res?.servedBy?.pid ?? null, executor_generation: res?.servedBy?.generation ?? null,
  });
  const finished = f.step.state !== 'queued';
  return {
    ...r,
    state: f.step.state,
    status,
    durationMs: f.durationMs,
    nextAttemptMs: f.step.state === 'queued' ? f.step.dueMs : null,
    headers: finished ? redact(r.headers, f.redacted) : r.headers,
    interpreter: res?.servedBy?.interpreter ?? r.interpreter,
    executorGeneration: res?.servedBy?.generation ?? r.executorGeneration,
    executorPid: res?.servedBy?.pid ?? r.executorPid,
    response: res
      ? { headers: redact(res.headers, f.redacted), body: Buffer.from(res.body.subarray(0, RESPONSE_BODY_MAX)), size: res.body.length, contentType: res.contentType || null }
      : r.response,
    error,
    signature: verdict(f.outcome, f.hasSecret),
    attempts,
    logs: [...r.logs, ...(res?.logs ?? []).map((l) => ({ attempt: r.attempt, level: l.level, message: l.message, at_ms: l.atMs }))],
  };
}

function deadError(last: DeliveryError | null, reason: string): DeliveryError {
  return { code: 'DEAD', message: `${reason}${last ? `; last: ${last.message}` : ''}` };
}

/** The error of an attempt the app did not see end (it was stopped or killed meanwhile). */
export const INTERRUPTED = new AppError('UNAVAILABLE', 'the app stopped while this attempt ran (it may or may not have run)');
