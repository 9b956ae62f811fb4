// Settings, from (in order of precedence) command-line flags, environment variables and defaults.
import { DEFAULT_DOC_LIMITS, type DocLimits } from './docs/doc-limits.js';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { BucketSpec } from './limits/token-bucket.js';
import type { RateLimitSpec } from './limits/rate-limiter.js';
import type { JsonBounds } from './limits/json-bounds.js';
import type { QuotaSpec } from './limits/quota.js';
import { trustFunction, type TrustProxy } from './client-address.js';
import type { SearchLimits } from './chat/search-runner.js';
import { DEFAULT_RETRY_SCHEDULE, parseSchedule } from './webhooks/schedule.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Largest WebSocket frame accepted, in bytes. */
  maxFrameBytes: number;
  heartbeatMs: number;
  /** PARLEY_CONSOLE_SAMPLE_MS: how often the admin console's live figures are sampled. */
  consoleSampleMs: number;
  /** Bytes a connection may have waiting to be sent before it is closed as a slow consumer. */
  outboxLimitBytes: number;
  /** Longest pause between write rounds after an expensive one (see WriteRounds); 0 turns pacing off. */
  writePacingMs: number;
  /** Most missed messages a `join` with `since` replays. */
  recoveryLimit: number;
  /** Presence pushes go out while a room has at most this many users online. */
  presenceLimit: number;
  /** Bytes of message frames a `join` with `since` replays, at most half the outbox limit (docs/protocol.md, join). */
  recoveryBytes: number;
  /** Requests one connection may have in flight; one more is refused with `busy`. */
  maxInFlight: number;
  /** Bounds of the rooms' shared documents (docs/doc-limits.ts; docs/security.md). */
  docLimits: DocLimits;
  /** Bytes of message text (sends and edits) stored per hour, per client address and per user; 0: no quota. Per process. */
  quotas: QuotaSpec;
  sqliteSynchronous: 'full' | 'normal';
  logLevel: string;
  /** Directory of the built web app, served at `/`. */
  webRoot: string | undefined;
  /** Where messages live: one SQLite file, or PostgreSQL shared by every process. */
  store: 'sqlite' | 'postgres';
  databaseUrl: string | undefined;
  /** PostgreSQL schema for Parley's tables. */
  pgSchema: string;
  /** How pushes reach other processes: not at all (memory), or through Redis. */
  broker: 'memory' | 'redis';
  redisUrl: string | undefined;
  /** Prefix of Parley's Redis keys and channels. */
  redisPrefix: string;
  /** With Redis: a process that has not refreshed its presence for this long is dead. */
  presenceTtlMs: number;
  presenceRefreshMs: number;
  /** Key that signs guest resume tokens; every process behind one address must share it. */
  secret: string | undefined;
  /** Processes `parley serve` runs on this machine (node:cluster), each a full node on the broker. */
  workers: number;
  /** Token buckets on requests, per connection and per user (docs/protocol.md, Limits). */
  rateLimits: RateLimitSpec;
  /** Requests per server API key (and per incoming webhook), per process; null: unlimited. */
  apiKeyRate: BucketSpec | null;
  /** A protocol connection that has not said hello by then is closed with 4408. */
  helloTimeoutMs: number;
  /** Open connections one IP address may have; more are refused with HTTP 429. 0: no limit. */
  maxConnectionsPerIp: number;
  /** Reverse proxies whose X-Forwarded-For names the client (per-address limits, login throttling, logs). */
  trustProxy: TrustProxy;
  /** Rooms one connection may be in at once; a join beyond is refused with too_many_rooms. */
  maxRoomsPerConnection: number;
  /** Shape bounds on a frame's JSON, checked before it is parsed. */
  jsonBounds: JsonBounds;
  /** PEM certificate chain and key files: with both, the port serves https and wss only. */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Whether GET /metrics serves Prometheus metrics. */
  metrics: boolean;
  /** Who may read /readyz and /metrics, and where they are served. */
  ops: OpsConfig;
  /** Accounts, external tokens, guests and the Origin allowlist. */
  auth: AuthConfig;
  /** Time budget and concurrency of `search` (see SearchRunner). */
  search: SearchLimits;
  /** Bounds on rooms and reactions (docs/protocol.md, Limits). */
  roomLimits: RoomLimits;
  /** Bounds on uploads (docs/security.md, Files). */
  files: FileLimits;
  /** PARLEY_FILE_DIR: where file bytes live when not the default (data dir; PostgreSQL in a cluster). */
  fileDir: string | undefined;
  /** Who makes, archives and deletes rooms. */
  roomPolicy: RoomPolicy;
  /** Bounds at the connection's edge: WebSocket message pieces, HTTP timeouts and connections per address. */
  edges: EdgeLimits;
  /** Webhooks out: retries, timeout, outbox bound, address allow list. */
  webhooks: WebhookConfig;
}

/** Webhooks out (docs/api.md, docs/security.md). */
export interface WebhookConfig {
  /** Waits after each failed attempt; when they are spent, the subscription is disabled. */
  retryScheduleMs: number[];
  /** One attempt's timeout. */
  timeoutMs: number;
  /** Queued events one subscription may have: at the bound it is disabled, chat goes on. */
  outboxMax: number;
  /** Subscriptions the server holds. */
  maxSubscriptions: number;
  /** CIDRs, addresses and host names webhooks may reach although private (loopback, RFC 1918, ...). */
  allowPrivate: string[];
  /** How often each process looks for due events. */
  pollMs: number;
}

export interface RoomLimits {
  /** Rooms one user may create per hour (`create`, `dm`, a `join` of a new name); 0: no limit. */
  perUserPerHour: number;
  /** Rooms one client address may create per hour; 0: no limit. */
  perIpPerHour: number;
  /** Most rooms one `rooms` reply lists. */
  listLimit: number;
  /** Most different emoji on one message. */
  maxReactionsPerMessage: number;
}

export interface RoomPolicy {
  /** PARLEY_JOIN_CREATES: a `join` of an unknown name creates a public room without owner (off: `not_found`). */
  joinCreates: boolean;
  /** PARLEY_ADMINS: user ids (`u_…`, `ext:…`) that may archive and delete any room. */
  admins: readonly string[];
}

export interface EdgeLimits {
  /** Frames one WebSocket message may arrive in; more close the connection with 1008. */
  maxFragments: number;
  /** Socket reads ws may hold while one frame is incomplete; more close the connection with 1008. */
  maxFrameChunks: number;
  /** From a connection's first byte to the end of its request headers (slowloris); answered 408. */
  httpHeadersTimeoutMs: number;
  /** Whole request, body included (slow bodies); answered 408. */
  httpRequestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  httpKeepAliveTimeoutMs: number;
  /** A connection with no traffic at all for this long is closed (before any upgrade). */
  httpIdleTimeoutMs: number;
  /** Largest request body of the JSON API, in bytes; larger is answered 413. */
  httpBodyLimitBytes: number;
  /** Open HTTP connections (not yet upgraded) per peer address; more are dropped. 0: no limit. */
  httpConnectionsPerIp: number;
}

export interface OpsConfig {
  /** PARLEY_METRICS_TOKEN: /readyz and /metrics need `Authorization: Bearer <token>`; open when unset. */
  token: string | undefined;
  /** PARLEY_METRICS_PORT: serve /healthz, /readyz and /metrics on this port only; unset: on the main port. */
  port: number | undefined;
  /** PARLEY_METRICS_HOST: the ops listener's address (default 127.0.0.1). */
  host: string;
}

export interface AuthConfig {
  /** `hello {nick}` allowed (PARLEY_GUESTS=on|off). */
  guests: boolean;
  /** Browser origins allowed to connect; empty means the server's own origin only. */
  origins: string[];
  /** How long a login session token lives. */
  sessionTtlMs: number;
  loginFailuresPerAccount: number;
  loginFailuresPerIp: number;
  loginWindowMs: number;
  /** Password hashes/verifications run at once (argon2 shares libuv's pool with the WAL syncs). */
  passwordConcurrency: number;
  /** Password checks that may wait for one of those; more are refused with 503 busy. */
  passwordQueue: number;
  jwtSecret: string | undefined;
  jwtPublicKeyFile: string | undefined;
  jwtJwksFile: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  jwtRoomsClaim: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const flags = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'max-frame': { type: 'string' },
  'log-level': { type: 'string' },
  workers: { type: 'string', short: 'w' },
} as const;

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const { values } = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: false });
  const sync = (env['PARLEY_SQLITE_SYNC'] ?? 'full').toLowerCase();
  if (sync !== 'full' && sync !== 'normal') throw new ConfigError('PARLEY_SQLITE_SYNC must be full or normal');
  const store = choice('PARLEY_STORE', env['PARLEY_STORE'], ['sqlite', 'postgres'] as const);
  const broker = choice('PARLEY_BROKER', env['PARLEY_BROKER'], ['memory', 'redis'] as const);
  const workers = integer('--workers', values.workers ?? env['PARLEY_WORKERS'], 1, 1, 256);
  const presenceTtlMs = integer('PARLEY_PRESENCE_TTL_MS', env['PARLEY_PRESENCE_TTL_MS'], 10_000, 200, 3_600_000);
  const presenceRefreshMs = integer('PARLEY_PRESENCE_REFRESH_MS', env['PARLEY_PRESENCE_REFRESH_MS'], 3_000, 50, 3_600_000);
  checkDeployment({ store, broker, workers, databaseUrl: env['DATABASE_URL'], redisUrl: env['REDIS_URL'], presenceTtlMs, presenceRefreshMs });
  const maxFrameBytes = integer('PARLEY_MAX_FRAME', values['max-frame'] ?? env['PARLEY_MAX_FRAME'], 64 * 1024, 1024, 16 * 1024 * 1024);
  return {
    store,
    databaseUrl: env['DATABASE_URL'],
    pgSchema: env['PARLEY_PG_SCHEMA'] ?? 'public',
    broker,
    redisUrl: env['REDIS_URL'],
    redisPrefix: env['PARLEY_REDIS_PREFIX'] ?? 'parley:',
    presenceTtlMs,
    presenceRefreshMs,
    workers,
    secret: secret(env['PARLEY_SECRET']),
    port: integer('PORT', values.port ?? env['PORT'], 8080, 0, 65535),
    host: values.host ?? env['HOST'] ?? '0.0.0.0',
    dataDir: resolve(values['data-dir'] ?? env['PARLEY_DATA_DIR'] ?? './data'),
    maxFrameBytes,
    heartbeatMs: integer('PARLEY_HEARTBEAT_MS', env['PARLEY_HEARTBEAT_MS'], 30_000, 100, 3_600_000),
    consoleSampleMs: integer('PARLEY_CONSOLE_SAMPLE_MS', env['PARLEY_CONSOLE_SAMPLE_MS'], 10_000, 100, 600_000),
    outboxLimitBytes: integer('PARLEY_OUTBOX_LIMIT', env['PARLEY_OUTBOX_LIMIT'], 4 * 1024 * 1024, 1024 * 1024, 1024 ** 3),
    writePacingMs: integer('PARLEY_WRITE_PACING_MS', env['PARLEY_WRITE_PACING_MS'], 20, 0, 1000),
    recoveryLimit: integer('PARLEY_RECOVERY_LIMIT', env['PARLEY_RECOVERY_LIMIT'], 5000, 0, 1_000_000),
    presenceLimit: integer('PARLEY_PRESENCE_LIMIT', env['PARLEY_PRESENCE_LIMIT'], 1000, 0, 10_000_000),
    ...burstLimits(env),
    docLimits: docLimits(env),
    sqliteSynchronous: sync,
    logLevel: values['log-level'] ?? env['PARLEY_LOG_LEVEL'] ?? 'info',
    webRoot: env['PARLEY_WEB_ROOT'],
    rateLimits: rateLimits(env),
    // Like every bucket, off with PARLEY_RATE_LIMITS=off.
    apiKeyRate: onOff('PARLEY_RATE_LIMITS', env['PARLEY_RATE_LIMITS'], true)
      ? bucketSpec('PARLEY_RATE_API_KEY', env['PARLEY_RATE_API_KEY'], { perSecond: 100, burst: 200 })
      : null,
    helloTimeoutMs: integer('PARLEY_HELLO_TIMEOUT_MS', env['PARLEY_HELLO_TIMEOUT_MS'], 10_000, 100, 3_600_000),
    maxConnectionsPerIp: integer('PARLEY_MAX_CONN_PER_IP', env['PARLEY_MAX_CONN_PER_IP'], 500, 0, 10_000_000),
    trustProxy: trustProxy(env['PARLEY_TRUST_PROXY']),
    maxRoomsPerConnection: integer('PARLEY_MAX_ROOMS_PER_CONN', env['PARLEY_MAX_ROOMS_PER_CONN'], 100, 1, 1_000_000),
    jsonBounds: {
      maxDepth: integer('PARLEY_MAX_JSON_DEPTH', env['PARLEY_MAX_JSON_DEPTH'], 8, 1, 1000),
      maxFields: integer('PARLEY_MAX_JSON_FIELDS', env['PARLEY_MAX_JSON_FIELDS'], 64, 4, 1_000_000),
    },
    ...tls(env),
    metrics: onOff('PARLEY_METRICS', env['PARLEY_METRICS'], true),
    ops: opsConfig(env),
    auth: authConfig(env),
    search: {
      budgetMs: integer('PARLEY_SEARCH_BUDGET_MS', env['PARLEY_SEARCH_BUDGET_MS'], 250, 10, 60_000),
      perConnection: integer('PARLEY_SEARCH_PER_CONN', env['PARLEY_SEARCH_PER_CONN'], 1, 1, 1000),
      concurrent: integer('PARLEY_SEARCH_CONCURRENCY', env['PARLEY_SEARCH_CONCURRENCY'], 16, 1, 100_000),
    },
    roomLimits: roomLimits(env),
    files: {
      maxBytes: integer('PARLEY_FILE_MAX_BYTES', env['PARLEY_FILE_MAX_BYTES'], 25 * 1024 * 1024, 1, 1024 ** 4),
      dailyBytesPerUser: integer('PARLEY_FILE_DAILY_BYTES', env['PARLEY_FILE_DAILY_BYTES'], 1024 ** 3, 0, 1024 ** 5),
      linkTtlMs: integer('PARLEY_FILE_LINK_TTL_MS', env['PARLEY_FILE_LINK_TTL_MS'], 10 * 60_000, 1000, 24 * 3_600_000),
      unattachedTtlMs: integer('PARLEY_FILE_UNATTACHED_TTL_MS', env['PARLEY_FILE_UNATTACHED_TTL_MS'], 3_600_000, 1000, 30 * 24 * 3_600_000),
      // A rate limit: PARLEY_RATE_LIMITS=off turns it off too.
      uploadsPerHour: onOff('PARLEY_RATE_LIMITS', env['PARLEY_RATE_LIMITS'], true)
        ? integer('PARLEY_FILE_UPLOADS_PER_HOUR', env['PARLEY_FILE_UPLOADS_PER_HOUR'], 600, 0, 1_000_000)
        : 0,
    },
    fileDir: env['PARLEY_FILE_DIR'] === undefined || env['PARLEY_FILE_DIR'] === '' ? undefined : resolve(env['PARLEY_FILE_DIR']),
    roomPolicy: {
      joinCreates: onOff('PARLEY_JOIN_CREATES', env['PARLEY_JOIN_CREATES'], false),
      admins: (env['PARLEY_ADMINS'] ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    },
    edges: edgeLimits(env, maxFrameBytes),
    webhooks: webhookConfig(env),
  };
}

function webhookConfig(env: NodeJS.ProcessEnv): WebhookConfig {
  let retryScheduleMs: number[];
  try {
    retryScheduleMs = parseSchedule(env['PARLEY_WEBHOOK_RETRY_SCHEDULE'] ?? DEFAULT_RETRY_SCHEDULE);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return {
    retryScheduleMs,
    timeoutMs: integer('PARLEY_WEBHOOK_TIMEOUT_MS', env['PARLEY_WEBHOOK_TIMEOUT_MS'], 10_000, 100, 300_000),
    outboxMax: integer('PARLEY_WEBHOOK_OUTBOX_MAX', env['PARLEY_WEBHOOK_OUTBOX_MAX'], 100_000, 1, 100_000_000),
    maxSubscriptions: integer('PARLEY_WEBHOOK_MAX', env['PARLEY_WEBHOOK_MAX'], 100, 0, 100_000),
    allowPrivate: (env['PARLEY_WEBHOOK_ALLOW_PRIVATE'] ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
    pollMs: integer('PARLEY_WEBHOOK_POLL_MS', env['PARLEY_WEBHOOK_POLL_MS'], 1000, 10, 60_000),
  };
}

export interface FileLimits {
  /** Largest file one upload may be; a larger one is cut off mid-stream with 413 too_large. */
  maxBytes: number;
  /** Bytes one user may upload per 24 hours; 0: no bound. */
  dailyBytesPerUser: number;
  /** How long a download link (POST /api/files/links) works. */
  linkTtlMs: number;
  /** An upload no message claimed by then is collected. */
  unattachedTtlMs: number;
  /** Uploads one user may start per hour (each costs a record, whatever its size); 0: no bound. */
  uploadsPerHour: number;
}

/** Room creation quotas are rate limits: PARLEY_RATE_LIMITS=off turns them off too. */
function roomLimits(env: NodeJS.ProcessEnv): RoomLimits {
  const rates = onOff('PARLEY_RATE_LIMITS', env['PARLEY_RATE_LIMITS'], true);
  const quota = (name: string, fallback: number): number => (rates ? integer(name, env[name], fallback, 0, 1_000_000) : 0);
  return {
    perUserPerHour: quota('PARLEY_ROOMS_PER_USER_PER_HOUR', 30),
    perIpPerHour: quota('PARLEY_ROOMS_PER_IP_PER_HOUR', 100),
    listLimit: integer('PARLEY_ROOMS_LIST_LIMIT', env['PARLEY_ROOMS_LIST_LIMIT'], 500, 1, 100_000),
    maxReactionsPerMessage: integer('PARLEY_MAX_REACTIONS_PER_MESSAGE', env['PARLEY_MAX_REACTIONS_PER_MESSAGE'], 20, 1, 1000),
  };
}

function edgeLimits(env: NodeJS.ProcessEnv, maxFrameBytes: number): EdgeLimits {
  // A browser's whole frame arrives in reads of at least a TCP segment (536 bytes at the smallest);
  // one read per 256 bytes of the largest frame leaves twice that margin.
  const chunks = Math.ceil(maxFrameBytes / 256) + 16;
  const headersTimeoutMs = integer('PARLEY_HTTP_HEADERS_TIMEOUT_MS', env['PARLEY_HTTP_HEADERS_TIMEOUT_MS'], 10_000, 100, 3_600_000);
  return {
    maxFragments: integer('PARLEY_MAX_FRAGMENTS', env['PARLEY_MAX_FRAGMENTS'], 64, 1, 1_000_000),
    maxFrameChunks: integer('PARLEY_MAX_FRAME_CHUNKS', env['PARLEY_MAX_FRAME_CHUNKS'], chunks, 16, 10_000_000),
    httpHeadersTimeoutMs: headersTimeoutMs,
    // Node requires the request timeout to be at least the headers timeout.
    httpRequestTimeoutMs: integer(
      'PARLEY_HTTP_REQUEST_TIMEOUT_MS',
      env['PARLEY_HTTP_REQUEST_TIMEOUT_MS'],
      Math.max(30_000, headersTimeoutMs),
      headersTimeoutMs,
      3_600_000,
    ),
    httpKeepAliveTimeoutMs: integer('PARLEY_HTTP_KEEPALIVE_TIMEOUT_MS', env['PARLEY_HTTP_KEEPALIVE_TIMEOUT_MS'], 5_000, 100, 3_600_000),
    httpIdleTimeoutMs: integer('PARLEY_HTTP_IDLE_TIMEOUT_MS', env['PARLEY_HTTP_IDLE_TIMEOUT_MS'], 60_000, 100, 3_600_000),
    httpBodyLimitBytes: integer('PARLEY_HTTP_BODY_LIMIT', env['PARLEY_HTTP_BODY_LIMIT'], 16 * 1024, 1024, 64 * 1024 * 1024),
    httpConnectionsPerIp: integer('PARLEY_MAX_HTTP_CONN_PER_IP', env['PARLEY_MAX_HTTP_CONN_PER_IP'], 64, 0, 10_000_000),
  };
}

function authConfig(env: NodeJS.ProcessEnv): AuthConfig {
  const guests = choice('PARLEY_GUESTS', env['PARLEY_GUESTS'], ['on', 'off'] as const) === 'on';
  const jwtSecret = optional(env['PARLEY_JWT_SECRET']);
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('PARLEY_JWT_SECRET must be at least 32 characters (HS256 needs a 256-bit secret)');
  }
  return {
    guests,
    origins: (env['PARLEY_ORIGINS'] ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
    sessionTtlMs: integer('PARLEY_SESSION_TTL_MS', env['PARLEY_SESSION_TTL_MS'], 30 * 24 * 3_600_000, 1000, 365 * 24 * 3_600_000),
    loginFailuresPerAccount: integer('PARLEY_LOGIN_FAILURES_ACCOUNT', env['PARLEY_LOGIN_FAILURES_ACCOUNT'], 10, 1, 1_000_000),
    loginFailuresPerIp: integer('PARLEY_LOGIN_FAILURES_IP', env['PARLEY_LOGIN_FAILURES_IP'], 30, 1, 1_000_000),
    loginWindowMs: 15 * 60_000,
    passwordConcurrency: integer('PARLEY_PASSWORD_CONCURRENCY', env['PARLEY_PASSWORD_CONCURRENCY'], 2, 1, 1024),
    passwordQueue: integer('PARLEY_PASSWORD_QUEUE', env['PARLEY_PASSWORD_QUEUE'], 64, 0, 100_000),
    jwtSecret,
    jwtPublicKeyFile: optional(env['PARLEY_JWT_PUBLIC_KEY']),
    jwtJwksFile: optional(env['PARLEY_JWT_JWKS']),
    jwtIssuer: optional(env['PARLEY_JWT_ISSUER']),
    jwtAudience: optional(env['PARLEY_JWT_AUDIENCE']),
    jwtRoomsClaim: optional(env['PARLEY_JWT_ROOMS_CLAIM']) ?? 'rooms',
  };
}

function opsConfig(env: NodeJS.ProcessEnv): OpsConfig {
  const token = optional(env['PARLEY_METRICS_TOKEN']);
  if (token !== undefined && (token.length < 16 || /\s/.test(token))) {
    throw new ConfigError('PARLEY_METRICS_TOKEN must be at least 16 characters without spaces');
  }
  const rawPort = optional(env['PARLEY_METRICS_PORT']);
  return {
    token,
    port: rawPort === undefined ? undefined : integer('PARLEY_METRICS_PORT', rawPort, 0, 0, 65535),
    host: optional(env['PARLEY_METRICS_HOST']) ?? '127.0.0.1',
  };
}

function optional(raw: string | undefined): string | undefined {
  return raw === undefined || raw === '' ? undefined : raw;
}

/**
 * `PARLEY_RATE_LIMITS=off` turns every bucket off (benchmarks, trusted clients); each bucket is
 * otherwise `RATE:BURST` (tokens per second, bucket size) or `off`.
 */
function rateLimits(env: NodeJS.ProcessEnv): RateLimitSpec {
  const all = onOff('PARLEY_RATE_LIMITS', env['PARLEY_RATE_LIMITS'], true);
  const bucket = (name: string, fallback: BucketSpec): BucketSpec | null => (all ? bucketSpec(name, env[name], fallback) : null);
  return {
    connSend: bucket('PARLEY_RATE_CONN_SEND', { perSecond: 20, burst: 100 }),
    connOther: bucket('PARLEY_RATE_CONN_OTHER', { perSecond: 20, burst: 100 }),
    userSend: bucket('PARLEY_RATE_USER_SEND', { perSecond: 40, burst: 200 }),
    userOther: bucket('PARLEY_RATE_USER_OTHER', { perSecond: 40, burst: 200 }),
    ipSend: bucket('PARLEY_RATE_IP_SEND', { perSecond: 100, burst: 500 }),
    abuseRefusals: integer('PARLEY_RATE_ABUSE', env['PARLEY_RATE_ABUSE'], 50, 0, 1_000_000),
    abuseWindowMs: 10_000,
  };
}

/**
 * Bounds on what one connection, address or user can make the server hold or store at once. The
 * replay budget defaults to half the outbox limit and may not exceed it: a join's replay must never
 * fill, alone, the outbox that would close the connection as slow.
 */
function burstLimits(env: NodeJS.ProcessEnv): Pick<Config, 'recoveryBytes' | 'maxInFlight' | 'quotas'> {
  const outbox = integer('PARLEY_OUTBOX_LIMIT', env['PARLEY_OUTBOX_LIMIT'], 4 * 1024 * 1024, 1024 * 1024, 1024 ** 3);
  const half = Math.floor(outbox / 2);
  const all = onOff('PARLEY_RATE_LIMITS', env['PARLEY_RATE_LIMITS'], true);
  const MiB = 1024 * 1024;
  return {
    recoveryBytes: integer('PARLEY_RECOVERY_BYTES', env['PARLEY_RECOVERY_BYTES'], half, 16 * 1024, half),
    maxInFlight: integer('PARLEY_MAX_INFLIGHT', env['PARLEY_MAX_INFLIGHT'], 32, 1, 100_000),
    // Byte buckets, so PARLEY_RATE_LIMITS=off (benchmarks, trusted clients) turns them off with the others.
    quotas: {
      ipBytesPerHour: all ? quota('PARLEY_QUOTA_IP_BYTES_PER_HOUR', env['PARLEY_QUOTA_IP_BYTES_PER_HOUR'], 64 * MiB) : 0,
      userBytesPerHour: all ? quota('PARLEY_QUOTA_USER_BYTES_PER_HOUR', env['PARLEY_QUOTA_USER_BYTES_PER_HOUR'], 16 * MiB) : 0,
    },
  };
}

/** The shared documents' bounds: the defaults of docs/doc-limits.ts, four of them settable. */
function docLimits(env: NodeJS.ProcessEnv): DocLimits {
  const MiB = 1024 * 1024;
  const d = DEFAULT_DOC_LIMITS;
  return {
    ...d,
    maxDocBytes: integer('PARLEY_DOC_MAX_BYTES', env['PARLEY_DOC_MAX_BYTES'], d.maxDocBytes, 64 * 1024, 1024 * MiB),
    maxUpdateBytes: integer('PARLEY_DOC_MAX_UPDATE_BYTES', env['PARLEY_DOC_MAX_UPDATE_BYTES'], d.maxUpdateBytes, 1024, 64 * MiB),
    // Not switched off by PARLEY_RATE_LIMITS=off: a person types far below it, and a flood is refused either way.
    updatesPerSecond: integer('PARLEY_DOC_UPDATES_PER_SECOND', env['PARLEY_DOC_UPDATES_PER_SECOND'], d.updatesPerSecond, 1, 100_000),
    compactEvery: integer('PARLEY_DOC_COMPACT_EVERY', env['PARLEY_DOC_COMPACT_EVERY'], d.compactEvery, 2, 1_000_000),
  };
}

/** 0 (off) or at least 64 KiB: a quota smaller than a few messages of the longest text would refuse them forever. */
function quota(name: string, raw: string | undefined, fallback: number): number {
  const value = integer(name, raw, fallback, 0, 2 ** 50);
  if (value > 0 && value < 64 * 1024) throw new ConfigError(`${name} must be 0 (off) or at least 65536 bytes, got "${raw}"`);
  return value;
}

function bucketSpec(name: string, raw: string | undefined, fallback: BucketSpec): BucketSpec | null {
  if (raw === undefined || raw === '') return fallback;
  if (raw.toLowerCase() === 'off') return null;
  const match = /^(\d+(?:\.\d+)?):(\d+)$/.exec(raw.trim());
  const perSecond = Number(match?.[1]);
  const burst = Number(match?.[2]);
  if (match === null || !(perSecond > 0) || !(burst >= 1)) {
    throw new ConfigError(`${name} must be RATE:BURST (e.g. 20:100, tokens per second and bucket size) or off, got "${raw}"`);
  }
  return { perSecond, burst };
}

/**
 * PARLEY_TRUST_PROXY: off (default), `true` (the direct peer is the proxy, whoever it is), or a
 * comma-separated list of proxy addresses and CIDRs (`127.0.0.1,10.0.0.0/8`, also `loopback`,
 * `linklocal`, `uniquelocal`). A typo must not silently trust nothing, or everything: it stops the start.
 */
function trustProxy(raw: string | undefined): TrustProxy {
  if (raw === undefined || raw.trim() === '') return false;
  const value = raw.trim().toLowerCase();
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  if (['on', 'true', '1', 'yes'].includes(value)) return 'peer';
  const list = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  try {
    trustFunction(list);
  } catch (error) {
    throw new ConfigError(
      `PARLEY_TRUST_PROXY must be off, true, or a comma-separated list of proxy addresses or CIDRs (e.g. 127.0.0.1,10.0.0.0/8): ${(error as Error).message}`,
    );
  }
  return list;
}

function onOff(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  const value = raw.toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

function tls(env: NodeJS.ProcessEnv): { tlsCert: string | undefined; tlsKey: string | undefined } {
  const cert = env['PARLEY_TLS_CERT'] || undefined;
  const key = env['PARLEY_TLS_KEY'] || undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError('PARLEY_TLS_CERT and PARLEY_TLS_KEY go together: set both (PEM files) or neither');
  }
  return { tlsCert: cert === undefined ? undefined : resolve(cert), tlsKey: key === undefined ? undefined : resolve(key) };
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function choice<const T extends readonly string[]>(name: string, raw: string | undefined, allowed: T): T[number] {
  if (raw === undefined || raw === '') return allowed[0] as T[number];
  const value = raw.toLowerCase();
  if (!allowed.includes(value)) throw new ConfigError(`${name} must be ${allowed.join(' or ')}, got "${raw}"`);
  return value;
}

/**
 * Refuses combinations that would run but lose or hide messages. Every process on the broker must
 * be able to read what every other one stored (gap repair and recovery read the store), so Redis
 * needs PostgreSQL; and several processes need a broker that reaches them all.
 */
function checkDeployment(d: {
  store: 'sqlite' | 'postgres';
  broker: 'memory' | 'redis';
  workers: number;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  presenceTtlMs: number;
  presenceRefreshMs: number;
}): void {
  if (d.store === 'postgres' && !d.databaseUrl) {
    throw new ConfigError('PARLEY_STORE=postgres needs DATABASE_URL (e.g. postgres://user@host:5432/parley)');
  }
  if (d.broker === 'redis' && !d.redisUrl) {
    throw new ConfigError('PARLEY_BROKER=redis needs REDIS_URL (e.g. redis://host:6379)');
  }
  if (d.broker === 'redis' && d.store === 'sqlite') {
    throw new ConfigError(
      'PARLEY_BROKER=redis with PARLEY_STORE=sqlite is unsafe: each process would keep its own SQLite file, ' +
        'so seqs would collide and no process could recover what another stored. Use PARLEY_STORE=postgres with Redis.',
    );
  }
  if (d.workers > 1 && d.broker === 'memory') {
    throw new ConfigError(
      `--workers ${d.workers} with PARLEY_BROKER=memory is unsafe: messages sent on one worker would never reach ` +
        'members on another. Use PARLEY_STORE=postgres and PARLEY_BROKER=redis, or one worker.',
    );
  }
  if (d.presenceTtlMs < 2 * d.presenceRefreshMs) {
    throw new ConfigError(
      `PARLEY_PRESENCE_TTL_MS (${d.presenceTtlMs}) must be at least twice PARLEY_PRESENCE_REFRESH_MS (${d.presenceRefreshMs}), ` +
        'or a live process could be taken for dead between two refreshes',
    );
  }
}

function secret(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 32) throw new ConfigError('PARLEY_SECRET must be at least 32 characters');
  return raw;
}
