// Threads on SQLite: the shared suite (thread-suite.ts) on one server.
import { before, after } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.js';
import { threadSuite } from './thread-suite.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

threadSuite({ a: () => server, b: () => server });
