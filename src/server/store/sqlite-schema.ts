// SQLite schema migrations, applied in order and tracked in PRAGMA user_version.
// Append new steps; never edit one that has shipped.
import type Database from 'better-sqlite3';

const migrations: readonly string[] = [
  `CREATE TABLE rooms (
     name       TEXT PRIMARY KEY,
     seq        INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE messages (
     room      TEXT NOT NULL,
     seq       INTEGER NOT NULL,
     msg_id    TEXT NOT NULL UNIQUE,
     user_id   TEXT NOT NULL,
     user_name TEXT NOT NULL,
     cid       TEXT NOT NULL,
     text      TEXT NOT NULL,
     ts        INTEGER NOT NULL,
     PRIMARY KEY (room, seq)
   ) STRICT, WITHOUT ROWID;
   CREATE UNIQUE INDEX messages_by_cid ON messages (room, user_id, cid);
   CREATE TABLE users (
     id         TEXT PRIMARY KEY,
     name       TEXT NOT NULL,
     kind       TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     seen_at    INTEGER NOT NULL
   ) STRICT;`,
];

export function migrate(db: Database.Database): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  for (let version = current; version < migrations.length; version++) {
    const step = migrations[version];
    if (step === undefined) break;
    db.transaction(() => {
      db.exec(step);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
