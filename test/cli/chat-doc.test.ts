// `parley chat`'s /doc: the room's shared document printed as text, as a stock Yjs provider wrote it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { converged, openEditor } from '../support/yjs.js';

const CLI = fileURLToPath(new URL('../../src/cli/parley.js', import.meta.url));
let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

test('/doc prints the room’s document, line by line', async () => {
  const room = 'terminal-doc';
  const ada = await TestClient.guest(server.wsUrl, 'ada');
  await ada.ok('create', { room });
  const editor = await openEditor(server.url, ada, room);
  editor.text.insert(0, 'Title line\nsecond line');
  const check = await openEditor(server.url, ada, room);
  await converged([editor, check], 'Title line\nsecond line');

  const child = spawn(process.execPath, [CLI, 'chat', server.wsUrl, '--nick', 'reader', '--room', room], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill(), 30_000);
  child.stdin.write('/doc\n');
  // Piped input ends the client at once: wait for the document first.
  const deadline = Date.now() + 15_000;
  while (!/^second line$/m.test(out)) {
    if (Date.now() > deadline) throw new Error(`no document in:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.stdin.end();
  assert.equal(await exited, 0);
  clearTimeout(killer);
  assert.match(out, /terminal-doc's document:/);
  assert.match(out, /^Title line$/m);
  assert.match(out, /^second line$/m);
  editor.destroy();
  check.destroy();
  await ada.close();
});
