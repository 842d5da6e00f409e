/**
 * Runs in a worker thread (see checker.ts): parses and checks config texts off the event loop, so
 * a large or hostile file never freezes the app. Answers `{ id, result }` for each `{ id, text }`.
 */
import { parentPort } from 'node:worker_threads';
import { parseConfig } from './validate.js';

const port = parentPort;
if (port) {
  port.on('message', (msg: { id: number; text: string }) => {
    const { data, errors, warnings } = parseConfig(msg.text);
    port.postMessage({ id: msg.id, result: { data, errors, warnings } });
  });
  port.postMessage({ ready: true });
}
