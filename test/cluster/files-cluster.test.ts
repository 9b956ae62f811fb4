// The files suite (test/integration/file-suite.ts) on two server processes sharing PostgreSQL and
// Redis: file bytes are chunks in PostgreSQL, so a file uploaded to one process is served by the
// other, and every refusal holds on either.
import { after, before } from 'node:test';
import pg from 'pg';
import { clusterEnv, dropCluster } from '../support/cluster.js';
import { killAllServersAndWait, spawnServer, type ServerProcess } from '../support/process.js';
import { DATABASE_URL, postgresSkip, redisSkip } from '../support/services.js';
import { TEST_JOIN_CREATES } from '../support/server.js';
import { fileSuite } from '../integration/file-suite.js';

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

async function blobs(): Promise<number> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(`SELECT count(DISTINCT hash) AS count FROM "${env['PARLEY_PG_SCHEMA'] ?? ''}".file_chunks`);
    return Number(rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}

fileSuite({ a: () => node(0), b: () => node(1), blobs, skip });
