// Three real server processes on one PostgreSQL schema and one Redis prefix. Clients spread over
// them share one room; they all see the same gapless sequence, and when one process is killed
// mid-stream its clients move to another and recover with `since`: nothing lost, nothing twice,
// and its users who do not come back are reported as left within the presence bound.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { clusterEnv, dropCluster } from '../support/cluster.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { DATABASE_URL, postgresSkip, redisSkip } from '../support/services.js';
import { Member, range, until } from './member.js';

const skip = (await postgresSkip()) ?? (await redisSkip());
const env = clusterEnv();
const schema = env['PARLEY_PG_SCHEMA'] as string;
/** What the nodes are configured with (clusterEnv): TTL 2000 ms + refresh 500 ms. */
const LEAVE_BOUND_MS = 2500;
let nodes: ServerProcess[] = [];

before(async () => {
  if (skip !== undefined) return;
  // Started together on purpose: three processes migrating one new schema at once.
  nodes = await Promise.all([
    spawnServer({ env, startedWhen: 'ready' }),
    spawnServer({ env, startedWhen: 'ready' }),
    spawnServer({ env, startedWhen: 'ready' }),
  ]);
});
after(async () => {
  for (const node of nodes) await node.stop();
  if (skip === undefined) await dropCluster(env);
});

async function storedMessages(room: string): Promise<{ seq: number; cid: string }[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ seq: string; cid: string }>(`SELECT seq, cid FROM "${schema}".messages WHERE room = $1 ORDER BY seq`, [room]);
    return rows.map((row) => ({ seq: Number(row.seq), cid: row.cid }));
  } finally {
    await client.end();
  }
}

test('clients on three processes sending at once all receive the same gapless sequence', { skip }, async () => {
  const room = 'spread';
  const members = await Promise.all(range(0, 5).map((i) => Member.join((nodes[i % 3] as ServerProcess).wsUrl, `user${i}`, room)));
  const perMember = 25;
  const noReconnect = (): Promise<void> => Promise.reject(new Error('no connection should drop here'));
  await Promise.all(
    members.map(async (member) => {
      for (let i = 0; i < perMember; i++) await member.send(`${member.nick} ${i}`, `${member.nick}-${i}`, noReconnect);
    }),
  );
  const total = members.length * perMember;
  for (const member of members) {
    await until(() => member.seqs.length >= total, `${member.nick} to receive ${total} messages`);
    assert.deepEqual(member.seqs, range(1, total), `${member.nick} got every seq once, in order`);
  }
  const reference = (members[0] as Member).messages.map((m) => m['msgId']);
  for (const member of members)
    assert.deepEqual(
      member.messages.map((m) => m['msgId']),
      reference,
      'the same messages',
    );
  const stored = await storedMessages(room);
  assert.deepEqual(
    stored.map((m) => m.seq),
    range(1, total),
  );
  assert.equal(new Set(stored.map((m) => m.cid)).size, total);
  for (const member of members) await member.client.close();
});

test('SIGKILL one process mid-stream: its clients recover elsewhere with nothing lost or doubled; its absent users leave', { skip }, async () => {
  const room = 'crash';
  const [n1, n2, n3] = nodes as [ServerProcess, ServerProcess, ServerProcess];
  const ann = await Member.join(n1.wsUrl, 'ann', room); // sends; moves to n2
  const ben = await Member.join(n1.wsUrl, 'ben', room); // only reads; moves to n3
  const dan = await Member.join(n1.wsUrl, 'dan', room); // does not come back
  const cid = await Member.join(n2.wsUrl, 'cid', room); // watches presence from n2
  const eve = await Member.join(n3.wsUrl, 'eve', room);

  const moved = new Map<Member, Promise<void>>();
  const moveTo =
    (member: Member, node: ServerProcess): (() => Promise<void>) =>
    () => {
      let reconnecting = moved.get(member);
      if (reconnecting === undefined) {
        reconnecting = member.closedThenReconnect(node.wsUrl);
        moved.set(member, reconnecting);
      }
      return reconnecting;
    };
  const annMoves = moveTo(ann, n2);
  const benMoves = moveTo(ben, n3);
  ben.client.closed.then(() => benMoves()).catch(() => undefined);

  const perSender = 40;
  let killedAt = 0;
  const senders = [ann, cid, eve].map(async (member) => {
    for (let i = 0; i < perSender; i++) {
      await member.send(`${member.nick} ${i}`, `${member.nick}-${i}`, member === ann ? annMoves : () => Promise.reject(new Error('unexpected drop')));
      if (member === ann && i === 12) {
        killedAt = Date.now();
        n1.child.kill('SIGKILL');
      }
    }
  });
  const leftSeen = cid.client.next(
    (frame) => frame.type === 'presence' && frame['event'] === 'leave' && (frame['user'] as { id: string }).id === dan.userId,
    'dan leaving',
    LEAVE_BOUND_MS + 10_000,
  );
  await Promise.all(senders);
  const total = 3 * perSender;

  for (const member of [ann, ben, cid, eve]) {
    await until(() => member.seqs.length >= total, `${member.nick} to have ${total} messages (has ${member.seqs.length})`);
    assert.deepEqual(member.seqs, range(1, total), `${member.nick}: every seq exactly once, in order`);
  }
  const stored = await storedMessages(room);
  assert.deepEqual(
    stored.map((m) => m.seq),
    range(1, total),
    'stored gapless',
  );
  assert.equal(new Set(stored.map((m) => m.cid)).size, total, 'each cid stored once');

  await leftSeen;
  const leftAfter = Date.now() - killedAt;
  console.log(`# dan reported as left ${leftAfter} ms after the kill (configured bound ${LEAVE_BOUND_MS} ms)`);
  const watcher = await Member.join(n3.wsUrl, 'watcher', room);
  const joined = await watcher.client.ok('join', { room });
  const names = (joined['members'] as { name: string }[]).map((m) => m.name).sort();
  assert.deepEqual(names, ['ann', 'ben', 'cid', 'eve', 'watcher']);
  for (const member of [ann, ben, cid, eve, watcher]) await member.client.close();
  nodes = [n2, n3];
});
