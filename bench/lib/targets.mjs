// The servers under test: how to start each one, how a raw client joins a room on it, and how a
// message is sent. Every receiver runs in counting mode from its first frame; set-up replies are
// recognised from a few leading bytes so that a big join reply or a burst of presence pushes costs
// the generator no JSON parsing.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient, clientFrame } from './raw-client.mjs';

const benchRoot = new URL('..', import.meta.url).pathname;
const repoRoot = join(benchRoot, '..');
const probe = join(benchRoot, 'servers', 'probe.mjs');

export const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let serverPriority = 0;

/**
 * Runs this process and every server started from now on at `niceness` (negative = ahead of other
 * work on the machine; needs privileges). All servers get the same, so the comparison stays fair.
 */
export function setNiceness(niceness) {
  serverPriority = niceness;
  setPriority(process.pid, niceness);
}

/** Pins this process (all its threads) to `cpu`. */
export function pinSelf(cpu) {
  if (!hasTaskset) return false;
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
  return true;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, deadlineMs, pollMs = 100) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`server did not listen on ${port} within ${deadlineMs} ms`);
}

/** utime + stime of a process, in ms, from /proc (Linux). */
export function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] is utime, fields[12] stime (fields 14 and 15 of stat(5)), in clock ticks
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * Busy time of one CPU in ms (everything but idle and iowait), from /proc/stat: on loopback the
 * kernel's network work for a server's writes (softirq, ksoftirqd) runs on the server's core but is
 * not all charged to the server process, so this says how busy the core really was.
 */
export function coreBusyMs(cpu = 0) {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${cpu} `));
    if (line === undefined) return NaN;
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / 100;
  } catch {
    return NaN;
  }
}

class ServerProcess {
  constructor(child, port, cleanup, respawn) {
    this.port = port;
    this.cleanup = cleanup;
    this.respawn = respawn;
    this.stderr = '';
    this.#adopt(child);
  }

  #adopt(child) {
    this.child = child;
    child.stderr?.on('data', (data) => {
      if (this.stderr.length < 20_000) this.stderr += data;
    });
  }

  /**
   * kill -9, then the same command again on the same port (and so the same data directory):
   * resolves with the time the new process listens, in performance.now() ms.
   */
  async crashAndRestart() {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
    const child = this.respawn(this.port);
    this.#adopt(child);
    await waitForPort(this.port, child, 20_000, 10);
    return performance.now();
  }

  get pid() {
    return this.child.pid;
  }

  cpuMs() {
    return processCpuMs(this.child.pid);
  }

  /** Memory after a full GC, as the server itself reports it. */
  memory() {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no stats reply within 30 s')), 30_000);
      this.child.once('message', (message) => {
        clearTimeout(timer);
        resolve(message.memory);
      });
      this.child.send('stats');
    });
  }

  async stop() {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 6000);
      await exited;
      clearTimeout(timer);
    }
    this.cleanup?.();
  }
}

async function startProcess(args, env, cleanup, extraNodeArgs = []) {
  const port = await freePort();
  const spawnOn = (onPort) => {
    const nodeArgs = ['--expose-gc', '--import', probe, ...extraNodeArgs, ...args(onPort)];
    const command = hasTaskset ? 'taskset' : process.execPath;
    const argv = hasTaskset ? ['-c', '0', process.execPath, ...nodeArgs] : nodeArgs;
    const child = spawn(command, argv, {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    if (serverPriority !== 0) setPriority(child.pid, serverPriority);
    return child;
  };
  const child = spawnOn(port);
  const server = new ServerProcess(child, port, cleanup, spawnOn);
  try {
    await waitForPort(port, child, 20_000);
  } catch (error) {
    await server.stop();
    throw new Error(`${error.message}\n${server.stderr}`, { cause: error });
  }
  return server;
}

/** A connection attempt that fails or stalls rejects; every set-up has a time bound. */
function joined(client, openOptions, begin, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.destroy();
      reject(new Error('join timed out'));
    }, timeoutMs);
    client.onReady = () => {
      clearTimeout(timer);
      client.onReady = null;
      resolve(client);
    };
    client.onFail = (error) => {
      clearTimeout(timer);
      client.destroy();
      reject(error);
    };
    client.onClose = () => client.onFail?.(new Error(`closed during set-up (code ${client.closeCode})`));
    client.count();
    client.open(openOptions).then(
      () => begin(client),
      (error) => client.onFail?.(error),
    );
  }).then((c) => {
    c.onClose = null;
    c.onFail = null;
    return c;
  });
}

function prefix(buf, start, end, n = 40) {
  return buf.toString('latin1', start, Math.min(end, start + n));
}

export const targets = {
  ws: {
    label: 'naive ws loop',
    start: () => startProcess((port) => [join(benchRoot, 'servers', 'ws-naive.mjs'), String(port)], {}),
    /** One-room scenarios use the tutorial's wss.clients loop itself (path `/`). */
    connect(port, room, { singleRoom }) {
      const client = new RawClient();
      const path = singleRoom ? '/' : `/?room=${room}`;
      return joined(client, { port, path }, (c) => c.onReady());
    },
    sendFrame: (_client, _room, text) => clientFrame(text),
  },

  sio: {
    label: 'Socket.IO 4.8',
    start: (_nodeArgs = [], env = {}) => startProcess((port) => [join(benchRoot, 'servers', 'socketio.mjs'), String(port)], env),
    connect(port, room) {
      const client = new RawClient();
      client.engineIo = true;
      client.onOther = (c, buf, start, end) => {
        const head = prefix(buf, start, end, 4);
        if (head.startsWith('0{')) c.sendText('40');
        else if (head.startsWith('40')) c.sendText(`420["join","${room}"]`);
        else if (head.startsWith('430[')) c.onReady?.();
        else if (head.startsWith('44')) c.onFail?.(new Error(`socket.io refused: ${prefix(buf, start, end, 200)}`));
      };
      return joined(client, { port, path: '/socket.io/?EIO=4&transport=websocket' }, () => {});
    },
    sendFrame: (_client, room, text) => clientFrame(`42["msg","${room}","${text}"]`),
  },

  parley: parleyTarget('Parley', repoRoot),
};

// `PARLEY_BENCH_BASE=/path/to/another/checkout` (built) adds the target `base`: that checkout's
// Parley, driven exactly like this one, so a change is measured before and after in one run.
if (process.env.PARLEY_BENCH_BASE) targets.base = parleyTarget('Parley (base)', process.env.PARLEY_BENCH_BASE);

function parleyTarget(label, checkout) {
  return {
    label,
    async start(extraNodeArgs = [], env = {}) {
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
      const server = await startProcess(
        (port) => [
          join(checkout, 'dist', 'src', 'cli', 'parley.js'),
          'serve',
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
          '--data-dir',
          dataDir,
          '--log-level',
          'warn',
        ],
        // The benchmark drives each connection far faster than a person, all from 127.0.0.1: the
        // per-client bounds (rates, connections per address, handshakes in progress per address)
        // are off; every other hardening limit stays at its default. Rooms are made by their first
        // join (PARLEY_JOIN_CREATES), as the peers' rooms are: the bench has no `create` step.
        { PARLEY_RATE_LIMITS: 'off', PARLEY_MAX_CONN_PER_IP: '0', PARLEY_MAX_HTTP_CONN_PER_IP: '0', PARLEY_JOIN_CREATES: 'on', ...env },
        () => rmSync(dataDir, { recursive: true, force: true }),
        extraNodeArgs,
      );
      // The server API scenarios make their keys with `parley keys create` on it.
      server.dataDir = dataDir;
      return server;
    },
    connect(port, room, { nick }) {
      const client = new RawClient();
      client.nextId = 3;
      client.onOther = (c, buf, start, end) => {
        const head = prefix(buf, start, end, 24);
        if (head.startsWith('{"id":2,"type":"ok"')) c.onReady?.();
        else if (head.includes('"type":"error"')) c.onFail?.(new Error(`parley refused: ${prefix(buf, start, end, 200)}`));
      };
      return joined(client, { port, path: '/ws', protocol: 'parley.v1' }, (c) => {
        c.sendText(`{"id":1,"type":"hello","nick":"${nick}"}`);
        c.sendText(`{"id":2,"type":"join","room":"${room}"}`);
      });
    },
    sendFrame(client, room, text) {
      const id = client.nextId++;
      return clientFrame(`{"id":${id},"type":"send","room":"${room}","text":"${text}","cid":"c${id}"}`);
    },
  };
}
