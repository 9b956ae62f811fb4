// The files suite (test/integration/file-suite.ts) on two server processes sharing PostgreSQL and
// Redis: file bytes are chunks in PostgreSQL, so a file uploaded to one process is served by the
// other, and every refusal holds on either. The bounds run on a second pair of processes started with
// FILE_BOUNDS (and rate limits on, for the uploads per hour).
import pg from 'pg';
import { twoProcessCluster } from '../support/cluster.js';
import { DATABASE_URL } from '../support/services.js';
import { TEST_JOIN_CREATES } from '../support/server.js';
import { FILE_BOUNDS, fileSuite } from '../integration/file-suite.js';

const { skip, env, node } = await twoProcessCluster(TEST_JOIN_CREATES);
const limited = await twoProcessCluster({
  ...TEST_JOIN_CREATES,
  PARLEY_RATE_LIMITS: 'on',
  PARLEY_FILE_MAX_BYTES: String(FILE_BOUNDS.maxBytes),
  PARLEY_FILE_DAILY_BYTES: String(FILE_BOUNDS.dailyBytesPerUser),
  PARLEY_FILE_UPLOADS_PER_HOUR: String(FILE_BOUNDS.uploadsPerHour),
});

/** Distinct blobs (file_chunks hashes) in the schema of a cluster's settings. */
async function blobsIn(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(`SELECT count(DISTINCT hash) AS count FROM "${schema}".file_chunks`);
    return Number(rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}

fileSuite({
  a: () => node(0),
  b: () => node(1),
  blobs: () => blobsIn(env['PARLEY_PG_SCHEMA'] ?? ''),
  bounded: { a: () => limited.node(0), b: () => limited.node(1), blobs: () => blobsIn(limited.env['PARLEY_PG_SCHEMA'] ?? '') },
  twoProcesses: true,
  skip,
});
