// Redis goes away during traffic and comes back. This suite runs its own redis-server (so stopping
// it disturbs nobody else) and two server processes on it. While Redis is gone /readyz answers 503,
// sends are still stored (PostgreSQL is fine), new WebSocket upgrades get 503, and afterwards /readyz
// is 200 again (and upgrades are accepted) without a
// restart, the clients are still connected, and every member has every stored message exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { clusterEnv } from '../support/cluster.js';
import { freePort, spawnServer, waitForStatus, type ServerProcess } from '../support/process.js';
import { DATABASE_URL, dropSchema, killRedisClients, postgresSkip } from '../support/services.js';
import { Member, range, until } from './member.js';
import { upgradeOrRefusal } from '../support/upgrade.js';

/** The status an upgrade to `url` gets: 101 when accepted (the socket is closed at once). */
async function upgradeStatus(url: string): Promise<number> {
  const result = await upgradeOrRefusal(url);
  if (typeof result === 'number') return result;
  result.close();
  return 101;
}

function redisServerSkip(): string | undefined {
  if (spawnSync('redis-server', ['--version']).status === 0) return undefined;
  const reason = 'redis-server is not installed, so this suite cannot stop and restart its own Redis';
  if (process.env['CI'] === 'true') throw new Error(reason);
  console.warn(`\n*** SKIPPING Redis outage tests: ${reason} ***\n`);
  return `SKIPPED: ${reason}`;
}

const skip = (await postgresSkip()) ?? redisServerSkip();
let redisPort = 0;
let redis: ChildProcess | undefined;
let nodes: ServerProcess[] = [];
let schema = '';

async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 5000;
  for (;;) {
    const ok = spawnSync('redis-cli', ['-p', String(redisPort), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG';
    if (ok) return;
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopRedis(): Promise<void> {
  const child = redis;
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

before(async () => {
  if (skip !== undefined) return;
  redisPort = await freePort();
  await startRedis();
  const env = clusterEnv({ REDIS_URL: `redis://127.0.0.1:${redisPort}` });
  schema = env['PARLEY_PG_SCHEMA'] as string;
  nodes = await Promise.all([spawnServer({ env, startedWhen: 'ready' }), spawnServer({ env, startedWhen: 'ready' })]);
});
after(async () => {
  for (const node of nodes) await node.stop();
  await stopRedis();
  if (skip === undefined) await dropSchema(schema);
});

test('Redis lost during traffic: /readyz 503 then 200, clients kept, no stored message lost or doubled', { skip }, async () => {
  const [n1, n2] = nodes as [ServerProcess, ServerProcess];
  const room = 'outage';
  const members = await Promise.all([
    Member.join(n1.wsUrl, 'amy', room),
    Member.join(n1.wsUrl, 'bo', room),
    Member.join(n2.wsUrl, 'cy', room),
    Member.join(n2.wsUrl, 'di', room),
  ]);
  let sideJoin: Record<string, unknown> | undefined;
  const noReconnect = (): Promise<void> => Promise.reject(new Error('clients must stay connected through a Redis outage'));
  let sent = 0;
  let sentWhileDown = 0;
  let redisDown = false;
  let outageOver = false;
  let outage: Promise<void> | undefined;
  // Each member sends at least 20 messages, and keeps sending until Redis has been back a while.
  const traffic = members.map(async (member) => {
    for (let i = 0; i < 20 || !outageOver; i++) {
      await member.send(`${member.nick} ${i}`, `${member.nick}-${i}`, noReconnect);
      sent++;
      if (redisDown) sentWhileDown++;
      if (sent === 30) {
        outage = (async () => {
          await stopRedis();
          redisDown = true;
          await Promise.all([waitForStatus(n1.url, 503, 10_000), waitForStatus(n2.url, 503, 10_000)]);
          // A new client is turned away at the upgrade rather than let in to fail at its join.
          await until(async () => (await upgradeStatus(n1.wsUrl)) === 503, 'an upgrade to the unready node to get 503', 5000);
          // A client already connected can still join a room (asserted below).
          sideJoin = await members[0].client.request('join', { room: 'outage-side' });
          await new Promise((resolve) => setTimeout(resolve, 300)); // traffic keeps flowing meanwhile
          await startRedis();
          redisDown = false;
          await Promise.all([waitForStatus(n1.url, 200, 15_000), waitForStatus(n2.url, 200, 15_000)]);
          await until(async () => (await upgradeStatus(n1.wsUrl)) === 101, 'upgrades to be accepted again', 5000);
          await new Promise((resolve) => setTimeout(resolve, 300));
          outageOver = true;
        })();
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  await Promise.all(traffic);
  await outage;
  assert.equal(sideJoin?.['type'], 'ok', `a join during the outage: ${JSON.stringify(sideJoin)}`);
  assert.deepEqual(sideJoin['members'], [{ id: members[0].userId, name: 'amy' }], 'it lists only the joiner');
  // Presence recorded amy's side join once Redis was back: a later joiner on the other node sees her.
  await until(
    async () => {
      const joined = await members[2].client.ok('join', { room: 'outage-side' });
      return (joined['members'] as { name: string }[]).some((user) => user.name === 'amy');
    },
    'amy, who joined during the outage, to be listed in outage-side',
    10_000,
  );
  const total = sent;
  console.log(`# ${total} messages, ${sentWhileDown} of them acknowledged while Redis was down`);
  assert.ok(sentWhileDown > 0, 'sends went on while Redis was down');

  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  const { rows } = await client.query<{ seq: string; cid: string }>(`SELECT seq, cid FROM "${schema}".messages WHERE room = $1 ORDER BY seq`, [room]);
  await client.end();
  assert.deepEqual(
    rows.map((row) => Number(row.seq)),
    range(1, total),
    'stored gapless',
  );
  assert.equal(new Set(rows.map((row) => row.cid)).size, total, 'each cid stored once');

  for (const member of members) {
    await until(() => member.seqs.length >= total, `${member.nick} to have ${total} messages (has ${member.seqs.length})`);
    assert.deepEqual(member.seqs, range(1, total), `${member.nick}: every seq exactly once, in order`);
    assert.equal(member.client.ws.readyState, member.client.ws.OPEN, `${member.nick} still connected`);
  }
  for (const member of members) await member.client.close();
});

test("one process's Redis subscriber cut mid-stream: its members still get every message once, in order", { skip }, async () => {
  const [n1, n2] = nodes as [ServerProcess, ServerProcess];
  const room = 'subcut';
  const senders = await Promise.all([Member.join(n1.wsUrl, 'sen1', room), Member.join(n1.wsUrl, 'sen2', room)]);
  const readers = await Promise.all([Member.join(n2.wsUrl, 'rea1', room), Member.join(n2.wsUrl, 'rea2', room)]);
  const noReconnect = (): Promise<void> => Promise.reject(new Error('clients must stay connected'));
  let sent = 0;
  let killed = 0;
  await Promise.all(
    senders.map(async (member) => {
      for (let i = 0; i < 40; i++) {
        await member.send(`${member.nick} ${i}`, `${member.nick}-${i}`, noReconnect);
        // Publications made while n2 resubscribes are lost for n2; it must fill them from the store.
        if (++sent === 20) killed = await killRedisClients(`parley-${n2.child.pid}:sub`, `redis://127.0.0.1:${redisPort}`);
      }
    }),
  );
  assert.equal(killed, 1, "n2's subscriber connection was cut");
  for (const member of [...senders, ...readers]) {
    await until(() => member.seqs.length >= 80, `${member.nick} to have 80 messages (has ${member.seqs.length})`);
    assert.deepEqual(member.seqs, range(1, 80), `${member.nick}: every seq once, in order`);
  }
  for (const member of [...senders, ...readers]) await member.client.close();
});
