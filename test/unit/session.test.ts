// A Session on a fake Connection: what it writes, when it closes and what its end leaves behind,
// without a socket. Everything below the session is real (the chat service on an in-memory SQLite
// store, the memory broker and presence, the hub); only the transport is the fake, which is all a
// session knows of it (session/connection.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Push } from '../../src/protocol/messages.js';
import { CloseCode } from '../../src/protocol/errors.js';
import { loadConfig } from '../../src/server/config.js';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { MemoryBroker } from '../../src/server/broker/memory.js';
import { MemoryPresence } from '../../src/server/presence/memory.js';
import { Hub } from '../../src/server/hub/hub.js';
import type { OutgoingPush, WireForm } from '../../src/server/hub/outgoing.js';
import { GuestIssuer } from '../../src/server/auth/guest.js';
import { IdentityResolver } from '../../src/server/auth/identity.js';
import { ChatService, storesIn } from '../../src/server/chat/service.js';
import { RoomQuota } from '../../src/server/chat/room-quota.js';
import { SearchRunner } from '../../src/server/chat/search-runner.js';
import { RateLimiter } from '../../src/server/limits/rate-limiter.js';
import { StoredBytesQuota } from '../../src/server/limits/quota.js';
import { Metrics } from '../../src/server/metrics/metrics.js';
import type { Connection } from '../../src/server/session/connection.js';
import { Drain } from '../../src/server/session/drain.js';
import { dispatchText } from '../../src/server/session/dispatch.js';
import { Session } from '../../src/server/session/session.js';

type Reply = Record<string, unknown>;

/** A Connection that keeps what it is given, and lets a test wait for it. */
class FakeConnection implements Connection {
  readonly replies: Reply[] = [];
  readonly pushes: { push: Push; form: WireForm }[] = [];
  readonly closes: { code: number; reason: string; graceMs: number }[] = [];
  buffered = 0;
  paused = false;
  terminated = false;
  #wake: (() => void)[] = [];

  write(text: string): void {
    const value: unknown = JSON.parse(text);
    assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `a reply is a JSON object: ${text}`);
    this.replies.push({ ...value });
    this.#changed();
  }

  writePush(outgoing: OutgoingPush, form: WireForm): void {
    this.pushes.push({ push: outgoing.push, form });
    this.#changed();
  }

  framedBytes(text: string): number {
    return Buffer.byteLength(text) + 2;
  }

  pauseReading(): void {
    this.paused = true;
  }

  resumeReading(): void {
    this.paused = false;
  }

  close(code: number, reason: string, graceMs: number): void {
    this.closes.push({ code, reason, graceMs });
    this.#changed();
  }

  terminate(): void {
    this.terminated = true;
  }

  /** The reply to request `id`, once written. */
  reply(id: number): Promise<Reply> {
    return this.until(() => this.replies.find((reply) => reply['id'] === id));
  }

  /** Resolves with `find()` once it finds something, re-checked after every write. */
  async until<T>(find: () => T | undefined): Promise<T> {
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }

  #changed(): void {
    for (const resolve of this.#wake.splice(0)) resolve();
  }
}

const log = pino({ level: 'silent' });

/** A chat service on real in-memory backends, and sessions on fake connections that speak to it. */
function world(env: NodeJS.ProcessEnv = { PARLEY_RATE_LIMITS: 'off' }) {
  const config = loadConfig([], env);
  const store = new SqliteStore({ file: ':memory:' });
  const broker = new MemoryBroker();
  const presence = new MemoryPresence();
  const hub = new Hub(broker, store, log);
  const identities = new IdentityResolver({ store, guests: new GuestIssuer(Buffer.alloc(32, 7)), external: undefined, guestsAllowed: true });
  const roomQuota = new RoomQuota({ perUserPerHour: 0, perIpPerHour: 0 });
  const chat = new ChatService({
    ...storesIn(store),
    broker,
    presence,
    hub,
    identities,
    log,
    recoveryLimit: config.recoveryLimit,
    presenceLimit: config.presenceLimit,
    searches: new SearchRunner(config.search, { refused: () => undefined, truncated: () => undefined }),
    roomQuota,
    roomsListLimit: config.roomLimits.listLimit,
    maxReactionsPerMessage: config.roomLimits.maxReactionsPerMessage,
    onLimit: () => undefined,
    // Written before rooms were made only by `create`: a join of a new name creates it.
    joinCreates: true,
  });
  const limiter = new RateLimiter(config.rateLimits);
  const quotas = new StoredBytesQuota(config.quotas);
  const metrics = new Metrics();
  const policy = {
    limiter,
    maxRooms: config.maxRoomsPerConnection,
    maxInFlight: config.maxInFlight,
    recoveryBytes: config.recoveryBytes,
    quotas,
    jsonBounds: config.jsonBounds,
    metrics,
    log,
    drain: new Drain(),
  };
  let nextId = 1;
  return {
    chat,
    hub,
    metrics,
    connect(): { session: Session; connection: FakeConnection; request: (frame: Reply) => Promise<Reply> } {
      const connection = new FakeConnection();
      const session = new Session(connection, 'protocol', policy, '192.0.2.1');
      return {
        session,
        connection,
        request(frame: Reply): Promise<Reply> {
          const id = nextId++;
          dispatchText(session, JSON.stringify({ id, ...frame }), chat, log);
          return connection.reply(id);
        },
      };
    },
    async close(): Promise<void> {
      limiter.close();
      quotas.close();
      roomQuota.close();
      await store.close();
    },
  };
}

test('hello is answered ok, through the connection, with the connection id and the user', async () => {
  const w = world();
  const { session, connection, request } = w.connect();
  const ok = await request({ type: 'hello', nick: 'ada' });
  assert.equal(ok['type'], 'ok');
  assert.equal(ok['conn'], session.connId);
  assert.equal((ok['user'] as Reply)['name'], 'ada');
  assert.equal(session.identified, true);
  assert.deepEqual(connection.closes, []);
  await w.close();
});

test("a command gets its reply, and the room's message reaches the session as one push in its wire form", async () => {
  const w = world();
  const { connection, request } = w.connect();
  await request({ type: 'hello', nick: 'ada' });
  const joined = await request({ type: 'join', room: 'lobby' });
  assert.equal(joined['type'], 'ok');
  assert.equal(joined['seq'], 0);
  const sent = await request({ type: 'send', room: 'lobby', text: 'hi', cid: 'c1' });
  assert.equal(sent['type'], 'ok');
  assert.equal(sent['seq'], 1);
  const { push, form } = await connection.until(() => connection.pushes.find(({ push }) => push.type === 'message'));
  assert.equal(form, 'protocol');
  assert.equal(push.type === 'message' && push.text, 'hi');
  // A later request's reply is the barrier: the message came once, no more.
  await request({ type: 'rooms' });
  assert.equal(connection.pushes.filter(({ push }) => push.type === 'message').length, 1);
  await w.close();
});

test('a client that keeps passing its rate limit is closed with 1008 and a reason, after its refusals', async () => {
  const w = world({ PARLEY_RATE_CONN_OTHER: '1:1', PARLEY_RATE_ABUSE: '3' });
  const { session, connection } = w.connect();
  for (let id = 1; connection.closes.length === 0 && id <= 50; id++) {
    dispatchText(session, JSON.stringify({ id, type: 'rooms' }), w.chat, log);
  }
  assert.deepEqual(connection.closes, [{ code: CloseCode.PolicyViolation, reason: 'rate limit exceeded repeatedly', graceMs: 2000 }]);
  // The first refusals are answered; the one that reaches PARLEY_RATE_ABUSE closes instead.
  assert.equal(connection.replies.filter((reply) => reply['code'] === 'rate_limited').length, 2);
  assert.equal(session.closed, true);
  // Closed: a frame is no longer acted on, and the close is not repeated.
  const before = connection.replies.length;
  dispatchText(session, JSON.stringify({ id: 99, type: 'rooms' }), w.chat, log);
  session.close(CloseCode.GoingAway, 'again');
  assert.equal(connection.replies.length, before);
  assert.equal(connection.closes.length, 1);
  await w.close();
});

test('a slow consumer is closed with 4008 and the longer grace, once', async () => {
  const w = world();
  const { session, connection, request } = w.connect();
  await request({ type: 'hello', nick: 'ada' });
  // What the transport calls when this connection's buffer passes its limit.
  session.slowConsumer();
  assert.deepEqual(connection.closes, [{ code: CloseCode.SlowConsumer, reason: 'slow consumer', graceMs: 10_000 }]);
  assert.equal(session.closed, true);
  session.close(CloseCode.InternalError, 'later');
  assert.equal(connection.closes.length, 1);
  await w.close();
});

test('when the peer is gone the session leaves every room and the hub; others hear it leave and it hears nothing more', async () => {
  const w = world();
  const ada = w.connect();
  const bob = w.connect();
  await ada.request({ type: 'hello', nick: 'ada' });
  await bob.request({ type: 'hello', nick: 'bob' });
  await ada.request({ type: 'join', room: 'one' });
  await ada.request({ type: 'join', room: 'two' });
  await bob.request({ type: 'join', room: 'one' });
  assert.equal(w.hub.localCount('one'), 2);
  assert.equal(w.hub.localCount('two'), 1);

  ada.session.peerGone(w.chat);
  ada.session.peerGone(w.chat);
  assert.equal(ada.session.ended, true);
  assert.equal(ada.session.closed, true);
  assert.equal(ada.session.rooms.size, 0);
  assert.equal(w.hub.localCount('one'), 1);
  assert.equal(w.hub.localCount('two'), 0);
  const left = await bob.connection.until(() =>
    bob.connection.pushes.find(({ push }) => push.type === 'presence' && push.event === 'leave' && push.user.name === 'ada'),
  );
  assert.equal(left.push.type === 'presence' && left.push.room, 'one');

  // Bob's own message reaching bob is the barrier: the room's fan-out ran, and ada was not in it.
  const pushesBefore = ada.connection.pushes.length;
  await bob.request({ type: 'send', room: 'one', text: 'still here?', cid: 'c2' });
  await bob.connection.until(() => bob.connection.pushes.find(({ push }) => push.type === 'message'));
  assert.equal(ada.connection.pushes.length, pushesBefore);
  assert.deepEqual(ada.connection.closes, [], 'a peer that is gone is not sent a close');
  await w.close();
});
