import { operationNames, operations, EVENTS_PATH } from '../../shared/contract.js';
import { ErrorCodes } from '../../shared/errors.js';

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
  return {
    openapi: '3.1.0',
    info: { title: 'webhook-bridge local API', version },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
