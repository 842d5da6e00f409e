import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { operationNames, operations, type OperationName } from '../../shared/contract.js';
import type { Health } from '../../shared/dto/config.js';
import type { InputValidator } from '../core/input.js';
import type { Handlers } from '../core/operations.js';
import { invalid } from '../core/app-error.js';

/** `/api/dashboard/interpreters/{name}` → `/api/dashboard/interpreters/:name` */
export function toFastifyPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

/** Assembles an operation's input from the path parameters and the JSON body or query string. */
export function restInput(name: OperationName, request: FastifyRequest): unknown {
  const params = (request.params ?? {}) as Record<string, string>;
  if (operations[name].method === 'GET') return { ...(request.query as Record<string, unknown>), ...params };
  const body: unknown = request.body;
  if (body === undefined || body === null) return { ...params };
  if (Array.isArray(body) && name === 'installPackages') return { packages: body, ...params };
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('(body)', 'expected a JSON object');
  }
  for (const key of Object.keys(params)) {
    if (key in body && (body as Record<string, unknown>)[key] !== params[key]) {
      throw invalid(key, 'disagrees with the URL', `${key}: the body disagrees with the URL`);
    }
  }
  return { ...(body as Record<string, unknown>), ...params };
}

/** Registers one thin route per contract operation: validate, call the core, answer. */
export function registerOperationRoutes(app: FastifyInstance, handlers: Handlers, validator: InputValidator): void {
  for (const name of operationNames) {
    const op = operations[name];
    app.route({
      method: op.method,
      url: toFastifyPath(op.path),
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const input = validator.check(name, restInput(name, request), { convert: op.method === 'GET' });
        const handler = handlers[name] as (i: unknown) => Promise<unknown>;
        const output = await handler(input);
        let status: number = 'status' in op ? op.status : 200;
        if (name === 'health') {
          const h = output as Health;
          if (!h.executor.serving) {
            status = 503;
            reply.header('Retry-After', '1');
          }
        }
        return reply.code(status).send(output);
      },
    });
  }
}
