// A room's document across three real processes on one PostgreSQL schema and one Redis prefix:
// stock providers spread over the nodes edit at once and converge; a node whose relay connection
// is cut misses updates and repairs them from the store, so its editors converge too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { clusterEnv, dropCluster } from '../support/cluster.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { killRedisClients, postgresSkip, redisSkip } from '../support/services.js';
import { TestClient } from '../support/client.js';
import { converged, openEditor, yjsUrl, type Editor } from '../support/yjs.js';
import { upgradeOrRefusal } from '../support/upgrade.js';
import { until } from '../support/web-page.js';
import { metricSum, metricValue } from '../support/metrics.js';

const skip = (await postgresSkip()) ?? (await redisSkip());
const env = clusterEnv();
let nodes: ServerProcess[] = [];
const clients: TestClient[] = [];
const editors: Editor[] = [];

before(async () => {
  if (skip !== undefined) return;
  nodes = await Promise.all([0, 1, 2].map(() => spawnServer({ env, startedWhen: 'ready' })));
});
after(async () => {
  for (const editor of editors) editor.destroy();
  await Promise.all(clients.map((client) => client.close()));
  for (const node of nodes) await node.stop();
  if (skip === undefined) await dropCluster(env);
});

const node = (i: number): ServerProcess => nodes[i % nodes.length] as ServerProcess;

async function editorOn(i: number, nick: string, room: string): Promise<Editor> {
  const client = await TestClient.guest(node(i).wsUrl, nick);
  clients.push(client);
  const editor = await openEditor(node(i).url, client, room);
  editors.push(editor);
  return editor;
}

test('providers on three processes editing at once converge, and each process serves the same document', { skip }, async () => {
  const owner = await TestClient.guest(node(0).wsUrl, 'owner');
  clients.push(owner);
  await owner.ok('create', { room: 'cluster-doc' });
  const spread = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => editorOn(i, `e${i}`, 'cluster-doc')));
  await Promise.all(
    spread.map(async (editor, i) => {
      for (let n = 0; n < 15; n++) {
        editor.text.insert(n % 2 === 0 ? 0 : editor.text.length, `<${i}.${n}>`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }),
  );
  const text = await converged(spread, undefined, 30_000);
  for (let i = 0; i < 6; i++) for (let n = 0; n < 15; n++) assert.ok(text.includes(`<${i}.${n}>`), `<${i}.${n}>`);
  const late = await Promise.all([0, 1, 2].map((i) => editorOn(i, `late${i}`, 'cluster-doc')));
  await converged([...spread, ...late], text, 30_000);
  // Each process applied the others' changes from the relay (and counted them apart from its own editors').
  for (const i of [0, 1, 2]) {
    assert.ok((await metricValue(node(i).url, 'parley_doc_updates_total', { source: 'relay' })) > 0, `node ${i} counts relayed updates`);
    assert.ok((await metricValue(node(i).url, 'parley_doc_updates_total', { source: 'editor' })) > 0, `node ${i} counts its editors' updates`);
  }
});

test('a process that missed relayed updates (its relay connection cut) repairs from the store', { skip }, async () => {
  const owner = await TestClient.guest(node(0).wsUrl, 'owner2');
  clients.push(owner);
  await owner.ok('create', { room: 'repair-doc' });
  const [a, c] = await Promise.all([editorOn(0, 'ra', 'repair-doc'), editorOn(2, 'rc', 'repair-doc')]);
  a.text.insert(0, 'before the cut. ');
  await converged([a, c], 'before the cut. ', 30_000);
  const repaired = await metricSum(node(2).url, 'parley_doc_repairs_total', { result: 'changed' });
  const pid = node(2).child.pid;
  assert.ok(pid !== undefined);
  assert.ok((await killRedisClients(`parley-${pid}:docsub`)) >= 1, 'the relay subscription of node 2 was cut');
  for (let n = 0; n < 10; n++) a.text.insert(a.text.length, `during${n} `);
  await until('node 2’s editor has every change', () => Promise.resolve(c.text.toJSON() === a.text.toJSON()), 30_000);
  assert.match(c.text.toJSON(), /during9 /);
  // What node 2 missed came from the store (after the resync, or the periodic look), and /metrics says so.
  assert.ok((await metricSum(node(2).url, 'parley_doc_repairs_total', { result: 'changed' })) > repaired, 'a repair that changed the document is counted');
});

test('a ticket issued by one process is redeemed by another, once', { skip }, async () => {
  const owner = await TestClient.guest(node(0).wsUrl, 'owner3');
  clients.push(owner);
  await owner.ok('create', { room: 'ticket-doc' });
  const ticket = (await owner.ok('ticket', { room: 'ticket-doc' }))['ticket'] as string;
  const url = (i: number): string => `${yjsUrl(node(i).url)}/ticket-doc?ticket=${ticket}`;
  const [first, second] = await Promise.all([upgradeOrRefusal(url(1)), upgradeOrRefusal(url(2))]);
  const opened = [first, second].filter((answer) => typeof answer !== 'number');
  assert.equal(opened.length, 1, 'exactly one of two processes redeeming at once gets in');
  assert.ok([first, second].includes(401));
  for (const ws of opened) if (typeof ws !== 'number') ws.close();
});
