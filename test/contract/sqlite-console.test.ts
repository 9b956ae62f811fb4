// The ConsoleStore contract against SQLite: its own connection on the Store's database file.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { SqliteConsole } from '../../src/server/store/sqlite-console.js';
import { tempDataDir } from '../support/server.js';
import { runConsoleContract } from './console-store.contract.js';

runConsoleContract('SqliteConsole', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'parley.db');
  return {
    open: () => Promise.resolve({ store: new SqliteStore({ file }), console: new SqliteConsole(file) }),
    dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
});
