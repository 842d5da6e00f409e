import { operationNames, operations, EVENTS_PATH } from '../../shared/contract.js';
import { PLUGIN_NAME_PATTERN } from '../../shared/dto/plugins.js';
import { ErrorCodes } from '../../shared/errors.js';
import { METRICS_PATH } from './metrics.js';
import { WEBHOOK_METHODS, WEBHOOK_PATH } from './webhooks.js';

type JsonObject = Record<string, unknown>;

const ErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', enum: Object.keys(ErrorCodes) }, message: { type: 'string' }, details: {} },
    },
  },
};

function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1] as string);
}

function errorResponse(description: string, headers?: JsonObject): JsonObject {
  return { description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: ErrorSchema } } };
}

/** `GET|POST|PUT|PATCH|DELETE /api/v1/webhook/{plugin}` (api/webhooks.ts): no bearer token, any body. */
function webhookOperations(): [string, Record<string, JsonObject>] {
  const path = WEBHOOK_PATH.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
  const operation = (method: string): JsonObject => ({
    operationId: `webhook${method.charAt(0)}${method.slice(1).toLowerCase()}`,
    summary: `${method} to a plugin: runs it in the executor and answers with its status, headers and body`,
    tags: ['webhooks'],
    parameters: [
      { name: 'plugin', in: 'path', required: true, description: 'The plugin name', schema: { type: 'string', pattern: PLUGIN_NAME_PATTERN } },
      {
        name: 'X-Hub-Signature-256',
        in: 'header',
        required: false,
        description: 'sha256=<hex HMAC-SHA256 of the raw body>; required when the plugin has a secret',
        schema: { type: 'string' },
      },
    ],
    ...(method === 'GET'
      ? {}
      : { requestBody: { required: false, description: 'Any content type, passed to the plugin as raw bytes (1 MiB at most)', content: { '*/*': { schema: {} } } } }),
    responses: {
      '200': { description: "The plugin's answer: its own status, headers and body (any content type)", content: { '*/*': { schema: {} } } },
      '400': errorResponse('Invalid plugin name, or the plugin refused the input'),
      '401': errorResponse('The plugin has a secret and X-Hub-Signature-256 is missing or wrong'),
      '404': errorResponse('No plugin by that name'),
      '405': errorResponse('The plugin does not handle this method', {
        Allow: { description: 'The methods the plugin handles', schema: { type: 'string' } },
      }),
      '413': errorResponse('The request body is over 1 MiB'),
      '500': errorResponse('The plugin raised or could not load'),
      '502': errorResponse("The plugin's answer cannot be relayed (over the response size limit)"),
      '503': errorResponse('The executor is not running, busy or the plugin is still loading', {
        'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
      }),
      '504': errorResponse('The plugin did not answer in time'),
      default: errorResponse('Error'),
    },
  });
  return [path, Object.fromEntries(WEBHOOK_METHODS.map((m) => [m.toLowerCase(), operation(m)]))];
}

/** The OpenAPI 3.1 document, derived from the contract (JSON Schema is what TypeBox builds). */
export function buildOpenApi(version: string): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const name of operationNames) {
    const op = operations[name];
    const input = op.input as unknown as { properties?: Record<string, JsonObject>; required?: string[] };
    const params = pathParams(op.path);
    const parameters: JsonObject[] = params.map((p) => ({ name: p, in: 'path', required: true, schema: input.properties?.[p] ?? { type: 'string' } }));
    const rest = Object.entries(input.properties ?? {}).filter(([k]) => !params.includes(k));
    const operation: JsonObject = {
      operationId: name,
      summary: op.summary,
      'x-ipc-channel': op.channel,
      ...(op.auth ? { security: [{ bearer: [] }] } : {}),
      responses: {
        [String('status' in op ? op.status : 200)]: { description: 'Success', content: { 'application/json': { schema: op.output } } },
        default: { description: 'Error', content: { 'application/json': { schema: ErrorSchema } } },
      },
    };
    if (op.method === 'GET') {
      parameters.push(...rest.map(([k, schema]) => ({ name: k, in: 'query', required: input.required?.includes(k) ?? false, schema })));
    } else if (rest.length > 0) {
      const required = (input.required ?? []).filter((k) => !params.includes(k));
      operation['requestBody'] = {
        required: required.length > 0,
        content: { 'application/json': { schema: { type: 'object', properties: Object.fromEntries(rest), required, additionalProperties: false } } },
      };
    }
    if (parameters.length > 0) operation['parameters'] = parameters;
    (paths[op.path] ??= {})[op.method.toLowerCase()] = operation;
  }
  paths[EVENTS_PATH] = {
    get: {
      operationId: 'events',
      summary: 'Server-sent events: every pushed event of the contract, named by its event name',
      security: [{ bearer: [] }],
      responses: { '200': { description: 'text/event-stream' } },
    },
  };
  const [webhookPath, webhook] = webhookOperations();
  paths[webhookPath] = webhook;
  paths[METRICS_PATH] = {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus metrics (text format 0.0.4): webhooks by plugin and status class, latency histograms, in-flight calls and queue depth, executor state and restarts per process, switch durations',
      description:
        'Needs the bearer token like the dashboard API. With `server.metrics_unauthenticated: true` in the config, loopback clients may scrape it without one, and only while the API listens on a loopback address.',
      tags: ['metrics'],
      security: [{ bearer: [] }, {}],
      responses: {
        '200': { description: 'The exposition text', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } } },
        '401': errorResponse('Missing or wrong API token (and the endpoint is not opened to this client)'),
        '403': errorResponse('Forbidden Host or Origin'),
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'webhook-bridge local API', version },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
