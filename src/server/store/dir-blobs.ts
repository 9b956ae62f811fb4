// File bytes under the data directory, by sha256: <dir>/<first two hex digits>/<hash>. A put is a
// rename of the finished temporary file (same file system: the temporary files live in <dir>/tmp),
// so a blob is never seen half written; the file and the rename are synced to disk first.
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStore } from './file-store.js';

const HASH = /^[0-9a-f]{64}$/;

export class DirBlobs implements BlobStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Where uploads are written while they arrive: on the same file system as the blobs. */
  get tempDir(): string {
    return join(this.#dir, 'tmp');
  }

  async put(hash: string, tempFile: string): Promise<void> {
    const target = this.#path(hash);
    await mkdir(join(target, '..'), { recursive: true });
    if (await exists(target)) {
      await rm(tempFile, { force: true });
      return;
    }
    // On disk before the rename publishes it, and the rename itself on disk before the upload's
    // answer: an acknowledged upload survives a power loss as every acknowledged write does.
    await syncPath(tempFile);
    await rename(tempFile, target);
    await syncPath(join(target, '..'));
  }

  async open(hash: string): Promise<Readable | undefined> {
    const path = this.#path(hash);
    if (!(await exists(path))) return undefined;
    return createReadStream(path);
  }

  async delete(hash: string): Promise<void> {
    await rm(this.#path(hash), { force: true });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #path(hash: string): string {
    // Only ever a hash the server computed; checked so that no string can name another path.
    if (!HASH.test(hash)) throw new Error(`not a sha256: ${hash}`);
    return join(this.#dir, hash.slice(0, 2), hash);
  }
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
