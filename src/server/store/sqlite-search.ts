// Search in SQLite: the trigram index (messages_fts, see the migration in sqlite-schema.ts) finds
// the candidates of a pattern of 3 or more characters, the messages that hold every trigram of it,
// without reading every text of the window; LIKE then checks each candidate, so that the results
// are exactly those of a scan (the index has no positions, and it folds more than ASCII letters). Shorter patterns, and the seqs of rooms whose
// older messages are not indexed yet, are scanned with LIKE: the caller (SearchRunner) bounds how
// many seqs one call covers, so a scan is a short one.
import type Database from 'better-sqlite3';
import { likePattern } from './store.js';
import { SEARCH_ROWID_ROOM } from './sqlite-schema.js';

/** The trigram tokenizer indexes nothing shorter than 3 characters (code points). */
const MIN_INDEXED = 3;

/** `Row`: a messages row as the store reads it (SELECT *). */
/**
 * Each term of an index query costs a fixed ~0.2-0.5 ms whatever the rowid range (measured), and a
 * few trigrams already narrow the candidates: LIKE checks the rest. A long pattern uses this many,
 * spread over it.
 */
const MAX_TERMS = 8;

/** An FTS5 query for the messages that hold every trigram of `text` (3 or more code points). */
export function trigramQuery(text: string): string {
  const chars = [...text];
  const trigrams = new Set<string>();
  for (let i = 0; i + MIN_INDEXED <= chars.length; i++) trigrams.add(chars.slice(i, i + MIN_INDEXED).join(''));
  const all = [...trigrams];
  const picked = all.length <= MAX_TERMS ? all : Array.from({ length: MAX_TERMS }, (_, i) => all[Math.round((i * (all.length - 1)) / (MAX_TERMS - 1))] ?? '');
  return [...new Set(picked)].map((trigram) => `"${trigram.replaceAll('"', '""')}"`).join(' AND ');
}

export class SqliteSearch<Row> {
  readonly #db: Database.Database;
  readonly #statements;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#statements = {
      room: db.prepare<[string, string], { search_id: number | null; below: number | null }>(
        'SELECT search_id, (SELECT below FROM search_backfill WHERE room = ?) AS below FROM rooms WHERE name = ?',
      ),
      // CROSS JOIN: the index is the outer loop, newest first within the rowid range; each candidate
      // is then one primary-key lookup.
      indexed: db.prepare<[string, number, string, number, number, string, number], Row>(
        `SELECT m.* FROM messages_fts f CROSS JOIN messages m ON m.room = ? AND m.seq = f.rowid - ?
          WHERE messages_fts MATCH ? AND f.rowid >= ? AND f.rowid < ?
            AND m.deleted_at IS NULL AND m.text LIKE ? ESCAPE '\\'
          ORDER BY f.rowid DESC LIMIT ?`,
      ),
      scan: db.prepare<[string, number, number, string, number], Row>(
        `SELECT * FROM messages WHERE room = ? AND seq >= ? AND seq < ? AND deleted_at IS NULL
            AND text LIKE ? ESCAPE '\\' ORDER BY seq DESC LIMIT ?`,
      ),
      nextBackfill: db.prepare<[], { room: string; below: number }>('SELECT room, below FROM search_backfill LIMIT 1'),
      backfill: db.prepare<[number, string, number, number]>(
        `INSERT OR REPLACE INTO messages_fts (rowid, text)
           SELECT ? + seq, text FROM messages WHERE room = ? AND seq >= ? AND seq < ? AND deleted_at IS NULL`,
      ),
      searchId: db.prepare<[string], { search_id: number }>('SELECT search_id FROM rooms WHERE name = ?'),
      setBelow: db.prepare<[number, string]>('UPDATE search_backfill SET below = ? WHERE room = ?'),
      doneBackfill: db.prepare<[string]>('DELETE FROM search_backfill WHERE room = ?'),
    };
  }

  /** Live rows of `room` with from <= seq < before whose text contains `text`, newest first. */
  search(room: string, text: string, from: number, before: number, limit: number): Row[] {
    const state = this.#statements.room.get(room, room);
    if (state === undefined || before <= from) return [];
    const pattern = likePattern(text);
    if (state.search_id === null || [...text].length < MIN_INDEXED) {
      return this.#statements.scan.all(room, from, before, pattern, limit);
    }
    // Seqs below `below` are not indexed yet: the indexed part is above them.
    const indexedFrom = Math.max(from, state.below ?? 0);
    const base = state.search_id * SEARCH_ROWID_ROOM;
    const rows =
      indexedFrom < before
        ? this.#statements.indexed.all(room, base, trigramQuery(text), base + indexedFrom, base + before, pattern, limit)
        : [];
    if (rows.length < limit && from < indexedFrom) {
      rows.push(...this.#statements.scan.all(room, from, Math.min(before, indexedFrom), pattern, limit - rows.length));
    }
    return rows;
  }

  /**
   * Indexes up to `batch` of the newest not yet indexed rows of one room, in one transaction.
   * Resolves how many seqs it covered; 0 when nothing is left to index.
   */
  backfillStep(batch: number): number {
    return this.#db.transaction(() => {
      const next = this.#statements.nextBackfill.get();
      if (next === undefined) return 0;
      const searchId = this.#statements.searchId.get(next.room)?.search_id;
      const low = Math.max(1, next.below - batch);
      if (searchId !== undefined) this.#statements.backfill.run(searchId * SEARCH_ROWID_ROOM, next.room, low, next.below);
      if (low <= 1 || searchId === undefined) this.#statements.doneBackfill.run(next.room);
      else this.#statements.setBelow.run(low, next.room);
      return Math.max(1, next.below - low);
    })();
  }
}
