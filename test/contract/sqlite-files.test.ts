// The FileStore contract against SQLite (its own connection on the Store's database file), with
// the bytes under a directory (DirBlobs).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { SqliteFiles } from '../../src/server/store/sqlite-files.js';
import { DirBlobs } from '../../src/server/store/dir-blobs.js';
import { tempDataDir } from '../support/server.js';
import { runFileStoreContract } from './file-store.contract.js';

runFileStoreContract('SqliteFiles with DirBlobs', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'parley.db');
  return {
    open: () => Promise.resolve({ store: new SqliteStore({ file }), files: new SqliteFiles(file), blobs: new DirBlobs(join(dir, 'files')) }),
    dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
});
