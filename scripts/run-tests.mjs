// Runs every compiled test file (dist/test/**/*.test.js) under node's test runner, whose summary
// (# pass / # fail) ends the output. Extra arguments are passed to node --test.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testRoot = join(root, 'dist', 'test');

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return find(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const filter = process.env.PARLEY_TEST_FILTER;
const files = find(testRoot)
  .filter((file) => filter === undefined || file.includes(filter))
  .sort()
  .map((file) => relative(root, file));
if (files.length === 0) {
  console.error('no test files found under dist/test');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', ...process.argv.slice(2), ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
