import type { ConnectionStatus, ConnectionTest } from '../../shared/dto/connection.js';
import type { Job, InstallInput } from '../../shared/dto/jobs.js';
import type { PluginInfo, PluginList, PluginTestInput, PluginTestResult } from '../../shared/dto/plugins.js';

/** A webhook as the REST adapter hands it to the executor. */
export interface WebhookRequest {
  plugin: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  query: string;
  body: Buffer;
  contentType: string;
}

/** One response header line; a name may repeat (two `Set-Cookie` lines stay two lines). */
export type HeaderPair = [name: string, value: string];

export interface WebhookResponse {
  status: number;
  /** The plugin's headers in its order, repeats kept (never Content-Type: see contentType). */
  headers: HeaderPair[];
  body: Buffer;
  contentType: string;
}

/** What the core needs of the executor side (supervisor + connection manager). */
export interface ExecutorService {
  start(): Promise<void>;
  stop(): Promise<void>;
  healthSummary(): { state: string; serving: boolean; interpreter: string | null };
  status(): ConnectionStatus;
  reconnect(interpreter?: string): Promise<ConnectionStatus>;
  test(): Promise<ConnectionTest>;
  listPlugins(): Promise<PluginList>;
  getPlugin(name: string): Promise<PluginInfo>;
  testPlugin(input: PluginTestInput): Promise<PluginTestResult>;
  execute(request: WebhookRequest): Promise<WebhookResponse>;
}

/** Provisioning jobs (install packages, create venvs). */
export interface JobsService {
  install(input: InstallInput): Promise<Job>;
  createVenv(name: string): Promise<Job>;
  get(id: string): Promise<Job>;
  cancel(id: string): Promise<Job>;
  dispose(): Promise<void>;
}
