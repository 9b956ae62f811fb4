// The FileStore and BlobStore contract against PostgreSQL at DATABASE_URL (records and chunks in
// the Store's schema): a fresh schema per test.
import { PostgresStore } from '../../src/server/store/postgres.js';
import { PostgresFiles } from '../../src/server/store/postgres-files.js';
import { DATABASE_URL, dropSchema, postgresSkip, uniqueName } from '../support/services.js';
import { runFileStoreContract } from './file-store.contract.js';

const skip = await postgresSkip();

runFileStoreContract(
  'PostgresFiles',
  async () => {
    const schema = uniqueName('files_contract');
    return {
      open: async () => {
        const store = await PostgresStore.open({ connectionString: DATABASE_URL, schema, poolSize: 2 });
        const files = await PostgresFiles.open({ connectionString: DATABASE_URL, schema, poolSize: 2 });
        // PostgresFiles is the BlobStore too: it is closed once, as the FileStore.
        return {
          store,
          files,
          blobs: { put: files.put.bind(files), open: files.open.bind(files), delete: files.delete.bind(files), close: async () => undefined },
        };
      },
      dispose: () => dropSchema(schema),
    };
  },
  { skip },
);
