// The terminal client as a real process against a real server: it shows the room's recent
// history and live messages, sends what is typed, opens a DM, escapes terminal control sequences,
// and exits once its sends are acknowledged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { parseChatArgs, printable } from '../../src/cli/chat.js';

const CLI = fileURLToPath(new URL('../../src/cli/parley.js', import.meta.url));

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

test('chat arguments: URL forms, required nick, default room', () => {
  assert.deepEqual(parseChatArgs(['ws://h:1', '--nick', 'ada']), { url: 'ws://h:1/', nick: 'ada', room: 'lobby' });
  assert.equal(parseChatArgs(['http://h:1', '--nick', 'ada', '--room', 'dev']).url, 'ws://h:1/');
  assert.equal(parseChatArgs(['h:1', '-n', 'ada']).url, 'ws://h:1/');
  assert.throws(() => parseChatArgs(['ws://h:1']), /--nick/);
  assert.throws(() => parseChatArgs(['--nick', 'x']), /URL/);
  assert.throws(() => parseChatArgs(['ftp://h', '--nick', 'x']), /ws:\/\//);
});

test('control characters in message text are shown, not interpreted', () => {
  assert.equal(printable('a\x1b[31mred\x07'), 'a^[[31mred^G');
  assert.equal(printable('tab\tand\nline'), 'tab\tand\nline');
  assert.equal(printable('c1\u009b2J'), 'c1\\u009b2J');
});

test('parley chat shows history and live messages, sends typed lines, exits when they are acknowledged', async () => {
  const room = 'terminal';
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room });
  await bob.ok('send', { room, text: 'earlier \x1b[2Jmessage', cid: 'b1' });

  const child = spawn(process.execPath, [CLI, 'chat', server.wsUrl, '--nick', 'terminal-user', '--room', room], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // A failed assertion must not leave the child (and so this test process) running.
  const killer = setTimeout(() => child.kill(), 30_000);
  /** Waits for `text` in the output, from offset `after` on (what was printed before does not count). */
  const waitOut = async (text: string, after = 0): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!out.includes(text, after)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}" in:\n${out}\n${err}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  await waitOut('bob: earlier ^[[2Jmessage');
  assert.ok(!out.includes('\x1b[2J'), 'the escape sequence never reaches the terminal raw');
  await bob.ok('send', { room, text: 'live from bob', cid: 'b2' });
  await waitOut('bob: live from bob');

  const received = bob.next((f) => f.type === 'message' && f['text'] === 'hello from the terminal', 'CLI message');
  child.stdin.write('hello from the terminal\n');
  const message = await received;
  assert.equal((message['from'] as { name: string }).name, 'terminal-user');

  // Bob opens a DM: the terminal says so; /dm bob goes there, and what is typed reaches bob alone.
  const { room: dm } = await bob.ok('dm', { user: (message['from'] as { id: string }).id });
  await waitOut('bob wants a direct conversation');
  await bob.ok('join', { room: dm });
  child.stdin.write('/dm bob\n');
  await waitOut(`#${String(dm)}: 2 online`);
  const whispered = bob.next((f) => f.type === 'message' && f['room'] === dm, 'DM from the CLI');
  child.stdin.write('psst, bob\n');
  assert.equal((await whispered)['text'], 'psst, bob');
  const before = out.length;
  child.stdin.write(`/join ${room}\n`);
  await waitOut(`#${room}: 2 online`, before);
  const searched = out.length;
  child.stdin.write('/search LIVE\n');
  await waitOut('1 in #terminal contain "LIVE"', searched);
  await waitOut('bob: live from bob', searched);

  child.stdin.end('and one more before leaving\n');
  assert.equal(await exited, 0, err);
  clearTimeout(killer);
  const history = await bob.ok('history', { room });
  assert.deepEqual(
    (history['messages'] as { text: string }[]).map((m) => m.text),
    ['earlier \x1b[2Jmessage', 'live from bob', 'hello from the terminal', 'and one more before leaving'],
  );
  await bob.close();
});

test('parley chat without --nick prints usage and exits 2', async () => {
  const child = spawn(process.execPath, [CLI, 'chat', server.wsUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 2);
  assert.match(err, /usage: parley chat/);
});
