// The SDK's way to a room's shared document: `documentTicket(room)` gives the arguments of a stock
// y-websocket WebsocketProvider, and `refreshDocumentTickets(provider)` keeps its reconnects supplied
// with single-use tickets. Real server, real providers in Node; the restart drops every socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import { startTestServer } from '../support/server.js';
import { until } from '../support/web-page.js';
import { connect, documentUrl, type DocumentTicket, type ParleyClient } from '../../src/client/node.js';

/** A stock provider on what documentTicket answered (BroadcastChannel off: providers of one process would sync without the server). */
function provider(ticket: DocumentTicket): { doc: Y.Doc; text: Y.Text; provider: WebsocketProvider; destroy(): void } {
  const doc = new Y.Doc();
  const opened = new WebsocketProvider(ticket.url, ticket.room, doc, {
    params: ticket.params,
    // ws is API-compatible with the browser's WebSocket, which is what the provider is typed for.
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  return { doc, text: doc.getText('text'), provider: opened, destroy: () => (opened.destroy(), doc.destroy()) };
}

const synced = (p: WebsocketProvider, what: string): Promise<void> => until(`${what} synced`, () => Promise.resolve(p.synced), 15_000);

test('documentUrl: the y-websocket endpoint beside the chat socket, whatever form the chat URL has', () => {
  assert.equal(documentUrl('ws://127.0.0.1:8080/ws'), 'ws://127.0.0.1:8080/yjs');
  assert.equal(documentUrl('ws://127.0.0.1:8080'), 'ws://127.0.0.1:8080/yjs');
  assert.equal(documentUrl('wss://chat.example.com/'), 'wss://chat.example.com/yjs');
  assert.equal(documentUrl('https://chat.example.com/parley/ws?x=1#y'), 'wss://chat.example.com/parley/yjs');
  assert.equal(documentUrl('http://localhost:3000/ws/'), 'ws://localhost:3000/yjs');
});

test('documentTicket answers url, room and params for a stock provider; a ticket opens one connection only', async () => {
  const server = await startTestServer();
  const clients: ParleyClient[] = [];
  try {
    const ada = await connect(server.wsUrl, { nick: 'ada-t' });
    const bob = await connect(server.wsUrl, { nick: 'bob-t' });
    clients.push(ada, bob);
    await ada.command('create', { room: 'sdk-doc' });
    const ticket = await ada.documentTicket('sdk-doc');
    assert.equal(ticket.url, `ws://127.0.0.1:${server.port}/yjs`);
    assert.equal(ticket.room, 'sdk-doc');
    assert.match(ticket.params.ticket, /^tk_/);
    assert.ok(ticket.expiresAt > Date.now() && ticket.expiresAt <= Date.now() + 61_000, `expires at ${ticket.expiresAt}`);
    const a = provider(ticket);
    const b = provider(await bob.documentTicket('sdk-doc'));
    await Promise.all([synced(a.provider, 'ada'), synced(b.provider, 'bob')]);
    a.text.insert(0, 'from ada. ');
    b.text.insert(0, 'from bob. ');
    await until('both converge', () => Promise.resolve(a.text.toJSON() === b.text.toJSON() && a.text.length === 20));
    // The same ticket again: refused at the handshake (the provider never connects).
    const again = provider(ticket);
    const refused = new Promise<void>((resolve) => again.provider.once('connection-close', () => resolve()));
    await refused;
    assert.equal(again.provider.wsconnected, false);
    for (const editor of [a, b, again]) editor.destroy();
    await assert.rejects(ada.documentTicket('no-such-room'), (error: { code?: string }) => error.code === 'not_found');
  } finally {
    for (const client of clients) client.close();
    await server.stop();
  }
});

test('after the server restarts (every socket dropped), a provider with refreshDocumentTickets reconnects on a fresh ticket and its offline edits merge; one without stays out', async () => {
  let server = await startTestServer();
  const { port, dataDir } = { port: server.port, dataDir: server.config.dataDir };
  const clients: ParleyClient[] = [];
  const editors: { destroy(): void }[] = [];
  try {
    const ada = await connect(server.wsUrl, { nick: 'ada-r', backoff: { initialMs: 100, maxMs: 500, factor: 2 } });
    const bob = await connect(server.wsUrl, { nick: 'bob-r', backoff: { initialMs: 100, maxMs: 500, factor: 2 } });
    clients.push(ada, bob);
    await ada.command('create', { room: 'restart-doc' });
    const first = await ada.documentTicket('restart-doc');
    const a = provider(first);
    const b = provider(await bob.documentTicket('restart-doc'));
    // The control: the same stock provider, left with its first ticket.
    const stale = provider(await bob.documentTicket('restart-doc'));
    editors.push(a, b, stale);
    const stopA = ada.refreshDocumentTickets(a.provider);
    bob.refreshDocumentTickets(b.provider);
    await Promise.all([synced(a.provider, 'ada'), synced(b.provider, 'bob'), synced(stale.provider, 'control')]);
    a.text.insert(0, 'before. ');
    await until('bob has it', () => Promise.resolve(b.text.toJSON() === 'before. ' && stale.text.toJSON() === 'before. '));

    await server.stop({ keepData: true });
    await until('the providers saw the drop', () => Promise.resolve(!a.provider.wsconnected && !b.provider.wsconnected));
    a.text.insert(a.text.length, 'ada offline. ');
    b.text.insert(0, 'bob offline. ');
    server = await startTestServer({ port, dataDir });

    await until('both reconnected and merged', () => Promise.resolve(a.text.toJSON() === b.text.toJSON() && a.text.length === 'before. '.length + 26), 20_000);
    assert.ok(a.text.toJSON().includes('ada offline. ') && a.text.toJSON().includes('bob offline. '), a.text.toJSON());
    assert.notEqual(a.provider.params['ticket'], first.params.ticket, 'the reconnect went in on a new ticket');
    // Barrier: a change made after the reconnect reaches bob; by then the control has tried
    // (refused: its ticket was used) and holds none of it.
    a.text.insert(a.text.length, 'after.');
    await until('bob has the change after the restart', () => Promise.resolve(b.text.toJSON().endsWith('after.')));
    assert.equal(stale.provider.wsconnected, false, 'a used ticket does not reconnect');
    assert.equal(stale.text.toJSON(), 'before. ');

    // Once stopped, a drop is not followed by a new ticket (the provider retries with the old one).
    stopA();
    const used = a.provider.params['ticket'];
    a.provider.ws?.close();
    await until('ada dropped', () => Promise.resolve(!a.provider.wsconnected));
    // Barrier: a request on ada's connection written after the close was told, so after any refresh's.
    await ada.documentTicket('restart-doc');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(a.provider.params['ticket'], used);
  } finally {
    for (const editor of editors) editor.destroy();
    for (const client of clients) client.close();
    await server.stop();
  }
});
