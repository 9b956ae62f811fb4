// The SDK imported the way docs/sdk.md says, by the package's name, from a project that has Parley
// in its node_modules: the import in the guide's first example resolves (package.json `exports`),
// chats against a real server, and type-checks under strict NodeNext settings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '../support/server.js';

const run = promisify(execFile);
const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const guide = readFileSync(join(projectRoot, 'docs', 'sdk.md'), 'utf8');
/** The module the guide's first example imports from. */
const documented = /```ts\n[^`]*?from '([^']+)'/.exec(guide)?.[1] ?? '';

let server: TestServer;
let app: string;
before(async () => {
  server = await startTestServer();
  // An app of its own, with Parley installed as node_modules/parley (a link to this checkout).
  app = mkdtempSync(join(tmpdir(), 'parley-app-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(projectRoot, join(app, 'node_modules', 'parley'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-app', type: 'module', private: true }));
});
after(async () => {
  await server.stop();
});

test('the guide imports the Node SDK by the package name', () => {
  assert.equal(documented, 'parley/client/node');
});

test('the documented import resolves from an app and chats with a server', async () => {
  writeFileSync(
    join(app, 'chat.mjs'),
    `import { connect, login } from '${documented}';
const client = await connect(process.argv[2], { nick: 'packaged' });
await client.join('package-room');
const ack = await client.send('package-room', 'imported by name');
console.log(JSON.stringify({ seq: ack.seq, user: client.user.name, login: typeof login }));
client.close();
`,
  );
  const { stdout } = await run(process.execPath, [join(app, 'chat.mjs'), server.wsUrl], { cwd: app });
  assert.deepEqual(JSON.parse(stdout), { seq: 1, user: 'packaged', login: 'function' });
});

test('parley/client (browsers) resolves too; the server is not part of the package API', async () => {
  const { stdout } = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const sdk = await import('parley/client'); console.log(typeof sdk.createClient, typeof sdk.ClientErrorCode);
try { await import('parley/dist/src/server/server.js'); console.log('server exported'); } catch (error) { console.log(error.code); }`,
    ],
    { cwd: app },
  );
  assert.deepEqual(stdout.trim().split('\n'), ['function object', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);
});

test('an app written in TypeScript type-checks against the SDK by the package name', async () => {
  writeFileSync(
    join(app, 'chat.ts'),
    `import { connect, type ChatMessage, type RequestError } from '${documented}';
const client = await connect('ws://localhost:8080/ws', { nick: 'ada' });
client.on('message', (m: ChatMessage) => console.log(m.from.name, m.text));
export const failed = (error: RequestError): boolean => error.code === 'timeout';
`,
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['chat.ts'],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const checked = await run(process.execPath, [tsc, '-p', app], { cwd: app }).then(
    () => '',
    (error: { stdout?: string; message?: string }) => error.stdout ?? error.message ?? 'tsc failed',
  );
  assert.equal(checked, '', 'tsc reported errors');
  // A misspelt error code does not compile: the types really came from the package.
  writeFileSync(
    join(app, 'chat.ts'),
    `import type { RequestError } from '${documented}';\nexport const f = (e: RequestError): boolean => e.code === 'timout';\n`,
  );
  const wrong = await run(process.execPath, [tsc, '-p', app], { cwd: app }).then(
    () => '',
    (error: { stdout?: string }) => error.stdout ?? '',
  );
  assert.match(wrong, /TS2367/);
});
