// PostgreSQL unreachable for one process (through a TCP proxy the test cuts, so the shared server
// keeps running): /readyz answers 503, sends fail with store_failed and store nothing, the client
// stays connected; when the database is back /readyz is 200 without a restart and the room's seq
// goes on without a gap.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { clusterEnv, dropCluster } from '../support/cluster.js';
import { spawnServer, waitForStatus, type ServerProcess } from '../support/process.js';
import { DATABASE_URL, postgresSkip, redisSkip } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { Member, range, until } from './member.js';

const skip = (await postgresSkip()) ?? (await redisSkip());
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

test('PostgreSQL lost and back: /readyz 503 then 200, the client is kept and the seq has no gap', { skip }, async () => {
  const target = new URL(DATABASE_URL);
  const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  cleanup.push(() => proxy.cut());
  const viaProxy = new URL(DATABASE_URL);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const env = clusterEnv({ DATABASE_URL: viaProxy.toString() });
  cleanup.push(() => dropCluster(env));
  const node: ServerProcess = await spawnServer({ env, startedWhen: 'ready' });
  cleanup.push(() => node.stop());

  const member = await Member.join(node.wsUrl, 'pat', 'pgdown');
  const noReconnect = (): Promise<void> => Promise.reject(new Error('the client must stay connected'));
  for (let i = 1; i <= 5; i++) await member.send(`before ${i}`, `b${i}`, noReconnect);

  await proxy.cut();
  await waitForStatus(node.url, 503, 10_000);
  const refused = await member.client.request('send', { room: 'pgdown', text: 'during', cid: 'd1' });
  assert.equal(refused.type, 'error');
  assert.equal(refused['code'], 'store_failed');

  await proxy.restore();
  await waitForStatus(node.url, 200, 15_000);
  assert.equal(member.client.ws.readyState, member.client.ws.OPEN, 'still connected');
  // The refused send is retried with its cid, as a client would, and takes the next seq.
  for (const [text, cid] of [
    ['during', 'd1'],
    ['after', 'a1'],
  ] as const)
    await member.send(text, cid, noReconnect);
  await until(() => member.seqs.length >= 7, 'seven messages');
  assert.deepEqual(member.seqs, range(1, 7));
});
