// The terminal client in a real terminal (a pty): /quit and Ctrl+D end it, and --user asks for the
// password without echoing it, signs in through the accounts API and says hello as the account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../support/server.js';
import { register } from '../support/auth.js';
import { ptySkip, spawnInPty } from '../support/pty.js';

const skip = ptySkip() ?? false;

const CLI = fileURLToPath(new URL('../../src/cli/parley.js', import.meta.url));
/** Without colours, so that a message line reads as the text it is. */
const PLAIN = { env: { NO_COLOR: '1' } };

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

test('/quit ends parley chat in a terminal', { skip }, async () => {
  const pty = spawnInPty([process.execPath, CLI, 'chat', server.wsUrl, '--nick', 'quitter', '--room', 'tty'], PLAIN);
  await pty.waitFor('#tty> ');
  pty.type('/quit\r');
  assert.equal(await pty.exited, 0, pty.output());
});

test('Ctrl+D ends parley chat in a terminal, after what was typed is stored', { skip }, async () => {
  const pty = spawnInPty([process.execPath, CLI, 'chat', server.wsUrl, '--nick', 'eof-user', '--room', 'tty-eof'], PLAIN);
  await pty.waitFor('#tty-eof> ');
  pty.type('last words\r');
  await pty.waitFor('eof-user: last words');
  pty.type('\x04');
  assert.equal(await pty.exited, 0, pty.output());
});

test('--user asks for the password without echo and signs in to the account', { skip }, async () => {
  const password = 'a secret that must not show';
  await register(server.url, 'tty-ada', password);
  const pty = spawnInPty([process.execPath, CLI, 'chat', server.wsUrl, '--user', 'tty-ada', '--room', 'tty-accounts'], PLAIN);
  const asked = await pty.waitFor('password for tty-ada: ');
  pty.type(`${password}\r`);
  await pty.waitFor('connected to ', asked);
  await pty.waitFor('as tty-ada', asked);
  assert.ok(!pty.output().includes(password), `the password was drawn on the terminal:\n${pty.output()}`);
  pty.type('/quit\r');
  assert.equal(await pty.exited, 0, pty.output());
});

test('a wrong password is a sentence and exit code 1', { skip }, async () => {
  await register(server.url, 'tty-bob', 'the right password');
  const pty = spawnInPty([process.execPath, CLI, 'chat', server.wsUrl, '--user', 'tty-bob'], PLAIN);
  await pty.waitFor('password for tty-bob: ');
  pty.type('not the password\r');
  await pty.waitFor('wrong username or password for tty-bob');
  assert.equal(await pty.exited, 1, pty.output());
});
