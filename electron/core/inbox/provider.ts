/**
 * Which known sender posted a delivery, its event and its delivery id, read from the headers (and,
 * for Stripe, the JSON body's `id` and `type`). Pure: headers by lower-case name, first value wins.
 */
import type { Provider } from '../../../shared/dto/deliveries.js';
import type { HeaderPair } from '../services.js';

export interface ProviderFacts {
  provider: Provider | null;
  event: string | null;
  deliveryId: string | null;
}

const NONE: ProviderFacts = { provider: null, event: null, deliveryId: null };
/** Events are small; a larger body is not parsed just to find an id. */
const JSON_BODY_MAX = 256 * 1024;
const FIELD_MAX = 200;

function firstValues(headers: readonly HeaderPair[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (!out.has(key)) out.set(key, value.trim().slice(0, FIELD_MAX));
  }
  return out;
}

const orNull = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);

/** The JSON body as an object (bounded: a large or non-JSON body gives {}). */
function jsonObject(body: Buffer): Record<string, unknown> {
  if (body.length > JSON_BODY_MAX) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v.slice(0, FIELD_MAX) : null);

export function detectProvider(headers: readonly HeaderPair[], body: Buffer): ProviderFacts {
  const h = firstValues(headers);
  if (h.has('x-github-event') || h.has('x-github-delivery')) {
    return { provider: 'github', event: orNull(h.get('x-github-event')), deliveryId: orNull(h.get('x-github-delivery')) };
  }
  if (h.has('x-gitlab-event') || h.has('x-gitlab-event-uuid')) {
    return { provider: 'gitlab', event: orNull(h.get('x-gitlab-event')), deliveryId: orNull(h.get('x-gitlab-event-uuid')) };
  }
  if (h.has('stripe-signature')) {
    const o = jsonObject(body);
    return { provider: 'stripe', event: str(o['type']), deliveryId: str(o['id']) };
  }
  if (h.has('x-shopify-webhook-id') || h.has('x-shopify-topic')) {
    return { provider: 'shopify', event: orNull(h.get('x-shopify-topic')), deliveryId: orNull(h.get('x-shopify-webhook-id')) };
  }
  if (h.has('x-slack-signature') || h.has('x-slack-retry-num') || h.has('x-slack-request-timestamp')) {
    // Slack's headers carry the retry number (X-Slack-Retry-Num), not an id: the Events API body has `event_id`
    const o = jsonObject(body);
    const inner = typeof o['event'] === 'object' && o['event'] !== null ? (o['event'] as Record<string, unknown>) : {};
    return { provider: 'slack', event: str(inner['type']) ?? str(o['type']), deliveryId: str(o['event_id']) };
  }
  if (h.has('webhook-id') || h.has('svix-id')) {
    return { provider: 'standard-webhooks', event: null, deliveryId: orNull(h.get('webhook-id') ?? h.get('svix-id')) };
  }
  return NONE;
}
