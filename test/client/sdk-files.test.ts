// The SDK's files calls over real HTTP and a real WebSocket: a guest uploads a file read from disk
// (openAsBlob), sends it with a caption, another client receives the descriptor and fetches the
// bytes with fileLinks; refusals are RequestErrors with the server's code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openAsBlob, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { loadConfig } from '../../src/server/config.js';
import { connect, fileLinks, upload, RequestError, type ChatMessage } from '../../src/client/node.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ files: { ...loadConfig([], {}).files, maxBytes: 64 * 1024 } });
});
after(async () => {
  await server.stop();
});

test('upload from disk, send with a caption, the other client gets the descriptor and fetches the bytes', async () => {
  const ada = await connect(server.wsUrl, { nick: 'ada' });
  const bob = await connect(server.wsUrl, { nick: 'bob' });
  await ada.join('sdk-files');
  await bob.join('sdk-files');
  const path = join(server.config.dataDir, 'report.csv');
  writeFileSync(path, 'a,b\n1,2\n');
  const token = ada.resumeToken ?? '';
  const file = await upload(server.wsUrl, token, await openAsBlob(path), 'report.csv');
  assert.equal(file.name, 'report.csv');
  assert.equal(file.size, 8);
  const received = new Promise<ChatMessage>((resolve) => bob.on('message', (message) => message.room === 'sdk-files' && resolve(message)));
  await ada.send('sdk-files', '', { files: [file.id] });
  const message = await received;
  assert.deepEqual(message.files, [file]);
  const [link] = await fileLinks(server.wsUrl, bob.resumeToken ?? '', [file.id]);
  assert.ok(link !== undefined);
  const bytes = await (await fetch(new URL(link.url, server.url))).text();
  assert.equal(bytes, 'a,b\n1,2\n');

  await assert.rejects(
    upload(server.wsUrl, token, new Blob([Buffer.alloc(65 * 1024)]), 'big.bin'),
    (error: unknown) => error instanceof RequestError && error.code === 'too_large' && error.fromServer,
  );
  await assert.rejects(
    upload(server.wsUrl, 'nonsense', new Blob(['x']), 'x.txt'),
    (error: unknown) => error instanceof RequestError && error.code === 'unauthorized',
  );
  ada.close();
  bob.close();
});
