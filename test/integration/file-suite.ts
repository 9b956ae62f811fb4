// The files suite, over real HTTP and WebSockets, run on SQLite (files.test.ts: one server) and on
// PostgreSQL with two nodes (test/cluster/files-cluster.test.ts): each file is uploaded on node
// `a` and fetched on node `b`, so in a cluster every process must serve every file. The bounds
// (size, daily bytes, uploads per hour) run on a second pair of nodes configured with FILE_BOUNDS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { TestServer } from '../support/server.js';
import { guestWithToken, type Frame } from '../support/client.js';
import { register } from '../support/auth.js';
import { fetchBytes, jpegWithGps, links, png, streamUpload, upload } from '../support/files.js';
import { uniqueName } from '../support/services.js';

/** A server as the suite reaches it: in this process or another. */
type Node = Pick<TestServer, 'url' | 'wsUrl'>;

/** Small bounds for the refusal tests: a server (or a cluster) of their own is started with these. */
export const FILE_BOUNDS = { maxBytes: 64 * 1024, dailyBytesPerUser: 100_000, uploadsPerHour: 4 } as const;

interface SuiteNodes {
  a: () => Node;
  b: () => Node;
  /** How many blobs the file storage holds now. */
  blobs: () => Promise<number>;
}

export interface FileSuiteNodes extends SuiteNodes {
  /** Two nodes (one server twice on SQLite) whose files are bounded by FILE_BOUNDS. */
  bounded: SuiteNodes;
  /** Whether `a` and `b` are separate processes: a counter kept per process differs between them then. */
  twoProcesses: boolean;
  skip?: string | undefined;
}

type Descriptor = { id: string; name: string; type: string; size: number; width?: number; height?: number; thumb?: true };

export function fileSuite(nodes: FileSuiteNodes): void {
  const { skip, bounded } = nodes;

  test('an image: uploaded, attached, pushed and in history with its descriptor; fetched inline with its thumbnail on the other node', { skip }, async () => {
    const room = uniqueName('pics');
    const alice = await guestWithToken(nodes.a().wsUrl, 'alice');
    const bob = await guestWithToken(nodes.b().wsUrl, 'bob');
    await alice.client.ok('join', { room });
    await bob.client.ok('join', { room });
    const picture = await png(40, 30);
    const uploaded = await upload(nodes.a().url, alice.resume, 'holiday.png', picture);
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    const file = uploaded.body as Descriptor;
    assert.match(file.id, /^f_/);
    assert.deepEqual({ ...file, id: 'x' }, { id: 'x', name: 'holiday.png', type: 'image/png', size: file.size, width: 40, height: 30, thumb: true });

    const pushed = bob.client.next((frame) => frame.type === 'message' && frame['room'] === room, 'the message with a file', 10_000);
    await alice.client.ok('send', { room, text: '', cid: 'c1', files: [file.id] });
    const message = await pushed;
    assert.deepEqual(message['files'], [file]);
    assert.equal(message['text'], '');
    const history = (await bob.client.ok('history', { room }))['messages'] as Frame[];
    assert.deepEqual(history[0]?.['files'], [file]);

    const [link] = await links(nodes.b().url, bob.resume, [file.id]);
    assert.ok(link !== undefined && link.thumb !== undefined);
    const got = await fetchBytes(nodes.b().url, link.url);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.match(got.headers.get('content-disposition') ?? '', /^inline; filename="holiday.png"/);
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.match(got.headers.get('content-security-policy') ?? '', /sandbox/);
    const meta = await sharp(got.bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 40, 30]);
    const thumb = await fetchBytes(nodes.b().url, link.thumb);
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'image/webp');
    assert.equal((await sharp(thumb.bytes).metadata()).format, 'webp');
    await Promise.all([alice.client.close(), bob.client.close()]);
  });

  test('the same upload twice is one stored file (two records, one blob and one thumbnail)', { skip }, async () => {
    const alice = await guestWithToken(nodes.a().wsUrl, 'alice');
    const picture = await png(33, 17, { r: 1, g: 2, b: 3 });
    const before = await nodes.blobs();
    const first = await upload(nodes.a().url, alice.resume, 'one.png', picture);
    const second = await upload(nodes.b().url, alice.resume, 'again.png', picture);
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.notEqual(first.body['id'], second.body['id']);
    assert.equal((await nodes.blobs()) - before, 2, 'the image and its thumbnail, once');
    await alice.client.close();
  });

  test('EXIF and its GPS position are gone from an uploaded JPEG', { skip }, async () => {
    const room = uniqueName('gps');
    const alice = await guestWithToken(nodes.a().wsUrl, 'alice');
    await alice.client.ok('join', { room });
    const photo = await jpegWithGps();
    assert.ok((await sharp(photo).metadata()).exif !== undefined, 'the test photo has EXIF');
    assert.ok(photo.includes('ParleyTestCam'));
    const uploaded = await upload(nodes.a().url, alice.resume, 'photo.jpg', photo);
    assert.equal(uploaded.status, 201);
    const id = uploaded.body['id'] as string;
    await alice.client.ok('send', { room, text: 'where am I?', cid: 'g1', files: [id] });
    const [link] = await links(nodes.b().url, alice.resume, [id]);
    const got = await fetchBytes(nodes.b().url, link?.url ?? '');
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'image/jpeg');
    const meta = await sharp(got.bytes).metadata();
    assert.equal(meta.exif, undefined);
    assert.equal(meta.xmp, undefined);
    assert.ok(!got.bytes.includes('ParleyTestCam'));
    assert.ok(!got.bytes.includes('GPS'));
    await alice.client.close();
  });

  test('HTML and SVG uploads are served as attachments of an opaque type, with nosniff and a sandbox', { skip }, async () => {
    const room = uniqueName('docs');
    const alice = await guestWithToken(nodes.a().wsUrl, 'alice');
    await alice.client.ok('join', { room });
    const html = await upload(nodes.a().url, alice.resume, 'evil.html', '<!doctype html><html><script>alert(document.cookie)</script></html>');
    const svg = await upload(nodes.a().url, alice.resume, 'evil.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    // The name says image/png; the content says otherwise, and the content wins.
    const fake = await upload(nodes.a().url, alice.resume, 'fake.png', '<html><body>not a png</body></html>');
    for (const answer of [html, svg, fake]) assert.equal(answer.status, 201);
    const ids = [html, svg, fake].map((answer) => answer.body['id'] as string);
    for (const answer of [html, fake]) assert.equal(answer.body['type'], 'application/octet-stream');
    assert.notEqual(svg.body['type'], 'image/svg+xml');
    await alice.client.ok('send', { room, text: 'docs', cid: 'd1', files: ids });
    for (const link of await links(nodes.b().url, alice.resume, ids)) {
      const got = await fetchBytes(nodes.b().url, link.url);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'application/octet-stream');
      assert.match(got.headers.get('content-disposition') ?? '', /^attachment;/);
      assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
      assert.match(got.headers.get('content-security-policy') ?? '', /default-src 'none'.*sandbox/);
    }
    await alice.client.close();
  });

  test('a non-member of a private room, a banned user and a logged-out session cannot fetch, even with a URL', { skip }, async () => {
    const room = uniqueName('vault');
    const owner = await guestWithToken(nodes.a().wsUrl, 'owner');
    const member = await guestWithToken(nodes.a().wsUrl, 'member');
    const outsider = await guestWithToken(nodes.b().wsUrl, 'outsider');
    const account = await register(
      nodes.a().url,
      uniqueName('acct')
        .slice(0, 24)
        .replace(/[^a-z0-9]/g, 'x'),
    );
    await owner.client.ok('create', { room, private: true });
    await owner.client.ok('invite', { room, user: member.id });
    await owner.client.ok('invite', { room, user: account.id });
    const uploaded = await upload(nodes.a().url, owner.resume, 'secret.png', await png(8, 8));
    const id = uploaded.body['id'] as string;
    await owner.client.ok('join', { room });
    await owner.client.ok('send', { room, text: 'secret', cid: 's1', files: [id] });

    // The outsider is given no link, and cannot make one from another's.
    assert.deepEqual(await links(nodes.b().url, outsider.resume, [id]), []);
    const [memberLink] = await links(nodes.b().url, member.resume, [id]);
    assert.ok(memberLink !== undefined);
    const forged = memberLink.url.replace(/u=[^&]+/, `u=${encodeURIComponent(outsider.id)}`);
    assert.equal((await fetchBytes(nodes.b().url, forged)).status, 403);
    assert.equal((await fetchBytes(nodes.b().url, `/files/${id}`)).status, 403);
    assert.equal((await fetchBytes(nodes.b().url, memberLink.url.replace(/sig=[^&]+/, 'sig=AAAA'))).status, 403);
    assert.equal((await fetchBytes(nodes.b().url, memberLink.url)).status, 200);

    // Banned: the link made before the ban stops working.
    await owner.client.ok('ban', { room, user: member.id });
    const banned = await fetchBytes(nodes.b().url, memberLink.url);
    assert.equal(banned.status, 403);
    assert.deepEqual(await links(nodes.b().url, member.resume, [id]), []);

    // Logged out: the link of that login session stops working.
    const [accountLink] = await links(nodes.a().url, account.token, [id]);
    assert.ok(accountLink !== undefined);
    assert.equal((await fetchBytes(nodes.b().url, accountLink.url)).status, 200);
    const logout = await fetch(`${nodes.a().url}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${account.token}` } });
    assert.equal(logout.status, 204);
    assert.equal((await fetchBytes(nodes.b().url, accountLink.url)).status, 403);
    await Promise.all([owner.client.close(), member.client.close(), outsider.client.close()]);
  });

  test('a deleted message takes its files with it for every reader', { skip }, async () => {
    const room = uniqueName('gone');
    const alice = await guestWithToken(nodes.a().wsUrl, 'alice');
    await alice.client.ok('join', { room });
    const uploaded = await upload(nodes.a().url, alice.resume, 'x.png', await png(9, 9, { r: 9, g: 9, b: 9 }));
    const id = uploaded.body['id'] as string;
    const blobsBefore = await nodes.blobs();
    const sent = await alice.client.ok('send', { room, text: 'soon gone', cid: 'x1', files: [id] });
    const [link] = await links(nodes.b().url, alice.resume, [id]);
    assert.equal((await fetchBytes(nodes.b().url, link?.url ?? '')).status, 200);
    await alice.client.ok('delete', { room, seq: sent['seq'] });
    assert.equal((await fetchBytes(nodes.b().url, link?.url ?? '')).status, 404);
    assert.deepEqual(await links(nodes.b().url, alice.resume, [id]), []);
    const history = (await alice.client.ok('history', { room }))['messages'] as Frame[];
    assert.equal(history[0]?.['files'], undefined);
    // Its blobs were referenced by nothing else: deleted (asynchronously, right after the delete).
    const deadline = Date.now() + 10_000;
    while ((await nodes.blobs()) > blobsBefore - 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await nodes.blobs(), blobsBefore - 2);
    await alice.client.close();
  });

  test('attaching: only your own stored uploads, each once, at most 10, with a caption or alone', { skip }, async () => {
    const room = uniqueName('attach');
    const alice = await guestWithToken(nodes.a().wsUrl, 'alice');
    const mallory = await guestWithToken(nodes.b().wsUrl, 'mallory');
    await alice.client.ok('join', { room });
    await mallory.client.ok('join', { room });
    const mine = (await upload(nodes.a().url, alice.resume, 'a.txt', 'hello')).body['id'] as string;
    const refused = async (who: typeof alice, params: Record<string, unknown>, code: string): Promise<void> => {
      const reply = await who.client.request('send', { room, ...params });
      assert.equal(reply.type, 'error', JSON.stringify(reply));
      assert.equal(reply['code'], code, String(reply['message']));
    };
    await refused(mallory, { text: 'mine now', cid: 'm1', files: [mine] }, 'not_found');
    await refused(alice, { text: 'ghost', cid: 'a0', files: ['f_doesnotexist'] }, 'not_found');
    await refused(alice, { text: 'many', cid: 'a1', files: Array.from({ length: 11 }, (_, i) => `f_${i}`) }, 'bad_request');
    await refused(alice, { text: '', cid: 'a2' }, 'bad_request');
    await refused(alice, { text: 'x', cid: 'a3', files: ['../../etc/passwd'] }, 'bad_request');
    const first = await alice.client.ok('send', { room, text: 'caption', cid: 'a4', files: [mine] });
    // A retry of the same send is the same message; another message cannot take the file.
    const retry = await alice.client.ok('send', { room, text: 'caption', cid: 'a4', files: [mine] });
    assert.equal(retry['seq'], first['seq']);
    assert.equal(retry['duplicate'], true);
    await refused(alice, { text: 'again', cid: 'a5', files: [mine] }, 'bad_request');
    // Nothing of the refusals was stored.
    const history = (await alice.client.ok('history', { room }))['messages'] as Frame[];
    assert.deepEqual(
      history.map((m) => m['text']),
      ['caption'],
    );
    await Promise.all([alice.client.close(), mallory.client.close()]);
  });

  test('uploads without a valid bearer, or not multipart, are refused', { skip }, async () => {
    assert.equal((await upload(nodes.a().url, undefined, 'a.txt', 'x')).status, 401);
    assert.equal((await upload(nodes.a().url, 'g_forged.token', 'a.txt', 'x')).status, 401);
    assert.equal((await upload(nodes.a().url, 'not-a-session-token', 'a.txt', 'x')).status, 401);
    const alice = await guestWithToken(nodes.a().wsUrl, 'alice');
    const json = await fetch(`${nodes.a().url}/api/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.resume}`, 'content-type': 'application/json' },
      body: '{"file":"x"}',
    });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as { error: string }).error, 'bad_request');
    const links = await fetch(`${nodes.a().url}/api/files/links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.resume}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: ['nope'] }),
    });
    assert.equal(links.status, 400);
    await alice.client.close();
  });
  test(
    'an oversize upload is refused mid-stream (413 too_large) long before its end, and nothing is kept; exactly the limit passes on the other node',
    { skip },
    async () => {
      const alice = await guestWithToken(bounded.a().wsUrl, 'alice');
      const before = await bounded.blobs();
      const total = 64 * 1024 * 1024;
      const refused = await streamUpload(bounded.a().url, alice.resume, total);
      assert.equal(refused.status, 413);
      assert.equal((JSON.parse(refused.body) as { error: string }).error, 'too_large');
      assert.ok(refused.written < total / 4, `the answer came after ${refused.written} of ${total} bytes`);
      const over = await upload(bounded.a().url, alice.resume, 'over.bin', Buffer.alloc(FILE_BOUNDS.maxBytes + 1, 1));
      assert.equal(over.status, 413);
      assert.equal(over.body['error'], 'too_large');
      assert.equal(await bounded.blobs(), before, 'nothing of the refused uploads was stored');
      const exact = await upload(bounded.b().url, alice.resume, 'exact.bin', Buffer.alloc(FILE_BOUNDS.maxBytes, 2));
      assert.equal(exact.status, 201, JSON.stringify(exact.body));
      assert.equal(exact.body['size'], FILE_BOUNDS.maxBytes);
      assert.equal(await bounded.blobs(), before + 1);
      await alice.client.close();
    },
  );

  test("a user's daily upload bytes are bounded across nodes (429 quota_exceeded); another user is not affected", { skip }, async () => {
    const alice = await guestWithToken(bounded.a().wsUrl, 'alice');
    const bob = await guestWithToken(bounded.b().wsUrl, 'bob');
    assert.equal((await upload(bounded.a().url, alice.resume, 'a', Buffer.alloc(60_000, 1))).status, 201);
    // The bytes of the last 24 hours are read from the store: the other node counts them too.
    const over = await upload(bounded.b().url, alice.resume, 'b', Buffer.alloc(60_000, 2));
    assert.equal(over.status, 429);
    assert.equal(over.body['error'], 'quota_exceeded');
    assert.ok(Number(over.headers.get('retry-after')) > 0);
    // What still fits passes (60 000 + 30 000 ≤ 100 000), and then nothing does, on either node.
    assert.equal((await upload(bounded.b().url, alice.resume, 'c', Buffer.alloc(30_000, 3))).status, 201);
    assert.equal((await upload(bounded.a().url, alice.resume, 'd', Buffer.alloc(20_000, 4))).body['error'], 'quota_exceeded');
    assert.equal((await upload(bounded.a().url, bob.resume, 'e', Buffer.alloc(60_000, 5))).status, 201);
    await Promise.all([alice.client.close(), bob.client.close()]);
  });

  test('uploads per user per hour are bounded (429 rate_limited with Retry-After), whatever their size; the count is per process', { skip }, async () => {
    const alice = await guestWithToken(bounded.a().wsUrl, 'alice');
    const bob = await guestWithToken(bounded.a().wsUrl, 'bob');
    for (let i = 0; i < FILE_BOUNDS.uploadsPerHour; i++) assert.equal((await upload(bounded.a().url, alice.resume, `n${i}`, 'x')).status, 201);
    const next = await upload(bounded.a().url, alice.resume, 'over', 'x');
    assert.equal(next.status, 429);
    assert.equal(next.body['error'], 'rate_limited');
    assert.ok(Number(next.headers.get('retry-after')) > 0);
    assert.equal((await upload(bounded.a().url, bob.resume, 'bob', 'x')).status, 201);
    // The hourly count lives in each process's memory (docs/security.md): another process has its own.
    const elsewhere = await upload(bounded.b().url, alice.resume, 'elsewhere', 'x');
    assert.equal(elsewhere.status, nodes.twoProcesses ? 201 : 429);
    await Promise.all([alice.client.close(), bob.client.close()]);
  });

  test('a message carries at most 10 stored files: 11 real uploads are refused (bad_request), 10 pass, on either node', { skip }, async () => {
    const room = uniqueName('many');
    const alice = await guestWithToken(nodes.a().wsUrl, 'alice');
    const bob = await guestWithToken(nodes.b().wsUrl, 'bob');
    await alice.client.ok('join', { room });
    await bob.client.ok('join', { room });
    const ids: string[] = [];
    for (let i = 0; i <= 10; i++) {
      const uploaded = await upload(nodes.a().url, alice.resume, `part${i}.txt`, `part ${i}`);
      assert.equal(uploaded.status, 201);
      ids.push(uploaded.body['id'] as string);
    }
    const refused = await alice.client.request('send', { room, text: 'eleven', cid: 'e11', files: ids });
    assert.equal(refused.type, 'error');
    assert.equal(refused['code'], 'bad_request', String(refused['message']));
    const pushed = bob.client.next((frame) => frame.type === 'message' && frame['room'] === room, 'the message with ten files', 10_000);
    await alice.client.ok('send', { room, text: 'ten', cid: 'e10', files: ids.slice(0, 10) });
    const message = await pushed;
    assert.equal(message['text'], 'ten');
    assert.deepEqual(
      (message['files'] as Descriptor[]).map((file) => file.id),
      ids.slice(0, 10),
    );
    // Nothing of the refusal was stored: the room holds the one message.
    const history = (await bob.client.ok('history', { room }))['messages'] as Frame[];
    assert.deepEqual(
      history.map((m) => m['text']),
      ['ten'],
    );
    await Promise.all([alice.client.close(), bob.client.close()]);
  });
}
