// The ApiKeyStore contract against PostgreSQL at DATABASE_URL: a fresh schema per test.
import { PostgresStore } from '../../src/server/store/postgres.js';
import { PostgresApiKeys } from '../../src/server/store/postgres-api-keys.js';
import { DATABASE_URL, dropSchema, postgresSkip, uniqueName } from '../support/services.js';
import { runApiKeysContract } from './api-keys.contract.js';

const skip = await postgresSkip();

runApiKeysContract(
  'PostgresApiKeys',
  async () => {
    const schema = uniqueName('api_keys_contract');
    return {
      open: async () => ({
        store: await PostgresStore.open({ connectionString: DATABASE_URL, schema, poolSize: 2 }),
        keys: await PostgresApiKeys.open({ connectionString: DATABASE_URL, schema }),
      }),
      dispose: () => dropSchema(schema),
    };
  },
  { skip },
);
