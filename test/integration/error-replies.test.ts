// REST error replies for the errors fastify and node's HTTP parser raise themselves (no handler of
// ours ran): each answers with the status and the code of shared/errors.ts, in the error envelope.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeForStatus, httpStatusOf, type ErrorCode } from '../../shared/errors.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { sendRaw, type RawResponse } from '../helpers/http-raw.js';

let b: TestBridge;
let port: number;

beforeAll(async () => {
  b = await startTestBridge({ configText: 'server: { host: "127.0.0.1", port: 8000 }\n' });
  port = Number(new URL(b.url).port);
});
afterAll(() => b?.stop());

function expectReply(res: RawResponse, code: ErrorCode): void {
  expect({ status: res.status, code: (res.json as { error?: { code?: unknown } } | undefined)?.error?.code }, res.text).toEqual({ status: httpStatusOf(code), code });
  expect(codeForStatus(res.status)).toBe(code);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(typeof (res.json as { error: { message: unknown } }).error.message).toBe('string');
}

const request = (head: string, body = ''): string =>
  `${head}\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${b.token}\r\nConnection: close\r\n${body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`;

describe('REST error replies from fastify and node', () => {
  it('405 METHOD_NOT_ALLOWED for CONNECT', async () => {
    expectReply(await sendRaw(port, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`), 'METHOD_NOT_ALLOWED');
  });

  it('408 REQUEST_TIMEOUT when node gives up on a request that does not arrive', async () => {
    // node raises ERR_HTTP_REQUEST_TIMEOUT only after its 30 s check interval: the fault is injected
    // on the server's real socket of a real connection instead.
    const accepted = new Promise<net.Socket>((resolve) => b.bridge.server.server.once('connection', resolve));
    const client = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    client.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise((resolve) => client.on('close', resolve));
    client.write(`GET /api/dashboard/config HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    const serverSide = await accepted;
    b.bridge.server.server.emit('clientError', Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), serverSide);
    await closed;
    const text = Buffer.concat(chunks).toString('utf8');
    const [head = '', body = ''] = text.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(JSON.parse(body)).toEqual({ error: { code: 'REQUEST_TIMEOUT', message: 'the request did not arrive in time' } });
  });

  it('413 PAYLOAD_TOO_LARGE for a body over the 1 MiB limit', async () => {
    const body = JSON.stringify({ key: 'k', path: '/usr/bin/python3', name: 'x'.repeat(1024 * 1024 + 10) });
    expectReply(await sendRaw(port, request('POST /api/dashboard/interpreters HTTP/1.1', body)), 'PAYLOAD_TOO_LARGE');
  });

  it('414 URI_TOO_LONG for a path segment over the router limit', async () => {
    expectReply(await sendRaw(port, request(`DELETE /api/dashboard/interpreters/${'n'.repeat(300)} HTTP/1.1`)), 'URI_TOO_LONG');
  });

  it('415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON', async () => {
    const raw = request('POST /api/dashboard/interpreters HTTP/1.1').replace('\r\n\r\n', '\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi');
    expectReply(await sendRaw(port, raw), 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('431 HEADERS_TOO_LARGE for headers over node’s limit', async () => {
    expectReply(await sendRaw(port, request('GET /api/dashboard/config HTTP/1.1').replace('\r\n\r\n', `\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)), 'HEADERS_TOO_LARGE');
  });

  it('400 INVALID_INPUT for a malformed request and 404 NOT_FOUND for no route', async () => {
    expectReply(await sendRaw(port, 'GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n'), 'INVALID_INPUT');
    expectReply(await sendRaw(port, request('GET /api/dashboard/nothing-here HTTP/1.1')), 'NOT_FOUND');
  });
});
