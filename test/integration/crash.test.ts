// Every acknowledged message survives kill -9 of the server at any moment: a real `parley serve`
// takes a stream of pipelined sends, is SIGKILLed at a random moment, and restarts on the same data
// dir. Every acked message is then in history with its seq and msgId, seqs are gapless, every
// stored message is whole, and a client retrying its unacked sends gets each stored exactly once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { killAllServers, spawnServer, type ServerProcess } from '../support/process.js';
import { tempDataDir } from '../support/server.js';
import { TestClient, type Frame } from '../support/client.js';

after(killAllServers);

const ROOMS = ['crash-a', 'crash-b'];
const ITERATIONS = 5;
/** Sends in flight per client at any moment. */
const WINDOW = 16;

interface Acked {
  seq: number;
  msgId: string;
}

const textOf = (cid: string): string => `payload of ${cid} `.repeat(1 + (cid.length % 7));

/** Sends as fast as acks come back until the connection dies; records each ack by cid. */
async function sendUntilDeath(client: TestClient, room: string, prefix: string, acked: Map<string, Acked>, sent: string[]): Promise<void> {
  let n = 0;
  const one = async (): Promise<void> => {
    for (;;) {
      const cid = `${prefix}-${n++}`;
      sent.push(cid);
      let reply: Frame;
      try {
        const died = client.closed.then(() => Promise.reject(new Error('connection closed')));
        reply = await Promise.race([client.request('send', { room, text: textOf(cid), cid }), died]);
      } catch {
        return; // the server is gone: this send may or may not have been stored
      }
      if (reply.type !== 'ok') throw new Error(`send refused: ${JSON.stringify(reply)}`);
      acked.set(cid, { seq: reply['seq'] as number, msgId: reply['msgId'] as string });
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, one));
}

async function allMessages(client: TestClient, room: string): Promise<{ seq: number; cid: string; msgId: string; text: string }[]> {
  const pages: { seq: number; cid: string; msgId: string; text: string }[][] = [];
  let before: number | undefined;
  for (;;) {
    const reply = await client.ok('history', before === undefined ? { room, limit: 100 } : { room, before, limit: 100 });
    const page = reply['messages'] as { seq: number; cid: string; msgId: string; text: string }[];
    if (page.length === 0) break;
    pages.unshift(page);
    before = (page[0] as { seq: number }).seq;
    if (before === 1) break;
  }
  return pages.flat();
}

test(`kill -9 at a random moment loses no acknowledged message (${ITERATIONS} iterations)`, { timeout: 180_000 }, async () => {
  const dataDir = tempDataDir();
  const acked = new Map<string, Acked>();
  const roomOf = new Map<string, string>();
  const resume: (string | undefined)[] = ROOMS.map(() => undefined);
  /** Connects writer i as the same user every time (so its retries dedupe), joined to its room. */
  const writer = async (url: string, i: number): Promise<TestClient> => {
    const client = await TestClient.connect(url);
    const token = resume[i];
    const hello = await client.ok('hello', token === undefined ? { nick: `writer${i}` } : { nick: `writer${i}`, resume: token });
    resume[i] = hello['resume'] as string;
    await client.ok('join', { room: ROOMS[i] });
    return client;
  };
  try {
    for (let iteration = 1; iteration <= ITERATIONS; iteration++) {
      const server: ServerProcess = await spawnServer({ args: ['--data-dir', dataDir] });
      const clients = await Promise.all(ROOMS.map((_, i) => writer(server.wsUrl, i)));
      const sent: string[][] = ROOMS.map(() => []);
      const traffic = clients.map((c, i) => sendUntilDeath(c, ROOMS[i] as string, `i${iteration}r${i}`, acked, sent[i] as string[]));
      // Let the stream get going, then kill at a random moment within it.
      const delay = 150 + Math.floor(Math.random() * 600);
      await new Promise((resolve) => setTimeout(resolve, delay));
      const ackedBeforeKill = acked.size;
      server.child.kill('SIGKILL');
      assert.equal(await server.exited, 'SIGKILL');
      for (const c of clients) c.ws.terminate();
      await Promise.all(traffic);
      assert.ok(ackedBeforeKill > 0, `iteration ${iteration}: sends were acknowledged before the kill`);
      sent.forEach((cids, i) => cids.forEach((cid) => roomOf.set(cid, ROOMS[i] as string)));

      const again = await spawnServer({ args: ['--data-dir', dataDir] });
      const reader = await TestClient.guest(again.wsUrl, 'auditor');
      const audit = async (allSent: boolean): Promise<void> => {
        for (const room of ROOMS) {
          const messages = await allMessages(reader, room);
          assert.deepEqual(
            messages.map((m) => m.seq),
            messages.map((_, i) => i + 1),
            `${room}: seqs 1..n without gaps`,
          );
          const byCid = new Map(messages.map((m) => [m.cid, m]));
          assert.equal(byCid.size, messages.length, `${room}: no cid stored twice`);
          for (const m of messages) {
            assert.equal(m.text, textOf(m.cid), `${room} seq ${m.seq}: stored whole`);
            assert.equal(roomOf.get(m.cid), room, `${room} seq ${m.seq}: a message that was sent to this room`);
          }
          for (const [cid, ack] of acked) {
            if (roomOf.get(cid) !== room) continue;
            const stored = byCid.get(cid);
            assert.ok(stored !== undefined, `${room}: acknowledged ${cid} survived`);
            assert.equal(stored.seq, ack.seq, `${cid} kept its seq`);
            assert.equal(stored.msgId, ack.msgId, `${cid} kept its msgId`);
          }
          if (allSent) {
            const expected = [...roomOf].filter(([, r]) => r === room).length;
            assert.equal(messages.length, expected, `${room}: after the retries every send is stored exactly once`);
          }
        }
      };
      await audit(false);

      // Each writer comes back as the same user and retries what was not acknowledged, as the SDK
      // does: what the crash kept comes back as a duplicate with its seq, the rest is stored now.
      const retriers = await Promise.all(ROOMS.map((_, i) => writer(again.wsUrl, i)));
      for (const [i, retrier] of retriers.entries()) {
        for (const cid of sent[i] as string[]) {
          if (acked.has(cid)) continue;
          const reply = await retrier.ok('send', { room: ROOMS[i], text: textOf(cid), cid });
          acked.set(cid, { seq: reply['seq'] as number, msgId: reply['msgId'] as string });
        }
      }
      await audit(true);
      for (const c of [reader, ...retriers]) c.ws.terminate();
      again.child.kill('SIGKILL');
      await again.exited;
    }

    // The database file itself is sound after all those kills.
    const db = new Database(join(dataDir, 'parley.db'));
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      for (const room of ROOMS) {
        const { seq } = db.prepare('SELECT seq FROM rooms WHERE name = ?').get(room) as { seq: number };
        const { n, top } = db.prepare('SELECT count(*) AS n, max(seq) AS top FROM messages WHERE room = ?').get(room) as { n: number; top: number };
        assert.equal(n, seq, `${room}: the room's seq counts its messages`);
        assert.equal(top, seq, `${room}: the room's seq is its last message`);
      }
    } finally {
      db.close();
    }
    assert.ok(acked.size >= ITERATIONS * 10, `enough traffic to mean something: ${acked.size} acked`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
