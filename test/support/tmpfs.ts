// A small tmpfs mounted for one test: a real file system that really fills up (ENOSPC), or one that
// is really read-only. Mounting needs root (CAP_SYS_ADMIN); without it `mountTmpfs` says why not.
import { spawnSync } from 'node:child_process';

/** Mounts a tmpfs of `size` (e.g. '1m') with `options` (e.g. ['ro']) on `dir`; the refusal text if it cannot. */
export function mountTmpfs(dir: string, size: string, options: string[] = []): string | undefined {
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', [...options, `size=${size}`].join(','), 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.error !== undefined) return mounted.error.message;
  if (mounted.status !== 0) return mounted.stderr.trim() || `mount exited with ${mounted.status}`;
  return undefined;
}

export function unmountTmpfs(dir: string): void {
  const unmounted = spawnSync('umount', [dir], { encoding: 'utf8' });
  if (unmounted.status !== 0) console.warn(`could not unmount the test tmpfs at ${dir}: ${unmounted.stderr.trim()}`);
}
