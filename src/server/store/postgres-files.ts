// File records and their bytes in PostgreSQL, on a small pool of their own (uploads and downloads
// are HTTP requests, never on the message path). The bytes are chunks of a table (file_chunks),
// so every process of a cluster serves every file; a read fetches one chunk at a time, so a
// download never holds more than a chunk in memory.
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { inTransaction, openMigratedPool } from './postgres-pool.js';
import { StoreError } from './store.js';
import { claimOutcome, toFileRecord, unreachableFiles, unreferenced, type FileRow } from './file-rows.js';
import type { BlobStore, ClaimRefusal, FileRecord, FileStore, NewFile } from './file-store.js';

/** Bytes per row of file_chunks: big enough for few round trips, small enough to hold one in memory. */
export const CHUNK_BYTES = 1024 * 1024;

type HashRow = { hash: string; thumb_hash: string | null };

export class PostgresFiles implements FileStore, BlobStore {
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Connects and migrates `schema` (the same as PostgresStore's). */
  static async open(options: { connectionString: string; schema?: string; poolSize?: number }): Promise<PostgresFiles> {
    return new PostgresFiles(await openMigratedPool(options, 4, 'files'));
  }

  async addFile(file: NewFile): Promise<void> {
    await this.#pool.query(
      `INSERT INTO files (id, hash, name, type, size, width, height, thumb_hash, uploader, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [file.id, file.hash, file.name, file.type, file.size, file.width ?? null, file.height ?? null, file.thumbHash ?? null, file.uploader, file.createdAt],
    );
  }

  async file(id: string): Promise<FileRecord | undefined> {
    const { rows } = await this.#pool.query<FileRow>('SELECT * FROM files WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toFileRecord(rows[0]);
  }

  async uploadedSince(uploader: string, since: number): Promise<number> {
    const { rows } = await this.#pool.query<{ bytes: string | null }>('SELECT sum(size) AS bytes FROM files WHERE uploader = $1 AND created_at >= $2', [
      uploader,
      since,
    ]);
    return Number(rows[0]?.bytes ?? 0);
  }

  claim(ids: readonly string[], uploader: string, room: string, cid: string): Promise<FileRecord[] | ClaimRefusal> {
    return this.#transaction(async (client) => {
      // FOR UPDATE: two sends racing for one file are serialized; the second sees it claimed.
      const { rows } = await client.query<FileRow>('SELECT * FROM files WHERE id = ANY($1::text[]) FOR UPDATE', [ids]);
      const found = new Map(rows.map((row) => [row.id, toFileRecord(row)]));
      const outcome = claimOutcome(ids, found, uploader, room, cid);
      if (!Array.isArray(outcome)) return outcome;
      await client.query('UPDATE files SET room = $1, cid = $2 WHERE id = ANY($3::text[])', [room, cid, ids]);
      return outcome.map((record) => ({ ...record, room, cid }));
    });
  }

  async release(ids: readonly string[], room: string, cid: string): Promise<void> {
    await this.#pool.query('UPDATE files SET room = NULL, cid = NULL WHERE id = ANY($1::text[]) AND room = $2 AND cid = $3 AND seq IS NULL', [ids, room, cid]);
  }

  async bind(ids: readonly string[], room: string, seq: number): Promise<void> {
    await this.#pool.query('UPDATE files SET seq = $1 WHERE id = ANY($2::text[]) AND room = $3', [seq, ids, room]);
  }

  dropMessage(room: string, seq: number): Promise<string[]> {
    return this.#dropping('DELETE FROM files WHERE room = $1 AND seq = $2 RETURNING hash, thumb_hash', [room, seq]);
  }

  dropRoom(room: string): Promise<string[]> {
    return this.#dropping('DELETE FROM files WHERE room = $1 RETURNING hash, thumb_hash', [room]);
  }

  collect(before: number): Promise<string[]> {
    return this.#dropping(`DELETE FROM files WHERE ${unreachableFiles('$1')} RETURNING hash, thumb_hash`, [before]);
  }

  async referenced(hash: string): Promise<boolean> {
    const { rows } = await this.#pool.query('SELECT 1 FROM files WHERE hash = $1 OR thumb_hash = $1 LIMIT 1', [hash]);
    return rows.length > 0;
  }

  // BlobStore: the bytes, in chunks.

  async put(hash: string, tempFile: string): Promise<void> {
    try {
      const { rows } = await this.#pool.query('SELECT 1 FROM file_chunks WHERE hash = $1 AND n = 0', [hash]);
      if (rows.length > 0) return;
      await this.#transaction(async (client) => {
        let n = 0;
        // The file is read a chunk at a time (highWaterMark), never whole.
        for await (const chunk of createReadStream(tempFile, { highWaterMark: CHUNK_BYTES })) {
          await client.query('INSERT INTO file_chunks (hash, n, data) VALUES ($1, $2, $3) ON CONFLICT (hash, n) DO NOTHING', [hash, n, chunk]);
          n += 1;
        }
        // An empty file still has its row 0, which says the blob exists.
        if (n === 0) await client.query("INSERT INTO file_chunks (hash, n, data) VALUES ($1, 0, '') ON CONFLICT (hash, n) DO NOTHING", [hash]);
      });
    } finally {
      await rm(tempFile, { force: true });
    }
  }

  async open(hash: string): Promise<Readable | undefined> {
    const { rows } = await this.#pool.query<{ count: string }>('SELECT count(*) AS count FROM file_chunks WHERE hash = $1', [hash]);
    const count = Number(rows[0]?.count ?? 0);
    if (count === 0) return undefined;
    const pool = this.#pool;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let n = 0; n < count; n++) {
        const { rows: chunk } = await pool.query<{ data: Buffer }>('SELECT data FROM file_chunks WHERE hash = $1 AND n = $2', [hash, n]);
        const data = chunk[0]?.data;
        if (data === undefined) throw new StoreError(`chunk ${n} of ${hash} is gone`);
        if (data.length > 0) yield data;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async delete(hash: string): Promise<void> {
    await this.#pool.query('DELETE FROM file_chunks WHERE hash = $1', [hash]);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #dropping(sql: string, params: unknown[]): Promise<string[]> {
    const { rows } = await this.#pool.query<HashRow>(sql, params);
    const hashes = rows.flatMap((row) => (row.thumb_hash === null ? [row.hash] : [row.hash, row.thumb_hash]));
    if (hashes.length === 0) return [];
    const still = await this.#pool.query<{ hash: string }>(
      `SELECT hash FROM files WHERE hash = ANY($1::text[]) UNION SELECT thumb_hash FROM files WHERE thumb_hash = ANY($1::text[])`,
      [hashes],
    );
    return unreferenced(hashes, new Set(still.rows.map((row) => row.hash)));
  }

  #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, work);
  }
}
