// `npm install` on the supported Node prints no engine warnings: every package the lockfile pins
// accepts this Node (package.json's overrides pick older majors of two that want Node 22).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import semver from 'semver';

const lockFile = new URL('../../../package-lock.json', import.meta.url);

interface LockEntry {
  engines?: { node?: string } | string[];
}

test('every package in the lockfile accepts the Node this runs on (no EBADENGINE at install)', () => {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, LockEntry> };
  const refused: string[] = [];
  for (const [name, entry] of Object.entries(lock.packages)) {
    const wanted = entry.engines !== undefined && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
    if (wanted !== undefined && !semver.satisfies(process.version, wanted)) refused.push(`${name} wants node ${wanted}`);
  }
  assert.deepEqual(refused, []);
});
