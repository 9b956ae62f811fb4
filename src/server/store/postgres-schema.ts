// PostgreSQL schema migrations, applied in order and recorded in parley_migrations. Several
// processes may start at once: a transaction-scoped advisory lock lets one migrate while the
// others wait, then find nothing left to do. Append new steps; never edit one that has shipped.
import type { PoolClient } from 'pg';

const migrations: readonly string[] = [
  `CREATE TABLE rooms (
     name       text PRIMARY KEY,
     seq        bigint NOT NULL DEFAULT 0,
     created_at bigint NOT NULL
   );
   CREATE TABLE messages (
     room      text NOT NULL,
     seq       bigint NOT NULL,
     msg_id    text NOT NULL UNIQUE,
     user_id   text NOT NULL,
     user_name text NOT NULL,
     cid       text NOT NULL,
     text      text NOT NULL,
     ts        bigint NOT NULL,
     PRIMARY KEY (room, seq)
   );
   CREATE UNIQUE INDEX messages_by_cid ON messages (room, user_id, cid);
   CREATE TABLE users (
     id         text PRIMARY KEY,
     name       text NOT NULL,
     kind       text NOT NULL,
     created_at bigint NOT NULL,
     seen_at    bigint NOT NULL
   );`,
  // Rooms: settings, memberships with roles, bans, mutes; messages: revisions, tombstones, reactions.
  `ALTER TABLE rooms ADD COLUMN private boolean NOT NULL DEFAULT false;
   ALTER TABLE rooms ADD COLUMN kind text NOT NULL DEFAULT 'room';
   ALTER TABLE rooms ADD COLUMN topic text;
   CREATE TABLE room_members (
     room    text NOT NULL,
     user_id text NOT NULL,
     role    text NOT NULL,
     since   bigint NOT NULL,
     PRIMARY KEY (room, user_id)
   );
   CREATE INDEX room_members_by_user ON room_members (user_id);
   CREATE TABLE room_bans (
     room    text NOT NULL,
     user_id text NOT NULL,
     at      bigint NOT NULL,
     PRIMARY KEY (room, user_id)
   );
   CREATE TABLE room_mutes (
     room    text NOT NULL,
     user_id text NOT NULL,
     until   bigint NOT NULL,
     PRIMARY KEY (room, user_id)
   );
   ALTER TABLE messages ADD COLUMN edited_at bigint;
   ALTER TABLE messages ADD COLUMN deleted_at bigint;
   CREATE TABLE message_revisions (
     room      text NOT NULL,
     seq       bigint NOT NULL,
     rev       integer NOT NULL,
     text      text NOT NULL,
     edited_at bigint NOT NULL,
     PRIMARY KEY (room, seq, rev)
   );
   CREATE TABLE reactions (
     room    text NOT NULL,
     seq     bigint NOT NULL,
     emoji   text NOT NULL,
     user_id text NOT NULL,
     at      bigint NOT NULL,
     PRIMARY KEY (room, seq, emoji, user_id)
   );`,
  // Accounts and login sessions. A username is stored lower-cased, so the unique index makes it
  // unique case-insensitively; a session is known only by its token's SHA-256.
  `ALTER TABLE users ADD COLUMN username text;
   ALTER TABLE users ADD COLUMN password_hash text;
   CREATE UNIQUE INDEX users_by_username ON users (username) WHERE username IS NOT NULL;
   CREATE TABLE auth_sessions (
     token_hash text PRIMARY KEY,
     user_id    text NOT NULL REFERENCES users (id),
     created_at bigint NOT NULL,
     expires_at bigint NOT NULL
   );
   CREATE INDEX auth_sessions_by_expiry ON auth_sessions (expires_at);`,
  // msg_id is random and never looked up: its unique index was one more B-tree per append, written
  // in random order (see the SQLite migration that does the same).
  `ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_msg_id_key;`,
  // How far each user has read each room (the highest seq it has seen): unread counts on any device.
  `CREATE TABLE read_markers (
     user_id text NOT NULL,
     room    text NOT NULL,
     seq     bigint NOT NULL,
     PRIMARY KEY (user_id, room)
   );`,
  // Replies: the seq of the message (in the same room) a message answers.
  `ALTER TABLE messages ADD COLUMN reply_to bigint;`,
  // Who created each room (quotas, operators), and when it was last active: a bounded \`rooms\` reply
  // keeps the most recently active public rooms, read in this index's order.
  `ALTER TABLE rooms ADD COLUMN created_by text;
   ALTER TABLE rooms ADD COLUMN active_at bigint NOT NULL DEFAULT 0;
   UPDATE rooms SET active_at = COALESCE((SELECT ts FROM messages m WHERE m.room = rooms.name ORDER BY seq DESC LIMIT 1), created_at);
   CREATE INDEX rooms_by_activity ON rooms (private, active_at);`,
  // Server API keys and incoming webhooks (store/api-keys.ts): only SHA-256 hashes of the secrets.
  `CREATE TABLE api_keys (
     id         text PRIMARY KEY,
     key_hash   text NOT NULL UNIQUE,
     name       text NOT NULL,
     scopes     text NOT NULL,
     bot_id     text,
     created_at bigint NOT NULL,
     revoked_at bigint
   );
   CREATE TABLE incoming_hooks (
     id          text PRIMARY KEY,
     secret_hash text NOT NULL UNIQUE,
     room        text NOT NULL,
     bot_id      text NOT NULL,
     created_at  bigint NOT NULL
   );`,
  // Archived rooms: read-only and out of the directory, from archived_at on.
  `ALTER TABLE rooms ADD COLUMN archived_at bigint;`,
  // The rooms each user has joined and not left: they follow the user to every device.
  `CREATE TABLE joined_rooms (
     user_id text NOT NULL,
     room    text NOT NULL,
     since   bigint NOT NULL,
     PRIMARY KEY (user_id, room)
   );
   CREATE INDEX joined_rooms_by_room ON joined_rooms (room);`,
  // The admin console (store/console-store.ts): server admins, the audit log, disabled accounts.
  `CREATE TABLE server_admins (
     user_id    text PRIMARY KEY,
     granted_at bigint NOT NULL,
     granted_by text NOT NULL
   );
   CREATE TABLE audit_log (
     id         bigserial PRIMARY KEY,
     at         bigint NOT NULL,
     actor_id   text NOT NULL,
     actor_name text NOT NULL,
     action     text NOT NULL,
     room       text,
     target     text,
     detail     text
   );
   ALTER TABLE users ADD COLUMN disabled_at bigint;`,
  // Webhooks out (store/webhook-store.ts): subscriptions, leased by one delivery worker at a time, and
  // the outbox their events wait in, written in the same transaction as what caused them.
  `CREATE TABLE webhook_subscriptions (
     id              text PRIMARY KEY,
     owner           text NOT NULL,
     url             text NOT NULL,
     events          text NOT NULL,
     secret          text NOT NULL,
     enabled         boolean NOT NULL DEFAULT true,
     disabled_reason text,
     created_at      bigint NOT NULL,
     locked_by       text,
     locked_until    bigint NOT NULL DEFAULT 0
   );
   CREATE TABLE webhook_outbox (
     id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     subscription_id text NOT NULL,
     event_id        text NOT NULL,
     type            text NOT NULL,
     payload         text NOT NULL,
     created_at      bigint NOT NULL,
     attempts        integer NOT NULL DEFAULT 0,
     next_at         bigint NOT NULL
   );
   CREATE INDEX webhook_outbox_by_subscription ON webhook_outbox (subscription_id, id);`,
  // Single-use tickets (store/ticket-store.ts) and the rooms' shared Yjs documents (store/doc-store.ts).
  `CREATE TABLE tickets (
     hash       text PRIMARY KEY,
     room       text NOT NULL,
     user_id    text NOT NULL,
     user_name  text NOT NULL,
     expires_at bigint NOT NULL
   );
   CREATE INDEX tickets_by_expiry ON tickets (expires_at);
   CREATE TABLE doc_updates (
     id   bigserial PRIMARY KEY,
     room text NOT NULL,
     data bytea NOT NULL,
     ts   bigint NOT NULL
   );
   CREATE INDEX doc_updates_by_room ON doc_updates (room, id);
   CREATE TABLE doc_snapshots (
     room       text PRIMARY KEY,
     data       bytea NOT NULL,
     updated_at bigint NOT NULL
   );
   CREATE TABLE doc_versions (
     id         bigserial PRIMARY KEY,
     room       text NOT NULL,
     name       text NOT NULL,
     data       bytea NOT NULL,
     by_id      text NOT NULL,
     created_at bigint NOT NULL
   );
   CREATE INDEX doc_versions_by_room ON doc_versions (room, id);
   CREATE TABLE doc_locks (room text PRIMARY KEY);`,
  // Files: uploads, the descriptors a message carries (JSON beside its text), and the bytes
  // themselves in chunks (file_chunks), so that every process of a cluster serves every file.
  `ALTER TABLE messages ADD COLUMN files text;
   CREATE TABLE files (
     id         text PRIMARY KEY,
     hash       text NOT NULL,
     name       text NOT NULL,
     type       text NOT NULL,
     size       bigint NOT NULL,
     width      integer,
     height     integer,
     thumb_hash text,
     uploader   text NOT NULL,
     created_at bigint NOT NULL,
     room       text,
     cid        text,
     seq        bigint
   );
   CREATE INDEX files_by_uploader ON files (uploader, created_at);
   CREATE INDEX files_by_message ON files (room, seq);
   CREATE INDEX files_by_hash ON files (hash);
   CREATE INDEX files_by_thumb ON files (thumb_hash);
   CREATE TABLE file_chunks (
     hash text NOT NULL,
     n    integer NOT NULL,
     data bytea NOT NULL,
     PRIMARY KEY (hash, n)
   );`,
  // Threads: a reply is a message of the room with its root's seq; also_in_room: shown in the room too.
  `ALTER TABLE messages ADD COLUMN thread_root bigint;
   ALTER TABLE messages ADD COLUMN also_in_room boolean NOT NULL DEFAULT false;
   CREATE INDEX messages_by_thread ON messages (room, thread_root, seq) WHERE thread_root IS NOT NULL;`,
  // Followed threads, each with the follower's read marker.
  `CREATE TABLE thread_follows (
     user_id  text NOT NULL,
     room     text NOT NULL,
     root     bigint NOT NULL,
     read_seq bigint NOT NULL DEFAULT 0,
     since    bigint NOT NULL,
     PRIMARY KEY (user_id, room, root)
   );
   CREATE INDEX thread_follows_by_room ON thread_follows (room);`,
  // Each webhook subscription's delivery log (store/webhook-store.ts `logAttempts`): its newest
  // attempts only, each with its event's payload so that it can be sent again.
  `CREATE TABLE webhook_deliveries (
     id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     subscription_id text NOT NULL,
     event_id        text NOT NULL,
     type            text NOT NULL,
     payload         text NOT NULL,
     event_at        bigint NOT NULL,
     attempt         integer NOT NULL,
     at              bigint NOT NULL,
     status          integer,
     ok              boolean NOT NULL,
     latency_ms      integer NOT NULL,
     error           text
   );
   CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, id);`,
];

/** Brings `schema` (created if missing) up to the latest migration. */
export async function migrate(client: PoolClient, schema: string): Promise<void> {
  const quoted = quoteIdent(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`parley.migrate.${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.parley_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${quoted}.parley_migrations`);
    const current = rows[0]?.version ?? 0;
    await client.query(`SET LOCAL search_path TO ${quoted}`);
    for (let version = current; version < migrations.length; version++) {
      const step = migrations[version];
      if (step === undefined) break;
      await client.query(step);
      await client.query('INSERT INTO parley_migrations (version) VALUES ($1)', [version + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
