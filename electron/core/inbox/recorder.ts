/**
 * Records every call of `Executor.execute` as a delivery: webhooks from the REST route, the
 * dashboard's test requests (`testPlugin` runs through this wrapper's `execute`) and replays. The
 * response goes back first; the record is built on the next turn of the event loop and queued for
 * the group-commit writer, so recording adds no disk wait to a webhook.
 */
import type { DeliveryAttempt, InboxStatus, SignatureVerdict } from '../../../shared/dto/deliveries.js';
import { httpStatusOf } from '../../../shared/errors.js';
import { AppError, errorMessage } from '../app-error.js';
import { ForwardingExecutor } from '../executor/forwarding-executor.js';
import { runTestRequest } from '../executor/gateway.js';
import type { ExecuteOptions, Executor, HeaderPair, WebhookRequest, WebhookResponse } from '../services.js';
import { idTime } from './ids.js';
import { runsAgain, type DedupIndex, type DedupKey, type DuplicateOf } from './dedup.js';
import { detectProvider, type ProviderFacts } from './provider.js';
import { RESPONSE_BODY_MAX, type DeliveryRecord } from './types.js';

export const REDACTED = '[redacted]';
const SIGNATURE_HEADER = 'x-hub-signature-256';

/** What the recorder needs of the inbox. */
export interface RecordSink {
  /** Whether recording is on now (`inbox.enabled`). */
  enabled(): boolean;
  nextId(): string;
  /** Header names (lower case) whose values are replaced by `[redacted]`. */
  redactedHeaders(): ReadonlySet<string>;
  record(record: DeliveryRecord): void;
  status(): InboxStatus;
  /** Dedup by provider delivery id (dedup.ts). */
  dedup: Pick<DedupIndex, 'enabled' | 'find' | 'started' | 'finished'>;
  /** A repeat was answered without running (logged). */
  duplicate(plugin: string, key: DedupKey, original: DuplicateOf): void;
}

/** The answer to a repeat that is not run: 200, naming the original (`X-Webhook-Bridge-Duplicate-Of` and the body). */
export function duplicateResponse(original: DuplicateOf): WebhookResponse {
  const body = { duplicate: true, delivery_id: original.id, state: original.state, status: original.status };
  return {
    status: 200,
    headers: [['X-Webhook-Bridge-Duplicate-Of', original.id]],
    body: Buffer.from(JSON.stringify(body)),
    contentType: 'application/json',
  };
}

export function redact(headers: readonly HeaderPair[], names: ReadonlySet<string>): HeaderPair[] {
  return headers.map(([n, v]) => [n, names.has(n.toLowerCase()) ? REDACTED : v]);
}

type Outcome = { response: WebhookResponse } | { error: unknown };

/** The status the sender got: the plugin's, or the bridge's error status when the plugin gave no answer. */
function statusOf(outcome: Outcome): number {
  if ('response' in outcome) return outcome.response.status;
  return outcome.error instanceof AppError ? httpStatusOf(outcome.error.code) : 500;
}

function receivedHeaders(request: WebhookRequest): HeaderPair[] {
  return request.rawHeaders ?? Object.entries(request.headers).map(([n, v]): HeaderPair => [n, v]);
}

/** Whether plugins have a secret, asked once per plugin and executor generation. */
class SecretCache {
  private readonly known = new Map<string, boolean>();
  constructor(private readonly inner: Pick<Executor, 'getPlugin'>) {}

  /** Known (the usual case): the answer at once, no promise. */
  cached(plugin: string, generation: number): boolean | undefined {
    return this.known.get(`${generation}/${plugin}`);
  }

  async hasSecret(plugin: string, generation: number): Promise<boolean | null> {
    const key = `${generation}/${plugin}`;
    const hit = this.known.get(key);
    if (hit !== undefined) return hit;
    try {
      const info = await this.inner.getPlugin(plugin);
      if (this.known.size > 1000) this.known.clear();
      this.known.set(key, info.has_secret);
      return info.has_secret;
    } catch {
      return null;
    }
  }
}

export class RecordingExecutor extends ForwardingExecutor {
  private readonly secrets: SecretCache;
  /** Records to build behind the responses: one setImmediate for all the calls that ended in a turn. */
  private later: Array<() => void> = [];

  constructor(
    inner: Executor,
    private readonly sink: RecordSink,
    /** Monotonic ms. */
    private readonly now: () => number = () => performance.now(),
  ) {
    super(inner);
    this.secrets = new SecretCache(inner);
  }

  /** The executor this one records (the bench measures the gateway beneath the recording). */
  get recorded(): Executor {
    return this.inner;
  }

  override status: Executor['status'] = () => ({ ...this.inner.status(), inbox: this.sink.status() });
  /** A test request is a delivery like any other: the result names it, so the dashboard links to it. */
  override testPlugin: Executor['testPlugin'] = async (input) => {
    if (!this.sink.enabled()) return runTestRequest((r) => this.execute(r), input, this.now);
    const deliveryId = this.sink.nextId();
    const result = await runTestRequest((r) => this.execute(r, { deliveryId }), input, this.now);
    return { ...result, delivery_id: deliveryId };
  };

  override async execute(request: WebhookRequest, options: ExecuteOptions = {}): Promise<WebhookResponse> {
    if (!this.sink.enabled()) return this.inner.execute(request, options);
    const id = options.deliveryId ?? this.sink.nextId();
    // dedup: only a delivery with a provider id is looked up (a replay always runs)
    let facts: ProviderFacts | null = null;
    let key: DedupKey | null = null;
    if (options.replayOf === undefined && this.sink.dedup.enabled()) {
      facts = detectProvider(receivedHeaders(request), request.body);
      if (facts.provider !== null && facts.deliveryId !== null) {
        key = { plugin: request.plugin, provider: facts.provider, providerDeliveryId: facts.deliveryId };
        const original = this.sink.dedup.find(key);
        if (original && !runsAgain(original)) {
          this.sink.duplicate(request.plugin, key, original);
          return duplicateResponse(original);
        }
        this.sink.dedup.started(key, id, idTime(id));
      }
    }
    const t0 = this.now();
    let outcome: Outcome = { error: new AppError('INTERNAL', 'the call ended without an outcome') };
    try {
      const response = await this.inner.execute(request, options);
      outcome = { response };
      return response;
    } catch (error) {
      outcome = { error };
      throw error;
    } finally {
      const durationMs = Math.round((this.now() - t0) * 100) / 100;
      if (key) this.sink.dedup.finished(id, statusOf(outcome));
      // behind the response: the caller's continuation (sending it) runs before this
      if (this.later.push(() => this.finish(id, request, options, outcome, durationMs, facts)) === 1) setImmediate(this.drain);
    }
  }

  private readonly drain = (): void => {
    const jobs = this.later;
    this.later = [];
    for (const job of jobs) job();
  };

  private finish(id: string, request: WebhookRequest, options: ExecuteOptions, outcome: Outcome, durationMs: number, facts: ProviderFacts | null): void {
    try {
      const record = this.build(id, request, options, outcome, durationMs, facts);
      const verdict = this.verdict(request, options, outcome);
      if (typeof verdict === 'string') {
        record.signature = verdict;
        this.sink.record(record);
        return;
      }
      verdict.then(
        (v) => {
          record.signature = v;
          this.sink.record(record);
        },
        () => undefined,
      );
    } catch {
      // building a record must never disturb the webhook path; the writer reports write failures
    }
  }

  /** The verdict, at once when the plugin's secret is known (the usual case), else once it is asked. */
  private verdict(request: WebhookRequest, options: ExecuteOptions, outcome: Outcome): SignatureVerdict | Promise<SignatureVerdict> {
    if (!('response' in outcome)) return 'unknown';
    const res = outcome.response;
    if (res.status === 401 && (res.error ?? '').toLowerCase().includes(SIGNATURE_HEADER)) return 'rejected';
    if (!res.servedBy) return 'unknown';
    const known = this.secrets.cached(request.plugin, res.servedBy.generation);
    if (known !== undefined) return this.verdictOf(known, options);
    return this.secrets.hasSecret(request.plugin, res.servedBy.generation).then((secret) => (secret === null ? 'unknown' : this.verdictOf(secret, options)));
  }

  private verdictOf(secret: boolean, options: ExecuteOptions): SignatureVerdict {
    if (!secret) return 'not_checked';
    return options.replayOf !== undefined ? 'trusted_replay' : 'verified';
  }

  private build(id: string, request: WebhookRequest, options: ExecuteOptions, outcome: Outcome, durationMs: number, known: ProviderFacts | null): DeliveryRecord {
    const receivedMs = idTime(id);
    const received = receivedHeaders(request);
    const headers = redact(received, this.sink.redactedHeaders());
    const facts = known ?? detectProvider(received, request.body);
    const res = 'response' in outcome ? outcome.response : null;
    const failure = 'error' in outcome ? outcome.error : null;
    const error = res
      ? res.error
        ? { code: res.status >= 500 ? 'PLUGIN_FAILED' : 'PLUGIN_REFUSED', message: res.error }
        : null
      : { code: failure instanceof AppError ? failure.code : 'INTERNAL', message: errorMessage(failure) };
    // no answer from the plugin: the status the sender got from the bridge (its error envelope)
    const status = statusOf(outcome);
    const finishedMs = receivedMs + durationMs;
    const attempt: DeliveryAttempt = {
      attempt: 1,
      started_at: new Date(receivedMs).toISOString(),
      finished_at: new Date(finishedMs).toISOString(),
      status,
      duration_ms: durationMs,
      error,
      executor_pid: res?.servedBy?.pid ?? null,
      executor_generation: res?.servedBy?.generation ?? null,
    };
    return {
      id,
      receivedMs,
      method: request.method.toUpperCase(),
      path: request.path,
      query: request.query,
      headers,
      body: request.body,
      contentType: request.contentType || null,
      remoteAddress: request.remoteAddress ?? null,
      plugin: request.plugin,
      interpreter: res?.servedBy?.interpreter ?? null,
      executorGeneration: res?.servedBy?.generation ?? null,
      executorPid: res?.servedBy?.pid ?? null,
      state: 'done',
      status,
      durationMs,
      response: res
        ? { headers: redact(res.headers, this.sink.redactedHeaders()), body: Buffer.from(res.body.subarray(0, RESPONSE_BODY_MAX)), size: res.body.length, contentType: res.contentType || null }
        : null,
      error,
      signature: 'unknown',
      provider: facts.provider,
      event: facts.event,
      providerDeliveryId: facts.deliveryId,
      attempt: 1,
      replayOf: options.replayOf ?? null,
      nextAttemptMs: null,
      attempts: [attempt],
      logs: (res?.logs ?? []).map((l) => ({ attempt: 1, level: l.level, message: l.message, at_ms: l.atMs })),
      series: null,
    };
  }
}
