// deploy/nginx.conf, for real: the repository's file passes `nginx -t`, and the same file with
// test ports in front of three Parley processes carries WebSockets and /readyz. When one process
// is killed, its clients reconnect through nginx to the others and recover with `since`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { clusterEnv, dropCluster } from '../support/cluster.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { postgresSkip, redisSkip } from '../support/services.js';
import { upgradeOrRefusal } from '../support/upgrade.js';
import { NGINX, deployConfig, nginxSkip, startNginx as startWith, type RunningNginx } from '../support/nginx.js';
import { Member, range, until } from './member.js';
import { WebSocket } from 'ws';

const CONFIG = deployConfig('nginx.conf');

const skip = nginxSkip() ?? (await postgresSkip()) ?? (await redisSkip());
const env = clusterEnv();
let nodes: ServerProcess[] = [];
let nginx: RunningNginx | undefined;
let proxyUrl = '';

/** nginx on a free port with the repository's config, in front of `upstreams`. */
function startNginx(upstreams: number[]): Promise<RunningNginx> {
  return startWith(CONFIG, upstreams);
}

before(async () => {
  if (skip !== undefined) return;
  nodes = await Promise.all([
    spawnServer({ env, startedWhen: 'ready' }),
    spawnServer({ env, startedWhen: 'ready' }),
    spawnServer({ env, startedWhen: 'ready' }),
  ]);
  nginx = await startNginx(nodes.map((node) => node.port));
  proxyUrl = nginx.url;
});
after(async () => {
  await nginx?.stop();
  for (const node of nodes) await node.stop();
  if (skip === undefined) await dropCluster(env);
});

test('deploy/nginx.conf as committed passes nginx -t', { skip }, () => {
  const check = spawnSync(NGINX as string, ['-t', '-c', CONFIG], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});

test('through nginx: one chat over three processes, and a killed process is survived', { skip }, async () => {
  const wsUrl = `${proxyUrl.replace('http', 'ws')}/ws`;
  const room = 'proxied';
  const members = await Promise.all(range(1, 6).map((i) => Member.join(wsUrl, `p${i}`, room)));
  const reconnecting = new Map<Member, Promise<void>>();
  let reconnects = 0;
  const reconnect = (member: Member): Promise<void> => {
    let pending = reconnecting.get(member);
    if (pending === undefined) {
      reconnects++;
      pending = member
        .closedThenReconnect(wsUrl)
        .finally(() => reconnecting.delete(member))
        .then(() => {
          watch(member);
        });
      reconnecting.set(member, pending);
    }
    return pending;
  };
  const watch = (member: Member): void => {
    member.client.closed.then(() => reconnect(member)).catch(() => undefined);
  };
  members.forEach(watch);

  let sent = 0;
  await Promise.all(
    members.map(async (member) => {
      for (let i = 0; i < 20; i++) {
        await member.send(`${member.nick} ${i}`, `${member.nick}-${i}`, () => reconnect(member));
        if (++sent === 40) (nodes[0] as ServerProcess).child.kill('SIGKILL');
      }
    }),
  );
  const total = members.length * 20;
  for (const member of members) {
    await until(() => member.seqs.length >= total, `${member.nick} to have ${total} messages (has ${member.seqs.length})`);
    assert.deepEqual(member.seqs, range(1, total), `${member.nick}: every seq once, in order`);
  }
  assert.ok(reconnects > 0, 'some clients were on the killed process and came back through nginx');
  assert.equal((await fetch(`${proxyUrl}/readyz`)).status, 200, 'nginx still answers from the live nodes');
  for (const member of members) await member.client.close();
  nodes = nodes.slice(1);
});

test('through nginx with PARLEY_TRUST_PROXY=127.0.0.1: the per-address limit counts each client, and a forged header buys nothing', { skip }, async () => {
  // One plain node (SQLite) behind the committed config; nginx appends the client's address to
  // whatever X-Forwarded-For the client sent, and the node believes only that right-most entry.
  const node = await spawnServer({ env: { PARLEY_TRUST_PROXY: '127.0.0.1', PARLEY_MAX_CONN_PER_IP: '2' } });
  const proxy = await startNginx([node.port, node.port, node.port]);
  const opened: WebSocket[] = [];
  try {
    const wsUrl = `${proxy.url.replace('http', 'ws')}/ws`;
    for (const forged of ['198.51.100.1', '198.51.100.2']) {
      const ws = await upgradeOrRefusal(wsUrl, { localAddress: '127.0.0.2', forwardedFor: forged });
      assert.ok(ws instanceof WebSocket, `upgrade ${opened.length + 1} from 127.0.0.2 opens`);
      opened.push(ws);
    }
    assert.equal(
      await upgradeOrRefusal(wsUrl, { localAddress: '127.0.0.2', forwardedFor: '198.51.100.3' }),
      429,
      '127.0.0.2 has used its two, whatever it forges',
    );
    const other = await upgradeOrRefusal(wsUrl, { localAddress: '127.0.0.3', forwardedFor: '198.51.100.3' });
    assert.ok(other instanceof WebSocket, 'another client behind the same proxy has its own quota');
    opened.push(other);
  } finally {
    for (const ws of opened) ws.terminate();
    await proxy.stop();
    await node.stop();
  }
});
