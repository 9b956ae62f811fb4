// The shared document of every room (/yjs/<room>): stock WebsocketProviders in Node converge, the
// room's rules hold at the handshake and on every change, and what is refused appears nowhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { converged, openEditor, ticketFor, yjsUrl } from '../support/yjs.js';
import { until } from '../support/web-page.js';
import { upgradeOrRefusal } from '../support/upgrade.js';
import { handshake } from '../support/auth.js';
import { call, makeKey } from '../support/api-v1.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

/** A guest with a hello said, closed by the caller. */
const guest = (nick: string): Promise<TestClient> => TestClient.guest(server.wsUrl, nick);

/** A guest and its user id. */
async function guestWithId(nick: string): Promise<{ client: TestClient; id: string }> {
  const client = await TestClient.connect(server.wsUrl);
  const hello = await client.ok('hello', { nick });
  return { client, id: (hello['user'] as { id: string }).id };
}

/** Opens /yjs/<room> with a plain ws (its offered subprotocol is ignored there): the socket, or the refusing status. */
const rawDoc = (room: string, query: string): Promise<WebSocket | number> => upgradeOrRefusal(`${yjsUrl(server.url)}/${room}${query}`);

const closedWith = (ws: WebSocket): Promise<{ code: number; reason: string }> =>
  new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));

async function room(owner: TestClient, name: string, isPrivate = false): Promise<void> {
  await owner.ok('create', { room: name, private: isPrivate });
}

test('two stock providers editing at once converge to the same text, which a third then opens', async () => {
  const ada = await guest('ada');
  const bob = await guest('bob');
  await room(ada, 'two-editors');
  const [a, b] = await Promise.all([openEditor(server.url, ada, 'two-editors'), openEditor(server.url, bob, 'two-editors')]);
  for (let i = 0; i < 20; i++) {
    a.text.insert(0, `a${i} `);
    b.text.insert(b.text.length, ` b${i}`);
  }
  const text = await converged([a, b]);
  for (let i = 0; i < 20; i++) {
    assert.ok(text.includes(`a${i} `) && text.includes(` b${i}`), `edit ${i} is in ${text}`);
  }
  const c = await openEditor(server.url, ada, 'two-editors');
  assert.equal(c.text.toJSON(), text, 'a late joiner gets the whole document from the server');
  for (const editor of [a, b, c]) editor.destroy();
  await ada.close();
  await bob.close();
});

test('ten providers editing concurrently converge to identical content', async () => {
  const owner = await guest('owner10');
  await room(owner, 'ten-editors');
  const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => guest(`e${i}`)));
  const editors = await Promise.all(clients.map((client) => openEditor(server.url, client, 'ten-editors')));
  await Promise.all(
    editors.map(async (editor, i) => {
      for (let n = 0; n < 10; n++) {
        // At either end: an insert in the middle could land inside another editor's piece.
        editor.text.insert(n % 2 === 0 ? 0 : editor.text.length, `[${i}.${n}]`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  const text = await converged(editors);
  for (let i = 0; i < 10; i++) for (let n = 0; n < 10; n++) assert.ok(text.includes(`[${i}.${n}]`), `[${i}.${n}]`);
  assert.equal(
    text.length,
    editors.reduce((sum, _, i) => sum + Array.from({ length: 10 }, (__, n) => `[${i}.${n}]`.length).reduce((a, b) => a + b, 0), 0),
  );
  for (const editor of editors) editor.destroy();
  await Promise.all([owner, ...clients].map((client) => client.close()));
});

test('a muted member syncs and sees others, but its edit is refused with permission-denied and appears nowhere', async () => {
  const ada = await guest('ada-m');
  const { client: bob, id: bobId } = await guestWithId('bob-m');
  await room(ada, 'muted-doc');
  await bob.ok('join', { room: 'muted-doc' });
  await ada.ok('invite', { room: 'muted-doc', user: bobId });
  await ada.ok('mute', { room: 'muted-doc', user: bobId, seconds: 600 });
  const a = await openEditor(server.url, ada, 'muted-doc');
  a.text.insert(0, 'from ada. ');
  const b = await openEditor(server.url, bob, 'muted-doc');
  await converged([a, b], 'from ada. ');
  b.text.insert(0, 'from bob! ');
  await until('bob is told his change was refused', () => Promise.resolve(b.denied.length > 0));
  assert.match(b.denied[0] ?? '', /muted/);
  // Barrier: a later change of ada's reaches bob, so bob's (sent before it) was handled before.
  a.text.insert(a.text.length, 'more.');
  await until('bob sees ada again', () => Promise.resolve(b.text.toJSON().includes('more.')));
  assert.equal(a.text.toJSON(), 'from ada. more.', 'ada never sees bob’s text');
  const late = await openEditor(server.url, ada, 'muted-doc');
  assert.equal(late.text.toJSON(), 'from ada. more.', 'nor does the stored document');
  for (const editor of [a, b, late]) editor.destroy();
  await ada.close();
  await bob.close();
});

test('the handshake refuses no ticket, a bad one, a used one, one for another room, a banned user and a private room’s outsider', async () => {
  const ada = await guest('ada-h');
  const { client: eve, id: eveId } = await guestWithId('eve-h');
  await room(ada, 'gate-doc');
  await room(ada, 'gate-other');
  await room(ada, 'gate-private', true);
  assert.equal(await rawDoc('gate-doc', ''), 401, 'no ticket');
  assert.equal(await rawDoc('gate-doc', '?ticket=tk_nonsense'), 401, 'never issued');
  assert.equal(await rawDoc('gate-doc', `?ticket=${'x'.repeat(5000)}`), 401, 'huge');
  const ticket = await ticketFor(ada, 'gate-doc');
  const first = await rawDoc('gate-doc', `?ticket=${ticket}`);
  assert.ok(first instanceof WebSocket, 'the first use opens');
  first.close();
  assert.equal(await rawDoc('gate-doc', `?ticket=${ticket}`), 401, 'used');
  assert.equal(await rawDoc('gate-doc', `?ticket=${await ticketFor(ada, 'gate-other')}`), 401, 'for another room');
  assert.equal((await ada.request('ticket', { room: 'no-such-room' }))['code'], 'not_found');
  assert.equal(await rawDoc('Bad%20Name', '?ticket=x'), 404);
  // An outsider of a private room gets no ticket, and a ticket made before a ban is refused at the handshake.
  const outsider = await eve.request('ticket', { room: 'gate-private' });
  assert.equal(outsider['code'], 'not_member');
  const eveTicket = await ticketFor(eve, 'gate-doc');
  await eve.ok('join', { room: 'gate-doc' });
  await ada.ok('ban', { room: 'gate-doc', user: eveId });
  assert.equal(await rawDoc('gate-doc', `?ticket=${eveTicket}`), 403, 'banned since the ticket was made');
  assert.equal((await eve.request('ticket', { room: 'gate-doc' }))['code'], 'banned');
  await ada.close();
  await eve.close();
});

test('attacks: garbage frames, a text frame, an oversized update, a flood; the document stays intact', async () => {
  const ada = await guest('ada-x');
  await room(ada, 'attack-doc');
  const honest = await openEditor(server.url, ada, 'attack-doc');
  honest.text.insert(0, 'intact');
  await until('stored', () => Promise.resolve(honest.provider.synced));

  const garbage = await rawDoc('attack-doc', `?ticket=${await ticketFor(ada, 'attack-doc')}`);
  assert.ok(garbage instanceof WebSocket);
  const garbageClosed = closedWith(garbage);
  garbage.send(Buffer.from([0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])); // an update whose length runs past the frame
  assert.equal((await garbageClosed).code, 1008);

  const wrongType = await rawDoc('attack-doc', `?ticket=${await ticketFor(ada, 'attack-doc')}`);
  assert.ok(wrongType instanceof WebSocket);
  const wrongClosed = closedWith(wrongType);
  wrongType.send(Buffer.from([9, 9, 9]));
  assert.equal((await wrongClosed).code, 1008);

  const text = await rawDoc('attack-doc', `?ticket=${await ticketFor(ada, 'attack-doc')}`);
  assert.ok(text instanceof WebSocket);
  const textClosed = closedWith(text);
  text.send('hello');
  assert.equal((await textClosed).code, 1008);

  const huge = await rawDoc('attack-doc', `?ticket=${await ticketFor(ada, 'attack-doc')}`);
  assert.ok(huge instanceof WebSocket);
  const hugeClosed = closedWith(huge);
  huge.send(Buffer.alloc(2 * 1024 * 1024, 1));
  assert.equal((await hugeClosed).code, 1009);

  // A flood of real updates from one provider: refused past the rate, then the connection is closed.
  const flooder = await openEditor(server.url, ada, 'attack-doc');
  const flooderClosed = new Promise<number>((resolve) =>
    flooder.provider.on('connection-close', (event: unknown) => resolve((event as { code?: number } | null)?.code ?? 0)),
  );
  for (let i = 0; i < 400; i++) flooder.text.insert(0, 'x');
  assert.equal(await flooderClosed, 1008);
  assert.ok(
    flooder.denied.some((reason) => /too many changes/.test(reason)),
    flooder.denied[0],
  );
  flooder.destroy();

  honest.text.insert(honest.text.length, '!');
  const check = await openEditor(server.url, ada, 'attack-doc');
  await until('honest change arrives', () => Promise.resolve(check.text.toJSON().endsWith('!')));
  assert.match(check.text.toJSON(), /intact/);
  honest.destroy();
  check.destroy();
  await ada.close();
});

test('a moderator locks the document read-only and unlocks it; members cannot lock', async () => {
  const ada = await guest('ada-l');
  const bob = await guest('bob-l');
  await room(ada, 'lock-doc');
  await bob.ok('join', { room: 'lock-doc' });
  assert.equal((await bob.request('doclock', { room: 'lock-doc', locked: true }))['code'], 'forbidden');
  const a = await openEditor(server.url, ada, 'lock-doc');
  const b = await openEditor(server.url, bob, 'lock-doc');
  a.text.insert(0, 'before lock. ');
  await converged([a, b], 'before lock. ');
  await ada.ok('doclock', { room: 'lock-doc', locked: true });
  b.text.insert(0, 'during lock. ');
  await until('bob is refused', () => Promise.resolve(b.denied.some((reason) => /locked/.test(reason))));
  await ada.ok('doclock', { room: 'lock-doc', locked: false });
  // The refused change is still in bob's copy, and what he types next builds on it: refused too.
  b.text.insert(b.text.length, 'stuck.');
  await until('bob is told to reload', () => Promise.resolve(b.denied.some((reason) => /reload/.test(reason))));
  b.destroy();
  const fresh = await openEditor(server.url, bob, 'lock-doc');
  fresh.text.insert(fresh.text.length, 'after.');
  await until('ada sees bob after the unlock', () => Promise.resolve(a.text.toJSON().includes('after.')));
  assert.equal(a.text.toJSON(), 'before lock. after.', 'neither the locked nor the stuck change got in');
  a.destroy();
  fresh.destroy();
  await ada.close();
  await bob.close();
});

test('versions: saved, listed, viewed as text, restored as a new change that every editor receives', async () => {
  const ada = await guest('ada-v');
  await room(ada, 'version-doc');
  const a = await openEditor(server.url, ada, 'version-doc');
  a.text.insert(0, 'first draft');
  await until('stored', () => Promise.resolve(a.provider.synced));
  // The version is taken from what the server has: wait for the change to be there.
  const probe = await openEditor(server.url, ada, 'version-doc');
  await converged([a, probe], 'first draft');
  const saved = await ada.ok('docsave', { room: 'version-doc', name: 'draft 1' });
  const version = saved['version'] as { id: number; name: string };
  assert.equal(version.name, 'draft 1');
  a.text.delete(0, a.text.length);
  a.text.insert(0, 'rewritten');
  await converged([a, probe], 'rewritten');
  const listed = await ada.ok('docversions', { room: 'version-doc' });
  assert.deepEqual(
    (listed['versions'] as { name: string }[]).map((entry) => entry.name),
    ['draft 1'],
  );
  const viewed = await ada.ok('docversion', { room: 'version-doc', version: version.id });
  assert.equal(viewed['text'], 'first draft');
  assert.equal(viewed['restored'], false);
  assert.equal(a.text.toJSON(), 'rewritten', 'viewing changes nothing');
  await ada.ok('docversion', { room: 'version-doc', version: version.id, restore: true });
  await converged([a, probe], 'first draft');
  assert.equal((await ada.request('docversion', { room: 'version-doc', version: 9999 }))['code'], 'not_found');
  a.destroy();
  probe.destroy();
  await ada.close();
});

test('POST /api/v1/tickets: for the key’s bot, or with an admin key for a user; refused without a key or the scope', async () => {
  const { client: ada, id: adaId } = await guestWithId('ada-api');
  await room(ada, 'api-doc');
  await room(ada, 'api-private', true);
  const { key: publish } = await makeKey(server.config, 'doc-bot', ['publish'], 'docbot');
  const { key: admin } = await makeKey(server.config, 'doc-admin', ['admin', 'publish']);
  assert.equal((await call(server.url, 'POST', '/api/v1/tickets', { body: { room: 'api-doc' } })).status, 401);
  const own = await call(server.url, 'POST', '/api/v1/tickets', { key: publish, body: { room: 'api-doc' } });
  assert.equal(own.status, 201, own.text);
  assert.deepEqual(own.body['user'], { id: 'bot:docbot', name: 'docbot' });
  const opened = await rawDoc('api-doc', `?ticket=${own.body['ticket'] as string}`);
  assert.ok(opened instanceof WebSocket, 'the bot’s ticket opens the document');
  opened.close();
  assert.equal((await call(server.url, 'POST', '/api/v1/tickets', { key: publish, body: { room: 'api-doc', user: adaId } })).status, 403, 'not admin');
  assert.equal((await call(server.url, 'POST', '/api/v1/tickets', { key: publish, body: { room: 'api-private' } })).status, 403, 'the bot is no member');
  assert.equal((await call(server.url, 'POST', '/api/v1/tickets', { key: admin, body: { room: 'api-doc', user: 'u_nobody' } })).status, 404);
  assert.equal((await call(server.url, 'POST', '/api/v1/tickets', { key: admin, body: { room: 'api-doc', extra: 1 } })).status, 400);
  const forAda = await call(server.url, 'POST', '/api/v1/tickets', { key: admin, body: { room: 'api-private', user: adaId } });
  assert.equal(forAda.status, 201, forAda.text);
  const adaOpened = await rawDoc('api-private', `?ticket=${forAda.body['ticket'] as string}`);
  assert.ok(adaOpened instanceof WebSocket, 'the owner’s ticket opens her private room’s document');
  adaOpened.close();
  await ada.close();
});

test('compaction folds updates into a snapshot (and an automatic version) without losing any, and a document over its size bound refuses more', async () => {
  const small = await startTestServer({ docLimits: { ...server.config.docLimits, compactEvery: 5, maxDocBytes: 64 * 1024 } });
  try {
    const ada = await TestClient.guest(small.wsUrl, 'ada-c');
    await ada.ok('create', { room: 'compact-doc' });
    const a = await openEditor(small.url, ada, 'compact-doc');
    for (let i = 0; i < 40; i++) {
      a.text.insert(a.text.length, `w${i} `);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const check = await openEditor(small.url, ada, 'compact-doc');
    await converged([a, check]);
    for (let i = 0; i < 40; i++) assert.ok(check.text.toJSON().includes(`w${i} `), `w${i}`);
    const versions = (await ada.ok('docversions', { room: 'compact-doc' }))['versions'] as { name: string; by: string }[];
    assert.ok(
      versions.some((version) => version.by === 'auto'),
      'a compaction saved an automatic version',
    );
    check.destroy();
    // Past 64 KiB stored, changes are refused with a reason, and the stored document stays whole.
    const big = 'x'.repeat(20 * 1024);
    for (let i = 0; i < 4; i++) a.text.insert(a.text.length, big);
    await until('the full document refuses', () => Promise.resolve(a.denied.some((reason) => /full/.test(reason))));
    const after = await openEditor(small.url, ada, 'compact-doc');
    assert.ok(after.text.toJSON().startsWith('w0 w1 '));
    assert.ok(after.text.length < 80 * 1024, `${after.text.length} characters stored`);
    a.destroy();
    after.destroy();
    await ada.close();
  } finally {
    await small.stop();
  }
});

test('edits made offline merge on reconnect (with a fresh ticket), both sides’ edits kept', async () => {
  const ada = await guest('ada-o');
  const bob = await guest('bob-o');
  await room(ada, 'offline-doc');
  const [a, b] = await Promise.all([openEditor(server.url, ada, 'offline-doc'), openEditor(server.url, bob, 'offline-doc')]);
  a.text.insert(0, 'shared. ');
  await converged([a, b], 'shared. ');
  a.provider.disconnect();
  a.text.insert(a.text.length, 'ada offline. ');
  b.text.insert(0, 'bob online. ');
  await until('bob’s change is stored', async () => (await ada.ok('doctext', { room: 'offline-doc' }))['text'] === 'bob online. shared. ');
  assert.equal(b.text.toJSON().includes('ada offline.'), false, 'nothing of ada’s arrived while she was offline');
  a.provider.params = { ticket: await ticketFor(ada, 'offline-doc') };
  a.provider.connect();
  const text = await converged([a, b]);
  assert.equal(text, 'bob online. shared. ada offline. ');
  a.destroy();
  b.destroy();
  await ada.close();
  await bob.close();
});

test('deleting a room closes its document’s editors and drops the document; a new room of the name starts empty', async () => {
  const ada = await guest('ada-d');
  await room(ada, 'doomed-doc');
  const a = await openEditor(server.url, ada, 'doomed-doc');
  a.text.insert(0, 'soon gone');
  await until('stored', async () => (await ada.ok('doctext', { room: 'doomed-doc' }))['text'] === 'soon gone');
  await ada.ok('docsave', { room: 'doomed-doc', name: 'before' });
  const closed = new Promise<number>((resolve) =>
    a.provider.on('connection-close', (event: unknown) => resolve((event as { code?: number } | null)?.code ?? 0)),
  );
  await ada.ok('destroy', { room: 'doomed-doc' });
  assert.equal(await closed, 4403);
  a.destroy();
  await room(ada, 'doomed-doc');
  assert.equal((await ada.ok('doctext', { room: 'doomed-doc' }))['text'], '');
  assert.deepEqual((await ada.ok('docversions', { room: 'doomed-doc' }))['versions'], []);
  await ada.close();
});

test('document connections count against the per-address bound, and free their place when closed', async () => {
  const bounded = await startTestServer({ maxConnectionsPerIp: 3 });
  try {
    const ada = await TestClient.guest(bounded.wsUrl, 'ada-ip');
    await ada.ok('create', { room: 'ip-doc' });
    const open = (ticket: string): Promise<WebSocket | number> => upgradeOrRefusal(`${yjsUrl(bounded.url)}/ip-doc?ticket=${ticket}`);
    const first = await open(await ticketFor(ada, 'ip-doc'));
    const second = await open(await ticketFor(ada, 'ip-doc'));
    assert.ok(first instanceof WebSocket && second instanceof WebSocket, 'the chat connection and two documents make three');
    assert.equal(await open(await ticketFor(ada, 'ip-doc')), 429);
    const gone = new Promise((resolve) => first.once('close', resolve));
    first.close();
    await gone;
    await until('the place is free again', async () => {
      const again = await open(await ticketFor(ada, 'ip-doc'));
      if (again instanceof WebSocket) again.close();
      return again instanceof WebSocket;
    });
    second.close();
    await ada.close();
  } finally {
    await bounded.stop();
  }
});

test('a user banned while editing is closed with 4403 at the next change, which is not stored', async () => {
  const ada = await guest('ada-b');
  const { client: eve, id: eveId } = await guestWithId('eve-b');
  await room(ada, 'ban-doc');
  await eve.ok('join', { room: 'ban-doc' });
  const a = await openEditor(server.url, ada, 'ban-doc');
  const e = await openEditor(server.url, eve, 'ban-doc');
  e.text.insert(0, 'eve was here. ');
  await converged([a, e], 'eve was here. ');
  await ada.ok('ban', { room: 'ban-doc', user: eveId });
  const closed = new Promise<number>((resolve) =>
    e.provider.on('connection-close', (event: unknown) => resolve((event as { code?: number } | null)?.code ?? 0)),
  );
  // Rights are read again at most every 2 s: the change after that is checked against the ban.
  await new Promise((resolve) => setTimeout(resolve, 2100));
  e.text.insert(e.text.length, 'after the ban');
  assert.equal(await closed, 4403);
  a.text.insert(a.text.length, 'ada.');
  await until('ada’s own change is stored', async () => (await ada.ok('doctext', { room: 'ban-doc' }))['text'] === 'eve was here. ada.');
  e.destroy();
  a.destroy();
  await ada.close();
  await eve.close();
});

test('awareness: names reach the other editors and go when the editor leaves; an oversized state is refused', async () => {
  const ada = await guest('ada-aw');
  const bob = await guest('bob-aw');
  await room(ada, 'aware-doc');
  const a = await openEditor(server.url, ada, 'aware-doc');
  const b = await openEditor(server.url, bob, 'aware-doc');
  a.provider.awareness.setLocalStateField('user', { name: 'ada', color: 'red' });
  const adaId = a.provider.awareness.clientID;
  const adaSeen = (): unknown => (b.provider.awareness.getStates().get(adaId) as { user?: { name?: string } } | undefined)?.user?.name;
  await until('bob sees ada’s name', () => Promise.resolve(adaSeen() === 'ada'));
  b.provider.awareness.setLocalStateField('user', { name: 'x'.repeat(8000) });
  await until('bob is refused', () => Promise.resolve(b.denied.some((reason) => /awareness/.test(reason))));
  a.destroy();
  await until('ada’s state is gone for bob', () => Promise.resolve(!b.provider.awareness.getStates().has(adaId)));
  b.destroy();
  await ada.close();
  await bob.close();
});

test('another site’s page is refused at the document handshake (403)', async () => {
  const ada = await guest('ada-or');
  await room(ada, 'origin-doc');
  const ticket = await ticketFor(ada, 'origin-doc');
  const status = await handshake(`${yjsUrl(server.url)}/origin-doc?ticket=${ticket}`, { origin: 'https://evil.example' });
  assert.equal(status, 403);
  await ada.close();
});
