/**
 * The delivery operations over the inbox: list, get, delete, replay and export (the inbox's commits
 * are pushed as `deliveryRecorded` / `deliveryUpdated` events by create-core). A replay runs through the one
 * call path, `Executor.execute`, with the replay options: the recorder makes it a new delivery
 * linked to the original, under the id given here, and this waits for it to be committed.
 */
import type { Delivery, DeliveryBody, DeliveryDeleteFilter, DeliveryFilter, DeliveryPage, DeliverySummary, InboxStatus } from '../../../shared/dto/deliveries.js';
import type { DeliveryExport, ExportInput, ReplayInput } from '../../../shared/dto/delivery-ops.js';
import { AppError } from '../app-error.js';
import type { Disposable, Event } from '../events.js';
import type { ExecuteOptions, Executor, HeaderPair, WebhookRequest } from '../services.js';
import { toCurl, toPytest, toRawHttp, type ExportSource } from './export.js';
import { pytestFileName } from './export-pytest.js';
import { REDACTED } from './recorder.js';


/** What the operations need of the inbox (`Inbox`, create-inbox.ts). */
export interface DeliverySource {
  status(): InboxStatus;
  get(id: string): Delivery;
  query(filter: DeliveryFilter): DeliveryPage;
  delete(filter: DeliveryDeleteFilter): { deleted: number };
  nextId(): string;
  readonly onDidChange: Event<ReadonlyArray<{ kind: 'recorded' | 'updated'; delivery: DeliverySummary }>>;
}

export interface DeliveriesOptions {
  inbox: DeliverySource;
  executor: Pick<Executor, 'execute' | 'getPlugin'>;
  /** Whether an interpreter of that name is configured (a replay under an unknown one is refused). */
  hasInterpreter: (name: string) => boolean;
  /** Where the REST API listens (`http://127.0.0.1:8000`), for the curl command. */
  baseUrl: () => string;
  /** The app's resources/python, for the pytest export. */
  bridgePython: string;
  /** The longest a replay waits for its record to be committed (default 10 s). */
  recordWaitMs?: number;
  /** Runs a dead or failed delivery again from the async queue (the dispatcher's `retry`). */
  retry: (id: string) => Delivery;
}

export interface DeliveriesService extends Disposable {
  list(filter: DeliveryFilter): DeliveryPage;
  get(id: string): Delivery;
  delete(filter: DeliveryDeleteFilter): { deleted: number };
  replay(input: ReplayInput): Promise<Delivery>;
  /** A dead (or failed) delivery queued again: the same delivery, more attempts. */
  retry(id: string): Delivery;
  export(input: ExportInput): Promise<DeliveryExport>;
}

const WEBHOOK_PREFIX = '/api/v1/webhook/';
/** Verdicts that mean the sender's signature was checked and held: a replay into the same plugin is trusted. */
const VERIFIED = new Set<Delivery['signature']>(['verified', 'trusted_replay']);

/** `http://host:port` of the REST API for a listening address (a wildcard address reads as loopback). */
export function apiBaseUrl(at: { host: string; port: number }): string {
  const host = at.host === '0.0.0.0' || at.host === '' ? '127.0.0.1' : at.host === '::' ? '::1' : at.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${at.port}`;
}

export function bodyBytes(body: DeliveryBody): Buffer {
  return Buffer.from(body.data, body.encoding === 'base64' ? 'base64' : 'utf8');
}

/** The request as recorded, for the exports. */
export function exportSource(d: Delivery): ExportSource {
  return {
    id: d.id,
    receivedAt: d.received_at,
    plugin: d.plugin,
    method: d.request.method,
    path: d.request.path,
    query: d.request.query,
    headers: d.request.headers,
    contentType: d.request.content_type ?? '',
    body: bodyBytes(d.request.body),
    status: d.status,
  };
}

const redactedNames = (d: Delivery): string[] => [...new Set(d.request.headers.filter(([, v]) => v === REDACTED).map(([n]) => n))];

/** The recorded request, to run again: redacted headers are left out (their values were never kept). */
function replayRequest(d: Delivery, plugin: string): WebhookRequest {
  const rawHeaders: HeaderPair[] = d.request.headers.filter(([, v]) => v !== REDACTED).map(([n, v]) => [n, v]);
  const headers: Record<string, string> = {};
  for (const [name, value] of rawHeaders) {
    const key = name.toLowerCase();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  const path = plugin !== d.plugin && d.request.path === `${WEBHOOK_PREFIX}${d.plugin}` ? `${WEBHOOK_PREFIX}${plugin}` : d.request.path;
  return {
    plugin,
    method: d.request.method,
    path,
    headers,
    rawHeaders,
    query: d.request.query,
    body: bodyBytes(d.request.body),
    contentType: d.request.content_type ?? '',
  };
}

export function createDeliveries(opts: DeliveriesOptions): DeliveriesService {
  const { inbox, executor } = opts;
  /** Resolves once `id` is committed (or the wait runs out: false). */
  const committed = (id: string): { done: Promise<boolean>; cancel(): void } => {
    let stop = (): void => undefined;
    const done = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(false), opts.recordWaitMs ?? 10_000);
      const listener = inbox.onDidChange((changes) => {
        if (changes.some((c) => c.delivery.id === id)) finish(true);
      });
      function finish(ok: boolean): void {
        clearTimeout(timer);
        listener.dispose();
        resolve(ok);
      }
      stop = () => finish(false);
    });
    return { done, cancel: stop };
  };

  return {
    list: (filter) => inbox.query(filter),
    get: (id) => inbox.get(id),
    delete: (filter) => inbox.delete(filter),
    retry: (id) => opts.retry(id),

    async replay({ id, interpreter, plugin }) {
      const original = inbox.get(id);
      if (interpreter !== undefined && !opts.hasInterpreter(interpreter)) {
        throw new AppError('NOT_FOUND', `no interpreter named '${interpreter}' in the configuration`);
      }
      if (inbox.status().state === 'off') {
        throw new AppError('CONFLICT', 'recording is off (inbox.enabled: false): a replay is recorded as a new delivery, so turn recording on first');
      }
      if (original.request.body.truncated) {
        throw new AppError('CONFLICT', `delivery ${id} kept only part of its body (${original.request.body.size} bytes): it cannot be replayed as it arrived`);
      }
      const target = plugin ?? original.plugin;
      const deliveryId = inbox.nextId();
      const options: ExecuteOptions = {
        replayOf: original.id,
        deliveryId,
        // the original's signature held when it arrived: the executor is told so over its authenticated channel
        ...(target === original.plugin && VERIFIED.has(original.signature) ? { verifiedReplay: true } : {}),
        ...(interpreter !== undefined ? { interpreter } : {}),
      };
      const wait = committed(deliveryId);
      let failure: unknown = null;
      try {
        await executor.execute(replayRequest(original, target), options);
      } catch (err) {
        failure = err; // recorded as the replay's error, like any failed delivery
      }
      if (!(await wait.done)) {
        wait.cancel();
        if (failure) throw failure;
        const why = inbox.status().error;
        throw new AppError('UNAVAILABLE', `the replay ran but was not recorded${why ? `: ${why}` : ''}`);
      }
      return inbox.get(deliveryId);
    },

    async export({ id, format }) {
      const d = inbox.get(id);
      const source = exportSource(d);
      const redacted = redactedNames(d);
      const notes = redacted.length > 0 ? [`${redacted.join(', ')} ${redacted.length === 1 ? 'was' : 'were'} redacted when recorded: the export carries ${REDACTED} in their place`] : [];
      if (format === 'curl') {
        return { format, filename: `${d.plugin}-${d.id}.sh`, media_type: 'text/x-shellscript', encoding: 'utf8', content: `${toCurl(source, opts.baseUrl())}\n`, notes };
      }
      if (format === 'http') {
        const raw = toRawHttp(source, new URL(opts.baseUrl()).host);
        const text = decodeUtf8(raw);
        return {
          format, filename: `${d.plugin}-${d.id}.http`, media_type: 'message/http',
          ...(text === null ? { encoding: 'base64' as const, content: raw.toString('base64') } : { encoding: 'utf8' as const, content: text }),
          notes,
        };
      }
      if (d.status === null) {
        throw new AppError('CONFLICT', `delivery ${id} got no HTTP status from its plugin (${d.error ?? 'no answer'}): a test would have nothing to assert`);
      }
      const info = await executor.getPlugin(d.plugin);
      if (!info.source) throw new AppError('NOT_FOUND', `plugin '${d.plugin}' has no source file the executor knows of`);
      const content = toPytest(source, d.status, { pluginFile: info.source, bridgePython: opts.bridgePython });
      return { format, filename: pytestFileName(source), media_type: 'text/x-python', encoding: 'utf8', content, notes };
    },

    dispose: () => undefined,
  };
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}
