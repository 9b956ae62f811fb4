// Files on SQLite with the bytes under the data directory: the shared suite (file-suite.ts) on one
// server, and the bounds that need a server of their own (size, daily bytes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { guestWithToken } from '../support/client.js';
import { blobCount, streamUpload, upload } from '../support/files.js';
import { call, makeKey } from '../support/api-v1.js';
import { fileSuite } from './file-suite.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

fileSuite({ a: () => server, b: () => server, blobs: () => Promise.resolve(blobCount(join(server.config.dataDir, 'files'))) });

test('an oversize upload is refused mid-stream (413 too_large) long before its end, and nothing is kept', async () => {
  const small = await startTestServer({ files: { ...server.config.files, maxBytes: 1024 * 1024 } });
  try {
    const alice = await guestWithToken(small.wsUrl, 'alice');
    const total = 512 * 1024 * 1024;
    const refused = await streamUpload(small.url, alice.resume, total);
    assert.equal(refused.status, 413);
    assert.equal((JSON.parse(refused.body) as { error: string }).error, 'too_large');
    assert.ok(refused.written < total / 4, `the answer came after ${refused.written} of ${total} bytes`);
    assert.equal(blobCount(join(small.config.dataDir, 'files')), 0);
    // One byte under the limit passes.
    assert.equal((await upload(small.url, alice.resume, 'ok.bin', Buffer.alloc(1024 * 1024 - 1, 1))).status, 201);
    await alice.client.close();
  } finally {
    await small.stop();
  }
});

test("a user's daily upload bytes are bounded (429 quota_exceeded); another user is not affected", async () => {
  const bounded = await startTestServer({ files: { ...server.config.files, dailyBytesPerUser: 10_000 } });
  try {
    const alice = await guestWithToken(bounded.wsUrl, 'alice');
    const bob = await guestWithToken(bounded.wsUrl, 'bob');
    assert.equal((await upload(bounded.url, alice.resume, 'a', Buffer.alloc(6000, 1))).status, 201);
    const over = await upload(bounded.url, alice.resume, 'b', Buffer.alloc(6000, 2));
    assert.equal(over.status, 429);
    assert.equal(over.body['error'], 'quota_exceeded');
    assert.ok(Number(over.headers.get('retry-after')) > 0);
    assert.equal((await upload(bounded.url, bob.resume, 'c', Buffer.alloc(6000, 3))).status, 201);
    await Promise.all([alice.client.close(), bob.client.close()]);
  } finally {
    await bounded.stop();
  }
});

test('the server API: a key uploads as its bot, posts the file to a room, and reads it back; a read-only key may not upload', async () => {
  const publisher = (await makeKey(server.config, 'shop', ['publish'], 'shop')).key;
  const reader = (await makeKey(server.config, 'dash', ['read'])).key;
  const watcher = await guestWithToken(server.wsUrl, 'watcher');
  await watcher.client.ok('join', { room: 'invoices' });
  const uploaded = await upload(server.url, publisher, 'invoice.pdf', '%PDF-1.4\n%fake\n', '/api/v1/files');
  assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
  assert.equal(uploaded.body['type'], 'application/pdf');
  const id = uploaded.body['id'] as string;
  const pushed = watcher.client.next((frame) => frame.type === 'message' && frame['room'] === 'invoices', 'the bot post');
  const posted = await call(server.url, 'POST', '/api/v1/rooms/invoices/messages', { key: publisher, body: { text: 'Invoice 4711', files: [id] } });
  assert.equal(posted.status, 201, posted.text);
  assert.deepEqual(
    ((await pushed)['files'] as { id: string }[]).map((file) => file.id),
    [id],
  );
  const read = await call(server.url, 'GET', `/api/v1/files/${id}`, { key: reader });
  assert.equal(read.status, 200);
  assert.equal(read.text, '%PDF-1.4\n%fake\n');
  assert.equal(read.headers.get('content-disposition')?.startsWith('attachment;'), true);
  assert.equal((await upload(server.url, reader, 'x.txt', 'x', '/api/v1/files')).status, 403);
  assert.equal((await call(server.url, 'GET', `/api/v1/files/${id}`, { key: 'pk_nonsense' })).status, 401);
  assert.equal((await call(server.url, 'GET', '/api/v1/files/f_unknown', { key: reader })).status, 404);
  await watcher.client.close();
});

test('uploads per user per hour are bounded (429 rate_limited with Retry-After), whatever their size', async () => {
  const bounded = await startTestServer({ files: { ...server.config.files, uploadsPerHour: 2 } });
  try {
    const alice = await guestWithToken(bounded.wsUrl, 'alice');
    const bob = await guestWithToken(bounded.wsUrl, 'bob');
    for (const name of ['a', 'b']) assert.equal((await upload(bounded.url, alice.resume, name, 'x')).status, 201);
    const third = await upload(bounded.url, alice.resume, 'c', 'x');
    assert.equal(third.status, 429);
    assert.equal(third.body['error'], 'rate_limited');
    assert.ok(Number(third.headers.get('retry-after')) > 0);
    assert.equal((await upload(bounded.url, bob.resume, 'd', 'x')).status, 201);
    await Promise.all([alice.client.close(), bob.client.close()]);
  } finally {
    await bounded.stop();
  }
});
