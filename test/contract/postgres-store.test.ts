// The Store contract against PostgreSQL at DATABASE_URL: a fresh schema per test, so test files
// running in parallel (and other runs on the same database) never share rows.
import { PostgresStore } from '../../src/server/store/postgres.js';
import { DATABASE_URL, dropSchema, postgresSkip, uniqueName } from '../support/services.js';
import { runStoreContract } from './store.contract.js';

const skip = await postgresSkip();

runStoreContract(
  'PostgresStore',
  async () => {
    const schema = uniqueName('store_contract');
    return {
      open: () => PostgresStore.open({ connectionString: DATABASE_URL, schema, poolSize: 4 }),
      dispose: () => dropSchema(schema),
    };
  },
  { skip },
);
