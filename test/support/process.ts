// Runs Parley as a real child process (`parley serve`), for tests of signals, restarts and crashes.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

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
}

const running = new Set<ChildProcess>();

/** SIGKILLs every server this test file started that is still running (use in an `after` hook). */
export function killAllServers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export interface SpawnOptions {
  /** Run under `ulimit -f` (in the shell's 512-byte blocks): writes past it fail like a full disk. */
  fileSizeLimitBlocks?: number;
}

export async function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}, options: SpawnOptions = {}): Promise<ServerProcess> {
  const argv = [cli, 'serve', '--host', '127.0.0.1', '--port', '0', ...args];
  const limited = options.fileSizeLimitBlocks;
  // exec keeps the pid, so killing the child kills the server itself.
  const [command, commandArgs] = limited === undefined
    ? [process.execPath, argv]
    : ['/bin/sh', ['-c', `ulimit -f ${limited} && exec "$0" "$@"`, process.execPath, ...argv]];
  const child = spawn(command, commandArgs, {
    env: { ...process.env, PARLEY_LOG_LEVEL: 'info', PARLEY_RATE_LIMITS: 'off', PARLEY_MAX_CONN_PER_IP: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const lines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    // Generous: other test files (and other builds) share the machine's two cores.
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const match = /"url":"http:\/\/[^:]+:(\d+)"/.exec(line);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    exited,
    lines,
  };
}
