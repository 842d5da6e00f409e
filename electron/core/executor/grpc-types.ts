/**
 * Typed shapes of the executor protocol (proto/webhook_bridge.proto and
 * proto/health.proto) as the Node side sees them, plus checked decoders from
 * what @grpc/proto-loader produces (camelCase fields, enums as strings,
 * bytes as Buffer, defaults filled in).
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ExecutorError } from './grpc-errors.js';

/** One HTTP header line; repeated names are kept, in order. */
export interface HttpHeader {
  name: string;
  value: string;
}

export interface ExecuteRequest {
  /**
   * Caller-chosen id, echoed in the response and the executor log; non-empty and unique among the
   * client's calls in flight (over streams, replies are matched by it: a duplicate is refused
   * INVALID_ARGUMENT at once).
   */
  requestId: string;
  /** Plugin name (file stem), matching PLUGIN_NAME_PATTERN (shared/dto/plugins.ts). */
  plugin: string;
  method: string;
  path: string;
  headers: readonly HttpHeader[];
  /** Raw query string without '?'. */
  query: string;
  /** Raw body bytes, passed through untouched. */
  body: Uint8Array;
  contentType: string;
  /** Plugin time limit for this request; omitted or 0 = executor default. */
  timeoutMs?: number;
  /** A replay of a verified delivery: the executor skips the plugin's signature check. */
  verifiedReplay?: boolean;
}

/** The capability an executor lists in HealthCheck when it serves ExecuteStream. */
export const EXECUTE_STREAM_CAPABILITY = 'execute-stream';

/** One frame from the app on ExecuteStream (StreamFrame): a call to run, or the id of one to cancel. */
export type StreamFrame = { call: object } | { cancelRequestId: string };

/** One reply of the executor on ExecuteStream (StreamReply), decoded. */
export interface StreamReply {
  requestId: string;
  /** The plugin's outcome (raw, for decodeExecuteResponse); null when errorCode is set or in a started notice. */
  response: unknown;
  /** A gRPC status name (NOT_FOUND, DEADLINE_EXCEEDED…) when the call failed as ExecutePlugin would; else "". */
  errorCode: string;
  errorMessage: string;
  /** Plugin code started for this call. A reply with neither response nor errorCode is only this notice. */
  started: boolean;
}

export interface ExecuteResponse {
  requestId: string;
  statusCode: number;
  /** Never contains Content-Type: see contentType. */
  headers: HttpHeader[];
  body: Buffer;
  contentType: string;
  /** Empty when the plugin's own result is returned; else a one-line reason (no traceback). */
  error: string;
  executionTimeMs: number;
  /** What the plugin logged during the call, oldest first (bounded by the executor). */
  logs: PluginLogLine[];
}

/** PluginLogLine: a Python logging level name, the message, ms since the call started. */
export interface PluginLogLine {
  level: string;
  message: string;
  atMs: number;
}

export interface PluginInfo {
  name: string;
  description: string;
  methods: string[];
  available: boolean;
  /** Load error, e.g. "SyntaxError: invalid syntax (bad.py, line 3)". */
  error: string;
  sourcePath: string;
  hasSecret: boolean;
  /** The module a failed import lacks, e.g. "yaml"; "" otherwise. */
  missingModule: string;
  /** "request" or "legacy" (webhook_bridge 0.6–4.0 style); "" when not loaded far enough to tell. */
  style: string;
  /** The class's `ack` attribute: "immediate", "sync", or "" when it does not say (or an older executor). */
  ack: string;
  /** The class's `max_concurrency` attribute; 0 = no limit or not declared. */
  maxConcurrency: number;
}

export type ExecutorServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING';

/** Answer of the executor's own HealthCheck rpc. */
export interface ExecutorHealth {
  status: ExecutorServingStatus;
  nonce: string;
  pid: number;
  pythonVersion: string;
  pythonImplementation: string;
  pythonExecutable: string;
  pluginCount: number;
  uptimeSeconds: number;
  /** Plugin calls that passed their time limit and still run in the background. */
  abandonedCalls: number;
  grpcVersion: string;
  protobufVersion: string;
  pluginDirs: string[];
  /** Optional features it serves, e.g. "execute-stream"; none from executors of older versions. */
  capabilities: string[];
}

/** grpc.health.v1 status. */
export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

export interface CallOptions {
  /** Time allowed for the whole call, in ms. Every call has one (see ExecutorClient defaults). */
  deadlineMs?: number;
  /** Aborting cancels the call (it then fails with CANCELLED). */
  signal?: AbortSignal;
}

// --- decoding -----------------------------------------------------------

type Fields = Record<string, unknown>;

function malformed(what: string): ExecutorError {
  return new ExecutorError(GrpcStatus.INTERNAL, `malformed executor response: ${what}`);
}

function fields(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(`${what} is not a message`);
  return value as Fields;
}

function str(f: Fields, key: string): string {
  const v = f[key];
  if (typeof v !== 'string') throw malformed(`${key} is not a string`);
  return v;
}

function num(f: Fields, key: string): number {
  const v = f[key];
  if (typeof v !== 'number') throw malformed(`${key} is not a number`);
  return v;
}

function bool(f: Fields, key: string): boolean {
  const v = f[key];
  if (typeof v !== 'boolean') throw malformed(`${key} is not a boolean`);
  return v;
}

function list(f: Fields, key: string): unknown[] {
  const v = f[key];
  if (!Array.isArray(v)) throw malformed(`${key} is not a list`);
  return v;
}

function oneOf<T extends string>(f: Fields, key: string, allowed: readonly T[]): T {
  const v = str(f, key);
  return (allowed as readonly string[]).includes(v) ? (v as T) : (allowed[0] as T);
}

function decodeHeader(value: unknown): HttpHeader {
  const f = fields(value, 'header');
  return { name: str(f, 'name'), value: str(f, 'value') };
}

function decodeLogLine(value: unknown): PluginLogLine {
  const f = fields(value, 'PluginLogLine');
  return { level: str(f, 'level'), message: str(f, 'message'), atMs: num(f, 'atMs') };
}

export function decodeExecuteResponse(value: unknown): ExecuteResponse {
  const f = fields(value, 'ExecutePluginResponse');
  const body = f['body'];
  if (!Buffer.isBuffer(body)) throw malformed('body is not bytes');
  return {
    requestId: str(f, 'requestId'),
    statusCode: num(f, 'statusCode'),
    headers: list(f, 'headers').map(decodeHeader),
    body,
    contentType: str(f, 'contentType'),
    error: str(f, 'error'),
    executionTimeMs: num(f, 'executionTimeMs'),
    // absent (not just empty) from an executor of an older version
    logs: Array.isArray(f['logs']) ? f['logs'].map(decodeLogLine) : [],
  };
}

export function decodePluginInfo(value: unknown): PluginInfo {
  const f = fields(value, 'PluginInfo');
  return {
    name: str(f, 'name'),
    description: str(f, 'description'),
    methods: list(f, 'methods').map((m) => {
      if (typeof m !== 'string') throw malformed('methods is not a list of strings');
      return m;
    }),
    available: bool(f, 'available'),
    error: str(f, 'error'),
    sourcePath: str(f, 'sourcePath'),
    hasSecret: bool(f, 'hasSecret'),
    missingModule: str(f, 'missingModule'),
    style: str(f, 'style'),
    // absent from an older executor's answer (before these fields existed): "not declared"
    ack: f['ack'] === undefined ? '' : str(f, 'ack'),
    maxConcurrency: f['maxConcurrency'] === undefined ? 0 : num(f, 'maxConcurrency'),
  };
}

export function decodePluginList(value: unknown): PluginInfo[] {
  return list(fields(value, 'ListPluginsResponse'), 'plugins').map(decodePluginInfo);
}

export function decodeExecutorHealth(value: unknown): ExecutorHealth {
  const f = fields(value, 'HealthCheckResponse');
  return {
    status: oneOf<ExecutorServingStatus>(f, 'status', ['UNKNOWN', 'SERVING', 'NOT_SERVING']),
    nonce: str(f, 'nonce'),
    pid: num(f, 'pid'),
    pythonVersion: str(f, 'pythonVersion'),
    pythonImplementation: str(f, 'pythonImplementation'),
    pythonExecutable: str(f, 'pythonExecutable'),
    pluginCount: num(f, 'pluginCount'),
    uptimeSeconds: num(f, 'uptimeSeconds'),
    abandonedCalls: num(f, 'abandonedCalls'),
    grpcVersion: str(f, 'grpcVersion'),
    protobufVersion: str(f, 'protobufVersion'),
    pluginDirs: list(f, 'pluginDirs').map((d) => String(d)),
    // absent (not just empty) from a proto of an older version
    capabilities: Array.isArray(f['capabilities']) ? f['capabilities'].map((c) => String(c)) : [],
  };
}

export function decodeStreamReply(value: unknown): StreamReply {
  const f = fields(value, 'StreamReply');
  const response = f['response'];
  return {
    requestId: str(f, 'requestId'),
    response: response === undefined ? null : response,
    errorCode: str(f, 'errorCode'),
    errorMessage: str(f, 'errorMessage'),
    started: bool(f, 'started'),
  };
}

export function decodeHealthStatus(value: unknown): HealthStatus {
  return oneOf<HealthStatus>(fields(value, 'grpc.health.v1.HealthCheckResponse'), 'status', [
    'UNKNOWN',
    'SERVING',
    'NOT_SERVING',
    'SERVICE_UNKNOWN',
  ]);
}
