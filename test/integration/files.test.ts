// Files on SQLite with the bytes under the data directory: the shared suite (file-suite.ts) on one
// server (its bounds on a second one, with FILE_BOUNDS), the server API's uploads and the collection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { guestWithToken } from '../support/client.js';
import { blobCount, fetchBytes, links, upload } from '../support/files.js';
import { call, makeKey } from '../support/api-v1.js';
import { FILE_BOUNDS, fileSuite } from './file-suite.js';

let server: TestServer;
let bounded: TestServer;
before(async () => {
  server = await startTestServer();
  bounded = await startTestServer({ files: { ...server.config.files, ...FILE_BOUNDS } });
});
after(async () => {
  await Promise.all([server.stop(), bounded.stop()]);
});

const blobsOf = (node: () => TestServer) => (): Promise<number> => Promise.resolve(blobCount(join(node().config.dataDir, 'files')));
fileSuite({
  a: () => server,
  b: () => server,
  blobs: blobsOf(() => server),
  bounded: { a: () => bounded, b: () => bounded, blobs: blobsOf(() => bounded) },
  twoProcesses: false,
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

test('uploads no message claimed are collected, with their blobs, past PARLEY_FILE_UNATTACHED_TTL_MS; attached ones stay', async () => {
  const files = { ...server.config.files, unattachedTtlMs: 1 };
  const first = await startTestServer({ files });
  const { dataDir } = first.config;
  const blobs = (): number => blobCount(join(dataDir, 'files'));
  let second: TestServer | undefined;
  try {
    const alice = await guestWithToken(first.wsUrl, 'alice');
    await alice.client.ok('join', { room: 'keep' });
    const kept = (await upload(first.url, alice.resume, 'kept.txt', 'attached to a message')).body['id'] as string;
    await alice.client.ok('send', { room: 'keep', text: 'kept', cid: 'k1', files: [kept] });
    assert.equal((await upload(first.url, alice.resume, 'left.txt', 'never attached')).status, 201);
    assert.equal(blobs(), 2);
    await alice.client.close();
    await first.stop({ keepData: true });
    // A start collects at once (and every 10 minutes after): the unattached upload is older than 1 ms.
    second = await startTestServer({ files, dataDir });
    const deadline = Date.now() + 10_000;
    while (blobs() > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(blobs(), 1);
    // The data dir keeps the server's secret: the guest's resume token still names alice.
    const [link] = await links(second.url, alice.resume, [kept]);
    const got = await fetchBytes(second.url, link?.url ?? '');
    assert.equal(got.status, 200);
    assert.equal(got.bytes.toString(), 'attached to a message');
  } finally {
    await (second ?? first).stop();
  }
});
