// The terminal client as a real process against a real server: it shows the room's recent
// history and live messages (edits, deletes and reactions too), sends what is typed, opens a DM
// shown by the person's name, shows and answers threads, escapes terminal control sequences,
// signs in to accounts, explains what is wrong in sentences, and exits once its sends are
// acknowledged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { register } from '../support/auth.js';
import { call, makeKey } from '../support/api-v1.js';
import { ChatUsageError, parseChatArgs, printable } from '../../src/cli/chat.js';

const CLI = fileURLToPath(new URL('../../src/cli/parley.js', import.meta.url));

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

test('chat arguments: URL forms, required nick, default room', () => {
  assert.deepEqual(parseChatArgs(['ws://h:1', '--nick', 'ada']), { url: 'ws://h:1/', identity: { kind: 'guest', nick: 'ada' }, room: 'lobby' });
  assert.equal(parseChatArgs(['http://h:1', '--nick', 'ada', '--room', 'dev']).url, 'ws://h:1/');
  assert.equal(parseChatArgs(['h:1', '-n', 'ada']).url, 'ws://h:1/');
  assert.throws(() => parseChatArgs(['ws://h:1']), /--nick/);
  assert.throws(() => parseChatArgs(['--nick', 'x']), /URL/);
  assert.throws(() => parseChatArgs(['ftp://h', '--nick', 'x']), /ws:\/\//);
});

test('chat arguments: accounts sign in with --user or --token, exactly one identity', () => {
  assert.deepEqual(parseChatArgs(['ws://h:1', '--user', 'ada']).identity, { kind: 'account', username: 'ada' });
  assert.deepEqual(parseChatArgs(['ws://h:1', '-t', 'pst_x', '-r', '#dev']), { url: 'ws://h:1/', identity: { kind: 'token', token: 'pst_x' }, room: 'dev' });
  assert.throws(() => parseChatArgs(['ws://h:1', '--nick', 'ada', '--user', 'ada']), { message: 'give only one of --nick and --user' });
});

test('chat argument errors are sentences that say what to type instead', () => {
  const refusal = (argv: string[]): string => {
    try {
      parseChatArgs(argv);
    } catch (error) {
      assert.ok(error instanceof ChatUsageError);
      return error.message;
    }
    throw new Error(`accepted ${argv.join(' ')}`);
  };
  assert.equal(refusal(['ws://h:1']), 'say who you are: --nick NAME to chat as a guest, or --user NAME to sign in to an account');
  assert.equal(refusal(['--nick', 'x']), "give the server's URL first, e.g. parley chat ws://localhost:8080 --nick ada");
  assert.equal(refusal(['ws://[nope', '--nick', 'x']), '"ws://[nope" is not a server URL; give one like ws://localhost:8080');
  assert.equal(refusal(['ftp://h', '--nick', 'x']), 'the URL must start with ws://, wss://, http:// or https://, not ftp://; e.g. ws://localhost:8080');
  assert.equal(
    refusal(['ws://h:1', '--nick', 'x'.repeat(33)]),
    `the nick "${'x'.repeat(33)}" cannot be used: it must be at most 32 characters. Pick another with --nick`,
  );
  assert.equal(
    refusal(['ws://h:1', '--nick', 'a\u200bb']),
    'the nick "a\u200bb" cannot be used: invisible and formatting characters (zero-width, bidi controls, tags, soft hyphen) are not allowed (U+200B). Pick another with --nick',
  );
  assert.equal(
    refusal(['ws://h:1', '--nick', 'a', '--room', 'Nope!']),
    '"Nope!" is not a room name: use up to 64 lower-case letters, digits, - and _, starting with a letter or digit (e.g. --room general)',
  );
  assert.equal(refusal(['ws://h:1', '--nick']), '--nick needs a value after it, e.g. --nick ada');
  assert.equal(refusal(['ws://h:1', '--nick', 'a', '--rom', 'x']), 'there is no option --rom; parley chat --help lists them');
  assert.equal(refusal(['ws://h:1', 'hello', '--nick', 'a']), 'give one server URL, not also "hello" (a message is typed once the chat is open)');
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
  await waitOut('bob wants a direct conversation; /dm bob to answer');
  await bob.ok('join', { room: dm });
  child.stdin.write('/dm bob\n');
  // The DM is shown by the person's name, never by its hashed room name.
  await waitOut('@bob: 2 online');
  assert.ok(!out.includes(`#${String(dm)}`), out);
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

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `parley chat …` with `input` on stdin (then closed) and resolves when it exits. */
function run(args: string[], input = '', env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const killer = setTimeout(() => child.kill(), 30_000);
  child.stdin.end(input);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, out, err });
    }),
  );
}

test('edits, deletes and reactions are shown live and in /history', async () => {
  const room = 'terminal-edits';
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room });
  await bob.ok('send', { room, text: 'first', cid: 'e1' });
  await bob.ok('send', { room, text: 'second', cid: 'e2' });

  const child = spawn(process.execPath, [CLI, 'chat', server.wsUrl, '--nick', 'watcher', '--room', room], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill(), 30_000);
  const waitOut = async (text: string, after = 0): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!out.includes(text, after)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}" in:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  await waitOut('bob: second');
  await bob.ok('edit', { room, seq: 1, text: 'first, better' });
  await waitOut('bob: first, better (edited)');
  await bob.ok('delete', { room, seq: 2 });
  await waitOut('bob: message deleted');
  await bob.ok('react', { room, seq: 1, emoji: '👍', on: true });
  await waitOut(`bob reacted 👍 to bob's "first, better" (👍 1)`);
  await bob.ok('react', { room, seq: 1, emoji: '👍', on: false });
  await waitOut(`bob took back 👍 on bob's "first, better" (👍 0)`);
  await bob.ok('react', { room, seq: 1, emoji: '🎉', on: true });
  await waitOut(`bob reacted 🎉 to bob's "first, better" (🎉 1)`);

  const before = out.length;
  child.stdin.write('/history\n');
  await waitOut('bob: first, better (edited)  🎉 1', before);
  await waitOut('bob: message deleted', before);
  assert.ok(!/bob: $/m.test(out), `a deleted message is never a bare "bob:":\n${out}`);
  child.stdin.end();
  assert.equal(await exited, 0);
  clearTimeout(killer);
  await bob.close();
});

test('a bot’s message is marked [bot], in history and live; a person’s is not', async () => {
  const room = 'terminal-bots';
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room });
  await bob.ok('send', { room, text: 'from a person', cid: 'p1' });
  const { key } = await makeKey(server.config, 'terminal notifier', ['publish'], 'deploys');
  const post = async (text: string): Promise<void> => {
    const answer = await call(server.url, 'POST', `/api/v1/rooms/${room}/messages`, { key, body: { text } });
    assert.equal(answer.status, 201, answer.text);
  };
  await post('build 812 passed');

  const child = spawn(process.execPath, [CLI, 'chat', server.wsUrl, '--nick', 'bot-watcher', '--room', room], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill(), 30_000);
  const waitOut = async (text: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!out.includes(text)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}" in:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await waitOut('deploys [bot]: build 812 passed');
  await post('build 813 failed');
  await waitOut('deploys [bot]: build 813 failed');
  assert.match(out, /bob: from a person/);
  assert.ok(!out.includes('bob [bot]'), out);
  child.stdin.end();
  assert.equal(await exited, 0);
  clearTimeout(killer);
  await bob.close();
});

test('parley chat --help prints the usage and exits 0; so does parley help', async () => {
  const chatHelp = await run(['chat', '--help']);
  assert.equal(chatHelp.code, 0, chatHelp.err);
  assert.match(chatHelp.out, /^parley chat: chat in a Parley room from the terminal\./);
  assert.match(chatHelp.out, /--user, -u NAME/);
  for (const args of [['help'], ['--help'], ['serve', '--help']]) {
    const help = await run(args);
    assert.equal(help.code, 0, `${args.join(' ')}: ${help.err}`);
    assert.match(help.out, /usage: parley serve/);
  }
});

test('a server that does not answer, a taken nick and a refused token are sentences with exit code 1', async () => {
  const closed = await run(['chat', 'ws://127.0.0.1:1', '--nick', 'ada']);
  assert.equal(closed.code, 1);
  assert.equal(
    closed.err,
    'parley chat: could not connect to ws://127.0.0.1:1/: nothing there answered as a Parley server. Is it running, and is the address right?\n',
  );

  await register(server.url, 'cli-owner');
  const taken = await run(['chat', server.wsUrl, '--nick', 'CLI-Owner']);
  assert.equal(taken.code, 1);
  assert.equal(taken.err, 'parley chat: "CLI-Owner" is the name of an account: sign in with --user CLI-Owner, or pick another nick\n');

  const token = await run(['chat', server.wsUrl, '--token', 'pst_not-a-token']);
  assert.equal(token.code, 1);
  assert.match(token.err, /^parley chat: the server refused the token \(expired, logged out, or not one of its tokens\): sign in again with --user NAME\n$/);
});

test('scripts sign in with --user and PARLEY_PASSWORD, or with --token', async () => {
  const room = 'terminal-accounts';
  const password = 'a scripted password';
  const { token } = await register(server.url, 'cli-script', password);
  const noPassword = await run(['chat', server.wsUrl, '--user', 'cli-script'], 'x\n');
  assert.equal(noPassword.code, 2);
  assert.match(noPassword.err, /--user needs a password: run parley chat in a terminal to be asked for it, or set PARLEY_PASSWORD/);

  const byPassword = await run(['chat', server.wsUrl, '--user', 'cli-script', '--room', room], 'signed in by password\n', { PARLEY_PASSWORD: password });
  assert.equal(byPassword.code, 0, byPassword.err);
  assert.match(byPassword.out, /as cli-script/);
  const byToken = await run(['chat', server.wsUrl, '--token', token, '--room', room], 'signed in by token\n');
  assert.equal(byToken.code, 0, byToken.err);

  const reader = await TestClient.guest(server.wsUrl, 'reader');
  await reader.ok('join', { room });
  const history = (await reader.ok('history', { room }))['messages'] as { text: string; from: { name: string } }[];
  assert.deepEqual(
    history.map((m) => [m.from.name, m.text]),
    [
      ['cli-script', 'signed in by password'],
      ['cli-script', 'signed in by token'],
    ],
  );
  await reader.close();

  const wrong = await run(['chat', server.wsUrl, '--user', 'cli-script'], '', { PARLEY_PASSWORD: 'not it at all' });
  assert.equal(wrong.code, 1);
  assert.equal(wrong.err, 'parley chat: wrong username or password for cli-script; check both and try again\n');
});

test('/upload PATH CAPTION sends the file with its caption; a missing file is a sentence, not a crash', async () => {
  const room = 'terminal-files';
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room });
  const path = join(server.config.dataDir, 'notes.txt');
  writeFileSync(path, 'terminal notes\n');
  const received = bob.next((frame) => frame.type === 'message' && frame['room'] === room, 'the uploaded file', 20_000);
  const result = await run(['chat', server.wsUrl, '--nick', 'uploader', '--room', room], `/upload ${path} see attached\n/upload /no/such/file\n`);
  const message = await received;
  assert.equal(message['text'], 'see attached');
  assert.deepEqual(
    (message['files'] as { name: string; size: number }[]).map((file) => [file.name, file.size]),
    [['notes.txt', 15]],
  );
  assert.equal(result.code, 0, result.err);
  assert.match(result.out + result.err, /sent notes\.txt \(application\/octet-stream, 15 B\)/);
  assert.match(result.out + result.err, /could not upload \/no\/such\/file: no such file/);
  await bob.close();
});

test('/thread SEQ shows a thread, /thread SEQ TEXT replies in it; history marks the root and its replies; a bad SEQ is a sentence', async () => {
  const room = 'terminal-threads';
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room });
  const root = await bob.ok('send', { room, text: 'ship on friday?', cid: 't1' });
  const seq = String(root['seq']);
  await bob.ok('send', { room, text: 'friday works', cid: 't2', thread: root['seq'] });
  const answered = bob.next((frame) => frame.type === 'message' && frame['room'] === room && frame['text'] === 'from the terminal', 'the reply', 20_000);
  const result = await run(
    ['chat', server.wsUrl, '--nick', 'threader', '--room', room],
    `/thread ${seq}\n/thread ${seq} from the terminal\n/thread 999\n/thread first\n`,
  );
  const reply = await answered;
  assert.equal(reply['thread'], root['seq']);
  assert.equal(result.code, 0, result.err);
  const all = result.out + result.err;
  // The history on entering, then the thread: its root with the count, the reply under its root's seq.
  assert.match(all, new RegExp(`bob: ship on friday\\?  \\(1 reply: /thread ${seq}\\)`));
  assert.match(all, new RegExp(`↳ #${seq} bob: friday works`));
  assert.match(all, /thread 999: .*\S/);
  assert.match(all, /usage: \/thread SEQ/);
  const thread = await bob.ok('thread', { room, root: root['seq'] });
  assert.deepEqual(
    (thread['messages'] as { text: string }[]).map((message) => message.text),
    ['friday works', 'from the terminal'],
  );
  await bob.close();
});
