// Runs a command in a real pseudo-terminal, for what only happens when stdin and stdout are a TTY
// (raw-mode line editing, a password typed without echo, the start line of `parley serve`). It uses
// util-linux `script`, which Debian installs everywhere (bsdutils is essential): what is written
// to the harness goes to the terminal as keystrokes, and everything the terminal shows comes back.
import { spawn, spawnSync } from 'node:child_process';

export interface Pty {
  /** Everything the terminal showed so far (escape sequences included). */
  output(): string;
  /** Types `keys` (use "\r" for Enter, "\x04" for Ctrl+D). */
  type(keys: string): void;
  /** Waits for `text` in the output from offset `after` on; returns the offset just past it. */
  waitFor(text: string, after?: number): Promise<number>;
  /** Resolves with the command's exit code. */
  exited: Promise<number | null>;
  kill(): void;
}

/** Undefined when `script` is there; otherwise the skip message (under CI=true, a failure). */
export function ptySkip(): string | undefined {
  if (spawnSync('script', ['--version']).status === 0) return undefined;
  const reason = 'util-linux script is not installed (apt-get install -y bsdutils): terminal tests SKIPPED';
  if (process.env['CI'] === 'true') throw new Error(`${reason}; CI=true requires it`);
  console.warn(`\n*** ${reason} ***\n`);
  return reason;
}

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

export interface PtyOptions {
  /** Added to the test's environment (TERM is xterm; the terminal is 100x30). */
  env?: Record<string, string>;
  cwd?: string;
  /** How long `waitFor` waits (default 15 s). */
  timeoutMs?: number;
}

export function spawnInPty(argv: readonly string[], options: PtyOptions = {}): Pty {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const command = `stty cols 100 rows 30; exec ${argv.map(quote).join(' ')}`;
  const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, TERM: 'xterm', ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // A failed assertion must not leave the terminal (and so the test process) running.
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs * 3);
  void exited.then(() => clearTimeout(killer));
  return {
    output: () => out,
    type: (keys) => child.stdin.write(keys),
    async waitFor(text, after = 0) {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(text, after)) {
        if (child.exitCode !== null) throw new Error(`the command exited (${child.exitCode}) without showing "${text}":\n${out}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}" in:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return out.indexOf(text, after) + text.length;
    },
    exited,
    kill: () => child.kill('SIGKILL'),
  };
}
