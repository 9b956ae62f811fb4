// The FileStore contract (store/file-store.ts) and the BlobStore contract, run by every
// implementation on the same database as the Store it sits beside (sqlite-files.test.ts,
// postgres-files.test.ts): claims all or nothing, retries of one send, drops, collection.
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import type { BlobStore, FileStore, NewFile } from '../../src/server/store/file-store.js';
import type { Store } from '../../src/server/store/store.js';

export interface FileStoreFixture {
  /** Opens the Store, the FileStore and a BlobStore on one fresh database. */
  open(): Promise<{ store: Store; files: FileStore; blobs: BlobStore }>;
  dispose(): Promise<void>;
}

const T0 = 1_700_000_000_000;
const file = (id: string, extra: Partial<NewFile> = {}): NewFile => ({
  id,
  hash: 'a'.repeat(64),
  name: `${id}.png`,
  type: 'image/png',
  size: 1000,
  uploader: 'u_alice',
  createdAt: T0,
  ...extra,
});

const sha = (bytes: string): string => createHash('sha256').update(bytes).digest('hex');

export function runFileStoreContract(name: string, makeFixture: () => Promise<FileStoreFixture>, options: { skip?: string | undefined } = {}): void {
  describe(`FileStore and BlobStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: FileStoreFixture;
    let store: Store;
    let files: FileStore;
    let blobs: BlobStore;
    let temp: string;

    beforeEach(async () => {
      fixture = await makeFixture();
      ({ store, files, blobs } = await fixture.open());
      temp = mkdtempSync(join(tmpdir(), 'parley-blob-contract-'));
    });
    afterEach(async () => {
      await blobs.close();
      await files.close();
      await store.close();
      await fixture.dispose();
      rmSync(temp, { recursive: true, force: true });
    });

    test('a file is found with every field it was stored with; the uploaded bytes add up per user since a time', async () => {
      await files.addFile(file('f_1', { width: 40, height: 30, thumbHash: 'b'.repeat(64) }));
      await files.addFile(file('f_2', { createdAt: T0 + 10, size: 500, type: 'text/plain' }));
      await files.addFile(file('f_3', { uploader: 'u_bob', size: 7 }));
      assert.deepEqual(await files.file('f_1'), file('f_1', { width: 40, height: 30, thumbHash: 'b'.repeat(64) }));
      assert.deepEqual(await files.file('f_2'), file('f_2', { createdAt: T0 + 10, size: 500, type: 'text/plain' }));
      assert.equal(await files.file('f_none'), undefined);
      assert.equal(await files.uploadedSince('u_alice', T0), 1500);
      assert.equal(await files.uploadedSince('u_alice', T0 + 1), 500);
      assert.equal(await files.uploadedSince('u_nobody', 0), 0);
    });

    test('a claim takes every file or none: only the uploader, only unattached ones; a retry of the same send claims again', async () => {
      await files.addFile(file('f_1'));
      await files.addFile(file('f_2'));
      await files.addFile(file('f_bob', { uploader: 'u_bob' }));
      assert.deepEqual(await files.claim(['f_1', 'f_bob'], 'u_alice', 'room', 'c1'), { refused: 'not_found', id: 'f_bob' });
      assert.deepEqual(await files.claim(['f_1', 'f_ghost'], 'u_alice', 'room', 'c1'), { refused: 'not_found', id: 'f_ghost' });
      assert.equal((await files.file('f_1'))?.room, undefined, 'a refused claim took nothing');
      const claimed = await files.claim(['f_2', 'f_1'], 'u_alice', 'room', 'c1');
      assert.ok(Array.isArray(claimed));
      assert.deepEqual(
        claimed.map((record) => [record.id, record.room, record.cid]),
        [
          ['f_2', 'room', 'c1'],
          ['f_1', 'room', 'c1'],
        ],
      );
      assert.ok(Array.isArray(await files.claim(['f_1'], 'u_alice', 'room', 'c1')), 'the same send again');
      assert.deepEqual(await files.claim(['f_1'], 'u_alice', 'room', 'c2'), { refused: 'attached', id: 'f_1' });
      assert.deepEqual(await files.claim(['f_1'], 'u_alice', 'other', 'c1'), { refused: 'attached', id: 'f_1' });
      await files.release(['f_1'], 'room', 'c1');
      assert.ok(Array.isArray(await files.claim(['f_1'], 'u_alice', 'other', 'c9')), 'released, it can go elsewhere');
      await files.bind(['f_2'], 'room', 5);
      assert.equal((await files.file('f_2'))?.seq, 5);
      await files.release(['f_2'], 'room', 'c1');
      assert.equal((await files.file('f_2'))?.room, 'room', 'a bound file is not released');
    });

    test("dropping a message's or a room's files answers the blobs nothing else refers to", async () => {
      const shared = 'c'.repeat(64);
      await files.addFile(file('f_1', { hash: shared, thumbHash: 'd'.repeat(64) }));
      await files.addFile(file('f_2', { hash: shared }));
      await files.addFile(file('f_3', { hash: 'e'.repeat(64) }));
      for (const [id, seq] of [
        ['f_1', 1],
        ['f_2', 2],
        ['f_3', 3],
      ] as const) {
        assert.ok(Array.isArray(await files.claim([id], 'u_alice', 'room', `c${seq}`)));
        await files.bind([id], 'room', seq);
      }
      assert.deepEqual(await files.dropMessage('room', 1), ['d'.repeat(64)], 'the shared bytes are still f_2s');
      assert.equal(await files.file('f_1'), undefined);
      assert.equal(await files.referenced(shared), true);
      assert.deepEqual((await files.dropRoom('room')).sort(), [shared, 'e'.repeat(64)]);
      assert.equal(await files.file('f_2'), undefined);
      assert.equal(await files.referenced(shared), false);
      assert.deepEqual(await files.dropMessage('room', 9), []);
    });

    test('collect drops old unattached uploads and files of deleted messages, and answers their blobs', async () => {
      await files.addFile(file('f_old', { hash: '1'.repeat(64), createdAt: T0 }));
      await files.addFile(file('f_new', { hash: '2'.repeat(64), createdAt: T0 + 5000 }));
      const { message } = await store.append({ room: 'r', cid: 'm1', from: { id: 'u_alice', name: 'alice' }, text: 'x', ts: T0 });
      await files.addFile(file('f_sent', { hash: '3'.repeat(64) }));
      await files.addFile(file('f_deleted', { hash: '4'.repeat(64) }));
      const second = await store.append({ room: 'r', cid: 'm2', from: { id: 'u_alice', name: 'alice' }, text: 'y', ts: T0 });
      for (const [id, seq, cid] of [
        ['f_sent', message.seq, 'm1'],
        ['f_deleted', second.message.seq, 'm2'],
      ] as const) {
        assert.ok(Array.isArray(await files.claim([id], 'u_alice', 'r', cid)));
        await files.bind([id], 'r', seq);
      }
      assert.ok(await store.deleteMessage('r', second.message.seq, T0 + 1));
      assert.deepEqual((await files.collect(T0 + 1000)).sort(), ['1'.repeat(64), '4'.repeat(64)]);
      assert.equal(await files.file('f_old'), undefined);
      assert.equal(await files.file('f_deleted'), undefined);
      assert.ok((await files.file('f_new')) !== undefined);
      assert.ok((await files.file('f_sent')) !== undefined);
      assert.deepEqual(await files.collect(T0 + 1000), []);
    });

    test('a message stored with file descriptors reads back with them everywhere, and a tombstone has none', async () => {
      const descriptors = [{ id: 'f_1', name: 'a.png', type: 'image/png', size: 3, width: 1, height: 1, thumb: true as const }];
      const { message } = await store.append({ room: 'r', cid: 'm1', from: { id: 'u', name: 'u' }, text: '', ts: T0, files: descriptors });
      assert.deepEqual(message.files, descriptors);
      assert.deepEqual((await store.history('r', undefined, 10))[0]?.files, descriptors);
      assert.deepEqual((await store.after('r', 0, 10))[0]?.files, descriptors);
      assert.deepEqual((await store.message('r', message.seq))?.files, descriptors);
      const duplicate = await store.append({ room: 'r', cid: 'm1', from: { id: 'u', name: 'u' }, text: '', ts: T0, files: descriptors });
      assert.equal(duplicate.duplicate, true);
      assert.deepEqual(duplicate.message.files, descriptors);
      assert.ok(await store.deleteMessage('r', message.seq, T0 + 1));
      assert.equal((await store.message('r', message.seq))?.files, undefined);
    });

    test('blobs: put moves a temporary file in by hash (once per hash), open streams it back, delete removes it', async () => {
      const write = (name: string, bytes: string): string => {
        const path = join(temp, name);
        writeFileSync(path, bytes);
        return path;
      };
      const hash = sha('hello blob');
      const first = write('one', 'hello blob');
      await blobs.put(hash, first);
      assert.equal(existsSync(first), false, 'the temporary file is taken');
      const second = write('two', 'hello blob');
      await blobs.put(hash, second);
      assert.equal(existsSync(second), false, 'a second copy is not kept');
      const stream = await blobs.open(hash);
      assert.ok(stream !== undefined);
      assert.equal(await text(stream), 'hello blob');
      const big = 'x'.repeat(3 * 1024 * 1024 + 17);
      await blobs.put(sha(big), write('big', big));
      const bigStream = await blobs.open(sha(big));
      assert.equal((await text(bigStream ?? (undefined as never))).length, big.length);
      const empty = sha('');
      await blobs.put(empty, write('empty', ''));
      assert.equal(await text((await blobs.open(empty)) ?? (undefined as never)), '');
      await blobs.delete(hash);
      assert.equal(await blobs.open(hash), undefined);
      await blobs.delete(hash);
      assert.equal(await blobs.open('f'.repeat(64)), undefined);
    });
  });
}
