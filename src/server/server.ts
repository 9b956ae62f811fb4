// The composition root: builds every part from the config and wires them together. Nothing else
// constructs a Store, a Broker or a transport.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { openBackends, openCollabStore, openDocRelay, openFileBackends, openSideStores } from './backends.js';
import { ServerAdmins } from './auth/server-admins.js';
import { ConsoleService } from './console/console-service.js';
import { LiveSampler } from './console/live-sampler.js';
import type { NewAuditEntry } from './store/console-store.js';
import { AddressGuard } from './webhooks/address-guard.js';
import { Sender } from './webhooks/sender.js';
import { DeliveryWorker } from './webhooks/delivery.js';
import { WebhookSubscriptions } from './webhooks/subscriptions.js';
import { Hub } from './hub/hub.js';
import { GuestIssuer } from './auth/guest.js';
import { IdentityResolver } from './auth/identity.js';
import { ExternalTokens } from './auth/external-token.js';
import { AccountService } from './auth/accounts.js';
import { PasswordPool } from './auth/password-pool.js';
import { OriginPolicy } from './auth/origin.js';
import { ChatService, storesIn } from './chat/service.js';
import { RoomQuota } from './chat/room-quota.js';
import { WsGateway } from './transport/ws.js';
import { SseGateway } from './transport/sse.js';
import { AddressCount } from './transport/address-count.js';
import { ClientAddresses } from './client-address.js';
import { buildHttpApp, buildOpsApp } from './http/app.js';
import { ConnectionBound } from './http/connection-bound.js';
import { ListenError } from './listen-error.js';
import { prepareDataDir } from './data-dir.js';
import { Metrics } from './metrics/metrics.js';
import { timedStore } from './metrics/timed-store.js';
import { TimedBroker } from './metrics/timed-broker.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { StoredBytesQuota } from './limits/quota.js';
import { Drain } from './session/drain.js';
import { LOBBY } from './session/plain.js';
import { ReadinessWatch } from './readiness-watch.js';
import { SearchRunner } from './chat/search-runner.js';
import { ApiKeys } from './auth/api-keys.js';
import { UserSessions, readRevocation } from './auth/user-sessions.js';
import { KeyRate } from './limits/key-rate.js';
import { Tickets } from './auth/tickets.js';
import { DocService } from './docs/doc-service.js';
import { DocGateway } from './transport/yjs.js';
import { FileService } from './chat/files.js';
import { FileIntake } from './chat/file-intake.js';
import { FileLinks } from './chat/file-links.js';

export interface RunningServer {
  /** http://host:port as bound (the real port when 0 was asked for). */
  url: string;
  port: number;
  /** The ops listener's port (/readyz, /metrics), when PARLEY_METRICS_PORT gives them one. */
  opsPort?: number;
  log: Logger;
  /** Stop accepting, close clients with 1001, flush the store. */
  close(): Promise<void>;
}

/** How often records and blobs nobody can reach are collected. */
const FILE_COLLECT_MS = 10 * 60_000;

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export async function startServer(config: Config, log: Logger = pino({ level: config.logLevel })): Promise<RunningServer> {
  prepareDataDir(config.dataDir);
  const { auth } = config;
  // Before any backend opens: a bad key file fails the start cleanly.
  const external = await ExternalTokens.load({
    secret: auth.jwtSecret,
    publicKeyFile: auth.jwtPublicKeyFile,
    jwksFile: auth.jwtJwksFile,
    issuer: auth.jwtIssuer,
    audience: auth.jwtAudience,
    roomsClaim: auth.jwtRoomsClaim,
  });
  const tls =
    config.tlsCert !== undefined && config.tlsKey !== undefined ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : undefined;
  // Before any backend opens: a bad PARLEY_WEBHOOK_ALLOW_PRIVATE entry fails the start cleanly.
  const addressGuard = new AddressGuard(config.webhooks.allowPrivate);
  const backends = await openBackends(config, log);
  // After the store, which has migrated the schema the keys and the console's tables live in.
  const { apiKeyStore, consoleStore, webhookStore } = await openSideStores(config).catch(async (error: unknown) => {
    await Promise.all([backends.broker.close(), backends.presence.close(), backends.closeAuthBackends(), backends.store.close()]).catch(() => undefined);
    throw error;
  });
  const admins = new ServerAdmins(consoleStore, config.roomPolicy.admins);
  const audit = (entry: NewAuditEntry): void => {
    consoleStore.recordAudit(entry).catch((error: unknown) => log.warn({ err: error, action: entry.action }, 'could not write the audit log'));
  };
  // What is open so far, closed in full when a later part fails to open (nothing keeps the process up).
  const opened: (() => Promise<void>)[] = [
    () => apiKeyStore.close(),
    () => consoleStore.close(),
    () => webhookStore.close(),
    () => backends.broker.close(),
    () => backends.presence.close(),
    () => backends.closeAuthBackends(),
    () => backends.store.close(),
  ];
  const orClose = async <T>(opening: Promise<T>, close: (part: T) => Promise<void>): Promise<T> => {
    try {
      const part = await opening;
      opened.unshift(() => close(part));
      return part;
    } catch (error) {
      await Promise.all(opened.map((closeOne) => closeOne())).catch(() => undefined);
      throw error;
    }
  };
  const collab = await orClose(openCollabStore(config), (part) => part.close());
  const docRelay = await orClose(openDocRelay(config, log), (part) => part.close());
  const tickets = new Tickets(collab);
  const fileBackends = await orClose(openFileBackends(config), (part) => part.close());
  const apiKeyRate = config.apiKeyRate === null ? undefined : new KeyRate(config.apiKeyRate);
  const metrics = new Metrics();
  const store = timedStore(backends.store, metrics);
  const broker = new TimedBroker(backends.broker, metrics);
  const { presence, readiness } = backends;
  const hub = new Hub(broker, store, log, metrics);
  const limiter = new RateLimiter(config.rateLimits);
  const quotas = new StoredBytesQuota(config.quotas);
  const serverSecret = config.secret !== undefined ? Buffer.from(config.secret) : loadSecret(config.dataDir);
  const guests = new GuestIssuer(serverSecret);
  const identities = new IdentityResolver({ store, guests, external, guestsAllowed: auth.guests });
  const accounts = new AccountService(
    store,
    auth.sessionTtlMs,
    {
      failuresPerAccount: auth.loginFailuresPerAccount,
      failuresPerIp: auth.loginFailuresPerIp,
      windowMs: auth.loginWindowMs,
    },
    backends.failureCounters,
    new PasswordPool({
      concurrency: auth.passwordConcurrency,
      queue: auth.passwordQueue,
      onStart: (op) => metrics.passwordWork.inc({ op }),
      onBusy: (op) => metrics.passwordBusy.inc({ op }),
    }),
  );
  // argon2 and the WAL's fdatasync share libuv's pool (password-pool.ts): the cap only helps below its size.
  const uvThreads = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4);
  if (auth.passwordConcurrency >= uvThreads) {
    log.warn(
      { passwordConcurrency: auth.passwordConcurrency, uvThreads },
      'PARLEY_PASSWORD_CONCURRENCY leaves no libuv thread for disk syncs; a login storm can delay message acks',
    );
  }
  const origins = new OriginPolicy(auth.origins);
  const clientAddresses = new ClientAddresses(config.trustProxy);
  const searches = new SearchRunner(config.search, {
    refused: (reason) => metrics.searchRefused.inc({ reason }),
    truncated: () => metrics.searchTruncated.inc(),
  });
  const { roomLimits } = config;
  const roomQuota = new RoomQuota(roomLimits, (limit) => metrics.roomLimits.inc({ limit }));
  const chat = new ChatService({
    ...storesIn(store),
    broker,
    presence,
    hub,
    identities,
    log,
    recoveryLimit: config.recoveryLimit,
    presenceLimit: config.presenceLimit,
    roomQuota,
    roomsListLimit: roomLimits.listLimit,
    maxReactionsPerMessage: roomLimits.maxReactionsPerMessage,
    onLimit: (limit) => metrics.roomLimits.inc({ limit }),
    searches,
    joinCreates: config.roomPolicy.joinCreates,
    defaultRoom: LOBBY,
    admins,
    audit,
    tickets,
    // Set below: the document service is built on the chat service.
    onRoomDeleted: (room) => docs.roomDeleted(room),
    files: { store: fileBackends.files, orphaned: (hashes) => void files.deleteBlobs(hashes) },
  });
  const files = new FileService({
    store: fileBackends.files,
    blobs: fileBackends.blobs,
    chat,
    intake: new FileIntake(fileBackends.tempDir, config.files.maxBytes),
    links: new FileLinks(serverSecret, config.files.linkTtlMs),
    sessions: store,
    dailyBytesPerUser: config.files.dailyBytesPerUser,
    unattachedTtlMs: config.files.unattachedTtlMs,
    uploadsPerHour: config.files.uploadsPerHour,
    log,
  });
  const collectFiles = (): void => {
    files.collect().catch((error: unknown) => log.warn({ err: error }, 'collecting unreferenced files failed'));
  };
  const fileCollector = setInterval(collectFiles, FILE_COLLECT_MS);
  fileCollector.unref();
  const docs: DocService = new DocService({ chat, store: collab, relay: docRelay, limits: config.docLimits, log, metrics });
  const sessionPolicy = {
    limiter,
    maxRooms: config.maxRoomsPerConnection,
    maxInFlight: config.maxInFlight,
    // Never more than half the outbox limit, whatever overrides say (a replay must not close its reader).
    recoveryBytes: Math.min(config.recoveryBytes, Math.floor(config.outboxLimitBytes / 2)),
    quotas,
    jsonBounds: config.jsonBounds,
    metrics,
    log,
    drain: new Drain(),
    docs,
  };
  // One bound for both transports: a client refused a WebSocket cannot take a fallback stream instead.
  const perAddress = new AddressCount(config.maxConnectionsPerIp);
  const gateway = new WsGateway({
    chat,
    log,
    maxPayload: config.maxFrameBytes,
    maxFragments: config.edges.maxFragments,
    maxFrameChunks: config.edges.maxFrameChunks,
    heartbeatMs: config.heartbeatMs,
    outboxLimit: config.outboxLimitBytes,
    writePacingMs: config.writePacingMs,
    origins,
    guestsAllowed: auth.guests,
    policy: sessionPolicy,
    helloTimeoutMs: config.helloTimeoutMs,
    perAddress,
    clientAddresses,
    ready: () => readinessWatch?.ready ?? true,
    docs: new DocGateway({ docs, tickets, log, heartbeatMs: config.heartbeatMs, metrics }),
  });
  // The HTTP fallback: the same sessions, bounds and policy as WebSocket. Stream secrets are
  // HMACs under a key every process of a cluster derives alike (PARLEY_SECRET is shared there).
  const fallback = new SseGateway({
    chat,
    log,
    relay: broker,
    streamKey: createHmac('sha256', serverSecret).update('parley fallback streams').digest(),
    heartbeatMs: config.heartbeatMs,
    outboxLimit: config.outboxLimitBytes,
    writePacingMs: config.writePacingMs,
    origins,
    policy: sessionPolicy,
    helloTimeoutMs: config.helloTimeoutMs,
    perAddress,
    clientAddresses,
    ready: () => readinessWatch?.ready ?? true,
  });
  await fallback.listen();
  // Connections that use a logged-out session are closed at once, on every process of a cluster;
  // so are a user's connections that the server API disconnects.
  backends.revocations.onRevoked((message) => {
    const revocation = readRevocation(message);
    for (const transport of [gateway, fallback]) {
      if ('user' in revocation) transport.disconnectUser(revocation.user);
      else transport.revoke(revocation.session);
    }
  });
  accounts.isDisabled = (userId) => consoleStore.isDisabled(userId);
  accounts.onLogout = (sessionHash) => {
    backends.revocations.revoke(sessionHash).catch((error: unknown) => log.warn({ err: error }, 'could not announce a logout'));
  };
  const sessions = new UserSessions(apiKeyStore, backends.revocations);
  const webhooks = new WebhookSubscriptions(webhookStore, addressGuard, config.webhooks.maxSubscriptions);
  const consoleService = new ConsoleService({
    webhooks,
    store: consoleStore,
    chat,
    sessions,
    admins,
    hashPassword: (password) => accounts.passwordHash(password),
    board: backends.liveBoard,
    sampleMs: config.consoleSampleMs,
    keys: apiKeyStore,
  });
  // The console's live view: this process's figures every 10 s, shared with the others.
  const processId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const startedAt = Date.now();
  const sampler = new LiveSampler(metrics, () => hub.userCount);
  sampler.onSample = (samples) => {
    backends.liveBoard
      .share({ process: processId, startedAt, samples: [...samples] })
      .catch((error: unknown) => log.warn({ err: error }, 'could not share the live figures'));
  };
  const webRoots = [config.webRoot, join(projectRoot, 'web', 'dist'), join(projectRoot, 'public')].filter((dir): dir is string => dir !== undefined);
  const ops = config.ops;
  const httpOptions = {
    log,
    webRoots,
    readiness: () => readinessWatch?.check() ?? readiness(),
    auth: { accounts, origins },
    files: { files, identities, origins, linkTtlMs: config.files.linkTtlMs },
    serverApi: {
      chat,
      keys: new ApiKeys(apiKeyStore),
      rate: apiKeyRate,
      sessions,
      console: { service: consoleService, identities, admins },
      webhooks,
      events: fallback,
      tickets,
      files,
      onAnswer: (route: string, status: number) => metrics.apiRequests.inc({ route, status: String(status) }),
    },
    trustProxy: clientAddresses.trust,
    fallback: { gateway: fallback, maxFrameBytes: config.maxFrameBytes },
    opsToken: ops.token,
    opsHere: ops.port === undefined,
    ...(config.metrics ? { metrics } : {}),
    ...(tls !== undefined ? { tls } : {}),
    edges: {
      headersTimeoutMs: config.edges.httpHeadersTimeoutMs,
      requestTimeoutMs: config.edges.httpRequestTimeoutMs,
      keepAliveTimeoutMs: config.edges.httpKeepAliveTimeoutMs,
      idleTimeoutMs: config.edges.httpIdleTimeoutMs,
      bodyLimitBytes: config.edges.httpBodyLimitBytes,
      onRefusal: (reason: string) => metrics.httpRefusals.inc({ reason }),
    },
  };
  const app = await buildHttpApp(httpOptions);
  const opsApp = ops.port === undefined ? undefined : await buildOpsApp(httpOptions);
  // Open by default, as before, so that existing probes and scrapers keep working; but say so
  // when anyone who can reach the port can read them.
  if (ops.token === undefined && ops.port === undefined && !isLoopback(config.host)) {
    log.warn(
      { host: config.host },
      '/readyz and /metrics answer anyone who can reach this port; set PARLEY_METRICS_TOKEN, or PARLEY_METRICS_PORT to serve them on loopback only',
    );
  }
  const connections = new ConnectionBound({
    perAddress: config.edges.httpConnectionsPerIp,
    trust: clientAddresses.trust,
    onRefused: () => metrics.httpRefusals.inc({ reason: 'per_ip' }),
  });
  connections.attach(app.server);
  app.server.on('upgrade', (req, socket, head: Buffer) => {
    connections.upgraded(req.socket);
    gateway.handleUpgrade(req, socket, head);
  });

  // Made once listening: until then `app.listen` builds the routes, which holds the event loop (long
  // under load), and a first PostgreSQL ping timed out meanwhile would refuse upgrades until the next.
  let readinessWatch: ReadinessWatch | undefined;
  const delivery = new DeliveryWorker({
    store: webhookStore,
    sender: new Sender(addressGuard, config.webhooks.timeoutMs),
    log,
    retrySchedule: config.webhooks.retryScheduleMs,
    pollMs: config.webhooks.pollMs,
    timeoutMs: config.webhooks.timeoutMs,
    outboxMax: config.webhooks.outboxMax,
    onAttempt: (ok) => metrics.webhookAttempts.inc({ result: ok ? 'ok' : 'failed' }),
    onDisabled: (reason) => metrics.webhookDisabled.inc({ reason }),
    onDepth: (queued, deepest) => {
      metrics.webhookOutbox.set(queued);
      metrics.webhookOutboxDeepest.set(deepest);
    },
  });
  metrics.webhookOutboxMax.set(config.webhooks.outboxMax);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      readinessWatch?.stop();
      sampler.stop();
      await delivery.stop();
      await gateway.shutdown(3000);
      await fallback.shutdown(1000);
      limiter.close();
      roomQuota.close();
      apiKeyRate?.close();
      quotas.close();
      await app.close();
      await opsApp?.close();
      await broker.close();
      await presence.close();
      await backends.closeAuthBackends();
      clearInterval(fileCollector);
      files.close();
      await apiKeyStore.close();
      await consoleStore.close();
      await webhookStore.close();
      await docRelay.close();
      await collab.close();
      await fileBackends.close();
      await store.close();
    })());
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // Everything opened so far (store, broker, timers) would keep the process alive, still unbound.
    await close().catch((closeError: unknown) => log.warn({ err: closeError }, 'cleanup after a failed listen failed'));
    throw ListenError.from(error, config.host, config.port);
  }
  readinessWatch = new ReadinessWatch(readiness);
  sampler.start(config.consoleSampleMs);
  delivery.start();
  collectFiles();
  const port = (app.server.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `${tls === undefined ? 'http' : 'https'}://${shownHost}:${port}`;
  if (opsApp !== undefined) {
    try {
      await opsApp.listen({ port: ops.port ?? 0, host: ops.host });
    } catch (error) {
      await close().catch((closeError: unknown) => log.warn({ err: closeError }, 'cleanup after a failed listen failed'));
      throw ListenError.from(error, ops.host, ops.port ?? 0);
    }
  }
  const opsPort = opsApp === undefined ? undefined : (opsApp.server.address() as AddressInfo).port;
  return { url, port, log, close, ...(opsPort !== undefined ? { opsPort } : {}) };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The key that signs guest resume tokens; kept in the data dir so tokens survive a restart. */
export function loadSecret(dataDir: string): Buffer {
  const file = join(dataDir, 'secret.key');
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  } catch {
    const secret = randomBytes(32);
    writeFileSync(file, secret.toString('base64url'), { mode: 0o600 });
    return secret;
  }
}
