/** What the inbox's parts share: the record written for one delivery, and the logger they need. */
import type { DeliveryAttempt, DeliveryError, DeliveryLogLine, DeliveryState, Provider, SignatureVerdict } from '../../../shared/dto/deliveries.js';
import type { HeaderPair } from '../services.js';

export type LogChannel = { info(m: string): void; warn(m: string): void; error(m: string): void };

/** One delivery as stored (request as received, redaction applied; response body already bounded). */
export interface DeliveryRecord {
  id: string;
  receivedMs: number;
  method: string;
  path: string;
  query: string;
  headers: HeaderPair[];
  body: Buffer;
  contentType: string | null;
  remoteAddress: string | null;
  plugin: string;
  interpreter: string | null;
  executorGeneration: number | null;
  executorPid: number | null;
  state: DeliveryState;
  status: number | null;
  durationMs: number | null;
  response: { headers: HeaderPair[]; body: Buffer; size: number; contentType: string | null } | null;
  error: DeliveryError | null;
  signature: SignatureVerdict;
  provider: Provider | null;
  event: string | null;
  providerDeliveryId: string | null;
  attempt: number;
  replayOf: string | null;
  nextAttemptMs: number | null;
  attempts: DeliveryAttempt[];
  logs: DeliveryLogLine[];
  /**
   * Queued (ack: immediate) deliveries: the current series of attempts began at `sinceMs` (arrival
   * or a retry by hand) after `fromAttempt` attempts; max_attempts and max_age count from there.
   * Null for a sync delivery.
   */
  series?: { sinceMs: number; fromAttempt: number } | null;
}

/** How many bytes of a response body are kept; the size of the whole one is recorded. */
export const RESPONSE_BODY_MAX = 64 * 1024;
/** How much of a request body is searched by the text filter. */
export const SEARCH_BODY_MAX = 64 * 1024;
