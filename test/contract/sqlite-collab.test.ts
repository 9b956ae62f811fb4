// The TicketStore and DocStore contracts against SQLite: a connection of their own on the Store's file.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteCollab } from '../../src/server/store/sqlite-collab.js';
import { tempDataDir } from '../support/server.js';
import { runTicketStoreContract } from './ticket-store.contract.js';
import { runDocStoreContract } from './doc-store.contract.js';
import type { MakeCollabFixture } from './collab-fixture.js';

const fixture: MakeCollabFixture = () => {
  const dir = tempDataDir();
  const file = join(dir, 'parley.db');
  return Promise.resolve({
    open: () => Promise.resolve(new SqliteCollab(file)),
    dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  });
};

runTicketStoreContract('SqliteCollab', fixture);
runDocStoreContract('SqliteCollab', fixture);
