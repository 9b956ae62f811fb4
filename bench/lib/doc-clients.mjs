// What the documents bench (bench/docs.mjs) and its editor processes (doc-editors.mjs) share: a
// protocol v1 connection that asks for tickets, a stock y-websocket provider on one, and the clock
// every process stamps and reads updates with.
import { readFileSync } from 'node:fs';
import * as Y from 'yjs';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';

export const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Milliseconds on CLOCK_MONOTONIC, which on Linux is one clock for the whole machine: a time taken
 * in one process can be subtracted from one taken in another (performance.now() starts at each
 * process's own origin).
 */
export const sharedClockMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * How long a process's main thread (its event loop) has waited for a CPU while runnable, in ms
 * (Linux schedstat; NaN elsewhere): on a loaded machine this says who was starved, the server or
 * the generator, which CPU percentages alone do not.
 */
export function runQueueWaitMs(pid = process.pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

/** A protocol v1 connection that can ask for tickets. */
export async function chat(base, nick) {
  const ws = new WebSocket(`${base}/ws`, 'parley.v1');
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let next = 1;
  const pending = new Map();
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    const waiter = pending.get(frame.id);
    if (waiter !== undefined) {
      pending.delete(frame.id);
      if (frame.type === 'ok') waiter.resolve(frame);
      else waiter.reject(new Error(JSON.stringify(frame)));
    }
  });
  const request = (type, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, type, ...params }));
    });
  await request('hello', { nick });
  return { request, close: () => ws.close() };
}

/** A stock provider on a fresh ticket, resolved once synced (`syncMs`: how long that took). */
export async function editor(base, client, room) {
  const doc = new Y.Doc();
  const { ticket } = await client.request('ticket', { room });
  const provider = new WebsocketProvider(`${base}/yjs`, room, doc, { params: { ticket }, WebSocketPolyfill: WebSocket, disableBc: true });
  const started = performance.now();
  await new Promise((resolve) => provider.once('sync', resolve));
  return { doc, text: doc.getText('text'), provider, syncMs: performance.now() - started, destroy: () => (provider.destroy(), doc.destroy()) };
}
