// The threads suite over real WebSockets, run on SQLite (threads.test.ts: one server) and on
// PostgreSQL with two server processes (test/cluster/threads-cluster.test.ts): the root's author is
// on node `a`, the others on node `b`. A reply is a room message with its root's seq, pushed and
// recovered like any other; the root shows its reply count, last reply time and repliers; the
// thread verb reads one thread; the root's author and repliers follow it with a per-thread marker
// that reaches every device; every refusal is the documented code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, guestWithToken, type Frame } from '../support/client.js';

/** A server as the suite reaches it: in this process or another. */
export interface ThreadSuiteNodes {
  a: () => { wsUrl: string };
  b: () => { wsUrl: string };
  skip?: string | undefined;
}

export function threadSuite(nodes: ThreadSuiteNodes): void {
  const { skip } = nodes;

  test('a reply in a thread is pushed with its root, counted on the root, read by thread, and recovered by a join', { skip }, async () => {
    const ada = await guestWithToken(nodes.a().wsUrl, 'ada');
    const bob = await guestWithToken(nodes.b().wsUrl, 'bob');
    for (const who of [ada, bob]) await who.client.ok('join', { room: 'threads' });
    const root = await ada.client.ok('send', { room: 'threads', text: 'shall we ship?', cid: 'r' });
    // Typing a reply is announced with its thread, so clients show it in the thread, not the room.
    const typing = ada.client.next((frame) => frame.type === 'typing', 'the typing push');
    await bob.client.ok('typing', { room: 'threads', thread: root['seq'] });
    assert.equal((await typing)['thread'], root['seq']);
    const pushed = ada.client.next((frame) => frame.type === 'message' && frame['thread'] === root['seq'], 'the reply push');
    const reply = await bob.client.ok('send', { room: 'threads', text: 'yes', cid: 'y', thread: root['seq'] });
    assert.equal((await pushed)['text'], 'yes');
    await ada.client.ok('send', { room: 'threads', text: 'shipping', cid: 's', thread: root['seq'], alsoInRoom: true });

    const history = (await bob.client.ok('history', { room: 'threads' }))['messages'] as Frame[];
    const replies = history[0]?.['replies'] as { count: number; lastTs: number; users: string[] };
    assert.equal(replies.count, 2);
    assert.deepEqual([...replies.users].sort(), [ada.id, bob.id].sort());
    assert.deepEqual(
      history.map((m) => [m['thread'], m['alsoInRoom']]),
      [
        [undefined, undefined],
        [root['seq'], undefined],
        [root['seq'], true],
      ],
    );
    const thread = await bob.client.ok('thread', { room: 'threads', root: root['seq'] });
    assert.equal((thread['root'] as Frame)['text'], 'shall we ship?');
    assert.deepEqual(
      (thread['messages'] as Frame[]).map((m) => m['text']),
      ['yes', 'shipping'],
    );
    const later = await bob.client.ok('thread', { room: 'threads', root: root['seq'], after: reply['seq'] });
    assert.deepEqual(
      (later['messages'] as Frame[]).map((m) => m['text']),
      ['shipping'],
    );

    // A client that was away recovers the replies like every other message.
    const carol = await guestWithToken(nodes.b().wsUrl, 'carol');
    const joined = await carol.client.ok('join', { room: 'threads', since: root['seq'] });
    assert.equal(joined['recovered'], true);
    const backlog = await carol.client.waitFor('message', 2, 'threads');
    assert.deepEqual(
      backlog.map((m) => m['thread']),
      [root['seq'], root['seq']],
    );
    await Promise.all([ada.client.close(), bob.client.close(), carol.client.close()]);
  });

  test('refused: a reply to a reply, to an unknown or deleted root, and a private thread for a non-member', { skip }, async () => {
    const ada = await guestWithToken(nodes.a().wsUrl, 'ada');
    const eve = await guestWithToken(nodes.b().wsUrl, 'eve');
    await ada.client.ok('create', { room: 'quiet', private: true });
    await ada.client.ok('join', { room: 'quiet' });
    const root = await ada.client.ok('send', { room: 'quiet', text: 'root', cid: 'r' });
    const reply = await ada.client.ok('send', { room: 'quiet', text: 'reply', cid: 'a', thread: root['seq'] });
    const refused = async (verb: string, params: Record<string, unknown>, code: string, field?: string): Promise<void> => {
      const answer = await ada.client.request(verb, params);
      assert.equal(answer.type, 'error', JSON.stringify(answer));
      assert.equal(answer['code'], code, String(answer['message']));
      if (field !== undefined) assert.equal(answer['field'], field);
    };
    await refused('send', { room: 'quiet', text: 'nested', cid: 'n', thread: reply['seq'] }, 'bad_request', 'thread');
    await refused('send', { room: 'quiet', text: 'ghost', cid: 'g', thread: 99 }, 'not_found', 'thread');
    await refused('thread', { room: 'quiet', root: reply['seq'] }, 'not_found');
    await ada.client.ok('delete', { room: 'quiet', seq: root['seq'] });
    await refused('send', { room: 'quiet', text: 'late', cid: 'l', thread: root['seq'] }, 'not_found', 'thread');
    const outsider = await eve.client.request('thread', { room: 'quiet', root: root['seq'] });
    assert.equal(outsider['code'], 'not_member');
    // Nothing refused was stored.
    const history = (await ada.client.ok('history', { room: 'quiet' }))['messages'] as Frame[];
    assert.equal(history.length, 2);
    await Promise.all([ada.client.close(), eve.client.close()]);
  });

  test('the root author and repliers follow a thread; unread replies by others until read; the marker reaches every device of the user', { skip }, async () => {
    const ada = await guestWithToken(nodes.a().wsUrl, 'ada');
    const bob = await guestWithToken(nodes.b().wsUrl, 'bob');
    // Ada's second device: the same guest user.
    const adaPhone = await TestClient.connect(nodes.b().wsUrl);
    await adaPhone.ok('hello', { nick: 'ada', resume: ada.resume });
    for (const client of [ada.client, bob.client, adaPhone]) await client.ok('join', { room: 'follows' });
    const root = await ada.client.ok('send', { room: 'follows', text: 'thoughts?', cid: 'r' });
    assert.deepEqual((await ada.client.ok('threads'))['threads'], []);
    await bob.client.ok('send', { room: 'follows', text: 'one', cid: 'b1', thread: root['seq'] });
    const last = await bob.client.ok('send', { room: 'follows', text: 'two', cid: 'b2', thread: root['seq'] });
    const threadsOf = async (client: TestClient): Promise<Frame[]> => (await client.ok('threads'))['threads'] as Frame[];
    assert.deepEqual(await threadsOf(ada.client), [{ room: 'follows', root: root['seq'], replies: 2, unread: 2, read: 0, lastSeq: last['seq'] }]);
    assert.deepEqual(await threadsOf(bob.client), [{ room: 'follows', root: root['seq'], replies: 2, unread: 0, read: last['seq'], lastSeq: last['seq'] }]);
    assert.deepEqual(await threadsOf(adaPhone), await threadsOf(ada.client), 'the same on every device');

    const synced = adaPhone.next((frame) => frame.type === 'read' && frame['thread'] === root['seq'], 'the read push on the other device');
    const marked = await ada.client.ok('read', { room: 'follows', seq: last['seq'], thread: root['seq'] });
    assert.deepEqual([marked['seq'], marked['thread']], [last['seq'], root['seq']]);
    assert.equal((await synced)['seq'], last['seq']);
    assert.equal((await threadsOf(adaPhone))[0]?.['unread'], 0);
    // A marker for a message that roots no thread is refused.
    const refused = await ada.client.request('read', { room: 'follows', seq: 1, thread: last['seq'] });
    assert.equal(refused['code'], 'not_found');
    await Promise.all([ada.client.close(), bob.client.close(), adaPhone.close()]);
  });
}
