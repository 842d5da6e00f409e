import { Type, type Static } from 'typebox';
import { NullableNumber, NullableString } from './common.js';
import { PLUGIN_NAME_PATTERN } from './plugins.js';

/**
 * A delivery's id: 26 characters of Crockford base32, a 48-bit millisecond time then 80 bits that
 * keep ids made in the same millisecond increasing (ULID layout). Sorting ids sorts by arrival.
 */
export const DELIVERY_ID_PATTERN = '^[0-9A-HJKMNP-TV-Z]{26}$';
export const DeliveryIdSchema = Type.String({ pattern: DELIVERY_ID_PATTERN, description: 'Sortable delivery id (ULID)' });

export const DeliveryIdInputSchema = Type.Object({ id: DeliveryIdSchema }, { additionalProperties: false });
export type DeliveryIdInput = Static<typeof DeliveryIdInputSchema>;

/** A header as received: `[name, value]`, in order, repeated names kept. */
export const HeaderPairSchema = Type.Tuple([Type.String(), Type.String()]);
export type HeaderPair = Static<typeof HeaderPairSchema>;

/**
 * A body: text when the bytes are valid UTF-8 (`encoding: "utf8"`), else base64. `size` is the byte
 * length of the whole body; `truncated` says `data` holds only its first bytes (response bodies are
 * kept bounded).
 */
export const DeliveryBodySchema = Type.Object({
  encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
  data: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  truncated: Type.Boolean(),
});
export type DeliveryBody = Static<typeof DeliveryBodySchema>;

/**
 * Sync deliveries are `done` once answered. Async ones (`ack: immediate`) go queued → running →
 * done, or back to queued for a retry, and end `dead` after the last failed attempt.
 */
export const DeliveryStateSchema = Type.Union([
  Type.Literal('queued'),
  Type.Literal('running'),
  Type.Literal('done'),
  Type.Literal('dead'),
]);
export type DeliveryState = Static<typeof DeliveryStateSchema>;

/** A status family, or `error`: the plugin gave no answer (executor unavailable, unknown plugin, timeout…); the bridge answered with its error envelope. */
export const StatusClassSchema = Type.Union([
  Type.Literal('2xx'),
  Type.Literal('3xx'),
  Type.Literal('4xx'),
  Type.Literal('5xx'),
  Type.Literal('error'),
]);
export type StatusClass = Static<typeof StatusClassSchema>;

/**
 * What became of the sender's signature: `verified` (the plugin has a secret and it matched),
 * `rejected` (it did not: 401), `not_checked` (the plugin has no secret), `trusted_replay` (a replay
 * of a verified delivery, run without the sender's secret), `unknown` (no answer to tell).
 */
export const SignatureVerdictSchema = Type.Union([
  Type.Literal('verified'),
  Type.Literal('rejected'),
  Type.Literal('not_checked'),
  Type.Literal('trusted_replay'),
  Type.Literal('unknown'),
]);
export type SignatureVerdict = Static<typeof SignatureVerdictSchema>;

/** Known senders, read from their headers (or, for Stripe, the JSON body). */
export const ProviderSchema = Type.Union([
  Type.Literal('github'),
  Type.Literal('gitlab'),
  Type.Literal('stripe'),
  Type.Literal('slack'),
  Type.Literal('standard-webhooks'),
  Type.Literal('shopify'),
]);
export type Provider = Static<typeof ProviderSchema>;

export const DeliveryErrorSchema = Type.Object({ code: Type.String(), message: Type.String() });
export type DeliveryError = Static<typeof DeliveryErrorSchema>;

/** A line the plugin logged while handling the delivery; `at_ms` counts from the start of its call. */
export const DeliveryLogLineSchema = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  level: Type.String(),
  message: Type.String(),
  at_ms: Type.Number(),
});
export type DeliveryLogLine = Static<typeof DeliveryLogLineSchema>;

/** One run of the delivery through the plugin (sync deliveries have exactly one). */
export const DeliveryAttemptSchema = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  started_at: Type.String(),
  finished_at: NullableString,
  status: Type.Union([Type.Integer(), Type.Null()]),
  duration_ms: NullableNumber,
  error: Type.Union([DeliveryErrorSchema, Type.Null()]),
  executor_pid: Type.Union([Type.Integer(), Type.Null()]),
  executor_generation: Type.Union([Type.Integer(), Type.Null()]),
});
export type DeliveryAttempt = Static<typeof DeliveryAttemptSchema>;

/** A row of the list: what the Deliveries page shows without opening one. */
export const DeliverySummarySchema = Type.Object({
  id: DeliveryIdSchema,
  /** ISO 8601, UTC, millisecond precision. */
  received_at: Type.String(),
  method: Type.String(),
  path: Type.String(),
  plugin: Type.String(),
  state: DeliveryStateSchema,
  /** The HTTP status the sender got (the plugin's, or the bridge's error status when the plugin gave no answer; the latest attempt's for async ones); null while none. */
  status: Type.Union([Type.Integer(), Type.Null()]),
  duration_ms: NullableNumber,
  provider: Type.Union([ProviderSchema, Type.Null()]),
  event: NullableString,
  provider_delivery_id: NullableString,
  /** How many runs so far (1 for sync deliveries once run). */
  attempt: Type.Integer({ minimum: 0 }),
  /** The delivery this one replays, if it is a replay. */
  replay_of: Type.Union([DeliveryIdSchema, Type.Null()]),
  request_size: Type.Integer({ minimum: 0 }),
  /** The error's one-line message, if the last attempt failed without an HTTP answer or with one. */
  error: NullableString,
});
export type DeliverySummary = Static<typeof DeliverySummarySchema>;

/** The whole delivery. Redacted header values (Authorization, Cookie… by default) read `[redacted]`. */
export const DeliverySchema = Type.Object({
  ...DeliverySummarySchema.properties,
  request: Type.Object({
    method: Type.String(),
    path: Type.String(),
    /** The raw query string without `?`. */
    query: Type.String(),
    headers: Type.Array(HeaderPairSchema),
    body: DeliveryBodySchema,
    content_type: NullableString,
    remote_address: NullableString,
  }),
  /** The interpreter's registry key, and the executor process that ran the latest attempt. */
  interpreter: NullableString,
  executor_generation: Type.Union([Type.Integer(), Type.Null()]),
  executor_pid: Type.Union([Type.Integer(), Type.Null()]),
  response: Type.Union([
    Type.Object({
      status: Type.Integer(),
      headers: Type.Array(HeaderPairSchema),
      content_type: NullableString,
      body: DeliveryBodySchema,
    }),
    Type.Null(),
  ]),
  error_detail: Type.Union([DeliveryErrorSchema, Type.Null()]),
  signature: SignatureVerdictSchema,
  attempts: Type.Array(DeliveryAttemptSchema),
  logs: Type.Array(DeliveryLogLineSchema),
  /** Async deliveries: when the next attempt is due (ISO), null otherwise. */
  next_attempt_at: NullableString,
});
export type Delivery = Static<typeof DeliverySchema>;

export const DELIVERY_PAGE_MAX = 500;
export const DELIVERY_PAGE_DEFAULT = 100;

/** Which deliveries: every field narrows; none given is all of them. */
const filterFields = {
  plugin: Type.Optional(Type.String({ pattern: PLUGIN_NAME_PATTERN })),
  status: Type.Optional(StatusClassSchema),
  state: Type.Optional(DeliveryStateSchema),
  provider: Type.Optional(ProviderSchema),
  event: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  replay_of: Type.Optional(DeliveryIdSchema),
  /** Received at or after / before this instant (ISO 8601). */
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' })),
  /** Text searched (case-insensitive, literally) in the path, the query, the header values and the body's text. */
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
};

export const DeliveryFilterSchema = Type.Object(
  {
    ...filterFields,
    /** `next_cursor` from the previous page. */
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: DELIVERY_PAGE_MAX, default: DELIVERY_PAGE_DEFAULT })),
  },
  { additionalProperties: false },
);
export type DeliveryFilter = Static<typeof DeliveryFilterSchema>;

/** What `DELETE /deliveries` takes: the same filter without paging. */
export const DeliveryDeleteFilterSchema = Type.Object(filterFields, { additionalProperties: false });
export type DeliveryDeleteFilter = Static<typeof DeliveryDeleteFilterSchema>;

export const DeliveryDeleteResultSchema = Type.Object({ deleted: Type.Integer({ minimum: 0 }) });
export type DeliveryDeleteResult = Static<typeof DeliveryDeleteResultSchema>;

/** Newest first; `next_cursor` is null on the last page. */
export const DeliveryPageSchema = Type.Object({
  items: Type.Array(DeliverySummarySchema),
  next_cursor: NullableString,
});
export type DeliveryPage = Static<typeof DeliveryPageSchema>;

/** Whether deliveries are being recorded: off by config, recording, or failing to write (with the error). */
export const InboxStatusSchema = Type.Object({
  state: Type.Union([Type.Literal('off'), Type.Literal('recording'), Type.Literal('failing')]),
  error: NullableString,
  /** When the current failure started (ISO), null when not failing. */
  failing_since: NullableString,
  /** Deliveries that could not be written since the store started. */
  dropped: Type.Integer({ minimum: 0 }),
  /** The database file. */
  file: Type.Optional(Type.String()),
  /** Deliveries stored at the last count (retention counts every 30 s); null before the first. */
  deliveries: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  /** The database's size on disk (the file and its write-ahead log), bytes; null when it cannot be read. */
  size_bytes: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
});
export type InboxStatus = Static<typeof InboxStatusSchema>;
