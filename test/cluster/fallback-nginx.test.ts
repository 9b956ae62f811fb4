// deploy/nginx-fallback.conf, for real, in front of three processes, round robin (no ip_hash), with
// WebSocket upgrades refused by nginx as a proxy that breaks them would: SDK clients in Node fall
// back to the HTTP transport by themselves, their POSTs land on any process (forwarded through
// Redis to the one holding the stream), and when one process is killed both go on with every
// message exactly once. A stock EventSource behind the same proxy follows the room too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventSource } from 'eventsource';
import { followRoom, type Followed } from '../support/event-source.js';
import { clusterEnv, dropCluster } from '../support/cluster.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { postgresSkip, redisSkip } from '../support/services.js';
import { NGINX, deployConfig, nginxSkip, startNginx, type RunningNginx } from '../support/nginx.js';
import { createClient, type ParleyClient } from '../../src/client/node.js';
import { range, until } from './member.js';
import { SseTestClient } from '../support/sse-client.js';
import { makeKey } from '../support/api-v1.js';
import { browserUnavailable, launchChromium } from '../support/browser.js';
import { enterRoom, person, say, until as untilPage, waitForText } from '../support/web-page.js';
import { loadConfig } from '../../src/server/config.js';

const CONFIG = deployConfig('nginx-fallback.conf');
const skip = nginxSkip() ?? (await postgresSkip()) ?? (await redisSkip());
const env = clusterEnv();
let nodes: ServerProcess[] = [];
let nginx: RunningNginx | undefined;

/** What a proxy that breaks WebSocket does: every upgrade refused. */
const refuseUpgrades = (text: string): string => text.replace(/location \/ \{/, 'location / {\n            if ($http_upgrade != "") { return 403; }');

before(async () => {
  if (skip !== undefined) return;
  nodes = await Promise.all([0, 1, 2].map(() => spawnServer({ env, startedWhen: 'ready' })));
  nginx = await startNginx(
    CONFIG,
    nodes.map((node) => node.port),
    refuseUpgrades,
  );
});
after(async () => {
  await nginx?.stop();
  for (const node of nodes) await node.stop();
  if (skip === undefined) await dropCluster(env);
});

test('deploy/nginx-fallback.conf as committed passes nginx -t', { skip }, () => {
  const check = spawnSync(NGINX as string, ['-t', '-c', CONFIG], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});

test('POSTs of one stream spread over the three processes all reach it, in order', { skip }, async () => {
  const base = (nginx as RunningNginx).url;
  const sse = await SseTestClient.guest(base, 'spread');
  await sse.ok('join', { room: 'spread' });
  // Round robin sends consecutive POSTs to different processes: 30 of them cross over Redis.
  for (let i = 0; i < 30; i++) await sse.ok('send', { room: 'spread', text: `s${i}`, cid: `s${i}` });
  const messages = await sse.waitFor('message', 30, 'spread');
  assert.deepEqual(
    messages.map((m) => m['text']),
    range(0, 29).map((i) => `s${i}`),
  );
  assert.deepEqual(
    sse.postStatuses.filter((status) => status !== 202),
    [],
  );
  await sse.close();
});

test(
  'through nginx with WebSocket refused: two SDK clients chat over the fallback, a process is killed, every message arrives once',
  { skip, timeout: 120_000 },
  async () => {
    const base = (nginx as RunningNginx).url;
    const wsUrl = `${base.replace('http', 'ws')}/ws`;
    const room = 'fallback-cluster';
    const clients: ParleyClient[] = [];
    const seen = new Map<ParleyClient, { seq: number; text: string }[]>();
    for (const nick of ['ann', 'ben']) {
      const client = createClient(wsUrl, { nick, backoff: { initialMs: 50, maxMs: 500 }, requestTimeoutMs: 5000 });
      const list: { seq: number; text: string }[] = [];
      client.on('message', (message) => {
        if (message.room === room) list.push({ seq: message.seq, text: message.text });
      });
      seen.set(client, list);
      await client.open();
      assert.equal(client.transport, 'http', `${nick} fell back to HTTP (nginx refuses upgrades)`);
      await client.join(room);
      clients.push(client);
    }
    // EventSource behind the same proxy, with an API key made on one node.
    const follower = await followRoomAt(base, room);

    // The process to kill is one that holds streams of this test (the SDK clients' or the EventSource's).
    const victim = await busiestNode();
    const states = clients.map((client) => {
      const changes: string[] = [];
      client.on('state', (change) => changes.push(change.state));
      return changes;
    });
    let sent = 0;
    const perClient = 25;
    await Promise.all(
      clients.map(async (client, c) => {
        for (let i = 0; i < perClient; i++) {
          await client.send(room, `c${c}-${i}`);
          if (++sent === 20) victim.child.kill('SIGKILL');
        }
      }),
    );
    const total = clients.length * perClient;
    for (const client of clients) {
      const list = seen.get(client) ?? [];
      await until(() => list.length >= total, `every message at a client (has ${list.length} of ${total})`, 60_000);
      assert.deepEqual(
        list.map((m) => m.seq),
        range(1, total),
        'every seq once, in order',
      );
      assert.equal(new Set(list.map((m) => m.text)).size, total, 'every text once: no send stored twice');
    }
    await until(() => follower.ids.length >= total, `the EventSource to have every message (has ${follower.ids.length})`, 60_000);
    assert.deepEqual(follower.ids, range(1, total).map(String), 'the EventSource got every seq once, across the kill');
    assert.ok(
      states.some((changes) => changes.includes('reconnecting')) || follower.drops > 0,
      'a reader whose stream was on the killed process reconnected through nginx',
    );
    follower.source.close();
    for (const client of clients) client.close();
    // Started again on its port, so that the next test has three processes behind nginx too.
    await victim.exited;
    const restarted = await spawnServer({ env, port: victim.port, startedWhen: 'ready' });
    nodes = nodes.map((node) => (node === victim ? restarted : node));
  },
);

/** The node with the most open connections now (its /metrics' parley_connections gauge). */
async function busiestNode(): Promise<ServerProcess> {
  let busiest: { node: ServerProcess; open: number } | undefined;
  for (const node of nodes) {
    const metrics = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
    const open = Number(/^parley_connections (\d+)$/m.exec(metrics)?.[1] ?? 0);
    if (busiest === undefined || open > busiest.open) busiest = { node, open };
  }
  assert.ok(busiest !== undefined && busiest.open > 0, 'some node holds a stream');
  return busiest.node;
}

async function followRoomAt(base: string, room: string): Promise<Followed> {
  const { key } = await makeKey(loadConfig([], env), 'follower', ['read']);
  const followed = followRoom(`${base}/api/v1/rooms/${room}/events?lastEventId=0`, key);
  await until(() => followed.source.readyState === EventSource.OPEN, 'the EventSource open', 10_000);
  return followed;
}

test(
  'through nginx with WebSocket refused: two Chromium pages chat over the fallback, a process is killed, every message shows once',
  { skip: skip ?? browserUnavailable(), timeout: 180_000 },
  async () => {
    const base = (nginx as RunningNginx).url;
    const browser = await launchChromium();
    try {
      const ada = await person(browser, base, 'ada-web');
      const bob = await person(browser, base, 'bob-web');
      for (const { page } of [ada, bob]) {
        await page.locator('[data-testid="banner"][data-transport="http"]').waitFor({ timeout: 15_000 });
        await enterRoom(page, 'web-fallback');
      }
      const sent: string[] = [];
      assert.equal(nodes.length, 3, 'three processes behind nginx');
      const victim = await busiestNode();
      for (let i = 0; i < 6; i++) {
        for (const [who, page] of [
          ['ada', ada.page],
          ['bob', bob.page],
        ] as const) {
          const text = `${who} ${i}`;
          await say(page, text);
          sent.push(text);
          await waitForText(page, text);
        }
        if (i === 2) victim.child.kill('SIGKILL');
      }
      for (const { page } of [ada, bob]) {
        for (const text of sent) await waitForText(page, text);
        await untilPage('nothing pending', async () => (await page.locator('[data-testid="pending"]').count()) === 0, 30_000);
        const shown = await page.locator('[data-testid="message"] .msg-text').allInnerTexts();
        assert.deepEqual([...shown].sort(), [...sent].sort(), 'every message shown once');
      }
      nodes = nodes.filter((node) => node !== victim);
    } finally {
      await browser.close();
    }
  },
);
