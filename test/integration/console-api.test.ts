// The admin console's API over real HTTP against SQLite, tried as an attacker would: every
// /api/v1/admin route refuses no credential (401), a bad token (401), a signed-in user who is no
// admin (403) and a key without the admin scope (403); `parley admin grant` makes the first admin,
// whose session token then works; accounts are disabled (signed out, refused at login) and
// enabled, passwords reset, owners changed, bans lifted, keys made and rotated, and every act
// lands in the audit log, exported as CSV with formula-looking fields defused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { api, register } from '../support/auth.js';
import { call, makeKey } from '../support/api-v1.js';
import { admin as adminCli } from '../../src/cli/admin.js';
import { loadConfig } from '../../src/server/config.js';

let server: TestServer;
let root: { token: string; id: string };

const ROUTES: [string, string, unknown?][] = [
  ['GET', '/api/v1/admin/live'],
  ['GET', '/api/v1/admin/rooms'],
  ['PUT', '/api/v1/admin/rooms/lobby/archived', { archived: true }],
  ['DELETE', '/api/v1/admin/rooms/lobby'],
  ['PUT', '/api/v1/admin/rooms/lobby/owner', { user: 'g_x' }],
  ['GET', '/api/v1/admin/users'],
  ['GET', '/api/v1/admin/users/g_x'],
  ['PUT', '/api/v1/admin/users/g_x/disabled', { disabled: true }],
  ['POST', '/api/v1/admin/users/g_x/signout'],
  ['PUT', '/api/v1/admin/users/g_x/password', { password: 'a new password' }],
  ['DELETE', '/api/v1/admin/users/g_x/restrictions/lobby/ban'],
  ['GET', '/api/v1/admin/admins'],
  ['PUT', '/api/v1/admin/admins/g_x'],
  ['DELETE', '/api/v1/admin/admins/g_x'],
  ['GET', '/api/v1/admin/audit'],
  ['GET', '/api/v1/admin/audit?format=csv'],
  ['GET', '/api/v1/admin/keys'],
  ['POST', '/api/v1/admin/keys', { name: 'x', scopes: ['admin'] }],
  ['POST', '/api/v1/admin/keys/k_x/rotate'],
  ['DELETE', '/api/v1/admin/keys/k_x'],
  ['GET', '/api/v1/admin/hooks'],
  ['POST', '/api/v1/admin/hooks', { room: 'lobby' }],
  ['DELETE', '/api/v1/admin/hooks/h_x'],
  ['GET', '/api/v1/admin/webhooks'],
  ['POST', '/api/v1/admin/webhooks/wh_x/enable'],
  ['GET', '/api/v1/admin/webhooks/wh_x/deliveries'],
  ['POST', '/api/v1/admin/webhooks/wh_x/deliveries/msg_x/resend'],
  ['DELETE', '/api/v1/admin/webhooks/wh_x'],
];

before(async () => {
  const defaults = loadConfig([], {});
  // A local receiver's address may be subscribed (the address guard refuses it otherwise).
  server = await startTestServer({ consoleSampleMs: 200, webhooks: { ...defaults.webhooks, allowPrivate: ['127.0.0.1'] } });
  root = await register(server.url, 'rootadmin');
  const notes: string[] = [];
  assert.equal(
    await adminCli(
      ['grant', 'RootAdmin', '--data-dir', server.config.dataDir],
      () => undefined,
      (line) => notes.push(line),
    ),
    0,
    notes.join('\n'),
  );
  assert.match(notes.join('\n'), /is a server admin now/);
});
after(() => server.stop());

const as = (token: string, method: string, path: string, body?: unknown) =>
  call(server.url, method, path, { headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body }) });

test('every console route refuses no credential, a bad token, a user who is no admin and a key without the admin scope', async () => {
  const plain = await register(server.url, 'plainuser');
  const reader = (await makeKey(server.config, 'reader', ['read', 'publish'])).key;
  for (const [method, path, body] of ROUTES) {
    const what = `${method} ${path}`;
    const none = await call(server.url, method, path, body === undefined ? {} : { body });
    assert.equal(none.status, 401, `${what} without a credential: ${none.text}`);
    const forged = await as('not-a-session-token', method, path, body);
    assert.equal(forged.status, 401, `${what} with a bad token`);
    const jwtish = await as('eyJhbGciOiJub25lIn0.eyJzdWIiOiJyb290YWRtaW4ifQ.', method, path, body);
    assert.equal(jwtish.status, 401, `${what} with an unsigned JWT`);
    const user = await as(plain.token, method, path, body);
    assert.equal(user.status, 403, `${what} as a user who is no admin: ${user.text}`);
    assert.equal(user.body['error'], 'forbidden');
    const key = await call(server.url, method, path, { key: reader, ...(body === undefined ? {} : { body }) });
    assert.equal(key.status, 403, `${what} with a key lacking admin`);
  }
  // Nothing those tries asked for happened.
  const audit = await as(root.token, 'GET', '/api/v1/admin/audit');
  assert.deepEqual(
    (audit.body['entries'] as { action: string }[]).map((entry) => entry.action),
    ['admin.grant'],
  );
});

test('an admin disables an account (its connection closes, its login is refused), enables it, resets its password', async () => {
  const victim = await register(server.url, 'disableme');
  const client = await TestClient.connect(server.wsUrl);
  await client.ok('hello', { token: victim.token });
  const closed = client.closed;
  assert.equal((await as(root.token, 'PUT', `/api/v1/admin/users/${victim.id}/disabled`, { disabled: true })).status, 204);
  assert.equal((await closed).code, 4401);
  const login = await api(server.url, '/api/login', { username: 'disableme', password: 'correct horse battery' });
  assert.equal(login.status, 403);
  assert.match(String(login.body['message']), /disabled/);
  const listed = await as(root.token, 'GET', '/api/v1/admin/users?search=disableme');
  assert.equal(typeof (listed.body['users'] as { disabledAt?: number }[])[0]?.disabledAt, 'number');
  assert.equal((await as(root.token, 'PUT', `/api/v1/admin/users/${victim.id}/disabled`, { disabled: false })).status, 204);
  assert.equal((await api(server.url, '/api/login', { username: 'disableme', password: 'correct horse battery' })).status, 200);
  assert.equal((await as(root.token, 'PUT', `/api/v1/admin/users/${victim.id}/password`, { password: 'brand new secret' })).status, 204);
  assert.equal((await api(server.url, '/api/login', { username: 'disableme', password: 'correct horse battery' })).status, 401);
  assert.equal((await api(server.url, '/api/login', { username: 'disableme', password: 'brand new secret' })).status, 200);
  // Not an account, not oneself, and bad bodies.
  const guest = await TestClient.connect(server.wsUrl);
  const guestId = ((await guest.ok('hello', { nick: 'guesty' }))['user'] as { id: string }).id;
  assert.equal((await as(root.token, 'PUT', `/api/v1/admin/users/${guestId}/disabled`, { disabled: true })).status, 404, 'a guest is no account');
  assert.equal((await as(root.token, 'PUT', `/api/v1/admin/users/${root.id}/disabled`, { disabled: true })).status, 403, 'an admin keeps its own account');
  assert.equal((await as(root.token, 'PUT', `/api/v1/admin/users/${victim.id}/password`, { password: 'short' })).status, 400);
  assert.equal((await as(root.token, 'PUT', `/api/v1/admin/users/${victim.id}/disabled`, { disabled: 'yes' })).status, 400);
  assert.equal((await as(root.token, 'PUT', '/api/v1/admin/users/u_nobody/disabled', { disabled: true })).status, 404);
  await guest.close();
  await client.close();
});

test('admins moderate every room: change its owner, lift a ban; grants and revokes take effect at once', async () => {
  const owner = await register(server.url, 'roomowner');
  const heir = await register(server.url, 'roomheir');
  const ownerClient = await TestClient.connect(server.wsUrl);
  await ownerClient.ok('hello', { token: owner.token });
  await ownerClient.ok('create', { room: 'guild', private: true });
  await ownerClient.ok('invite', { room: 'guild', user: heir.id });
  await ownerClient.ok('ban', { room: 'guild', user: heir.id });
  const detail = await as(root.token, 'GET', `/api/v1/admin/users/${heir.id}`);
  assert.deepEqual(
    (detail.body['restrictions'] as { room: string; kind: string }[]).map((r) => [r.room, r.kind]),
    [['guild', 'ban']],
  );
  assert.equal((await as(root.token, 'DELETE', `/api/v1/admin/users/${heir.id}/restrictions/guild/ban`)).status, 204, 'the admin is no member of guild');
  assert.equal((await as(root.token, 'PUT', '/api/v1/admin/rooms/guild/owner', { user: heir.id })).status, 204);
  const rooms = await as(root.token, 'GET', '/api/v1/admin/rooms?search=guil');
  assert.deepEqual(
    (rooms.body['rooms'] as { room: string; owner?: string; private: boolean }[]).map((r) => [r.room, r.owner, r.private]),
    [['guild', heir.id, true]],
  );
  // A second admin, granted from the console: works at once; revoked: refused at once.
  assert.equal((await as(root.token, 'PUT', `/api/v1/admin/admins/${owner.id}`)).status, 204);
  assert.equal((await as(owner.token, 'GET', '/api/v1/admin/admins')).status, 200);
  assert.equal((await as(root.token, 'DELETE', `/api/v1/admin/admins/${owner.id}`)).status, 204);
  assert.equal((await as(owner.token, 'GET', '/api/v1/admin/admins')).status, 403);
  assert.equal((await as(root.token, 'DELETE', `/api/v1/admin/admins/${owner.id}`)).status, 404);
  await ownerClient.close();
});

test('keys are made, rotated and revoked over the API; the audit log has every act and exports safe CSV', async () => {
  const made = await as(root.token, 'POST', '/api/v1/admin/keys', { name: '=HYPERLINK("x")', scopes: ['read'] });
  assert.equal(made.status, 201, made.text);
  const key = String(made.body['key']);
  const id = String((made.body['record'] as { id: string }).id);
  assert.equal((await call(server.url, 'GET', '/api/v1/admin/keys', { key })).status, 403, 'the new key works, and has only its scopes');
  const rotated = await as(root.token, 'POST', `/api/v1/admin/keys/${id}/rotate`);
  assert.equal(rotated.status, 201);
  const fresh = String(rotated.body['key']);
  assert.notEqual(fresh, key);
  const keys = (await as(root.token, 'GET', '/api/v1/admin/keys')).body['keys'] as { id: string; revokedAt?: number }[];
  assert.equal(typeof keys.find((k) => k.id === id)?.revokedAt, 'number', 'the old key is revoked');
  for (const bad of [
    { name: '', scopes: ['read'] },
    { name: 'x', scopes: [] },
    { name: 'x', scopes: ['root'] },
    { name: 'x', scopes: ['read'], bot: 'Bad Bot' },
  ]) {
    assert.equal((await as(root.token, 'POST', '/api/v1/admin/keys', bad)).status, 400, JSON.stringify(bad));
  }
  const audit = await as(root.token, 'GET', '/api/v1/admin/audit?limit=200');
  const actions = (audit.body['entries'] as { action: string }[]).map((entry) => entry.action);
  for (const action of [
    'admin.grant',
    'user.disable',
    'user.enable',
    'user.password',
    'room.unban',
    'room.owner',
    'admin.revoke',
    'key.create',
    'key.rotate',
  ]) {
    assert.ok(actions.includes(action), `${action} in ${actions.join(',')}`);
  }
  const csv = await as(root.token, 'GET', '/api/v1/admin/audit?format=csv&limit=200');
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
  assert.match(csv.headers.get('content-disposition') ?? '', /attachment/);
  const lines = csv.text.trim().split('\r\n');
  assert.equal(lines[0], 'id,time,actor_id,actor_name,action,room,target,detail');
  assert.ok(
    lines.some((line) => line.includes(`"'=HYPERLINK(""x"") (read)"`)),
    'a formula is defused and quoted',
  );
});

test("the console lists every key's webhook subscriptions and deletes one; an unknown one is 404", async () => {
  const ops = (await makeKey(server.config, 'ops-hooks', ['admin'])).key;
  const made = await call(server.url, 'POST', '/api/v1/webhooks', { key: ops, body: { url: 'http://127.0.0.1:9/parley', events: ['message.created'] } });
  assert.equal(made.status, 201, made.text);
  const id = String(made.body['id']);
  const listed = await as(root.token, 'GET', '/api/v1/admin/webhooks');
  const mine = (listed.body['webhooks'] as { id: string; owner: string; queued: number; enabled: boolean }[]).find((hook) => hook.id === id);
  assert.equal(mine?.enabled, true);
  assert.equal(typeof mine?.owner, 'string');
  assert.equal((await as(root.token, 'POST', '/api/v1/admin/webhooks/wh_nothing/enable')).status, 404);
  assert.equal((await as(root.token, 'DELETE', `/api/v1/admin/webhooks/${id}`)).status, 204);
  assert.deepEqual((await call(server.url, 'GET', '/api/v1/webhooks', { key: ops })).body['webhooks'], [], 'gone for its key too');
  const audit = (await as(root.token, 'GET', '/api/v1/admin/audit')).body['entries'] as { action: string; target?: string }[];
  assert.ok(audit.some((entry) => entry.action === 'webhook.delete' && entry.target === id));
});

test('the live view shows this process under load, with the figures /metrics serves', async () => {
  const clients = await Promise.all(['l1', 'l2', 'l3'].map((nick) => TestClient.guest(server.wsUrl, nick)));
  for (const client of clients) await client.ok('join', { room: 'busy' });
  const metric = async (name: string): Promise<number> => {
    const text = (await call(server.url, 'GET', '/metrics')).text;
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  };
  type Sample = { at: number; connections: number; users: number; messagesPerSec: number; deliveriesPerSec: number };
  const latest = async (): Promise<Sample | undefined> => {
    const live = await as(root.token, 'GET', '/api/v1/admin/live');
    assert.equal(live.body['intervalMs'], 200);
    const [mine] = live.body['processes'] as { samples: Sample[] }[];
    return mine?.samples.at(-1);
  };
  const before = (await latest())?.at ?? 0;
  let cid = 0;
  let seen: Sample | undefined;
  // Sending until a sample taken after the load began shows it (samples are 200 ms apart here).
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const client of clients) await client.ok('send', { room: 'busy', text: 'load', cid: `c${++cid}` });
    const sample = await latest();
    if (sample !== undefined && sample.at > before && sample.messagesPerSec > 0) {
      seen = sample;
      break;
    }
  }
  assert.ok(seen !== undefined, 'a sample with messages came');
  assert.ok(seen.deliveriesPerSec >= seen.messagesPerSec, 'every message reached the three members');
  assert.equal(seen.connections, await metric('parley_connections'), 'connections as /metrics says (nothing connected or left since)');
  assert.ok(seen.users >= 3);
  for (const client of clients) await client.close();
});
