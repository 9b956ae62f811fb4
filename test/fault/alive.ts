// After an attack: the same process still runs, answers GET /healthz, and two honest clients chat.
import assert from 'node:assert/strict';
import type { ServerProcess } from '../support/process.js';
import { honestChat } from '../support/raw-ws.js';

export async function assertAlive(server: ServerProcess, pid: number, tag: string): Promise<void> {
  assert.equal(server.child.exitCode, null, `the server exited after ${tag}`);
  assert.equal(server.child.pid, pid);
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200, `GET /healthz after ${tag}`);
  await honestChat(server.wsUrl, tag);
}
