// The threads suite (test/integration/thread-suite.ts) on two server processes sharing PostgreSQL
// and Redis: replies, summaries, follows and per-thread markers cross processes.
import { after, before } from 'node:test';
import { clusterEnv, dropCluster } from '../support/cluster.js';
import { killAllServersAndWait, spawnServer, type ServerProcess } from '../support/process.js';
import { postgresSkip, redisSkip } from '../support/services.js';
import { TEST_JOIN_CREATES } from '../support/server.js';
import { threadSuite } from '../integration/thread-suite.js';

const skip = (await postgresSkip()) ?? (await redisSkip());
const env = clusterEnv({ ...TEST_JOIN_CREATES, PARLEY_LOG_LEVEL: 'warn' });
const processes: ServerProcess[] = [];

before(async () => {
  if (skip !== undefined) return;
  processes.push(...(await Promise.all([spawnServer({ env, startedWhen: 'ready' }), spawnServer({ env, startedWhen: 'ready' })])));
});
after(async () => {
  await killAllServersAndWait();
  if (skip === undefined) await dropCluster(env);
});

function node(index: number): ServerProcess {
  const found = processes[index];
  if (found === undefined) throw new Error(`no process ${index}`);
  return found;
}

threadSuite({ a: () => node(0), b: () => node(1), skip });
