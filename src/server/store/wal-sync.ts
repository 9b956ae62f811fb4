// WalSync: makes what SQLite committed to its write-ahead log durable, off the event loop.
//
// With `synchronous = FULL` SQLite calls fsync on the WAL inside every COMMIT, and better-sqlite3
// runs on the event loop: each turn's transaction would block every connection for the length of
// a disk flush (0.25 ms here, far more on a busy or networked disk). Instead the connection runs
// with `synchronous = NORMAL` (a commit only writes the WAL into the page cache) and this class
// fdatasyncs the WAL file on libuv's thread pool; callers are answered only once the sync that
// started after their commit has finished. An acknowledged message is therefore on disk exactly as
// with FULL, while the event loop goes on serving. Syncs are grouped: at most one runs at a time,
// and every commit made while it runs waits for the next one, which covers them all.
import { closeSync, fdatasync, openSync } from 'node:fs';

interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function waiters(): Waiters {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class WalSync {
  readonly #walPath: string;
  #fd: number | undefined;
  #running: Promise<void> | undefined;
  /** Commits made while a sync runs: they need the next one. */
  #next: Waiters | undefined;
  #completed = 0;

  /** @param databaseFile the SQLite file; its log is `<file>-wal`. */
  constructor(databaseFile: string) {
    this.#walPath = `${databaseFile}-wal`;
  }

  /** Syncs that finished without error since the file was opened (observability, and tests of who waits). */
  get completed(): number {
    return this.#completed;
  }

  /** Resolves once everything committed before this call is on disk. */
  durable(): Promise<void> {
    if (this.#running === undefined) {
      const now = waiters();
      this.#start(now);
      return now.promise;
    }
    // The running sync may have started before this commit, so it cannot be trusted to cover it.
    this.#next ??= waiters();
    return this.#next.promise;
  }

  #start(group: Waiters): void {
    this.#running = group.promise.catch(() => undefined);
    let fd: number;
    try {
      // Opened on first use: the log exists once the first transaction has committed. The same
      // inode stays the log for as long as the database is open (SQLite reuses it from its start).
      fd = this.#fd ??= openSync(this.#walPath, 'r');
    } catch (error) {
      this.#finish(group, error as Error);
      return;
    }
    fdatasync(fd, (error) => this.#finish(group, error ?? undefined));
  }

  #finish(group: Waiters, error: Error | undefined): void {
    this.#running = undefined;
    if (error === undefined) this.#completed++;
    if (error === undefined) group.resolve();
    else group.reject(error);
    const next = this.#next;
    if (next !== undefined) {
      this.#next = undefined;
      this.#start(next);
    }
  }

  /** Waits for the syncs in progress, then lets go of the file. */
  async close(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
