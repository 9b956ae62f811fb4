// Another app's users: JWTs signed with HS256, RS256 (public key file) or EdDSA (JWKS file). Every
// token that is not genuine and current is refused with `unauthorized` and close code 4401, and
// nothing the connection pipelined behind it is stored or delivered.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWTPayload } from 'jose';
import { startTestServer, tempDataDir, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { authConfig } from '../support/auth.js';

const SECRET = 'an hs256 secret of at least thirty-two characters';
const ISSUER = 'https://app.example';
const AUDIENCE = 'parley';
const now = (): number => Math.floor(Date.now() / 1000);

function hs256(claims: JWTPayload, secret = SECRET, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...header }).sign(new TextEncoder().encode(secret));
}

const base = (extra: JWTPayload = {}): JWTPayload => ({
  sub: 'user-42',
  name: 'Zoe',
  iss: ISSUER,
  aud: AUDIENCE,
  iat: now(),
  exp: now() + 300,
  ...extra,
});

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Says hello with `token` and pipelines a join and a send; asserts the refusal and that nothing ran. */
async function refused(server: TestServer, token: string, room: string, what: string): Promise<string> {
  const client = await TestClient.connect(server.wsUrl);
  client.sendRaw(JSON.stringify({ id: 1, type: 'hello', token }));
  client.sendRaw(JSON.stringify({ id: 2, type: 'join', room }));
  client.sendRaw(JSON.stringify({ id: 3, type: 'send', room, text: `from ${what}`, cid: what }));
  const closed = await client.closed;
  assert.equal(closed.code, 4401, what);
  const reply = client.frames.find((frame) => frame['id'] === 1);
  assert.equal(reply?.['code'], 'unauthorized', what);
  assert.equal(client.frames.filter((frame) => frame.type === 'ok').length, 0, `${what}: nothing ran`);
  return reply?.['message'] as string;
}

describe('HS256 with issuer and audience', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ auth: authConfig({ jwtSecret: SECRET, jwtIssuer: ISSUER, jwtAudience: AUDIENCE }) });
  });
  after(async () => {
    await server.stop();
  });

  test('a genuine token maps sub to ext:<sub> and takes its name', async () => {
    const client = await TestClient.connect(server.wsUrl);
    const hello = await client.ok('hello', { token: await hs256(base()) });
    assert.deepEqual(hello['user'], { id: 'ext:user-42', name: 'Zoe' });
    assert.equal(hello['kind'], 'external');
    await client.ok('join', { room: 'ext-room' });
    const sent = await client.ok('send', { room: 'ext-room', text: 'hi', cid: 'e1' });
    assert.equal(sent['seq'], 1);
    await client.close();
  });

  test('forged, expired, not yet valid, alg none, wrongly signed, wrong iss/aud: all refused, nothing stored or delivered', async () => {
    const watcher = await TestClient.guest(server.wsUrl, 'watcher');
    await watcher.ok('join', { room: 'guarded' });

    const genuine = await hs256(base());
    const [header, , signature] = genuine.split('.');
    const forged = `${header}.${b64({ ...base(), sub: 'admin', name: 'Admin' })}.${signature}`;
    const algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(base())}.`;
    const algNoneSigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(base())}.${signature}`;
    const cases: [string, string, RegExp][] = [
      ['forged', forged, /signature/],
      ['expired', await hs256(base({ iat: now() - 3600, exp: now() - 60 })), /expired/],
      ['not-yet-valid', await hs256(base({ nbf: now() + 3600 })), /not valid yet/],
      ['alg-none', algNone, /./],
      ['alg-none-signed', algNoneSigned, /./],
      ['wrong-secret', await hs256(base(), 'a different secret of at least thirty-two chars'), /signature/],
      ['wrong-issuer', await hs256(base({ iss: 'https://evil.example' })), /iss/],
      ['wrong-audience', await hs256(base({ aud: 'someone-else' })), /aud/],
      ['no-exp', await hs256({ sub: 'user-42', iss: ISSUER, aud: AUDIENCE }), /exp/],
      ['no-sub', await hs256({ iss: ISSUER, aud: AUDIENCE, exp: now() + 300 }), /sub/],
      ['garbage', 'not.a.jwt', /./],
    ];
    for (const [what, token, reason] of cases) {
      const message = await refused(server, token, 'guarded', what);
      assert.match(message, reason, what);
      assert.ok(!message.includes(token), 'the refusal does not echo the token');
    }
    // Each refused connection closed right in its hello's handler, before the commands held behind
    // the hello were released (they are then dropped, unrun): nothing of them can come after the close.
    await watcher.barrier();
    assert.deepEqual(watcher.pushes('message'), [], 'nothing delivered');
    assert.deepEqual(watcher.pushes('presence'), [], 'nobody joined');
    assert.deepEqual((await watcher.ok('history', { room: 'guarded' }))['messages'], [], 'nothing stored');
    await watcher.close();
  });

  test('every external user can be moderated: a sub whose user id would not fit the verbs is refused at hello', async () => {
    // The longest accepted sub makes the longest user id kick, ban, mute and dm accept (128).
    const longest = 's'.repeat(124);
    const owner = await TestClient.guest(server.wsUrl, 'owner');
    const ext = await TestClient.connect(server.wsUrl);
    try {
      const hello = await ext.ok('hello', { token: await hs256(base({ sub: longest, name: 'Long' })) });
      const id = (hello['user'] as { id: string }).id;
      assert.equal(id.length, 128);
      await owner.ok('create', { room: 'long-ids' });
      await ext.ok('join', { room: 'long-ids' });
      await owner.ok('mute', { room: 'long-ids', user: id, seconds: 60 });
      await owner.ok('kick', { room: 'long-ids', user: id });
      await owner.ok('ban', { room: 'long-ids', user: id });
      await owner.ok('dm', { user: id });
    } finally {
      await owner.close();
      await ext.close();
    }
    for (const sub of ['s'.repeat(125), 's'.repeat(200)]) {
      const message = await refused(server, await hs256(base({ sub })), 'long-ids', `sub of ${sub.length}`);
      assert.match(message, /sub must be 1 to 124 characters.*at most 128/);
    }
  });

  test('a rooms claim limits joins and history to those rooms (forbidden elsewhere)', async () => {
    const guest = await TestClient.guest(server.wsUrl, 'opener');
    await guest.ok('join', { room: 'elsewhere' });
    await guest.ok('send', { room: 'elsewhere', text: 'private-ish', cid: 'o1' });
    const client = await TestClient.connect(server.wsUrl);
    await client.ok('hello', { token: await hs256(base({ sub: 'limited', rooms: ['team'] })) });
    await client.ok('join', { room: 'team' });
    const join = await client.request('join', { room: 'elsewhere' });
    assert.equal(join['code'], 'forbidden');
    const history = await client.request('history', { room: 'elsewhere' });
    assert.equal(history['code'], 'forbidden');
    const send = await client.request('send', { room: 'elsewhere', text: 'x', cid: 'l1' });
    assert.equal(send['code'], 'not_member');
    const rooms = await client.ok('rooms');
    assert.deepEqual(
      (rooms['rooms'] as { room: string }[]).map((r) => r.room),
      ['team'],
    );
    assert.equal(guest.pushes('presence', 'elsewhere').length, 0);
    const bad = await refused(server, await hs256(base({ rooms: 'team' })), 'team', 'rooms-not-a-list');
    assert.match(bad, /rooms/);
    await Promise.all([guest.close(), client.close()]);
  });

  test('a server without a JWT key refuses JWTs', async () => {
    const plain = await startTestServer();
    try {
      const message = await refused(plain, await hs256(base()), 'any', 'no-key-configured');
      assert.match(message, /external tokens/);
    } finally {
      await plain.stop();
    }
  });
});

describe('RS256 public key file and EdDSA JWKS file', () => {
  let server: TestServer;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let ed: Awaited<ReturnType<typeof generateKeyPair>>;
  let pem: string;
  const dir = tempDataDir();

  before(async () => {
    rsa = await generateKeyPair('RS256');
    ed = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    pem = await exportSPKI(rsa.publicKey);
    writeFileSync(join(dir, 'rsa.pem'), pem);
    const jwk = { ...(await exportJWK(ed.publicKey)), kid: 'ed-1', alg: 'EdDSA', use: 'sig' };
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [jwk] }));
    server = await startTestServer({
      auth: authConfig({ jwtPublicKeyFile: join(dir, 'rsa.pem'), jwtJwksFile: join(dir, 'keys.json') }),
    });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const claims = (): JWTPayload => ({ sub: 'kim', name: 'Kim', exp: now() + 300 });

  test('RS256 signed with the private key is accepted', async () => {
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey);
    const client = await TestClient.connect(server.wsUrl);
    const hello = await client.ok('hello', { token });
    assert.deepEqual(hello['user'], { id: 'ext:kim', name: 'Kim' });
    await client.close();
  });

  test('EdDSA signed with the JWKS key is accepted', async () => {
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: 'ed-1' }).sign(ed.privateKey);
    const client = await TestClient.connect(server.wsUrl);
    const hello = await client.ok('hello', { token });
    assert.deepEqual(hello['user'], { id: 'ext:kim', name: 'Kim' });
    await client.close();
  });

  test('another key, HS256 with the public key as secret, alg none and expired are refused', async () => {
    const other = await generateKeyPair('RS256');
    const cases: [string, string][] = [
      ['other-rsa-key', await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(other.privateKey)],
      ['hs256-with-public-key', await hs256(claims(), pem)],
      ['alg-none', `${b64({ alg: 'none' })}.${b64(claims())}.`],
      ['expired-rs256', await new SignJWT({ ...claims(), exp: now() - 60 }).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey)],
      ['unknown-kid', await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: 'nope' }).sign(ed.privateKey)],
    ];
    for (const [what, token] of cases) await refused(server, token, 'asym', what);
  });
});
