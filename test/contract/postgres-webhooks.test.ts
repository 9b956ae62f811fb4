// The WebhookStore contract against PostgreSQL at DATABASE_URL: a fresh schema per test.
import { PostgresStore } from '../../src/server/store/postgres.js';
import { PostgresWebhooks } from '../../src/server/store/postgres-webhooks.js';
import { DATABASE_URL, dropSchema, postgresSkip, uniqueName } from '../support/services.js';
import { runWebhookStoreContract } from './webhook-store.contract.js';

const skip = await postgresSkip();

runWebhookStoreContract(
  'PostgresWebhooks',
  async () => {
    const schema = uniqueName('webhooks_contract');
    return {
      open: async () => ({
        store: await PostgresStore.open({ connectionString: DATABASE_URL, schema, poolSize: 2 }),
        hooks: await PostgresWebhooks.open({ connectionString: DATABASE_URL, schema }),
      }),
      dispose: () => dropSchema(schema),
    };
  },
  { skip },
);
