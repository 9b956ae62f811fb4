// Checkpointer: moves SQLite's WAL checkpoints off the event loop.
//
// By default SQLite checkpoints inside the COMMIT that pushes the log past 1,000 pages: it copies
// the pages into the database and syncs both files, and better-sqlite3 runs all of that on the event
// loop. Under a steady stream of sends that is a stall of tens of milliseconds every second or so,
// for every connection (measured: the server idled 15% of the time while sends queued up). Here the
// serving connection never checkpoints (`wal_autocheckpoint = 0`) and a worker thread with its own
// connection does it on a timer. If the worker fails, the serving connection checkpoints again
// itself, as before, so the log cannot grow without bound.
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export interface CheckpointerOptions {
  file: string;
  /** The serving connection: told to stop checkpointing, and to start again if the worker dies. */
  db: Database.Database;
  intervalMs?: number;
  onError?: (message: string) => void;
}

const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

export class Checkpointer {
  readonly #worker: Worker;
  readonly #db: Database.Database;
  #stopped: Promise<void> | undefined;

  constructor(options: CheckpointerOptions) {
    this.#db = options.db;
    this.#db.pragma('wal_autocheckpoint = 0');
    this.#worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
      workerData: { file: options.file, intervalMs: options.intervalMs ?? 200 },
    });
    // The worker must not keep a process alive that has nothing else left to do.
    this.#worker.unref();
    this.#worker.on('message', (message: { type: string; message?: string }) => {
      if (message.type === 'error') options.onError?.(message.message ?? 'checkpoint failed');
    });
    this.#worker.on('error', (error) => {
      options.onError?.(error.message);
      this.#fallBack();
    });
    this.#worker.on('exit', () => {
      if (this.#stopped === undefined) this.#fallBack();
    });
  }

  #fallBack(): void {
    try {
      this.#db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    } catch {
      // The database is already closed: nothing left to checkpoint.
    }
  }

  /** Runs a last checkpoint in the worker and closes its connection. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      // Someone is waiting now: keep the process alive until the worker has finished.
      this.#worker.ref();
      const done = (): void => {
        void this.#worker.terminate().then(() => resolve());
      };
      this.#worker.once('exit', () => resolve());
      this.#worker.on('message', (message: { type: string }) => {
        if (message.type === 'stopped') done();
      });
      this.#worker.postMessage('stop');
      // A worker that does not answer within a second is stopped anyway.
      setTimeout(done, 1000).unref();
    });
    return this.#stopped;
  }
}
