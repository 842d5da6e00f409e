import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../electron/api/openapi.js';
import { WEBHOOK_METHODS } from '../../electron/api/webhooks.js';
import { operationNames } from '../../shared/contract.js';

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: Json }[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, { description?: string; headers?: Record<string, { schema?: Json }>; content?: Record<string, unknown> }>;
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** The OpenAPI 3 rules a client generator trips over first, as a list of problems (empty = fine). */
function shapeProblems(doc: Doc): string[] {
  const problems: string[] = [];
  if (!/^3\.\d+\.\d+$/.test(doc.openapi)) problems.push(`openapi: ${doc.openapi}`);
  if (!doc.info?.title || !doc.info?.version) problems.push('info: title and version are required');
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/')) problems.push(`${path}: a path starts with /`);
    if (path.includes(':')) problems.push(`${path}: templated with :name, not {name}`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!HTTP_METHODS.has(method)) problems.push(`${where}: not an HTTP method`);
      if (!op.operationId) problems.push(`${where}: no operationId`);
      else if (ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} repeats`);
      else ids.add(op.operationId);
      const inPath = (op.parameters ?? []).filter((p) => p.in === 'path');
      for (const name of templated) {
        const p = inPath.find((q) => q.name === name);
        if (!p) problems.push(`${where}: path parameter ${name} is not declared`);
        else if (p.required !== true) problems.push(`${where}: path parameter ${name} must be required`);
      }
      for (const p of inPath) if (!templated.includes(p.name)) problems.push(`${where}: ${p.name} is not in the path`);
      for (const p of op.parameters ?? []) {
        if (!['path', 'query', 'header', 'cookie'].includes(p.in)) problems.push(`${where}: parameter ${p.name} in ${p.in}`);
        if (!p.schema) problems.push(`${where}: parameter ${p.name} has no schema`);
      }
      if (op.requestBody && Object.keys(op.requestBody.content ?? {}).length === 0) problems.push(`${where}: requestBody without content`);
      const responses = Object.entries(op.responses ?? {});
      if (responses.length === 0) problems.push(`${where}: no responses`);
      for (const [status, r] of responses) {
        if (status !== 'default' && !/^[1-5](\d\d|XX)$/.test(status)) problems.push(`${where}: response ${status}`);
        if (typeof r.description !== 'string') problems.push(`${where}: response ${status} has no description`);
      }
    }
  }
  return problems;
}

describe('the OpenAPI document', () => {
  const doc = buildOpenApi('1.2.3') as unknown as Doc;

  it('has a valid OpenAPI 3 shape, and the checker can fail', () => {
    expect(shapeProblems(doc)).toEqual([]);
    const broken = structuredClone(doc);
    broken.paths['/api/v1/webhook/:plugin'] = { get: { responses: { '200': {} } } };
    expect(shapeProblems(broken)).toEqual([
      '/api/v1/webhook/:plugin: templated with :name, not {name}',
      'GET /api/v1/webhook/:plugin: no operationId',
      'GET /api/v1/webhook/:plugin: response 200 has no description',
    ]);
  });

  it('documents every contract operation', () => {
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    for (const name of operationNames) expect(ids).toContain(name);
  });

  it('documents the webhook route: five methods, the plugin parameter, any body, every error it answers', () => {
    const item = doc.paths['/api/v1/webhook/{plugin}'];
    expect(item).toBeDefined();
    expect(Object.keys(item ?? {}).sort()).toEqual(WEBHOOK_METHODS.map((m) => m.toLowerCase()).sort());
    expect(Object.keys(item ?? {}).sort()).toEqual(['delete', 'get', 'patch', 'post', 'put']);
    for (const [method, op] of Object.entries(item ?? {})) {
      expect(op.parameters?.find((p) => p.in === 'path')).toMatchObject({ name: 'plugin', required: true, schema: { type: 'string' } });
      if (method !== 'get') expect(Object.keys(op.requestBody?.content ?? {})).toEqual(['*/*']);
      const responses = op.responses ?? {};
      for (const status of ['200', '401', '404', '405', '413', '502', '503', '504']) expect(responses[status], `${method} ${status}`).toBeDefined();
      expect(responses['405']?.headers?.['Allow']).toBeDefined();
      expect(responses['503']?.headers?.['Retry-After']).toBeDefined();
      expect(responses['401']?.content?.['application/json']).toBeDefined();
    }
  });
});
