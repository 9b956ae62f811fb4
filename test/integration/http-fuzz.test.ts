// Property-based fuzzing of the HTTP side with fast-check, against a real server process: random
// methods, paths (the API, the ops endpoints, static files, traversal attempts), headers and bodies
// (JSON, almost-JSON, bytes, too large), sent with node's HTTP client and as raw bytes on a socket.
// Properties: every reply is a well-formed HTTP response with a 2xx or 4xx status (or 304 to a
// conditional GET; never 5xx), it
// comes (no hang), the process never crashes (same pid), and an honest client still chats after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { killAllServers, spawnServer, type ServerProcess } from '../support/process.js';
import { TestClient } from '../support/client.js';

let server: ServerProcess;
let pid: number | undefined;
before(async () => {
  server = await spawnServer();
  pid = server.child.pid;
});
after(() => killAllServers());

/** Long enough for any honest answer on a loaded machine; a reply later than this is a hang. */
const REPLY_MS = 15_000;

const PATHS = [
  '/api/register',
  '/api/login',
  '/api/logout',
  '/healthz',
  '/readyz',
  '/metrics',
  '/',
  '/index.html',
  '/favicon.ico',
  '/assets/index.js',
  '/api',
  '/api/',
  '/api/register/',
  '//api/login',
  '/API/LOGIN',
  '/api/login?x=1&x=2',
  '/../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/..%2f..%2fetc%2fpasswd',
  '/%00',
  '/%ZZ',
  '/api/%ff%fe',
  '/index.html%00.js',
  '/ws',
  '/metrics/../readyz',
];
const URL_CHARS = [..."abcz019/%.?&=-_~+;:@!$'()*,"];
const pathArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PATHS) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...PATHS), fc.string({ unit: fc.constantFrom(...URL_CHARS), maxLength: 40 })).map(([p, s]) => p + s),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }).map((bytes) => `/${[...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`) },
);
const methodArb = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'FOO');
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const TOKEN_CHARS = [...'abcdefghijklmnopqrstuvwxyz0123456789-_'];
// Headers the HTTP client owns (framing) are left to it: a lying Content-Length makes any server wait.
const OWNED = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive']);
const headersArb = fc
  .record(
    {
      'content-type': fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=utf-16',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/jsonx',
        ';;;',
        '*/*',
        'application/vnd.api+json',
      ),
      authorization: fc.oneof(
        fc.constant('Bearer pst_x'),
        printable.map((v) => `Bearer ${v}`),
        printable,
      ),
      origin: fc.constantFrom('http://evil.example', 'null', 'http://127.0.0.1', 'file://'),
      accept: fc.constantFrom('*/*', 'text/html', 'application/json', 'application/openmetrics-text'),
      cookie: printable,
      'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1', 'garbage', '1.2.3.4, 5.6.7.8'),
      'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', 'deflate, gzip;q=0', '*'),
      range: fc.constantFrom('bytes=0-10', 'bytes=-5', 'bytes=10-1', 'bytes=x', 'bytes=0-0,1-1,2-2'),
      'if-none-match': printable,
      'if-modified-since': fc.constantFrom('Thu, 01 Jan 1970 00:00:00 GMT', 'garbage', 'Fri, 31 Dec 9999 23:59:59 GMT'),
    },
    { requiredKeys: [] },
  )
  .chain((known) =>
    fc.dictionary(fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 }), printable, { maxKeys: 4 }).map((extra) => {
      const headers: Record<string, string> = { ...known };
      for (const [name, value] of Object.entries(extra)) if (!OWNED.has(name)) headers[`x-${name}`] = value;
      return headers;
    }),
  );
const credentials = fc.record(
  {
    username: fc.oneof(fc.stringMatching(/^[a-z0-9_.-]{3,12}$/), fc.string({ maxLength: 40 }), fc.constant('Ｂｏｂ')),
    password: fc.oneof(fc.string({ minLength: 8, maxLength: 30 }), fc.string({ maxLength: 300 }), fc.constant('\ud800\udfff\ud800 lone')),
  },
  { requiredKeys: [] },
);
const bodyArb: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(credentials, fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }), fc.boolean())
      .map(([c, extra, exact]) => Buffer.from(JSON.stringify(exact ? c : { ...extra, ...c }))),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v))) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('{"username":', '{"__proto__":{"x":1},"username":"abc","password":"12345678"}', '[]', 'null', '{"a":'.repeat(500))
      .map((s) => Buffer.from(s)),
  },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(1_100_000, 0x7b)) },
);

/** A request that is well-formed for the API, or nearly: so that the fuzzer gets past the schema to argon2 and the store. */
const apiCallArb: fc.Arbitrary<[string, string, Record<string, string>, Buffer | undefined]> = fc
  .tuple(fc.constantFrom('/api/register', '/api/login'), credentials, fc.constantFrom('application/json', 'application/json; charset=utf-8'))
  .map(([path, body, type]) => ['POST', path, { 'content-type': type }, Buffer.from(JSON.stringify(body))]);
const requestArb = fc.oneof({ weight: 3, arbitrary: fc.tuple(methodArb, pathArb, headersArb, bodyArb) }, { weight: 1, arbitrary: apiCallArb });

interface Answer {
  status: number;
  /** The raw status line and headers parsed by node's client: it refuses anything malformed. */
  headers: Record<string, string | string[] | undefined>;
}

function send(method: string, path: string, headers: Record<string, string>, body: Buffer | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Framed explicitly: node's client frames no body for DELETE, OPTIONS or TRACE, so the bytes
    // would reach the server as the start of a second (malformed) request on the same connection.
    const framed = body === undefined ? headers : { ...headers, 'content-length': String(body.length) };
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: framed, agent: false }, (response) => {
      response.resume();
      response.once('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
      response.once('error', reject);
    });
    req.setTimeout(REPLY_MS, () => req.destroy(new Error(`no reply within ${REPLY_MS} ms: ${method} ${path}`)));
    req.once('error', reject);
    req.end(body);
  });
}

test('random requests to the API, ops endpoints and static paths always get a 2xx, 304 or 4xx reply', async (t) => {
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: 4 }), async (batch) => {
      // A few at once: concurrency is where half-finished state shows.
      const answers = await Promise.all(
        batch.map(([method, path, headers, body]) => send(method, path, headers, method === 'GET' || method === 'HEAD' ? undefined : body)),
      );
      answers.forEach((answer, i) => {
        seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
        const [method, path] = batch[i] ?? [];
        // 304 is the right answer to a conditional GET of a static file (If-Modified-Since, If-None-Match).
        const fine = (answer.status >= 200 && answer.status < 300) || answer.status === 304 || (answer.status >= 400 && answer.status < 500);
        assert.ok(fine, `${method} ${path} answered ${answer.status}`);
      });
    }),
    { numRuns: 250 },
  );
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
  // The fuzzer reached the interesting answers, not only 404s.
  for (const status of [200, 201, 400, 401, 404]) assert.ok((seen.get(status) ?? 0) > 0, `saw ${status}: ${JSON.stringify([...seen])}`);
});

/** Writes raw bytes, half-closes, and collects what comes back until the server closes. */
function raw(bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw request not answered or closed within ${REPLY_MS} ms: ${JSON.stringify(bytes.toString('latin1').slice(0, 120))}`));
    }, REPLY_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.end(bytes);
  });
}

const lineArb = fc.oneof(
  fc
    .tuple(
      fc.oneof(methodArb, fc.constantFrom('CONNECT', 'PRI', 'get', '')),
      pathArb,
      fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'http/1.1', ''),
    )
    .map(([m, p, v]) => `${m} ${p} ${v}`),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
);
const rawHeaderArb = fc.array(
  fc.oneof(
    fc.constantFrom(
      'Host: x',
      'Content-Length: 5',
      'Content-Length: -1',
      'Content-Length: 1, 2',
      'Transfer-Encoding: chunked',
      'Transfer-Encoding: gzip, chunked',
      'Content-Type: application/json',
      'Connection: upgrade',
      'Upgrade: websocket',
      'Expect: 100-continue',
      ' folded: line',
      ': empty name',
      'X: \u0000',
    ),
    fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  ),
  { maxLength: 6 },
);

test('raw bytes on a socket: the server answers 4xx or 2xx, or just closes, and never hangs', async (t) => {
  const seen = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(lineArb, fc.boolean(), rawHeaderArb, fc.string({ unit: 'binary-ascii', maxLength: 80 }), async (line, host, headers, body) => {
      const head = host ? ['Host: 127.0.0.1', ...headers] : headers;
      // `Expect: 100-continue` is answered with an interim 100 first (as HTTP/1.1 says); the final
      // response is what follows it.
      const answer = (await raw(Buffer.from(`${line}\r\n${head.join('\r\n')}\r\n\r\n${body}`, 'latin1'))).replace(
        /^(HTTP\/1\.[01] 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/,
        '',
      );
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(answer)?.[1];
      seen.set(status ?? (answer === '' ? 'closed' : 'other'), (seen.get(status ?? (answer === '' ? 'closed' : 'other')) ?? 0) + 1);
      if (answer === '') return;
      assert.ok(status !== undefined, `not an HTTP response: ${JSON.stringify(answer.slice(0, 80))}`);
      const code = Number(status);
      assert.ok((code >= 200 && code < 300) || (code >= 400 && code < 500), `answered ${code}: ${JSON.stringify(line)}`);
    }),
    // Random lines and headers are mostly malformed (400); these well-formed requests always run
    // too, so that the routes behind the parser are reached whatever the seed.
    {
      numRuns: 200,
      examples: [
        ['GET /healthz HTTP/1.1', true, [], ''],
        ['POST /api/login HTTP/1.1', true, ['Content-Type: application/json', 'Content-Length: 2'], '{}'],
        ['GET /no-such-page HTTP/1.0', false, [], ''],
      ],
    },
  );
  t.diagnostic(`answers: ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
  assert.ok((seen.get('400') ?? 0) > 0 && [...seen.keys()].some((k) => k.startsWith('2') || k === '404'), 'reached both the parser and the routes');
});

test('after the fuzzing: the same process answers, nothing failed inside, and an honest client chats', async () => {
  assert.equal(server.child.exitCode, null);
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { pid: number };
  assert.equal(ready.pid, pid, 'same pid');
  const honest = await TestClient.guest(server.wsUrl, 'honest');
  await honest.ok('join', { room: 'after-http-fuzz' });
  const echoed = honest.next((f) => f.type === 'message' && f['text'] === 'still here', 'own message');
  await honest.ok('send', { room: 'after-http-fuzz', text: 'still here', cid: 'alive' });
  await echoed;
  await honest.close();
  // The reply above is the barrier: every error the fuzzing caused would have been logged by now.
  const errors = server.lines.filter((line) => /"level":(50|60)/.test(line));
  assert.deepEqual(errors, [], 'no error was logged');
});
