// The import rule of docs/architecture.md, checked on the TypeScript sources: every relative import
// (type-only, re-exports and dynamic imports included) of every file under src/ points down the
// layers below, never up or sideways, so no two layers can form a cycle. A file that no layer names
// fails the test too: a new folder has to be placed before it can pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Lowest first. A unit imports only units of lower layers; units of one layer do not import each
 * other. A unit is a folder of src/server, or one of src/protocol, src/client, src/cli, or a name
 * for a group of the files directly in src/server (ROOT_FILES).
 */
const LAYERS: readonly (readonly string[])[] = [
  ['protocol'], // the public contract: imports nothing of ours
  // The SDK shares only protocol/ with the server; base: leaf helpers; wire: frames built once.
  ['client', 'base', 'wire'],
  ['limits', 'store', 'broker', 'presence'], // infrastructure with nothing of ours above protocol
  // metrics wraps Store and Broker (timed-*.ts); auth reads accounts from the Store; webhooks delivers the Store's outbox
  ['metrics', 'auth', 'webhooks'],
  ['hub'],
  ['chat'],
  ['docs'], // the shared Yjs documents: stores and relays their changes, asks chat for a room's rules
  ['session', 'console'], // console: the admin console's service, beside the sessions (neither imports the other)
  ['transport'],
  ['http'],
  ['composition'], // server.ts picks the implementations; config, backends, readiness-watch with it
  ['cli'],
];

/** The files directly in src/server, by unit. */
const ROOT_FILES: Readonly<Record<string, string>> = {
  'random-id.ts': 'base',
  'client-address.ts': 'base',
  'data-dir.ts': 'base',
  'listen-error.ts': 'base',
  'config.ts': 'composition',
  'backends.ts': 'composition',
  'readiness-watch.ts': 'composition',
  'server.ts': 'composition',
};

/**
 * Store, Broker and Presence are reached through the chat service (the only path that stores and
 * publishes) or the hub: a session, the transport or the HTTP routes never import them, even though
 * they sit higher. Only these units may.
 */
const BACKENDS = new Set(['store', 'broker', 'presence']);
const MAY_IMPORT_BACKENDS = new Set(['store', 'broker', 'presence', 'metrics', 'auth', 'webhooks', 'hub', 'chat', 'docs', 'console', 'composition']);

/**
 * Imports that break the rule today and are to be removed, each with why it is still there:
 * `from unit -> to unit`. Empty: keep it so, and never add to it without a reason and a plan.
 */
const ALLOWED: ReadonlySet<string> = new Set<string>([]);

const SERVER_UNITS = new Set(LAYERS.flat().filter((unit) => unit !== 'client' && unit !== 'cli' && unit !== 'protocol'));
const rank = new Map(LAYERS.flatMap((units, index) => units.map((unit) => [unit, index] as const)));

/** Why `from` may not import `to`, or undefined when it may. */
function refusal(from: string, to: string): string | undefined {
  if (from === to) return undefined;
  const fromRank = rank.get(from);
  const toRank = rank.get(to);
  if (fromRank === undefined || toRank === undefined) return `not in a layer: ${fromRank === undefined ? from : to}`;
  if (SERVER_UNITS.has(from) && to === 'client') return 'the server never imports the SDK';
  if (BACKENDS.has(to) && !MAY_IMPORT_BACKENDS.has(from)) return `${to} is reached through the chat service, not from ${from}`;
  if (toRank > fromRank) return `points up (${from} is layer ${fromRank}, ${to} layer ${toRank})`;
  if (toRank === fromRank) return `points sideways within layer ${fromRank}`;
  return undefined;
}

/** The unit of a file, from its path relative to src/ with '/' separators; undefined if unplaced. */
function unitOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] === 'protocol' || parts[0] === 'client' || parts[0] === 'cli') return parts[0];
  if (parts[0] !== 'server') return undefined;
  if (parts.length === 2) return ROOT_FILES[(parts[1] ?? '').replace(/\.test\.ts$/, '.ts')]; // a test beside a file is in its layer
  const folder = parts[1] ?? '';
  return rank.has(folder) ? folder : undefined;
}

/** The relative specifiers `source` imports or re-exports, type-only and dynamic ones included. */
function relativeSpecifiers(source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((file) => file.fileName)
    .filter((name) => name.startsWith('.'));
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// From dist/test/unit back to the checkout, to read the sources rather than the compiled output.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const srcDir = join(root, 'src');
const toSrcPath = (file: string): string => relative(srcDir, file).split(sep).join('/');

test('no import in src/ points up a layer or sideways, and every file has a layer', () => {
  const files = tsFiles(srcDir);
  const problems: string[] = [];
  let imports = 0;
  for (const file of files) {
    const from = toSrcPath(file);
    const fromUnit = unitOf(from);
    if (fromUnit === undefined) {
      problems.push(`${from}: in no layer (add its folder or file to LAYERS or ROOT_FILES)`);
      continue;
    }
    for (const specifier of relativeSpecifiers(readFileSync(file, 'utf8'))) {
      imports += 1;
      // Sources import the compiled name (x.js); the file read here is x.ts.
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      const to = toSrcPath(target);
      if (to.startsWith('..') || !existsSync(target)) {
        problems.push(`${from}: imports ${specifier}, which is no file under src/`);
        continue;
      }
      const toUnit = unitOf(to) ?? to;
      const why = refusal(fromUnit, toUnit);
      if (why !== undefined && !ALLOWED.has(`${fromUnit} -> ${toUnit}`)) problems.push(`${from} imports ${to}: ${why}`);
    }
  }
  // A wrong root would find nothing and pass: the sources have about 90 files and 400 imports.
  assert.ok(files.length > 50, `found only ${files.length} files under ${srcDir}`);
  assert.ok(imports > 200, `found only ${imports} relative imports`);
  assert.deepEqual(problems, []);
});

test('the rule refuses the imports that used to make transport, chat and hub a cycle', () => {
  // Each of these was in src/ before frames moved to wire/ and the store failure to chat/.
  assert.match(refusal('session', 'transport') ?? '', /points up/);
  assert.match(refusal('hub', 'transport') ?? '', /points up/);
  assert.match(refusal('session', 'store') ?? '', /through the chat service/);
  assert.match(refusal('http', 'composition') ?? '', /points up/);
  assert.match(refusal('client', 'session') ?? '', /points up/);
  assert.match(refusal('client', 'base') ?? '', /sideways/);
  assert.match(refusal('chat', 'client') ?? '', /never imports the SDK/);
  assert.equal(refusal('hub', 'wire'), undefined);
  assert.equal(refusal('session', 'chat'), undefined);
  assert.equal(refusal('cli', 'client'), undefined);
  assert.equal(unitOf('server/new-folder/x.ts'), undefined);
  assert.equal(unitOf('server/new-root-file.ts'), undefined);
});

test('imports are found however they are written', () => {
  const source = [
    "import {\n  a,\n  type B,\n} from './multi-line.js';",
    "import type { C } from '../type-only.js';",
    "export * from './re-export.js';",
    "export { d } from './named-re-export.js';",
    "import './side-effect.js';",
    "const e = await import('./dynamic.js');",
    "// import f from './in-a-comment.js';",
    "import { g } from 'node:fs';",
  ].join('\n');
  assert.deepEqual(relativeSpecifiers(source), [
    './multi-line.js',
    '../type-only.js',
    './re-export.js',
    './named-re-export.js',
    './side-effect.js',
    './dynamic.js',
  ]);
});
