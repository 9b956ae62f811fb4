// The HTTP side: health, and the web app as static files.
import { existsSync } from 'node:fs';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';

export interface HttpAppOptions {
  log: Logger;
  /** Directory with index.html; the first that exists is served. */
  webRoots: readonly string[];
}

export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.get('/healthz', () => ({ status: 'ok' }));
  const root = options.webRoots.find((dir) => existsSync(`${dir}/index.html`));
  if (root !== undefined) await app.register(fastifyStatic, { root, index: 'index.html' });
  return app;
}
