// Runs every compiled test file (dist/test/**/*.test.js, and unit tests beside the code they test,
// dist/src/**/*.test.js) under node's test runner, whose summary
// (# pass / # fail) ends the output of each group (stress tests run last, alone); a last line
// `N passed, N failed, N skipped` counts every group. Extra arguments are passed to node --test.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testRoots = [join(root, 'dist', 'test'), join(root, 'dist', 'src')];

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return find(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const filter = process.env.PARLEY_TEST_FILTER;
const files = testRoots
  .flatMap((dir) => (existsSync(dir) ? find(dir) : []))
  .filter((file) => filter === undefined || file.includes(filter))
  .sort()
  .map((file) => relative(root, file));
if (files.length === 0) {
  console.error('no test files found under dist/test or dist/src');
  process.exit(1);
}
// Stress tests (thousands of clients) run after the others, alone: next to them every other test
// would be starved of CPU on a small machine.
const isStress = (file) => file.includes(`${join('test', 'stress')}/`);
const groups = [
  { files: files.filter((file) => !isStress(file)), concurrency: 2 },
  { files: files.filter(isStress), concurrency: 1 },
].filter((group) => group.files.length > 0);
// Each group also writes a TAP summary to a file, so the run can end with one line for all groups.
const summaryDir = mkdtempSync(join(tmpdir(), 'parley-tests-'));
const totals = { pass: 0, fail: 0, skipped: 0 };
let status = 0;
groups.forEach((group, index) => {
  const tapFile = join(summaryDir, `group-${index}.tap`);
  const result = spawnSync(
    process.execPath,
    [
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      `--test-concurrency=${group.concurrency}`,
      ...process.argv.slice(2),
      ...group.files,
    ],
    { stdio: 'inherit', cwd: root },
  );
  if (result.status !== 0) status = result.status ?? 1;
  const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
  for (const key of Object.keys(totals)) {
    const match = new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap);
    totals[key] += match ? Number(match[1]) : 0;
  }
});
rmSync(summaryDir, { recursive: true, force: true });
if (status !== 0 && totals.fail === 0) totals.fail = 1; // a group that crashed before reporting
console.log(`${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exit(status);
