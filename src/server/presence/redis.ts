// RedisPresence: who is online, shared by every server process through Redis.
//
// Each process (node) registers its connections under its own node id and keeps a deadline for
// itself in one sorted set, pushed forward every `refreshMs`. On the same tick every node sweeps:
// nodes whose deadline has passed are dead, and their connections are removed in one Lua script,
// which returns the (room, user) pairs that lost their last connection. The script is atomic, so
// exactly one node gets each pair, and that node publishes the `leave`. A crashed node's users are
// thus reported as left at most `ttlMs + refreshMs` after its last refresh (defaults 10 s + 3 s).
// Deadlines use Redis's clock (TIME), so the nodes' clocks need not agree.
//
// A node cut off from Redis for longer than its TTL is swept like a dead one; when it is back, its
// refresh notices and registers its connections again, announcing `join` for users that return.
//
// Keys (P = prefix): P presence:nodes (zset node -> deadline), P presence:node:<node> (hash
// "<room> <conn>" -> user id), P presence:room:<room>:count and :names (hashes by user id).
// The scripts touch keys they compute, so this needs one Redis, not Redis Cluster.
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { UserRef } from '../../protocol/messages.js';
import type { Presence, PresenceListener } from './presence.js';

export interface RedisPresenceOptions {
  url: string;
  prefix?: string;
  log: Logger;
  /** How long a node counts as alive after its last refresh. */
  ttlMs?: number;
  /** How often a node refreshes itself and sweeps dead nodes. */
  refreshMs?: number;
  /** Shown in Redis's CLIENT LIST. */
  name?: string;
}

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS: nodes, node hash, room count, room names. ARGV: node, field, user id, name, ttl.
const ADD = `${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[5]), ARGV[1])
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3]) == 0 then return 0 end
redis.call('HSET', KEYS[4], ARGV[3], ARGV[4])
if redis.call('HINCRBY', KEYS[3], ARGV[3], 1) == 1 then return 1 end
return 0`;

// KEYS: node hash, room count, room names. ARGV: field, user id.
const REMOVE = `if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[2])
  redis.call('HDEL', KEYS[3], ARGV[2])
  return 1
end
return 0`;

// KEYS: nodes. ARGV: node, ttl. Returns 1 when the node was still registered.
const REFRESH = `${NOW}
local known = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if known then return 1 end
return 0`;

// KEYS: nodes. ARGV: prefix. Returns room, user id, name triples that lost their last connection.
const SWEEP = `${NOW}
local out = {}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 50)
for _, node in ipairs(dead) do
  local nodeKey = ARGV[1] .. 'presence:node:' .. node
  local conns = redis.call('HGETALL', nodeKey)
  for i = 1, #conns, 2 do
    local field = conns[i]
    local userId = conns[i + 1]
    local room = string.sub(field, 1, string.find(field, ' ', 1, true) - 1)
    local countKey = ARGV[1] .. 'presence:room:' .. room .. ':count'
    local namesKey = ARGV[1] .. 'presence:room:' .. room .. ':names'
    if redis.call('HINCRBY', countKey, userId, -1) <= 0 then
      local name = redis.call('HGET', namesKey, userId)
      redis.call('HDEL', countKey, userId)
      redis.call('HDEL', namesKey, userId)
      table.insert(out, room)
      table.insert(out, userId)
      table.insert(out, name or userId)
    end
  end
  redis.call('DEL', nodeKey)
  redis.call('ZREM', KEYS[1], node)
end
return out`;

const shas: Record<string, string> = {};

interface LocalConn {
  room: string;
  connId: string;
  user: UserRef;
}

const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 1000);

export class RedisPresence implements Presence {
  /** This process's id among the nodes; new for every start, so a restart never inherits a dead node's entries. */
  readonly nodeId = randomBytes(9).toString('base64url');
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #log: Logger;
  readonly #ttlMs: number;
  readonly #refreshMs: number;
  /** This node's connections by field, kept to register them again after being taken for dead. */
  readonly #local = new Map<string, LocalConn>();
  /** Removals that did not reach Redis; retried on each refresh. */
  #unremoved: LocalConn[] = [];
  /** Additions that did not reach Redis; retried on each refresh (a join announced then). */
  #unadded: LocalConn[] = [];
  #listener: PresenceListener | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  private constructor(options: RedisPresenceOptions) {
    this.#prefix = options.prefix ?? 'parley:';
    this.#log = options.log;
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#refreshMs = options.refreshMs ?? 3_000;
    this.#redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy,
      lazyConnect: true,
      connectionName: `${options.name ?? 'parley'}:presence`,
    });
    this.#redis.on('error', (error: Error) => this.#log.warn({ err: error }, 'redis presence connection error'));
  }

  static async open(options: RedisPresenceOptions): Promise<RedisPresence> {
    const presence = new RedisPresence(options);
    await presence.#redis.connect();
    await presence.refreshNow();
    presence.#timer = setInterval(() => void presence.refreshNow(), presence.#refreshMs);
    presence.#timer.unref();
    return presence;
  }

  get connected(): boolean {
    return this.#redis.status === 'ready';
  }

  /** Longest time before a crashed node's users are reported as left. */
  get leaveBoundMs(): number {
    return this.#ttlMs + this.#refreshMs;
  }

  onChange(listener: PresenceListener): void {
    this.#listener = listener;
  }

  async add(room: string, connId: string, user: UserRef): Promise<boolean> {
    const conn = { room, connId, user };
    this.#local.set(this.#field(room, connId), conn);
    try {
      return await this.#register(conn);
    } catch (error) {
      this.#unadded.push(conn);
      throw error;
    }
  }

  async remove(room: string, connId: string, userId: string): Promise<boolean> {
    const field = this.#field(room, connId);
    const conn = this.#local.get(field) ?? { room, connId, user: { id: userId, name: userId } };
    this.#local.delete(field);
    try {
      return await this.#unregister(conn);
    } catch (error) {
      this.#unremoved.push(conn);
      throw error;
    }
  }

  async members(room: string, limit: number): Promise<UserRef[]> {
    const key = this.#roomKey(room, 'names');
    const found = new Map<string, string>();
    // HSCAN, not HGETALL: a room of thousands is read only as far as the limit. A scan may return
    // a field twice; the map keeps each user once.
    let cursor = '0';
    do {
      const [next, pairs] = await this.#redis.hscan(key, cursor, 'COUNT', Math.min(limit, 1000));
      cursor = next;
      for (let i = 0; i + 1 < pairs.length && found.size < limit; i += 2) {
        const id = pairs[i];
        const name = pairs[i + 1];
        if (id !== undefined && name !== undefined) found.set(id, name);
      }
    } while (cursor !== '0' && found.size < limit);
    return [...found].map(([id, name]) => ({ id, name }));
  }

  async counts(rooms: readonly string[]): Promise<number[]> {
    if (rooms.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const room of rooms) pipeline.hlen(this.#roomKey(room, 'count'));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, count]) => {
      if (error !== null) throw error;
      return Number(count);
    });
  }

  /** Refreshes this node's deadline and sweeps dead nodes now (the timer calls this every `refreshMs`). */
  refreshNow(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#ticking;
    try {
      // Connections still registered here leave without a push: a graceful stop has already
      // closed (and announced) them, so this only clears what could not be removed.
      for (const conn of this.#local.values()) await this.#unregister(conn);
      await this.#redis.del(this.#nodeKey());
      await this.#redis.zrem(this.#nodesKey(), this.nodeId);
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }

  async #tick(): Promise<void> {
    if (this.#closed || this.#redis.status !== 'ready') return;
    try {
      const known = await this.#script(REFRESH, 1, this.#nodesKey(), this.nodeId, this.#ttlMs);
      if (Number(known) === 0 && this.#local.size > 0) {
        this.#log.warn({ node: this.nodeId, conns: this.#local.size }, 'this node was taken for dead; registering its connections again');
        for (const conn of this.#local.values()) {
          if (await this.#register(conn)) this.#listener?.(conn.room, conn.user, 'join');
        }
      }
      const unadded = this.#unadded;
      this.#unadded = [];
      for (const conn of unadded) {
        // Only while the connection is still here: a removal since then has nothing to undo.
        if (this.#local.get(this.#field(conn.room, conn.connId)) !== conn) continue;
        if (await this.#register(conn)) this.#listener?.(conn.room, conn.user, 'join');
      }
      const unremoved = this.#unremoved;
      this.#unremoved = [];
      for (const conn of unremoved) {
        if (await this.#unregister(conn)) this.#listener?.(conn.room, conn.user, 'leave');
      }
      const swept = (await this.#script(SWEEP, 1, this.#nodesKey(), this.#prefix)) as string[];
      for (let i = 0; i + 2 < swept.length; i += 3) {
        const room = swept[i] as string;
        const user = { id: swept[i + 1] as string, name: swept[i + 2] as string };
        this.#log.info({ room, user: user.id }, 'user of a dead node left');
        this.#listener?.(room, user, 'leave');
      }
    } catch (error) {
      this.#log.warn({ err: error }, 'presence refresh failed');
    }
  }

  async #register(conn: LocalConn): Promise<boolean> {
    const { room, connId, user } = conn;
    const first = await this.#script(
      ADD,
      4,
      this.#nodesKey(),
      this.#nodeKey(),
      this.#roomKey(room, 'count'),
      this.#roomKey(room, 'names'),
      this.nodeId,
      this.#field(room, connId),
      user.id,
      user.name,
      this.#ttlMs,
    );
    return Number(first) === 1;
  }

  async #unregister(conn: LocalConn): Promise<boolean> {
    const { room, connId, user } = conn;
    const last = await this.#script(REMOVE, 3, this.#nodeKey(), this.#roomKey(room, 'count'), this.#roomKey(room, 'names'), this.#field(room, connId), user.id);
    return Number(last) === 1;
  }

  /** Runs a script by its SHA (the text is sent only the first time Redis has not seen it). */
  async #script(script: string, keyCount: number, ...args: (string | number)[]): Promise<unknown> {
    const sha = (shas[script] ??= createHash('sha1').update(script).digest('hex'));
    try {
      return await this.#redis.evalsha(sha, keyCount, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return this.#redis.eval(script, keyCount, ...args);
    }
  }

  #field(room: string, connId: string): string {
    return `${room} ${connId}`;
  }

  #nodesKey(): string {
    return `${this.#prefix}presence:nodes`;
  }

  #nodeKey(): string {
    return `${this.#prefix}presence:node:${this.nodeId}`;
  }

  #roomKey(room: string, part: 'count' | 'names'): string {
    return `${this.#prefix}presence:room:${room}:${part}`;
  }
}
