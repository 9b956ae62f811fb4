// nginx for the proxy suites: one of the repository's configs (deploy/*.conf) with a test's ports
// and paths swapped in, checked with `nginx -t`, run in the foreground and stopped by the test.
import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForStatus } from './process.js';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => spawnSync(path, ['-v']).status === 0);

/** A deploy/ config's path. */
export function deployConfig(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'deploy', name);
}

export function nginxSkip(): string | undefined {
  if (NGINX !== undefined) return undefined;
  const reason = 'nginx is not installed (apt-get install -y nginx)';
  if (process.env['CI'] === 'true') throw new Error(reason);
  console.warn(`\n*** SKIPPING nginx tests: ${reason} ***\n`);
  return `SKIPPED: ${reason}`;
}

/** The config with this test's ports and paths (and `edit` applied); fails if the file no longer has the expected shape. */
export function testConfig(config: string, listen: number, upstreams: number[], dir: string, edit: (text: string) => string = (text) => text): string {
  let text = readFileSync(config, 'utf8');
  const swap = (from: RegExp, to: string): void => {
    assert.match(text, from, `${config} should contain ${from}`);
    text = text.replace(from, to);
  };
  swap(/^pid .*;$/m, `pid ${dir}/nginx.pid;`);
  swap(/^error_log .*;$/m, `error_log ${dir}/error.log warn;`);
  swap(/access_log .*;/, `access_log ${dir}/access.log;`);
  swap(/listen 8080;/, `listen 127.0.0.1:${listen};`);
  upstreams.forEach((port, i) => swap(new RegExp(`127\\.0\\.0\\.1:808${i + 1}`), `127.0.0.1:${port}`));
  return edit(text);
}

export interface RunningNginx {
  url: string;
  stop(): Promise<void>;
}

/** nginx on a free port with `config` (a deploy/ file), in front of `upstreams`. */
export async function startNginx(config: string, upstreams: number[], edit?: (text: string) => string): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-nginx-'));
  const listen = await freePort();
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, testConfig(config, listen, upstreams, dir, edit));
  const check = spawnSync(NGINX as string, ['-t', '-c', file], { encoding: 'utf8' });
  assert.equal(check.status, 0, `nginx -t on the test copy: ${check.stderr}`);
  const child = spawn(NGINX as string, ['-c', file, '-g', 'daemon off;'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${listen}`;
  await waitForStatus(url, 200, 10_000);
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM'); // fast stop: a graceful one waits for every stream to end
      await exited;
    },
  };
}
