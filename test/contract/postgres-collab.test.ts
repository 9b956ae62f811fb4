// The TicketStore and DocStore contracts against PostgreSQL at DATABASE_URL: a fresh schema per test.
import { PostgresCollab } from '../../src/server/store/postgres-collab.js';
import { DATABASE_URL, dropSchema, postgresSkip, uniqueName } from '../support/services.js';
import { runTicketStoreContract } from './ticket-store.contract.js';
import { runDocStoreContract } from './doc-store.contract.js';
import type { MakeCollabFixture } from './collab-fixture.js';

const skip = await postgresSkip();

const fixture: MakeCollabFixture = () => {
  const schema = uniqueName('collab_contract');
  return Promise.resolve({
    open: () => PostgresCollab.open({ connectionString: DATABASE_URL, schema, poolSize: 4 }),
    dispose: () => dropSchema(schema),
  });
};

runTicketStoreContract('PostgresCollab', fixture, { skip });
runDocStoreContract('PostgresCollab', fixture, { skip });
