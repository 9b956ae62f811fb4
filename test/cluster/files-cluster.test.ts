// The files suite (test/integration/file-suite.ts) on two server processes sharing PostgreSQL and
// Redis: file bytes are chunks in PostgreSQL, so a file uploaded to one process is served by the
// other, and every refusal holds on either.
import pg from 'pg';
import { twoProcessCluster } from '../support/cluster.js';
import { DATABASE_URL } from '../support/services.js';
import { TEST_JOIN_CREATES } from '../support/server.js';
import { fileSuite } from '../integration/file-suite.js';

const { skip, env, node } = await twoProcessCluster(TEST_JOIN_CREATES);

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
