// File records in the SQLite database file, on a connection of their own (as sqlite-api-keys.ts):
// uploads and downloads are HTTP requests, never on the message path, so they need none of
// SqliteStore's batching. Each write is one transaction synced before it returns (synchronous FULL).
import type Database from 'better-sqlite3';
import { openSideDatabase } from './sqlite-side-db.js';
import { claimOutcome, toFileRecord, unreachableFiles, unreferenced, type FileRow } from './file-rows.js';
import type { ClaimRefusal, FileRecord, FileStore, NewFile } from './file-store.js';

export class SqliteFiles implements FileStore {
  readonly #db: Database.Database;
  readonly #statements;

  /** `file`: the database file of SqliteStore (migrated here too, whichever opens first). */
  constructor(file: string) {
    this.#db = openSideDatabase(file);
    const db = this.#db;
    this.#statements = {
      add: db.prepare<[string, string, string, string, number, number | null, number | null, string | null, string, number]>(
        `INSERT INTO files (id, hash, name, type, size, width, height, thumb_hash, uploader, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      file: db.prepare<[string], FileRow>('SELECT * FROM files WHERE id = ?'),
      uploaded: db.prepare<[string, number], { bytes: number | null }>('SELECT sum(size) AS bytes FROM files WHERE uploader = ? AND created_at >= ?'),
      claim: db.prepare<[string, string, string]>('UPDATE files SET room = ?, cid = ? WHERE id = ?'),
      release: db.prepare<[string, string, string]>('UPDATE files SET room = NULL, cid = NULL WHERE id = ? AND room = ? AND cid = ? AND seq IS NULL'),
      bind: db.prepare<[number, string, string]>('UPDATE files SET seq = ? WHERE id = ? AND room = ?'),
      dropMessage: db.prepare<[string, number], { hash: string; thumb_hash: string | null }>(
        'DELETE FROM files WHERE room = ? AND seq = ? RETURNING hash, thumb_hash',
      ),
      dropRoom: db.prepare<[string], { hash: string; thumb_hash: string | null }>('DELETE FROM files WHERE room = ? RETURNING hash, thumb_hash'),
      collect: db.prepare<{ before: number }, { hash: string; thumb_hash: string | null }>(
        `DELETE FROM files WHERE ${unreachableFiles('$before')} RETURNING hash, thumb_hash`,
      ),
      referenced: db.prepare<[string, string], { found: number }>('SELECT 1 AS found FROM files WHERE hash = ? OR thumb_hash = ? LIMIT 1'),
    };
  }

  addFile(file: NewFile): Promise<void> {
    return this.#run(() => {
      this.#statements.add.run(
        file.id,
        file.hash,
        file.name,
        file.type,
        file.size,
        file.width ?? null,
        file.height ?? null,
        file.thumbHash ?? null,
        file.uploader,
        file.createdAt,
      );
    });
  }

  file(id: string): Promise<FileRecord | undefined> {
    return this.#run(() => {
      const row = this.#statements.file.get(id);
      return row === undefined ? undefined : toFileRecord(row);
    });
  }

  uploadedSince(uploader: string, since: number): Promise<number> {
    return this.#run(() => this.#statements.uploaded.get(uploader, since)?.bytes ?? 0);
  }

  claim(ids: readonly string[], uploader: string, room: string, cid: string): Promise<FileRecord[] | ClaimRefusal> {
    return this.#run(() =>
      this.#db.transaction(() => {
        const found = new Map<string, FileRecord>();
        for (const id of ids) {
          const row = this.#statements.file.get(id);
          if (row !== undefined) found.set(id, toFileRecord(row));
        }
        const outcome = claimOutcome(ids, found, uploader, room, cid);
        if (!Array.isArray(outcome)) return outcome;
        for (const id of ids) this.#statements.claim.run(room, cid, id);
        return outcome.map((record) => ({ ...record, room, cid }));
      })(),
    );
  }

  release(ids: readonly string[], room: string, cid: string): Promise<void> {
    return this.#run(() => this.#db.transaction(() => ids.forEach((id) => this.#statements.release.run(id, room, cid)))());
  }

  bind(ids: readonly string[], room: string, seq: number): Promise<void> {
    return this.#run(() => this.#db.transaction(() => ids.forEach((id) => this.#statements.bind.run(seq, id, room)))());
  }

  dropMessage(room: string, seq: number): Promise<string[]> {
    return this.#run(() => this.#orphans(this.#statements.dropMessage.all(room, seq)));
  }

  dropRoom(room: string): Promise<string[]> {
    return this.#run(() => this.#orphans(this.#statements.dropRoom.all(room)));
  }

  collect(before: number): Promise<string[]> {
    return this.#run(() => this.#orphans(this.#statements.collect.all({ before })));
  }

  /** Of the blobs the deleted rows referred to, those no remaining row refers to. */
  #orphans(rows: readonly { hash: string; thumb_hash: string | null }[]): string[] {
    const hashes = rows.flatMap((row) => (row.thumb_hash === null ? [row.hash] : [row.hash, row.thumb_hash]));
    const still = new Set(hashes.filter((hash) => this.#statements.referenced.get(hash, hash) !== undefined));
    return unreferenced(hashes, still);
  }

  referenced(hash: string): Promise<boolean> {
    return this.#run(() => this.#statements.referenced.get(hash, hash) !== undefined);
  }

  close(): Promise<void> {
    this.#db.close();
    return Promise.resolve();
  }

  // better-sqlite3 is synchronous; a thrown error becomes a rejected promise, as in SqliteStore.
  #run<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
