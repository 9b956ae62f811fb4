// The threads suite (test/integration/thread-suite.ts) on two server processes sharing PostgreSQL
// and Redis: replies, summaries, follows and per-thread markers cross processes.
import { twoProcessCluster } from '../support/cluster.js';
import { TEST_JOIN_CREATES } from '../support/server.js';
import { threadSuite } from '../integration/thread-suite.js';

const { skip, node } = await twoProcessCluster(TEST_JOIN_CREATES);

threadSuite({ a: () => node(0), b: () => node(1), skip });
