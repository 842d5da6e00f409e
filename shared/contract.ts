/**
 * The one contract between the core and its callers. Every operation names its input and output
 * schemas, its REST method and path, and its IPC channel; every pushed event names its payload.
 * The REST routes, the OpenAPI document, the IPC registration, the preload and the renderer's
 * client are all derived from these two tables.
 */
import { Type, type Static, type TSchema } from 'typebox';
import {
  ActivateResultSchema,
  AddInterpreterInputSchema,
  InterpreterListSchema,
  RemoveResultSchema,
} from './dto/interpreters.js';
import { ConfigViewSchema, HealthSchema, UpdateConfigInputSchema } from './dto/config.js';
import { EmptyInputSchema, NameInputSchema } from './dto/common.js';
import { LogEntrySchema, LogPageSchema, LogQuerySchema } from './dto/logs.js';
import {
  ConnectionStatusSchema,
  ConnectionTestSchema,
  ReconnectInputSchema,
} from './dto/connection.js';
import {
  PluginBindingSchema,
  PluginInfoSchema,
  PluginInterpreterInputSchema,
  PluginListSchema,
  PluginNameInputSchema,
  PluginTestInputSchema,
  PluginTestResultSchema,
} from './dto/plugins.js';
import { InstallInputSchema, JobIdInputSchema, JobSchema } from './dto/jobs.js';
import { DiscoveryResultSchema, ValidationReportSchema } from './interpreters-discovery.js';
import {
  DeliveryDeleteFilterSchema,
  DeliveryDeleteResultSchema,
  DeliveryFilterSchema,
  DeliveryIdInputSchema,
  DeliveryPageSchema,
  DeliverySchema,
} from './dto/deliveries.js';
import { DeliveryChangesSchema, DeliveryExportSchema, ExportInputSchema, ReplayInputSchema } from './dto/delivery-ops.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OperationDef {
  readonly method: HttpMethod;
  /** REST path; `{param}` segments fill the input's fields of the same name. */
  readonly path: string;
  /** IPC channel used by the desktop shell. */
  readonly channel: `op:${string}`;
  /** Whether REST callers need the API token (IPC callers are checked by sender instead). */
  readonly auth: boolean;
  readonly summary: string;
  readonly input: TSchema;
  readonly output: TSchema;
  /** HTTP status of a success (200 unless said). */
  readonly status?: 200 | 201 | 202;
}

const D = '/api/dashboard';

export const operations = {
  health: {
    method: 'GET', path: '/health', channel: 'op:health', auth: false,
    summary: 'Liveness of the app and its executor (503 when the executor is not serving)',
    input: EmptyInputSchema, output: HealthSchema,
  },
  listInterpreters: {
    method: 'GET', path: `${D}/interpreters`, channel: 'op:interpreters.list', auth: true,
    summary: 'Configured interpreters with status, version, kind and last validation',
    input: EmptyInputSchema, output: InterpreterListSchema,
  },
  addInterpreter: {
    method: 'POST', path: `${D}/interpreters`, channel: 'op:interpreters.add', auth: true, status: 201,
    summary: 'Add an interpreter to the configuration',
    input: AddInterpreterInputSchema, output: InterpreterListSchema,
  },
  removeInterpreter: {
    method: 'DELETE', path: `${D}/interpreters/{name}`, channel: 'op:interpreters.remove', auth: true,
    summary: 'Remove an interpreter (the active one cannot be removed)',
    input: NameInputSchema, output: RemoveResultSchema,
  },
  activateInterpreter: {
    method: 'POST', path: `${D}/interpreters/{name}/activate`, channel: 'op:interpreters.activate', auth: true,
    summary: 'Make an interpreter the active one; the executor switches to it live',
    input: NameInputSchema, output: ActivateResultSchema,
  },
  validateInterpreter: {
    method: 'POST', path: `${D}/interpreters/{name}/validate`, channel: 'op:interpreters.validate', auth: true,
    summary: 'Run the validation checks of one interpreter and persist the outcome',
    input: NameInputSchema, output: ValidationReportSchema,
  },
  discoverInterpreters: {
    method: 'GET', path: `${D}/interpreters/discover`, channel: 'op:interpreters.discover', auth: true,
    summary: 'Find interpreters on this machine without changing the configuration',
    input: Type.Object({ refresh: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    output: DiscoveryResultSchema,
  },
  installPackages: {
    method: 'POST', path: `${D}/interpreters/{name}/install`, channel: 'op:interpreters.install', auth: true, status: 202,
    summary: 'Install missing packages into an interpreter (a job)',
    input: InstallInputSchema, output: JobSchema,
  },
  createVenv: {
    method: 'POST', path: `${D}/interpreters/{name}/venv`, channel: 'op:interpreters.venv', auth: true, status: 202,
    summary: "Create the interpreter's virtual environment and point it at the venv (a job)",
    input: NameInputSchema, output: JobSchema,
  },
  getJob: {
    method: 'GET', path: `${D}/jobs/{id}`, channel: 'op:jobs.get', auth: true,
    summary: 'State, phase, progress and output of a provisioning job',
    input: JobIdInputSchema, output: JobSchema,
  },
  cancelJob: {
    method: 'DELETE', path: `${D}/jobs/{id}`, channel: 'op:jobs.cancel', auth: true,
    summary: 'Cancel a running job (its process tree is stopped)',
    input: JobIdInputSchema, output: JobSchema,
  },
  getConfig: {
    method: 'GET', path: `${D}/config`, channel: 'op:config.get', auth: true,
    summary: 'Effective configuration with the source of each value',
    input: EmptyInputSchema, output: ConfigViewSchema,
  },
  updateConfig: {
    method: 'PATCH', path: `${D}/config`, channel: 'op:config.update', auth: true,
    summary: 'Edit the basic Python settings and the logging level',
    input: UpdateConfigInputSchema, output: ConfigViewSchema,
  },
  getConnection: {
    method: 'GET', path: `${D}/connection`, channel: 'op:connection.get', auth: true,
    summary: 'Executor connection state, process details and request statistics',
    input: EmptyInputSchema, output: ConnectionStatusSchema,
  },
  reconnect: {
    method: 'POST', path: `${D}/connection/reconnect`, channel: 'op:connection.reconnect', auth: true,
    summary: 'Restart the executor (optionally under another interpreter) and reset a failed state',
    input: ReconnectInputSchema, output: ConnectionStatusSchema,
  },
  testConnection: {
    method: 'POST', path: `${D}/connection/test`, channel: 'op:connection.test', auth: true,
    summary: 'Probe the executor health several times and report latency',
    input: EmptyInputSchema, output: ConnectionTestSchema,
  },
  getLogs: {
    method: 'GET', path: `${D}/logs`, channel: 'op:logs.get', auth: true,
    summary: 'Recent log lines of the app and the executor',
    input: LogQuerySchema, output: LogPageSchema,
  },
  listPlugins: {
    method: 'GET', path: '/api/v1/plugins', channel: 'op:plugins.list', auth: false,
    summary: "The executor's plugins",
    input: EmptyInputSchema, output: PluginListSchema,
  },
  getPlugin: {
    method: 'GET', path: '/api/v1/plugins/{name}', channel: 'op:plugins.get', auth: false,
    summary: 'One plugin of the executor',
    input: PluginNameInputSchema, output: PluginInfoSchema,
  },
  testPlugin: {
    method: 'POST', path: `${D}/plugins/{name}/test`, channel: 'op:plugins.test', auth: true,
    summary: 'Send a test request to a plugin and report status, body and time',
    input: PluginTestInputSchema, output: PluginTestResultSchema,
  },
  setPluginInterpreter: {
    method: 'PUT', path: `${D}/plugins/{name}/interpreter`, channel: 'op:plugins.interpreter.set', auth: true,
    summary: "Run a plugin under another configured interpreter (its own executor, started on first use); writes plugins.settings.<name>.interpreter",
    input: PluginInterpreterInputSchema, output: PluginBindingSchema,
  },
  clearPluginInterpreter: {
    method: 'DELETE', path: `${D}/plugins/{name}/interpreter`, channel: 'op:plugins.interpreter.clear', auth: true,
    summary: 'Run a plugin under the active interpreter again (removes plugins.settings.<name>.interpreter)',
    input: PluginNameInputSchema, output: PluginBindingSchema,
  },
  listDeliveries: {
    method: 'GET', path: `${D}/deliveries`, channel: 'op:deliveries.list', auth: true,
    summary: 'Recorded deliveries, newest first: filters (plugin, status class, provider/event, time range, text) and a cursor',
    input: DeliveryFilterSchema, output: DeliveryPageSchema,
  },
  getDelivery: {
    method: 'GET', path: `${D}/deliveries/{id}`, channel: 'op:deliveries.get', auth: true,
    summary: 'One whole delivery: request, response, attempts, the plugin\'s log lines, the signature verdict',
    input: DeliveryIdInputSchema, output: DeliverySchema,
  },
  replayDelivery: {
    method: 'POST', path: `${D}/deliveries/{id}/replay`, channel: 'op:deliveries.replay', auth: true, status: 201,
    summary: 'Run a recorded delivery again (optionally under another interpreter or into another plugin): a new delivery linked to it',
    input: ReplayInputSchema, output: DeliverySchema,
  },
  retryDelivery: {
    method: 'POST', path: `${D}/deliveries/{id}/retry`, channel: 'op:deliveries.retry', auth: true, status: 202,
    summary: 'Queue a dead (or failed) delivery again: the same delivery runs from the queue with a fresh series of attempts (max_attempts and max_age count from now); 409 while it is queued or running, or when it succeeded (replay it instead)',
    input: DeliveryIdInputSchema, output: DeliverySchema,
  },
  exportDelivery: {
    method: 'GET', path: `${D}/deliveries/{id}/export`, channel: 'op:deliveries.export', auth: true,
    summary: 'A delivery as a curl command, a raw HTTP request, or a pytest test of its plugin',
    input: ExportInputSchema, output: DeliveryExportSchema,
  },
  deleteDeliveries: {
    method: 'DELETE', path: `${D}/deliveries`, channel: 'op:deliveries.delete', auth: true,
    summary: 'Delete the recorded deliveries a filter selects (all of them with an empty filter)',
    input: DeliveryDeleteFilterSchema, output: DeliveryDeleteResultSchema,
  },
} as const satisfies Record<string, OperationDef>;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type OperationInput<K extends OperationName> = Static<Operations[K]['input']>;
export type OperationOutput<K extends OperationName> = Static<Operations[K]['output']>;

export const operationNames = Object.keys(operations) as OperationName[];

/** Events pushed to the window (IPC) and to browsers (`GET /api/dashboard/events`, server-sent). */
export const events = {
  interpretersChanged: { channel: 'event:interpreters.changed', payload: InterpreterListSchema },
  configChanged: { channel: 'event:config.changed', payload: ConfigViewSchema },
  connectionChanged: { channel: 'event:connection.changed', payload: ConnectionStatusSchema },
  logAppended: { channel: 'event:log.appended', payload: LogEntrySchema },
  jobUpdated: { channel: 'event:job.updated', payload: JobSchema },
  /** New deliveries, one event per group commit. */
  deliveryRecorded: { channel: 'event:delivery.recorded', payload: DeliveryChangesSchema },
  /** Deliveries that changed (an async attempt, a retry, dead), one event per group commit. */
  deliveryUpdated: { channel: 'event:delivery.updated', payload: DeliveryChangesSchema },
} as const satisfies Record<string, { channel: `event:${string}`; payload: TSchema }>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = Static<Events[K]['payload']>;
export const eventNames = Object.keys(events) as EventName[];

/** REST path of the server-sent event stream. */
export const EVENTS_PATH = `${D}/events`;
