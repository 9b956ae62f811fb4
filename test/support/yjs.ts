// Stock Yjs clients for tests: a y-websocket WebsocketProvider in Node (with `ws` as its WebSocket),
// unmodified, on a ticket asked for over a protocol v1 connection. BroadcastChannel is off: providers
// in one test process would otherwise sync with each other without the server.
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as decoding from 'lib0/decoding';
import type { TestClient } from './client.js';
import { until } from './web-page.js';

export interface Editor {
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  /** Reasons of the permission-denied messages the server sent this provider, in order. */
  denied: string[];
  destroy(): void;
}

/** A ticket for `room` from the connection's `ticket` verb. */
export async function ticketFor(client: TestClient, room: string): Promise<string> {
  const reply = await client.ok('ticket', { room });
  return reply['ticket'] as string;
}

/** ws://host:port/yjs for a server's http(s) URL. */
export function yjsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/yjs`;
}

/** A provider for `room` on a fresh ticket; resolves once it has synced with the server. */
export async function openEditor(httpUrl: string, client: TestClient, room: string, options: { synced?: boolean } = {}): Promise<Editor> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(yjsUrl(httpUrl), room, doc, {
    params: { ticket: await ticketFor(client, room) },
    // ws is API-compatible with the browser's WebSocket, which is what the provider is typed for.
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  const denied: string[] = [];
  // The stock auth handler only logs; this one records what the server refused (same wire: y-protocols/auth).
  provider.messageHandlers[2] = (_encoder, decoder) => {
    if (decoding.readVarUint(decoder) === 0) denied.push(decoding.readVarString(decoder));
  };
  // A ticket is good once: a reconnect needs a new one, as the web app fetches it.
  provider.on('status', ({ status }) => {
    if (status === 'disconnected') {
      void ticketFor(client, room).then(
        (ticket) => (provider.params = { ticket }),
        () => undefined,
      );
    }
  });
  const editor = { doc, text: doc.getText('text'), provider, denied, destroy: () => (provider.destroy(), doc.destroy()) };
  if (options.synced !== false) await until(`${room} synced`, () => Promise.resolve(provider.synced), 15_000);
  return editor;
}

/** Waits until every editor's text is `expected` (or, without it, until they all agree). */
export async function converged(editors: readonly Editor[], expected?: string, timeoutMs = 20_000): Promise<string> {
  await until(
    'editors converge',
    () => {
      const texts = editors.map((editor) => editor.text.toJSON());
      return Promise.resolve(texts.every((text) => text === (expected ?? texts[0])));
    },
    timeoutMs,
  );
  return editors[0]?.text.toJSON() ?? '';
}
