// The three shared parts a node runs on (Store, Broker, Presence), chosen by the config, the
// readiness check over them, and where login limits and logouts are shared (Redis in a cluster).
// One place decides which implementations go together; config.ts has already refused the unsafe
// mixes.
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { LocalRevocations, RedisRevocations, type Revocations } from './auth/revocations.js';
import { memoryFailureCounters, redisFailureCounters, type FailureCounters } from './auth/failure-counter.js';
import type { Store } from './store/store.js';
import type { Broker } from './broker/broker.js';
import type { Presence } from './presence/presence.js';
import { SqliteStore } from './store/sqlite.js';
import { PostgresStore } from './store/postgres.js';
import { MemoryBroker } from './broker/memory.js';
import { RedisBroker } from './broker/redis.js';
import { MemoryPresence } from './presence/memory.js';
import { RedisPresence } from './presence/redis.js';
import type { Readiness } from './http/ops-routes.js';
import type { ApiKeyStore } from './store/api-keys.js';
import { SqliteApiKeys } from './store/sqlite-api-keys.js';
import { PostgresApiKeys } from './store/postgres-api-keys.js';
import type { ConsoleStore } from './store/console-store.js';
import { MemoryLiveBoard, RedisLiveBoard, type LiveBoard } from './console/live-board.js';
import { SqliteConsole } from './store/sqlite-console.js';
import { PostgresConsole } from './store/postgres-console.js';
import type { WebhookStore } from './store/webhook-store.js';
import { SqliteWebhooks } from './store/sqlite-webhooks.js';
import { PostgresWebhooks } from './store/postgres-webhooks.js';
import type { CollabStore } from './store/doc-store.js';
import { SqliteCollab } from './store/sqlite-collab.js';
import { PostgresCollab } from './store/postgres-collab.js';
import { MemoryDocRelay, type DocRelay } from './broker/doc-relay.js';
import { RedisDocRelay } from './broker/redis-doc-relay.js';
import type { BlobStore, FileStore } from './store/file-store.js';
import { SqliteFiles } from './store/sqlite-files.js';
import { PostgresFiles } from './store/postgres-files.js';
import { DirBlobs } from './store/dir-blobs.js';

export interface Backends {
  store: Store;
  broker: Broker;
  presence: Presence;
  readiness: () => Promise<Readiness>;
  /** Where login and registration failures are counted: shared through Redis in a cluster. */
  failureCounters: FailureCounters;
  /** Where a logout is announced: every process in a cluster closes that session's connections. */
  revocations: Revocations;
  /** Where each process's live figures meet for the admin console (Redis in a cluster). */
  liveBoard: LiveBoard;
  /** Closes what the failure counters and revocations use (Redis connections), if anything. */
  closeAuthBackends(): Promise<void>;
}

/** Where the server API's keys and webhooks are: the same database as the store (serve and the CLI). */
export async function openApiKeyStore(config: Config): Promise<ApiKeyStore> {
  if (config.store === 'postgres') return PostgresApiKeys.open({ connectionString: config.databaseUrl ?? '', schema: config.pgSchema });
  return new SqliteApiKeys(sqliteFile(config));
}

/** The side stores (API keys, the console's tables, webhooks), opened together: none is left open when another fails. */
export async function openSideStores(config: Config): Promise<{ apiKeyStore: ApiKeyStore; consoleStore: ConsoleStore; webhookStore: WebhookStore }> {
  const apiKeyStore = await openApiKeyStore(config);
  let consoleStore: ConsoleStore | undefined;
  try {
    consoleStore = await openConsoleStore(config);
    return { apiKeyStore, consoleStore, webhookStore: await openWebhookStore(config) };
  } catch (error) {
    await Promise.all([apiKeyStore.close(), consoleStore?.close()]).catch(() => undefined);
    throw error;
  }
}

/** Where the admin console's tables are: the same database as the store (serve and the CLI). */
export async function openConsoleStore(config: Config): Promise<ConsoleStore> {
  if (config.store === 'postgres') return PostgresConsole.open({ connectionString: config.databaseUrl ?? '', schema: config.pgSchema });
  return new SqliteConsole(sqliteFile(config));
}

/** Where webhook subscriptions and their outbox are: the same database as the store. */
export async function openWebhookStore(config: Config): Promise<WebhookStore> {
  if (config.store === 'postgres') return PostgresWebhooks.open({ connectionString: config.databaseUrl ?? '', schema: config.pgSchema });
  return new SqliteWebhooks(sqliteFile(config));
}

/** Where tickets and shared documents are: the same database as the store, on a connection of their own. */
export async function openCollabStore(config: Config): Promise<CollabStore> {
  if (config.store === 'postgres') return PostgresCollab.open({ connectionString: config.databaseUrl ?? '', schema: config.pgSchema });
  return new SqliteCollab(sqliteFile(config));
}

/** How document changes reach the other processes: Redis when the cluster has it. */
export async function openDocRelay(config: Config, log: Logger): Promise<DocRelay> {
  if (config.broker !== 'redis') return new MemoryDocRelay();
  return RedisDocRelay.open({ url: config.redisUrl ?? '', prefix: config.redisPrefix, log, name: `parley-${process.pid}` });
}

/** Where file records and bytes are, and where uploads are written while they arrive. */
export interface FileBackends {
  files: FileStore;
  blobs: BlobStore;
  tempDir: string;
  close(): Promise<void>;
}

/**
 * Records in the store's database. Bytes under the data directory with SQLite, in PostgreSQL with
 * PostgreSQL (every process serves every file), or in PARLEY_FILE_DIR (a directory every process
 * shares) when it is set.
 */
export async function openFileBackends(config: Config): Promise<FileBackends> {
  const dirBlobs = (dir: string): DirBlobs => new DirBlobs(dir);
  if (config.store === 'postgres') {
    const pg = await PostgresFiles.open({ connectionString: config.databaseUrl ?? '', schema: config.pgSchema });
    const shared = config.fileDir === undefined ? undefined : dirBlobs(config.fileDir);
    return {
      files: pg,
      blobs: shared ?? pg,
      tempDir: shared?.tempDir ?? join(config.dataDir, 'uploads'),
      close: () => pg.close(),
    };
  }
  const files = new SqliteFiles(sqliteFile(config));
  const blobs = dirBlobs(config.fileDir ?? join(config.dataDir, 'files'));
  return { files, blobs, tempDir: blobs.tempDir, close: () => files.close() };
}

function sqliteFile(config: Config): string {
  return join(config.dataDir, 'parley.db');
}

/** How long the readiness probe waits for PostgreSQL before calling it unreachable. */
const PING_TIMEOUT_MS = 1000;

export async function openBackends(config: Config, log: Logger): Promise<Backends> {
  const checks: Record<string, () => Promise<boolean>> = {};
  let store: Store;
  if (config.store === 'postgres') {
    const pg = await PostgresStore.open({ connectionString: config.databaseUrl ?? '', schema: config.pgSchema });
    checks['postgres'] = () => withTimeout(pg.ping(), PING_TIMEOUT_MS);
    store = pg;
  } else {
    store = new SqliteStore({
      file: sqliteFile(config),
      synchronous: config.sqliteSynchronous,
      onCheckpointError: (message) => log.error({ err: message }, 'background WAL checkpoint failed; checkpointing inline'),
    });
  }

  let broker: Broker;
  let presence: Presence;
  let failureCounters: FailureCounters = memoryFailureCounters;
  let closeAuthBackends = (): Promise<void> => Promise.resolve();
  let revocations: Revocations = new LocalRevocations();
  let liveBoard: LiveBoard = new MemoryLiveBoard();
  if (config.broker === 'redis') {
    const url = config.redisUrl ?? '';
    // Connection names show in Redis's CLIENT LIST as parley-<pid>:pub/:sub/:presence.
    const options = { url, prefix: config.redisPrefix, log, name: `parley-${process.pid}` };
    try {
      const redisBroker = await RedisBroker.open(options);
      const redisPresence = await RedisPresence.open({
        ...options,
        ttlMs: config.presenceTtlMs,
        refreshMs: config.presenceRefreshMs,
      });
      checks['redis'] = () => Promise.resolve(redisBroker.connected && redisPresence.connected);
      broker = redisBroker;
      presence = redisPresence;
      const limits = new Redis(url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        lazyConnect: true,
        connectionName: `${options.name}:limits`,
      });
      limits.on('error', (error: Error) => log.warn({ err: error }, 'redis limits connection error'));
      await limits.connect();
      failureCounters = redisFailureCounters(limits, config.redisPrefix, (error) =>
        log.warn({ err: error }, 'login limits: Redis unreachable, counting in this process for now'),
      );
      const revokedSubscriber = new Redis(url, { lazyConnect: true, connectionName: `${options.name}:revoked` });
      revokedSubscriber.on('error', (error: Error) => log.warn({ err: error }, 'redis revocations connection error'));
      await revokedSubscriber.connect();
      revocations = await RedisRevocations.open(limits, revokedSubscriber, config.redisPrefix);
      liveBoard = new RedisLiveBoard(limits, config.redisPrefix);
      closeAuthBackends = async () => {
        await revocations.close();
        limits.disconnect();
      };
      log.info({ node: redisPresence.nodeId, leaveBoundMs: redisPresence.leaveBoundMs }, 'on Redis');
    } catch (error) {
      await store.close();
      throw new Error(`could not connect to Redis at ${url}: ${(error as Error).message}`, { cause: error });
    }
  } else {
    broker = new MemoryBroker();
    presence = new MemoryPresence();
    if (config.store === 'postgres') {
      log.warn('PostgreSQL with the memory broker: run exactly one Parley process on this database');
    }
  }

  const readiness = async (): Promise<Readiness> => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => (checks[name] as () => Promise<boolean>)().catch(() => false)));
    const status = Object.fromEntries(names.map((name, i) => [name, results[i] === true]));
    return { ready: results.every(Boolean), checks: status };
  };
  return { store, broker, presence, readiness, failureCounters, revocations, liveBoard, closeAuthBackends };
}

async function withTimeout(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
