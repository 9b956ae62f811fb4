// Runs every compiled test file (dist/test/**/*.test.js) under node's test runner, whose summary
// (# pass / # fail) ends the output of each group (stress tests run last, alone). Extra arguments
// are passed to node --test.
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
// Stress tests (thousands of clients) run after the others, alone: next to them every other test
// would be starved of CPU on a small machine.
const isStress = (file) => file.includes(`${join('test', 'stress')}/`);
const groups = [
  { files: files.filter((file) => !isStress(file)), concurrency: 2 },
  { files: files.filter(isStress), concurrency: 1 },
].filter((group) => group.files.length > 0);
let status = 0;
for (const group of groups) {
  const result = spawnSync(
    process.execPath,
    ['--test', '--test-reporter=spec', `--test-concurrency=${group.concurrency}`, ...process.argv.slice(2), ...group.files],
    { stdio: 'inherit', cwd: root },
  );
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
