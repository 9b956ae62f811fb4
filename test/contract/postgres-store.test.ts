// The store contracts against PostgreSQL at DATABASE_URL: a fresh schema per test, so test files
// running in parallel (and other runs on the same database) never share rows.
import pg from 'pg';
import { PostgresStore } from '../../src/server/store/postgres.js';
import { DATABASE_URL, dropSchema, postgresSkip, uniqueName } from '../support/services.js';
import { runStoreContracts } from './store-contracts.js';

const skip = await postgresSkip();

runStoreContracts(
  'PostgresStore',
  async () => {
    const schema = uniqueName('store_contract');
    return {
      open: () => PostgresStore.open({ connectionString: DATABASE_URL, schema, poolSize: 4 }),
      storedRevisions: async (room, seq) => {
        const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
        await client.connect();
        try {
          const { rows } = await client.query<{ text: string; edited_at: string }>(
            'SELECT text, edited_at FROM message_revisions WHERE room = $1 AND seq = $2 ORDER BY rev',
            [room, seq],
          );
          return rows.map((row) => ({ text: row.text, editedAt: Number(row.edited_at) }));
        } finally {
          await client.end();
        }
      },
      dispose: () => dropSchema(schema),
    };
  },
  { skip },
);
