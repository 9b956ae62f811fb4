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
  // Rooms: settings, memberships with roles, bans, mutes; messages: revisions, tombstones, reactions.
  `ALTER TABLE rooms ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'room';
   ALTER TABLE rooms ADD COLUMN topic TEXT;
   CREATE TABLE room_members (
     room    TEXT NOT NULL,
     user_id TEXT NOT NULL,
     role    TEXT NOT NULL,
     since   INTEGER NOT NULL,
     PRIMARY KEY (room, user_id)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX room_members_by_user ON room_members (user_id);
   CREATE TABLE room_bans (
     room    TEXT NOT NULL,
     user_id TEXT NOT NULL,
     at      INTEGER NOT NULL,
     PRIMARY KEY (room, user_id)
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE room_mutes (
     room    TEXT NOT NULL,
     user_id TEXT NOT NULL,
     until   INTEGER NOT NULL,
     PRIMARY KEY (room, user_id)
   ) STRICT, WITHOUT ROWID;
   ALTER TABLE messages ADD COLUMN edited_at INTEGER;
   ALTER TABLE messages ADD COLUMN deleted_at INTEGER;
   CREATE TABLE message_revisions (
     room      TEXT NOT NULL,
     seq       INTEGER NOT NULL,
     rev       INTEGER NOT NULL,
     text      TEXT NOT NULL,
     edited_at INTEGER NOT NULL,
     PRIMARY KEY (room, seq, rev)
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE reactions (
     room    TEXT NOT NULL,
     seq     INTEGER NOT NULL,
     emoji   TEXT NOT NULL,
     user_id TEXT NOT NULL,
     at      INTEGER NOT NULL,
     PRIMARY KEY (room, seq, emoji, user_id)
   ) STRICT, WITHOUT ROWID;`,
  // Rooms with rules (private, or a ban or mute ever set): only their appends read the rules.
  `ALTER TABLE rooms ADD COLUMN guarded INTEGER NOT NULL DEFAULT 0;
   UPDATE rooms SET guarded = 1
    WHERE private = 1 OR name IN (SELECT room FROM room_bans) OR name IN (SELECT room FROM room_mutes);`,
  // Accounts and login sessions. A username is stored lower-cased, so the unique index makes it
  // unique case-insensitively; a session is known only by its token's SHA-256.
  `ALTER TABLE users ADD COLUMN username TEXT;
   ALTER TABLE users ADD COLUMN password_hash TEXT;
   CREATE UNIQUE INDEX users_by_username ON users (username) WHERE username IS NOT NULL;
   CREATE TABLE auth_sessions (
     token_hash TEXT PRIMARY KEY,
     user_id    TEXT NOT NULL REFERENCES users (id),
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX auth_sessions_by_expiry ON auth_sessions (expires_at);`,
  // msg_id is random and never looked up: its UNIQUE index was a third B-tree on every append, in
  // random order (a quarter of an insert's cost, measured). SQLite cannot drop a column's
  // constraint, so the table is rebuilt once; the ids themselves stay as they were.
  `CREATE TABLE messages_v5 (
     room       TEXT NOT NULL,
     seq        INTEGER NOT NULL,
     msg_id     TEXT NOT NULL,
     user_id    TEXT NOT NULL,
     user_name  TEXT NOT NULL,
     cid        TEXT NOT NULL,
     text       TEXT NOT NULL,
     ts         INTEGER NOT NULL,
     edited_at  INTEGER,
     deleted_at INTEGER,
     PRIMARY KEY (room, seq)
   ) STRICT, WITHOUT ROWID;
   INSERT INTO messages_v5 (room, seq, msg_id, user_id, user_name, cid, text, ts, edited_at, deleted_at)
     SELECT room, seq, msg_id, user_id, user_name, cid, text, ts, edited_at, deleted_at FROM messages;
   DROP TABLE messages;
   ALTER TABLE messages_v5 RENAME TO messages;
   CREATE UNIQUE INDEX messages_by_cid ON messages (room, user_id, cid);`,
  // How far each user has read each room (the highest seq it has seen): unread counts on any device.
  `CREATE TABLE read_markers (
     user_id TEXT NOT NULL,
     room    TEXT NOT NULL,
     seq     INTEGER NOT NULL,
     PRIMARY KEY (user_id, room)
   ) STRICT, WITHOUT ROWID;`,
  // Replies: the seq of the message (in the same room) a message answers.
  `ALTER TABLE messages ADD COLUMN reply_to INTEGER;`,
  // Who created each room (quotas, operators), and when it was last active: a bounded \`rooms\` reply
  // keeps the most recently active public rooms, read in this index's order.
  `ALTER TABLE rooms ADD COLUMN created_by TEXT;
   ALTER TABLE rooms ADD COLUMN active_at INTEGER NOT NULL DEFAULT 0;
   UPDATE rooms SET active_at = COALESCE((SELECT ts FROM messages m WHERE m.room = rooms.name ORDER BY seq DESC LIMIT 1), created_at);
   CREATE INDEX rooms_by_activity ON rooms (private, active_at);`,
  // Server API keys and incoming webhooks (store/api-keys.ts): only SHA-256 hashes of the secrets.
  `CREATE TABLE api_keys (
     id         TEXT PRIMARY KEY,
     key_hash   TEXT NOT NULL UNIQUE,
     name       TEXT NOT NULL,
     scopes     TEXT NOT NULL,
     bot_id     TEXT,
     created_at INTEGER NOT NULL,
     revoked_at INTEGER
   ) STRICT;
   CREATE TABLE incoming_hooks (
     id          TEXT PRIMARY KEY,
     secret_hash TEXT NOT NULL UNIQUE,
     room        TEXT NOT NULL,
     bot_id      TEXT NOT NULL,
     created_at  INTEGER NOT NULL
   ) STRICT;`,
  // Archived rooms: read-only and out of the directory, from archived_at on.
  `ALTER TABLE rooms ADD COLUMN archived_at INTEGER;`,
  // The rooms each user has joined and not left: they follow the user to every device.
  `CREATE TABLE joined_rooms (
     user_id TEXT NOT NULL,
     room    TEXT NOT NULL,
     since   INTEGER NOT NULL,
     PRIMARY KEY (user_id, room)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX joined_rooms_by_room ON joined_rooms (room);`,
  // The admin console (store/console-store.ts): server admins, the audit log, disabled accounts.
  `CREATE TABLE server_admins (
     user_id    TEXT PRIMARY KEY,
     granted_at INTEGER NOT NULL,
     granted_by TEXT NOT NULL
   ) STRICT;
   CREATE TABLE audit_log (
     id         INTEGER PRIMARY KEY AUTOINCREMENT,
     at         INTEGER NOT NULL,
     actor_id   TEXT NOT NULL,
     actor_name TEXT NOT NULL,
     action     TEXT NOT NULL,
     room       TEXT,
     target     TEXT,
     detail     TEXT
   ) STRICT;
   ALTER TABLE users ADD COLUMN disabled_at INTEGER;`,
  // Webhooks out (store/webhook-store.ts): subscriptions, leased by one delivery worker at a time, and
  // the outbox their events wait in, written in the same transaction as what caused them.
  `CREATE TABLE webhook_subscriptions (
     id              TEXT PRIMARY KEY,
     owner           TEXT NOT NULL,
     url             TEXT NOT NULL,
     events          TEXT NOT NULL,
     secret          TEXT NOT NULL,
     enabled         INTEGER NOT NULL DEFAULT 1,
     disabled_reason TEXT,
     created_at      INTEGER NOT NULL,
     locked_by       TEXT,
     locked_until    INTEGER NOT NULL DEFAULT 0
   ) STRICT;
   CREATE TABLE webhook_outbox (
     id              INTEGER PRIMARY KEY AUTOINCREMENT,
     subscription_id TEXT NOT NULL,
     event_id        TEXT NOT NULL,
     type            TEXT NOT NULL,
     payload         TEXT NOT NULL,
     created_at      INTEGER NOT NULL,
     attempts        INTEGER NOT NULL DEFAULT 0,
     next_at         INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX webhook_outbox_by_subscription ON webhook_outbox (subscription_id, id);`,
  // Single-use tickets (store/ticket-store.ts) and the rooms' shared Yjs documents (store/doc-store.ts).
  `CREATE TABLE tickets (
     hash       TEXT PRIMARY KEY,
     room       TEXT NOT NULL,
     user_id    TEXT NOT NULL,
     user_name  TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX tickets_by_expiry ON tickets (expires_at);
   CREATE TABLE doc_updates (
     id   INTEGER PRIMARY KEY AUTOINCREMENT,
     room TEXT NOT NULL,
     data BLOB NOT NULL,
     ts   INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX doc_updates_by_room ON doc_updates (room, id);
   CREATE TABLE doc_snapshots (
     room       TEXT PRIMARY KEY,
     data       BLOB NOT NULL,
     updated_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE doc_versions (
     id         INTEGER PRIMARY KEY AUTOINCREMENT,
     room       TEXT NOT NULL,
     name       TEXT NOT NULL,
     data       BLOB NOT NULL,
     by_id      TEXT NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX doc_versions_by_room ON doc_versions (room, id);
   CREATE TABLE doc_locks (room TEXT PRIMARY KEY) STRICT;`,
  // Files: uploads (their bytes are blobs by sha256, outside this table) and the descriptors a
  // message carries, as JSON beside its text.
  `ALTER TABLE messages ADD COLUMN files TEXT;
   CREATE TABLE files (
     id         TEXT PRIMARY KEY,
     hash       TEXT NOT NULL,
     name       TEXT NOT NULL,
     type       TEXT NOT NULL,
     size       INTEGER NOT NULL,
     width      INTEGER,
     height     INTEGER,
     thumb_hash TEXT,
     uploader   TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     room       TEXT,
     cid        TEXT,
     seq        INTEGER
   ) STRICT;
   CREATE INDEX files_by_uploader ON files (uploader, created_at);
   CREATE INDEX files_by_message ON files (room, seq);
   CREATE INDEX files_by_hash ON files (hash);
   CREATE INDEX files_by_thumb ON files (thumb_hash);`,
  // Threads: a reply is a message of the room with its root's seq; also_in_room: shown in the room too.
  `ALTER TABLE messages ADD COLUMN thread_root INTEGER;
   ALTER TABLE messages ADD COLUMN also_in_room INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX messages_by_thread ON messages (room, thread_root, seq) WHERE thread_root IS NOT NULL;`,
  // Followed threads, each with the follower's read marker.
  `CREATE TABLE thread_follows (
     user_id  TEXT NOT NULL,
     room     TEXT NOT NULL,
     root     INTEGER NOT NULL,
     read_seq INTEGER NOT NULL DEFAULT 0,
     since    INTEGER NOT NULL,
     PRIMARY KEY (user_id, room, root)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX thread_follows_by_room ON thread_follows (room);`,
  // Each webhook subscription's delivery log (store/webhook-store.ts `logAttempts`): its newest
  // attempts only, each with its event's payload so that it can be sent again. No AUTOINCREMENT
  // (one more page written per log write): only the oldest rows are ever pruned, so a new rowid is
  // still above every row of its subscription.
  `CREATE TABLE webhook_deliveries (
     id              INTEGER PRIMARY KEY,
     subscription_id TEXT NOT NULL,
     event_id        TEXT NOT NULL,
     type            TEXT NOT NULL,
     payload         TEXT NOT NULL,
     event_at        INTEGER NOT NULL,
     attempt         INTEGER NOT NULL,
     at              INTEGER NOT NULL,
     status          INTEGER,
     ok              INTEGER NOT NULL,
     latency_ms      INTEGER NOT NULL,
     error           TEXT
   ) STRICT;
   CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, id);`,
];

/** Brings the database up to the latest schema (or to version `upTo`, for tests of a migration). */
export function migrate(db: Database.Database, upTo = migrations.length): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  for (let version = current; version < upTo; version++) {
    const step = migrations[version];
    if (step === undefined) break;
    db.transaction(() => {
      db.exec(step);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
