// The ApiKeyStore contract against SQLite: its own connection on the Store's database file.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { SqliteApiKeys } from '../../src/server/store/sqlite-api-keys.js';
import { tempDataDir } from '../support/server.js';
import { runApiKeysContract } from './api-keys.contract.js';

runApiKeysContract('SqliteApiKeys', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'parley.db');
  return {
    open: () => Promise.resolve({ store: new SqliteStore({ file }), keys: new SqliteApiKeys(file) }),
    dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
});
