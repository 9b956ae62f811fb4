// The server API under abuse, over real HTTP: a flood from one key is refused with 429 and
// Retry-After while another key is untouched; the CLI makes, lists and revokes keys against the
// data dir of a running server, and its key works (and then stops working) there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { call, makeKey } from '../support/api-v1.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/parley.js', import.meta.url));

let server: TestServer;

before(async () => {
  server = await startTestServer({ apiKeyRate: { perSecond: 0.01, burst: 5 } });
  const client = await TestClient.guest(server.wsUrl, 'maker');
  await client.ok('join', { room: 'flood' });
  await client.close();
});
after(async () => {
  await server.stop();
});

async function parley(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args, '--data-dir', server.config.dataDir], { env: { PATH: process.env['PATH'] ?? '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('a flood from one key is 429 with Retry-After past its burst; another key still posts', async () => {
  const { key } = await makeKey(server.config, 'flooder', ['publish']);
  const { key: calm } = await makeKey(server.config, 'calm', ['publish']);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => call(server.url, 'POST', '/api/v1/rooms/flood/messages', { key, body: { text: `m${i}` } })),
  );
  const statuses = answers.map((answer) => answer.status);
  assert.equal(statuses.filter((status) => status === 201).length, 5, statuses.join(','));
  const refused = answers.find((answer) => answer.status === 429);
  assert.equal(refused?.body['error'], 'rate_limited');
  assert.ok(Number(refused?.headers.get('retry-after')) >= 1);
  assert.equal((await call(server.url, 'POST', '/api/v1/rooms/flood/messages', { key: calm, body: { text: 'still here' } })).status, 201);
  const broadcast = await call(server.url, 'POST', '/api/v1/broadcast', { key: calm, body: { rooms: ['flood', 'a', 'b', 'c', 'd', 'e'], text: 'x' } });
  assert.equal(broadcast.status, 429, 'a broadcast costs one token per room');
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /parley_api_requests_total\{route="\/api\/v1\/rooms\/:room\/messages",status="429"\} 15/);
});

test('parley keys create / list / revoke against the running server’s data dir', async () => {
  const created = await parley(['keys', 'create', '--name', 'cli key', '--scopes', 'publish,read', '--bot', 'cli-bot']);
  assert.equal(created.code, 0, created.stderr);
  const key = created.stdout.trim();
  assert.match(key, /^pk_[A-Za-z0-9_-]{43}$/, 'stdout is the key alone');
  assert.match(created.stderr, /shown once/);
  const posted = await call(server.url, 'POST', '/api/v1/rooms/flood/messages', { key, body: { text: 'from the cli key' } });
  assert.equal(posted.status, 201, posted.text);

  const listed = await parley(['keys', 'list']);
  const line = listed.stdout.split('\n').find((row) => row.includes('cli key'));
  assert.ok(line !== undefined, listed.stdout);
  assert.ok(!listed.stdout.includes(key), 'the key itself is never shown again');
  const [id, , scopes, bot, , state] = line.split('\t');
  assert.deepEqual([scopes, bot, state], ['publish,read', 'bot:cli-bot', 'active']);

  const revoked = await parley(['keys', 'revoke', id ?? '']);
  assert.equal(revoked.code, 0, revoked.stderr);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal((await call(server.url, 'POST', '/api/v1/rooms/flood/messages', { key, body: { text: 'after revoke' } })).status, 401);
  assert.equal((await parley(['keys', 'revoke', id ?? ''])).code, 1, 'revoking twice fails');
  assert.match((await parley(['keys', 'list'])).stdout, /\trevoked /);
});

test('parley keys refuses bad input with usage and exit 2', async () => {
  for (const args of [
    ['keys', 'create', '--scopes', 'publish'],
    ['keys', 'create', '--name', 'x', '--scopes', 'publish,root'],
    ['keys', 'create', '--name', 'x', '--scopes', 'read', '--bot', 'Bad Bot'],
    ['hooks', 'create', '--room', 'Not A Room'],
  ]) {
    const answer = await parley(args);
    assert.equal(answer.code, 2, `${args.join(' ')}: ${answer.stderr}`);
    assert.match(answer.stderr, /usage: parley keys/);
  }
});

test('parley hooks create prints a path that posts to the room', async () => {
  const created = await parley(['hooks', 'create', '--room', 'flood']);
  assert.equal(created.code, 0, created.stderr);
  const path = created.stdout.trim();
  assert.match(path, /^\/hooks\/hk_/);
  const posted = await call(server.url, 'POST', path, { body: { text: 'from a hook' } });
  assert.equal(posted.status, 200, posted.text);
  const listed = await parley(['hooks', 'list']);
  assert.match(listed.stdout, /\tflood\tbot:webhook\t/);
  const id = listed.stdout.split('\t')[0] ?? '';
  assert.equal((await parley(['hooks', 'delete', id])).code, 0);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal((await call(server.url, 'POST', path, { body: { text: 'gone' } })).status, 404);
});
