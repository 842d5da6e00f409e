/**
 * Runs in a worker thread (see checker.ts): parses and checks config texts off the event loop, so
 * a large or hostile file never freezes the app, and applies edits to them (edit-ops.ts). Answers
 * `{ id, result }` for each `{ id, kind, text }`.
 */
import { parentPort } from 'node:worker_threads';
import { parseConfig } from './validate.js';
import { applyEditOps } from './edit-ops.js';
import type { Job } from './checker.js';

const port = parentPort;
if (port) {
  port.on('message', (msg: Job & { id: number }) => {
    if (msg.kind === 'edit') {
      port.postMessage({ id: msg.id, result: applyEditOps(msg.text, msg.ops) });
      return;
    }
    const { data, errors, warnings } = parseConfig(msg.text);
    port.postMessage({ id: msg.id, result: { data, errors, warnings } });
  });
  port.postMessage({ ready: true });
}
