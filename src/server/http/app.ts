// The HTTP side: health, metrics, and the web app as static files, with security headers on all.
// /readyz and /metrics (ops-routes.ts) are served here, or on an ops listener of their own.
import { existsSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';
import { authRoutes, type AuthRoutesOptions } from './auth-routes.js';
import type { Metrics } from '../metrics/metrics.js';
import { addSecurityHeaders } from './security-headers.js';
import { opsRoutes, type Readiness } from './ops-routes.js';
import type { TrustFunction } from '../client-address.js';
import { answerClientError, type HttpEdges } from './edges.js';
import { serverApi, type ServerApiOptions } from './api-v1/plugin.js';
import { fallbackRoutes, type FallbackRoutesOptions } from './fallback-routes.js';
import { fileRoutes, type FileRoutesOptions } from './file-routes.js';

export interface HttpAppOptions {
  log: Logger;
  /** Directory with index.html; the first that exists is served. */
  webRoots: readonly string[];
  /** Whether the databases and brokers this process needs are reachable now. */
  readiness?: () => Promise<Readiness>;
  /** The accounts API (/api/register, /api/login, /api/logout). */
  auth?: AuthRoutesOptions;
  /** The server API (/api/v1 with keys, /hooks). */
  serverApi?: ServerApiOptions;
  /** Uploads and downloads of users and guests (/api/files, /files). */
  files?: FileRoutesOptions;
  /** Served at GET /metrics when given. */
  metrics?: Metrics;
  /** Bearer token /readyz and /metrics need (PARLEY_METRICS_TOKEN); open when undefined. */
  opsToken?: string | undefined;
  /** False: /readyz and /metrics are on the ops listener (buildOpsApp), not here. */
  opsHere?: boolean;
  /** PEM certificate chain and key: serve https (and so wss) instead of http. */
  tls?: { cert: Buffer; key: Buffer };
  /** Which peers are reverse proxies whose X-Forwarded-For `request.ip` believes; none when absent. */
  trustProxy?: TrustFunction | undefined;
  /** Timeouts and body size (node's defaults let slow headers and bodies hold a connection forever). */
  edges?: HttpEdges;
  /** The HTTP fallback transport (event stream + POSTs), for networks that break WebSocket. */
  fallback?: FallbackRoutesOptions;
}

export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const common = {
    loggerInstance: options.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // The same function the WebSocket upgrade uses (ClientAddresses), so both see the same client.
    trustProxy: options.trustProxy ?? false,
    ...edgeOptions(options.edges),
  };
  const server = serverOptions(options.edges);
  // Fastify's types tell an https server from an http one by the options; the app is used the same way.
  const app: FastifyInstance = options.tls === undefined ? Fastify({ ...common, http: server }) : Fastify({ ...common, https: { ...options.tls, ...server } });
  addSecurityHeaders(app, { tls: options.tls !== undefined });
  const edges = options.edges;
  if (edges !== undefined) {
    app.addHook('onError', (_request, _reply, error, done) => {
      if ((error as Error & { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') edges.onRefusal('body_too_large');
      done();
    });
  }
  app.get('/healthz', () => ({ status: 'ok' }));
  if (options.opsHere !== false) await opsRoutes(app, opsOptions(options));
  if (options.auth !== undefined) await app.register(authRoutes, options.auth);
  if (options.serverApi !== undefined) await serverApi(app, options.serverApi);
  if (options.fallback !== undefined) await app.register(fallbackRoutes, options.fallback);
  if (options.files !== undefined) await fileRoutes(app, options.files);
  const root = options.webRoots.find((dir) => existsSync(`${dir}/index.html`));
  if (root !== undefined) {
    await app.register(fastifyStatic, { root, index: 'index.html' });
    // The admin console is a page of its own (web/admin.html); its API refuses everyone but admins.
    if (existsSync(`${root}/admin.html`)) app.get('/admin', (_request, reply) => reply.sendFile('admin.html'));
  }
  return app;
}

function edgeOptions(edges: HttpEdges | undefined): object {
  if (edges === undefined) return {};
  return {
    requestTimeout: edges.requestTimeoutMs,
    keepAliveTimeout: edges.keepAliveTimeoutMs,
    connectionTimeout: edges.idleTimeoutMs,
    bodyLimit: edges.bodyLimitBytes,
    clientErrorHandler: (error: Error & { code?: string }, socket: Duplex) => answerClientError(error, socket, edges.onRefusal),
  };
}

/** Options only node's createServer takes (Fastify passes them through). */
function serverOptions(edges: HttpEdges | undefined): { headersTimeout?: number; connectionsCheckingInterval?: number } {
  if (edges === undefined) return {};
  // Node checks both timeouts on this interval (30 s by default, which would stretch a 10 s timeout to 40 s).
  const interval = Math.max(50, Math.min(1000, Math.floor(edges.headersTimeoutMs / 4)));
  return { headersTimeout: edges.headersTimeoutMs, connectionsCheckingInterval: interval };
}

function opsOptions(options: HttpAppOptions): Parameters<typeof opsRoutes>[1] {
  const metrics = options.metrics;
  return {
    readiness: options.readiness ?? (() => Promise.resolve({ ready: true, checks: {} })),
    metrics,
    token: options.opsToken,
    ...(metrics !== undefined ? { onRefused: (path: string) => metrics.opsRefused.inc({ path }) } : {}),
  };
}

/** The ops listener (PARLEY_METRICS_PORT): /healthz, /readyz and /metrics only, plain http. */
export async function buildOpsApp(options: HttpAppOptions): Promise<FastifyInstance> {
  // Typed as Fastify's logger so that the instance's type is the FastifyInstance this returns.
  const loggerInstance: FastifyBaseLogger = options.log;
  const app = Fastify({ loggerInstance, logController: new LogController({ disableRequestLogging: true }) });
  addSecurityHeaders(app, { tls: false });
  app.get('/healthz', () => ({ status: 'ok' }));
  await opsRoutes(app, opsOptions(options));
  return app;
}
