// Runs in a worker thread (see Checkpointer): its own connection to the database, copying the
// WAL's pages into the main file every `intervalMs`. A checkpoint copies pages and syncs both
// files; here that waits on the disk without holding up the event loop that serves connections.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface Settings {
  file: string;
  intervalMs: number;
}

const { file, intervalMs } = workerData as Settings;
const db = new Database(file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
// A checkpoint streams pages from the log to the file; it needs no page cache of its own.
db.pragma('cache_size = -64');

// PASSIVE never waits for the writer or readers; it copies what it can, and returns at once when
// every frame is already in the main file. Once a checkpoint has copied everything, the writer
// starts the log over from its beginning on its next commit, so the log stays small.
function checkpoint(): void {
  db.pragma('wal_checkpoint(PASSIVE)');
}

const timer = setInterval(() => {
  try {
    checkpoint();
  } catch (error) {
    parentPort?.postMessage({ type: 'error', message: (error as Error).message });
  }
}, intervalMs);

parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try {
    checkpoint();
  } catch {
    // The main connection checkpoints once more as it closes.
  }
  db.close();
  parentPort?.postMessage({ type: 'stopped' });
});
