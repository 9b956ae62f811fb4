// The operator's endpoints: /readyz (load balancers) and /metrics (Prometheus). They tell an outsider
// the process id, which backends are down and how busy the server is, so they can be closed off:
// PARLEY_METRICS_TOKEN makes both need `Authorization: Bearer <token>`, and PARLEY_METRICS_PORT moves
// them to a listener of their own (PARLEY_METRICS_HOST, loopback by default), off the public port.
// /healthz (liveness: the process answers) stays open wherever it is served.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '../../protocol/errors.js';
import { httpErrorBody } from '../../protocol/http.js';
import type { Metrics } from '../metrics/metrics.js';

/** What /readyz answers; backends.ts computes it over the Store, Broker and Presence it opened. */
export interface Readiness {
  ready: boolean;
  /** Each dependency that can be unreachable, and whether it is reachable now. */
  checks: Record<string, boolean>;
}

export interface OpsRoutesOptions {
  readiness: () => Promise<Readiness>;
  /** Served at GET /metrics when given. */
  metrics: Metrics | undefined;
  /** When set, /readyz and /metrics answer 401 without `Authorization: Bearer <token>`. */
  token: string | undefined;
  /** Each request refused for a missing or wrong token. */
  onRefused?: (path: string) => void;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Whether `header` is `Bearer <token>`. Both sides are hashed first, so the comparison takes the
 * same time whatever the length or the first wrong character of what was sent.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token)) && given !== '';
}

export async function opsRoutes(app: FastifyInstance, options: OpsRoutesOptions): Promise<void> {
  const { token } = options;
  const guard =
    token === undefined
      ? undefined
      : async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
          if (bearerMatches(request.headers.authorization, token)) return undefined;
          options.onRefused?.(request.routeOptions.url ?? request.url);
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer realm="parley-ops"')
            .send(httpErrorBody(ErrorCode.Unauthorized, 'send Authorization: Bearer <PARLEY_METRICS_TOKEN>'));
        };
  const hooks = guard === undefined ? {} : { onRequest: guard };
  // Ready: able to take traffic now. 503 while PostgreSQL or Redis is unreachable, so a load
  // balancer sends new clients elsewhere; the process keeps its clients and reconnects by itself.
  app.get('/readyz', hooks, async (_request, reply) => {
    const state = await options.readiness();
    return reply.code(state.ready ? 200 : 503).send({ status: state.ready ? 'ready' : 'unavailable', checks: state.checks, pid: process.pid });
  });
  const metrics = options.metrics;
  if (metrics !== undefined) {
    app.get('/metrics', hooks, async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  }
}
