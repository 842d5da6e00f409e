import type { ConnectionStatus, ConnectionTest } from '../../shared/dto/connection.js';
import type { Job, InstallInput } from '../../shared/dto/jobs.js';
import type { ExecutorHealth } from '../../shared/dto/config.js';
import type { PluginInfo, PluginList, PluginTestInput, PluginTestResult } from '../../shared/dto/plugins.js';
import type { ActivationOutcome, ResolvedInterpreter } from './interpreters/registry.js';

/** A webhook as the REST adapter hands it to the executor. */
export interface WebhookRequest {
  plugin: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  query: string;
  body: Buffer;
  contentType: string;
  /** The headers as received, in order, repeats kept (the inbox records these; `headers` joins repeats). */
  rawHeaders?: HeaderPair[];
  /** The sender's address, as the socket saw it. */
  remoteAddress?: string;
}

/** A line the plugin logged during the call (`ExecutePluginResponse.logs`); `atMs` counts from the call's start. */
export interface PluginLogLine {
  level: string;
  message: string;
  atMs: number;
}

/** How one webhook call runs (one optional object: later options join it). */
export interface ExecuteOptions {
  /** Aborting cancels the call: the executor drops it, or abandons the running plugin (the HTTP client went away). */
  signal?: AbortSignal;
  /** Run under this interpreter's executor (a replay under a named interpreter) instead of the plugin's own. */
  interpreter?: string;
  /** The call replays this recorded delivery: the inbox records it as a new delivery linked to it. */
  replayOf?: string;
  /** The id the inbox records the call under (a replay or a test request that must link to it); a new one when left out. */
  deliveryId?: string;
  /**
   * A replay of a delivery whose signature held when it arrived: the executor runs a plugin with a
   * secret without checking the signature again (`ExecutePluginRequest.verified_replay`). Only the
   * delivery operations set it, for a replay into the plugin that verified the original.
   */
  verifiedReplay?: boolean;
}

/** One response header line; a name may repeat (two `Set-Cookie` lines stay two lines). */
export type HeaderPair = [name: string, value: string];

export interface WebhookResponse {
  status: number;
  /** The plugin's headers in its order, repeats kept (never Content-Type: see contentType). */
  headers: HeaderPair[];
  body: Buffer;
  contentType: string;
  /** The plugin's one-line error when it failed in-band (a raise → 500, a timeout → 504), else "". */
  error?: string;
  /** What the plugin logged while handling the call. */
  logs?: PluginLogLine[];
  /** The executor that ran it. */
  servedBy?: { interpreter: string | null; generation: number; pid: number | null };
}

/**
 * The executor wing as the rest of the app sees it: supervision (spawn or external), the calls to
 * plugins, and the connection state (pushed as `connectionChanged`). Built by `createExecutor`.
 */
export interface Executor {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `spawn` (the bridge runs it) or `external` (the user does). */
  mode(): 'spawn' | 'external';
  /** For /health: the connection state and whether calls can go through now. */
  readiness(): ExecutorHealth;
  status(): ConnectionStatus;
  /** The interpreter the executor runs, or tries to run (spawn mode), or null. */
  runningInterpreter(): string | null;
  /** Live switch: a new executor under `target` takes over once SERVING; throws CONFLICT when it cannot start. */
  switchTo(target: ResolvedInterpreter): Promise<ActivationOutcome>;
  /** Restart under the active interpreter, live; resets `failed`. Never throws for a failed start. */
  restart(): Promise<void>;
  test(): Promise<ConnectionTest>;
  listPlugins(): Promise<PluginList>;
  getPlugin(name: string): Promise<PluginInfo>;
  testPlugin(input: PluginTestInput): Promise<PluginTestResult>;
  /** Runs a webhook under the plugin's interpreter (`plugins.settings.<name>.interpreter`, else the active one). */
  execute(request: WebhookRequest, options?: ExecuteOptions): Promise<WebhookResponse>;
}

/** Provisioning jobs (install packages, create venvs). */
export interface JobsService {
  install(input: InstallInput): Promise<Job>;
  createVenv(name: string): Promise<Job>;
  get(id: string): Promise<Job>;
  cancel(id: string): Promise<Job>;
  /** Why `interpreter` cannot be removed now (a job runs for it), or null. */
  busyReason(interpreter: string): string | null;
  dispose(): Promise<void>;
}
