// The Store contract against SQLite: a fresh database file per test.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { tempDataDir } from '../support/server.js';
import { runStoreContract } from './store.contract.js';

runStoreContract('SqliteStore', async () => {
  const dir = tempDataDir();
  return {
    open: () => Promise.resolve(new SqliteStore({ file: join(dir, 'parley.db') })),
    dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
});
