// The WebhookStore contract against SQLite: its own connection on the Store's database file.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { SqliteWebhooks } from '../../src/server/store/sqlite-webhooks.js';
import { tempDataDir } from '../support/server.js';
import { runWebhookStoreContract } from './webhook-store.contract.js';

runWebhookStoreContract('SqliteWebhooks', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'parley.db');
  return {
    open: () => Promise.resolve({ store: new SqliteStore({ file }), hooks: new SqliteWebhooks(file) }),
    dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
});
