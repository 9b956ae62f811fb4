// `npm start` in a terminal says in one readable line where to open the app; with stdout not a
// terminal (a service manager, a log collector) the output stays pino JSON lines only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { tempDataDir } from '../support/server.js';
import { killAllServersAndWait, spawnServer } from '../support/process.js';
import { ptySkip, spawnInPty } from '../support/pty.js';

const skip = ptySkip() ?? false;
import { startLine, shownUrl } from '../../src/cli/start-line.js';

after(killAllServersAndWait);

test('the start line names the address to open', () => {
  assert.equal(startLine('http://localhost:8080'), 'Parley is running: open http://localhost:8080 (WebSocket at ws://localhost:8080/ws; Ctrl+C stops it)');
  assert.equal(
    startLine('https://chat.example:443', 4),
    'Parley is running on 4 workers: open https://chat.example:443 (WebSocket at wss://chat.example:443/ws; Ctrl+C stops it)',
  );
  assert.equal(shownUrl('0.0.0.0', 8080, false), 'http://localhost:8080');
  assert.equal(shownUrl('::1', 8080, true), 'https://[::1]:8080');
});

test('npm start in a terminal prints where to open the app, and Ctrl+C stops it', { skip }, async () => {
  const pty = spawnInPty(['npm', 'start', '--silent', '--', '--host', '127.0.0.1', '--port', '0'], {
    env: { PARLEY_DATA_DIR: tempDataDir(), PARLEY_LOG_LEVEL: 'warn' },
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    timeoutMs: 30_000,
  });
  await pty.waitFor('Parley is running: open http://127.0.0.1:');
  const match = /Parley is running: open (http:\/\/127\.0\.0\.1:\d+) \(WebSocket at ws:\/\/127\.0\.0\.1:\d+\/ws; Ctrl\+C stops it\)/.exec(pty.output());
  assert.ok(match?.[1] !== undefined, pty.output());
  assert.equal((await fetch(`${match[1]}/healthz`)).status, 200, 'the address printed is where the server answers');
  pty.type('\x03');
  await pty.exited;
});

test('with stdout not a terminal, the output is JSON log lines only, as before', async () => {
  const server = await spawnServer();
  assert.equal(await server.stop(), 0);
  assert.ok(
    server.lines.some((line) => line.includes('Parley serving')),
    server.lines.join('\n'),
  );
  for (const line of server.lines) {
    assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
    assert.ok(!line.includes('Parley is running'), line);
  }
});
