// The ConsoleStore contract against PostgreSQL at DATABASE_URL: a fresh schema per test.
import { PostgresStore } from '../../src/server/store/postgres.js';
import { PostgresConsole } from '../../src/server/store/postgres-console.js';
import { DATABASE_URL, dropSchema, postgresSkip, uniqueName } from '../support/services.js';
import { runConsoleContract } from './console-store.contract.js';

const skip = await postgresSkip();

runConsoleContract(
  'PostgresConsole',
  async () => {
    const schema = uniqueName('console_contract');
    return {
      open: async () => ({
        store: await PostgresStore.open({ connectionString: DATABASE_URL, schema, poolSize: 2 }),
        console: await PostgresConsole.open({ connectionString: DATABASE_URL, schema }),
      }),
      dispose: () => dropSchema(schema),
    };
  },
  { skip },
);
