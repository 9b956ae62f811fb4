// The SDK's threads over a real WebSocket: send({thread}) replies, a reply with alsoInRoom, the
// message event carrying the root's seq, typing(room, thread), thread() reading one thread,
// threads() listing followed threads with unread replies, and markThreadRead() reaching the
// user's other device as a read event with its thread; a reply to a reply is a RequestError.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { connect, RequestError, type ClientEvents, type ParleyClient } from '../../src/client/node.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

/** The next event `name` on `client` that `match` takes. */
function next<K extends 'message' | 'typing' | 'read'>(client: ParleyClient, name: K, match: (event: ClientEvents[K]) => boolean): Promise<ClientEvents[K]> {
  return new Promise((resolve) => {
    const off = client.on(name, (event) => {
      if (!match(event)) return;
      off();
      resolve(event);
    });
  });
}

test('replies, typing, one thread, followed threads and a thread marker on every device, through the SDK', async () => {
  const room = 'sdk-threads';
  const ada = await connect(server.wsUrl, { nick: 'ada' });
  const bob = await connect(server.wsUrl, { nick: 'bob' });
  await ada.join(room);
  await bob.join(room);
  const root = await ada.send(room, 'ship on friday?');

  const typing = next(ada, 'typing', (event) => event.thread === root.seq);
  bob.typing(room, root.seq);
  assert.equal((await typing).user.name, 'bob');

  const pushed = next(ada, 'message', (message) => message.thread === root.seq);
  const reply = await bob.send(room, 'friday works', { thread: root.seq });
  assert.equal((await pushed).text, 'friday works');
  const also = await bob.send(room, 'and in the room', { thread: root.seq, alsoInRoom: true });

  const thread = await ada.thread(room, root.seq);
  assert.equal(thread.root.text, 'ship on friday?');
  assert.equal(thread.root.replies?.count, 2);
  assert.deepEqual(thread.root.replies?.users, [bob.user?.id]);
  assert.deepEqual(
    thread.messages.map((message) => [message.text, message.alsoInRoom]),
    [
      ['friday works', undefined],
      ['and in the room', true],
    ],
  );
  assert.deepEqual(
    (await ada.thread(room, root.seq, { after: reply.seq })).messages.map((message) => message.text),
    ['and in the room'],
  );

  // Ada wrote the root: she follows it, with both replies unread, on her phone too.
  const phone = await connect(server.wsUrl, { nick: 'ada', resume: ada.resumeToken ?? '' });
  await phone.join(room);
  assert.equal(phone.user?.id, ada.user?.id);
  const expected = [{ room, root: root.seq, replies: 2, unread: 2, read: 0, lastSeq: also.seq }];
  assert.deepEqual(await ada.threads(), expected);
  assert.deepEqual(await phone.threads(), expected);
  const synced = next(phone, 'read', (event) => event.thread === root.seq);
  assert.equal(await ada.markThreadRead(room, root.seq, also.seq), also.seq);
  assert.equal((await synced).seq, also.seq);
  assert.equal((await phone.threads())[0]?.unread, 0);

  await assert.rejects(
    bob.send(room, 'nested', { thread: reply.seq }),
    (error: unknown) => error instanceof RequestError && error.code === 'bad_request' && error.field === 'thread',
  );
  for (const client of [ada, bob, phone]) client.close();
});
