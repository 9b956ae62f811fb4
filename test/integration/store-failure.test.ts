// When the disk fills up the server keeps running and tells the truth: sends get store_failed,
// nothing is acknowledged that was not stored, reads keep working, and after a restart with room to
// write, history holds exactly the acknowledged messages. The full disk is tested twice: as a
// file-size limit (ulimit -f) on the server process, which needs no privileges, and as a real full
// file system (a small tmpfs filled to ENOSPC, which needs root), where SQLite's WAL appends fail
// with SQLITE_FULL and freeing space must be enough for sends to work again. A data dir that cannot
// be written at all stops the server at start with one clear line and exit code 73.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, mkdirSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { killAllServers, killAllServersAndWait, spawnServer } from '../support/process.js';
import { tempDataDir } from '../support/server.js';
import { TestClient, type Frame } from '../support/client.js';
import { mountTmpfs, unmountTmpfs } from '../support/tmpfs.js';

after(killAllServers);

/** Writes `path` until the file system says ENOSPC; the file then holds every free block. */
function fillUntilFull(path: string): number {
  const chunk = Buffer.alloc(64 * 1024, 0x66);
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

/** Every message of `room`, oldest first, read page by page through `history`. */
async function wholeHistory(client: TestClient, room: string): Promise<{ seq: number; cid: string }[]> {
  const stored: { seq: number; cid: string }[] = [];
  let before: number | undefined;
  for (;;) {
    const page = (await client.ok('history', before === undefined ? { room, limit: 100 } : { room, before, limit: 100 }))['messages'] as {
      seq: number;
      cid: string;
    }[];
    if (page.length === 0) return stored;
    stored.unshift(...page);
    before = (page[0] as { seq: number }).seq;
  }
}

test('a full disk: sends get store_failed, nothing unstored is acked, the server stays up', { timeout: 120_000 }, async () => {
  const dataDir = tempDataDir();
  try {
    // 4 MiB of file: enough to start and store some hundreds of 4 KB messages, then writes fail.
    const server = await spawnServer({ args: ['--data-dir', dataDir], fileSizeLimitBlocks: 8192 });
    const client = await TestClient.guest(server.wsUrl, 'filler');
    await client.ok('join', { room: 'full' });
    const text = 'x'.repeat(4000);
    const acked = new Map<string, number>();
    const failed: string[] = [];
    for (let batch = 0; failed.length < 20 && batch < 400; batch++) {
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) => `c${batch}-${i}`).map(async (cid) => [cid, await client.request('send', { room: 'full', text, cid })] as const),
      );
      for (const [cid, reply] of replies) {
        if (reply.type === 'ok') acked.set(cid, reply['seq'] as number);
        else {
          assert.equal(reply['code'], 'store_failed', `a refused send says why: ${JSON.stringify(reply)}`);
          failed.push(cid);
        }
      }
    }
    assert.ok(acked.size > 0, 'messages were stored before the disk filled');
    assert.ok(failed.length >= 20, `sends failed once the disk was full (${acked.size} acked, ${failed.length} failed)`);

    // Still up: health, reads, and other verbs answer.
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const history = await client.ok('history', { room: 'full', limit: 5 });
    assert.equal((history['messages'] as unknown[]).length, 5);
    await client.ok('rooms');
    assert.equal(server.child.exitCode, null, 'the process did not exit');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /parley_store_seconds_count\{op="append",outcome="error"\} [1-9]/);

    server.child.kill('SIGKILL');
    await server.exited;
    // With room to write again, history is exactly what was acknowledged, in seq order.
    const roomy = await spawnServer({ args: ['--data-dir', dataDir] });
    const reader = await TestClient.guest(roomy.wsUrl, 'reader');
    const stored = await wholeHistory(reader, 'full');
    assert.deepEqual(
      stored.map((m) => m.seq),
      stored.map((_, i) => i + 1),
      'gapless',
    );
    assert.deepEqual(new Map(stored.map((m) => [m.cid, m.seq])), acked, 'stored == acknowledged, seq for seq');
    for (const cid of failed) assert.ok(!stored.some((m) => m.cid === cid), `${cid} was refused and is not stored`);
    // The room takes writes again.
    await reader.ok('join', { room: 'full' });
    const next = await reader.ok('send', { room: 'full', text: 'space again', cid: 'after' });
    assert.equal(next['seq'], stored.length + 1);
    roomy.child.kill('SIGTERM');
    assert.equal(await roomy.exited, 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a real full disk (ENOSPC on a small tmpfs): every send fails cleanly, the server stays up, freeing space is enough', { timeout: 120_000 }, async (t) => {
  const base = tempDataDir();
  const dataDir = join(base, 'disk');
  mkdirSync(dataDir);
  // 2 MiB: room for the empty database, its WAL and the secret, and little else.
  const refused = mountTmpfs(dataDir, '2m');
  if (refused !== undefined) {
    rmSync(base, { recursive: true, force: true });
    // A missing capability, not a missing service: skipped even under CI, but never silently.
    console.warn(`\n*** SKIPPING the real full-disk (ENOSPC) test: cannot mount a tmpfs (${refused}); it needs root or CAP_SYS_ADMIN ***\n`);
    t.skip(`SKIPPED: cannot mount a tmpfs: ${refused}`);
    return;
  }
  try {
    const server = await spawnServer({ args: ['--data-dir', dataDir] });
    const sender = await TestClient.guest(server.wsUrl, 'sender');
    await sender.ok('join', { room: 'full' });
    const acked = new Map<string, number>();
    const refusedCids: string[] = [];
    // Ten sends written at once reach the server in one read, so they share one store transaction.
    const sendBatch = async (prefix: string): Promise<Frame[]> => {
      const cids = Array.from({ length: 10 }, (_, i) => `${prefix}-${i}`);
      const replies = await Promise.all(cids.map((cid) => sender.request('send', { room: 'full', text: `message ${cid}`, cid })));
      replies.forEach((reply, i) => {
        const cid = cids[i] as string;
        if (reply.type === 'ok') acked.set(cid, reply['seq'] as number);
        else refusedCids.push(cid);
      });
      return replies;
    };
    for (const reply of await sendBatch('before')) assert.equal(reply.type, 'ok', 'sends work while there is room');

    const filler = join(dataDir, 'filler');
    assert.ok(fillUntilFull(filler) > 0, 'the filler took the free space');
    // A full file system can still take a write that needs no new block: after a checkpoint SQLite
    // writes the WAL from its start again, over blocks it already has. Such a send is stored and
    // synced, so its ack is right; what must never happen is an ack for a send that was not stored
    // (checked below against history, and after a restart). The WAL soon needs a block, and then
    // sends fail.
    for (let round = 0; refusedCids.length < 20 && round < 20; round++) {
      for (const reply of await sendBatch(`full${round}`)) {
        if (reply.type === 'error') assert.equal(reply['code'], 'store_failed', `a refused send says why: ${JSON.stringify(reply)}`);
      }
    }
    assert.ok(refusedCids.length >= 20, `sends failed once the disk was full (${refusedCids.length} refused)`);
    const pushed = new Set(sender.pushes('message', 'full').map((push) => push['cid']));
    for (const cid of refusedCids) assert.ok(!pushed.has(cid), `${cid} was refused and was not delivered`);

    // Still up and answering: health, reads, a new connection joining the room, other verbs.
    assert.equal(server.child.exitCode, null, 'the process did not exit');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const reader = await TestClient.guest(server.wsUrl, 'reader');
    assert.equal((await reader.ok('join', { room: 'full' }))['seq'], acked.size);
    assert.deepEqual(
      (await wholeHistory(reader, 'full')).map((m) => m.cid),
      [...acked.keys()],
      'history during the outage is exactly what was acknowledged',
    );
    await sender.ok('rooms');
    const newRoom = await sender.request('join', { room: 'created-while-full' });
    assert.equal(newRoom.type === 'ok' || newRoom['code'] === 'store_failed', true, `a join that must write fails cleanly: ${JSON.stringify(newRoom)}`);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /parley_store_seconds_count\{op="append",outcome="error"\} [1-9]/);
    // The failure really was the file system's: ENOSPC surfaces from SQLite as SQLITE_FULL.
    assert.ok(
      server.lines.some((line) => line.includes('database or disk is full')),
      'the server logged SQLITE_FULL',
    );

    // Space again: sends work at once, seqs go on from the last acknowledged one without a gap.
    unlinkSync(filler);
    for (const reply of await sendBatch('after')) assert.equal(reply.type, 'ok', `sends work once space is freed: ${JSON.stringify(reply)}`);
    assert.deepEqual(
      [...acked.values()],
      [...acked.keys()].map((_, i) => i + 1),
      'acknowledged seqs are gapless across the outage',
    );
    await reader.waitFor('message', 10, 'full');

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, 'a clean shutdown after the outage');
    const db = new Database(join(dataDir, 'parley.db'));
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
    const restarted = await spawnServer({ args: ['--data-dir', dataDir] });
    try {
      const auditor = await TestClient.guest(restarted.wsUrl, 'auditor');
      const stored = await wholeHistory(auditor, 'full');
      assert.deepEqual(new Map(stored.map((m) => [m.cid, m.seq])), acked, 'after a restart, stored == acknowledged, seq for seq');
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  } finally {
    // The server must be gone before its file system can be unmounted (or the unmount fails as busy
    // and hides the test's own failure).
    await killAllServersAndWait();
    unmountTmpfs(dataDir);
    rmSync(base, { recursive: true, force: true });
  }
});

async function expectRefusedStart(dataDir: string): Promise<void> {
  const error = await spawnServer({ args: ['--data-dir', dataDir] }).then(
    () => assert.fail('the server started on an unwritable data dir'),
    (e: unknown) => e as Error,
  );
  assert.match(error.message, /exited \(73\)/, 'exit code 73 (cannot create)');
  assert.match(error.message, /data directory .* is not writable/);
  assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace');
}

test('an unwritable data dir (a file in the way) stops the start with a clear message and exit 73', async () => {
  const base = tempDataDir();
  try {
    writeFileSync(join(base, 'not-a-dir'), '');
    await expectRefusedStart(join(base, 'not-a-dir', 'data'));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('an unwritable data dir (read-only) stops the start with a clear message and exit 73', async (t) => {
  const base = tempDataDir();
  let mounted = false;
  try {
    const dir = join(base, 'ro');
    mkdirSync(dir);
    if (process.getuid?.() === 0) {
      // Permissions do not stop root; a read-only file system does.
      mounted = mountTmpfs(dir, '1m', ['ro']) === undefined;
      if (!mounted) {
        t.skip('SKIPPED: running as root without mount; the read-only case needs one or the other');
        return;
      }
    } else {
      chmodSync(dir, 0o555);
    }
    await expectRefusedStart(dir);
  } finally {
    if (mounted) unmountTmpfs(join(base, 'ro'));
    rmSync(base, { recursive: true, force: true });
  }
});
