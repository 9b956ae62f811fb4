// kill -9 mid-edit loses nothing any provider saw: a real `parley serve` takes a stream of edits
// from one stock provider while another watches; the process is SIGKILLed at a random moment and
// restarted on the same data dir. Every word the watcher had received is in the document a fresh
// provider opens then (the server relays an update only once it is stored).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { killAllServers, spawnServer } from '../support/process.js';
import { tempDataDir } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { openEditor } from '../support/yjs.js';
import { until } from '../support/web-page.js';

after(killAllServers);

const ROUNDS = 3;

test('after kill -9 and a restart, every change a provider had seen is still in the document', async () => {
  const dataDir = tempDataDir();
  try {
    let seenTotal = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const server = await spawnServer({ args: ['--data-dir', dataDir] });
      const writer = await TestClient.guest(server.wsUrl, `writer${round}`);
      if (round === 0) await writer.ok('create', { room: 'crash-doc' });
      const watcherClient = await TestClient.guest(server.wsUrl, `watcher${round}`);
      const editor = await openEditor(server.url, writer, 'crash-doc');
      const watcher = await openEditor(server.url, watcherClient, 'crash-doc');
      let seen = watcher.text.toJSON();
      watcher.text.observe(() => (seen = watcher.text.toJSON()));
      // Edits as fast as the provider sends them, until the process dies under them.
      let n = 0;
      const typing = setInterval(() => editor.text.insert(editor.text.length, `r${round}w${n++} `), 2);
      await until('some edits were relayed', () => Promise.resolve(seen.includes(`r${round}w20 `)), 20_000);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 300)));
      server.child.kill('SIGKILL');
      assert.equal(await server.exited, 'SIGKILL');
      clearInterval(typing);
      const seenAtDeath = seen;
      editor.destroy();
      watcher.destroy();

      const again = await spawnServer({ args: ['--data-dir', dataDir] });
      const reader = await TestClient.guest(again.wsUrl, `reader${round}`);
      const fresh = await openEditor(again.url, reader, 'crash-doc');
      const after = fresh.text.toJSON();
      const words = seenAtDeath.split(' ').filter((word) => word !== '');
      const missing = words.filter((word) => !after.includes(`${word} `));
      assert.deepEqual(missing, [], `round ${round}: ${words.length} words seen, ${missing.length} missing`);
      seenTotal += words.length;
      fresh.destroy();
      await reader.close();
      again.child.kill('SIGKILL');
      await again.exited;
    }
    assert.ok(seenTotal > ROUNDS * 20, `${seenTotal} words checked`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
