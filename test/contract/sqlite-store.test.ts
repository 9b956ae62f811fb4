// The store contracts against SQLite: a fresh database file per test.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { tempDataDir } from '../support/server.js';
import { runStoreContracts } from './store-contracts.js';

runStoreContracts('SqliteStore', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'parley.db');
  return {
    open: () => Promise.resolve(new SqliteStore({ file })),
    storedRevisions: (room, seq) => {
      // A reader of its own, as an operator's tool would be: WAL lets it see every commit.
      const db = new Database(file, { readonly: true });
      try {
        const rows = db
          .prepare<[string, number], { text: string; edited_at: number }>(
            'SELECT text, edited_at FROM message_revisions WHERE room = ? AND seq = ? ORDER BY rev',
          )
          .all(room, seq);
        return Promise.resolve(rows.map((row) => ({ text: row.text, editedAt: row.edited_at })));
      } finally {
        db.close();
      }
    },
    dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
});
