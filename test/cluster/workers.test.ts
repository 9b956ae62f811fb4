// `parley serve --workers 2`: one port, two worker processes (node:cluster), each a full node on
// Redis and PostgreSQL. Connections are spread over both, clients on either see one chat, and
// SIGTERM to the primary stops everything with exit code 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { clusterEnv, dropCluster } from '../support/cluster.js';
import { spawnServer } from '../support/process.js';
import { postgresSkip, redisSkip } from '../support/services.js';
import { Member, range, until } from './member.js';

const skip = (await postgresSkip()) ?? (await redisSkip());

/** GET /readyz on a fresh connection (no keep-alive), so the cluster may hand it to any worker. */
function readyPid(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${url}/readyz`, { agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(Number((JSON.parse(body) as { pid: number }).pid)));
    }).on('error', reject);
  });
}

test('--workers 2 serves one chat from two processes on one port and stops cleanly', { skip }, async () => {
  const env = clusterEnv();
  const node = await spawnServer({ env, args: ['--workers', '2'], startedWhen: 'ready' });
  try {
    const pids = new Set<number>();
    const deadline = Date.now() + 15_000;
    while (pids.size < 2 && Date.now() < deadline) pids.add(await readyPid(node.url));
    assert.equal(pids.size, 2, 'two workers answer on the one port');
    assert.ok(!pids.has(node.child.pid as number), 'the primary only shares the port');

    const members = await Promise.all(range(1, 4).map((i) => Member.join(node.wsUrl, `w${i}`, 'workers')));
    const noReconnect = (): Promise<void> => Promise.reject(new Error('unexpected drop'));
    await Promise.all(
      members.map(async (m) => {
        for (let i = 0; i < 10; i++) await m.send(`${m.nick} ${i}`, `${m.nick}-${i}`, noReconnect);
      }),
    );
    for (const member of members) {
      await until(() => member.seqs.length >= 40, `${member.nick} to have 40 messages`);
      assert.deepEqual(member.seqs, range(1, 40));
    }
    for (const member of members) await member.client.close();
    assert.equal(await node.stop(), 0, 'SIGTERM stops the primary and its workers with exit code 0');
  } finally {
    await node.stop();
    await dropCluster(env);
  }
});
