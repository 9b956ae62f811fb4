// The admin console across two processes sharing PostgreSQL and Redis: the live view on either
// shows both processes' figures, an admin granted on one is an admin on the other within a
// second, and an account disabled on one is signed out of its connection on the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { sharedNodes } from '../support/cluster.js';
import { register } from '../support/auth.js';
import { call } from '../support/api-v1.js';
import { openConsoleStore } from '../../src/server/backends.js';
import { uniqueName } from '../support/services.js';

const { skip, nodes } = await sharedNodes('console_cluster', 2, { consoleSampleMs: 200 });

const as = (node: TestServer, token: string, method: string, path: string, body?: unknown) =>
  call(node.url, method, path, { headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body }) });

test("one console shows every process's figures; grants and disables hold on both", { skip }, async () => {
  const [one, two] = nodes as [TestServer, TestServer];
  const root = await register(one.url, uniqueName('root').slice(0, 30));
  const store = await openConsoleStore(one.config);
  try {
    await store.grantAdmin(root.id, 'cli', Date.now());
  } finally {
    await store.close();
  }
  // Both processes appear in either's live view.
  const deadline = Date.now() + 10_000;
  let processes: string[] = [];
  while (Date.now() < deadline && processes.length < 2) {
    const live = await as(two, root.token, 'GET', '/api/v1/admin/live');
    assert.equal(live.status, 200, live.text);
    processes = (live.body['processes'] as { process: string }[]).map((p) => p.process);
    if (processes.length < 2) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(new Set(processes).size, 2, `two processes in one view: ${processes.join(', ')}`);

  // An account disabled through node one: its connection on node two closes.
  const member = await register(two.url, uniqueName('member').slice(0, 30));
  const client = await TestClient.connect(two.wsUrl);
  await client.ok('hello', { token: member.token });
  const closed = client.closed;
  assert.equal((await as(one, root.token, 'PUT', `/api/v1/admin/users/${member.id}/disabled`, { disabled: true })).status, 204);
  assert.equal((await closed).code, 4401);
  // A second admin made on node two works on node one.
  assert.equal((await as(two, root.token, 'PUT', `/api/v1/admin/admins/${member.id}`)).status, 204);
  const again = await register(one.url, uniqueName('again').slice(0, 30));
  assert.equal((await as(one, again.token, 'GET', '/api/v1/admin/admins')).status, 403);
});
