// A connection of its own on SqliteStore's database file, for the tables beside it (API keys, the
// console, files): written by the CLI or by HTTP requests, never on the message path, so each write
// is its own transaction synced before it returns (synchronous FULL). Migrated here too, whichever
// opens the file first.
import Database from 'better-sqlite3';
import { migrate } from './sqlite-schema.js';

export function openSideDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}
