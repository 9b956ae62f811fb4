// Runs Parley as a real child process (`node dist/src/cli/parley.js serve`), for tests of signals,
// restarts, crashes, a full disk, and the multi-process suites. One spawn function; what differs
// between suites (arguments, environment, port, what "started" means) is an option.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { tempDataDir } from './server.js';

const cli = fileURLToPath(new URL('../../src/cli/parley.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  wsUrl: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** Every line the process wrote to stdout. */
  lines: string[];
  /** SIGTERM (unless it has ended already); resolves with the exit code. */
  stop(): Promise<number | string>;
}

export interface SpawnOptions {
  /** Arguments after `serve --host 127.0.0.1 --port N`. */
  args?: string[];
  /**
   * Added to a clean environment (PATH only, so the test runner's own variables cannot leak in),
   * after the defaults: info logs, rate and per-address limits off, and a fresh data dir unless
   * `--data-dir` or PARLEY_DATA_DIR says otherwise.
   */
  env?: Record<string, string>;
  /** Listen on this port, e.g. to restart on the address clients know; default: a free one. */
  port?: number;
  /**
   * When the process counts as started: `listening` (GET /healthz answers, the default) or `ready`
   * (GET /readyz answers 200: its PostgreSQL and Redis are reachable).
   */
  startedWhen?: 'listening' | 'ready';
  /** Run under `ulimit -f` (in the shell's 512-byte blocks): writes past it fail like a full disk. */
  fileSizeLimitBlocks?: number;
}

const running = new Set<ChildProcess>();

/** SIGKILLs every server this test file started that is still running (use in an `after` hook). */
export function killAllServers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** SIGKILLs every server this test file started that is still running, and resolves once all have exited. */
export async function killAllServersAndWait(): Promise<void> {
  const children = [...running];
  const gone = children.map((child) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve())),
  );
  for (const child of children) child.kill('SIGKILL');
  running.clear();
  await Promise.all(gone);
}

/**
 * Starts `parley serve` as a child process. A port picked by freePort can be taken by another test
 * before the child binds it (EADDRINUSE, exit 69): the start is tried again on a new port, a few
 * times; a port the caller chose is tried once.
 */
export async function spawnServer(options: SpawnOptions = {}): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnOnce(options);
    } catch (error) {
      const taken = error instanceof Error && error.message.includes('EADDRINUSE');
      if (!taken || options.port !== undefined || attempt >= 3) throw error;
    }
  }
}

async function spawnOnce(options: SpawnOptions): Promise<ServerProcess> {
  const args = options.args ?? [];
  const env = options.env ?? {};
  const port = options.port ?? (await freePort());
  const argv = [cli, 'serve', '--host', '127.0.0.1', '--port', String(port), ...args];
  const limited = options.fileSizeLimitBlocks;
  // exec keeps the pid, so killing the child kills the server itself.
  const [command, commandArgs] =
    limited === undefined ? [process.execPath, argv] : ['/bin/sh', ['-c', `ulimit -f ${limited} && exec "$0" "$@"`, process.execPath, ...argv]];
  const ownDataDir = args.includes('--data-dir') || env['PARLEY_DATA_DIR'] !== undefined ? {} : { PARLEY_DATA_DIR: tempDataDir() };
  const child = spawn(command, commandArgs, {
    env: {
      PATH: process.env['PATH'] ?? '',
      PARLEY_LOG_LEVEL: 'info',
      PARLEY_RATE_LIMITS: 'off',
      PARLEY_MAX_CONN_PER_IP: '0',
      PARLEY_MAX_HTTP_CONN_PER_IP: '0',
      // The suites that spawn servers join rooms they never made (see TEST_JOIN_CREATES).
      PARLEY_JOIN_CREATES: 'on',
      ...ownDataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  // 'close' comes after the output pipes are drained: a refused start's message is complete then.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const echo = process.env['PARLEY_TEST_LOG'] !== undefined;
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (echo) process.stderr.write(`${line}\n`);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (echo) process.stderr.write(chunk);
  });
  const url = `http://127.0.0.1:${port}`;
  // Generous: other test files (and other builds) share the machine's two cores.
  const started = await Promise.race([
    waitForStatus(url, 200, 30_000, options.startedWhen === 'ready' ? '/readyz' : '/healthz').then(
      () => true,
      (error: unknown) => {
        child.kill('SIGKILL');
        throw new Error(`server did not start: ${(error as Error).message}\n${stderr}`);
      },
    ),
    exited.then(() => false),
  ]);
  if (!started) {
    await closed;
    throw new Error(`server exited (${await exited}) before listening: ${stderr}`);
  }
  return {
    child,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    exited,
    lines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls GET `path` (default /readyz) until it answers `status`; resolves with how long that took. */
export async function waitForStatus(url: string, status: number, timeoutMs: number, path = '/readyz'): Promise<number> {
  const started = Date.now();
  for (;;) {
    const got = await fetch(`${url}${path}`).then(
      (response) => response.status,
      () => 0,
    );
    if (got === status) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${url}${path} did not answer ${status} within ${timeoutMs} ms (last: ${got})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
