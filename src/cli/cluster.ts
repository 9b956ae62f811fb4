// `parley serve --workers N`: a primary process that runs N workers with node:cluster. Each worker
// is a full Parley node on the shared broker and store; the primary only shares the listening port
// (round-robin), restarts a worker that dies, and passes SIGTERM/SIGINT on for a graceful stop.
import cluster, { type Worker } from 'node:cluster';
import { mkdirSync } from 'node:fs';
import { pino } from 'pino';
import type { Config } from '../server/config.js';
import { loadSecret } from '../server/server.js';
import { announceStart, shownUrl } from './start-line.js';

/** A worker that dies is replaced after this long (a crash loop should not spin the CPU). */
const RESTART_DELAY_MS = 1000;
/** Workers get this long to stop before the primary gives up on them. */
const STOP_TIMEOUT_MS = 8000;

export function runPrimary(config: Config): void {
  const log = pino({ level: config.logLevel });
  // Created once here so that all workers sign guest tokens with the same key.
  mkdirSync(config.dataDir, { recursive: true });
  loadSecret(config.dataDir);
  let stopping = false;

  const fork = (): Worker => cluster.fork({ PARLEY_WORKER: '1' });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_DELAY_MS);
  });
  // Every worker listens on the shared port; the first one to do so means the app can be opened.
  cluster.once('listening', (_worker, address) => {
    announceStart(shownUrl(config.host, address.port, config.tlsCert !== undefined), config.workers);
  });
  for (let i = 0; i < config.workers; i++) fork();
  log.info({ workers: config.workers, port: config.port }, `Parley primary running ${config.workers} workers`);

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) process.exit(0);
    for (const worker of workers) worker.process.kill(signal);
    setTimeout(() => {
      log.error('workers did not stop in time');
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

export const isWorker = (): boolean => cluster.isWorker;
