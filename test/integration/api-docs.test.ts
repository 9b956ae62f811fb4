// docs/api.md shows a curl example of every endpoint the server's OpenAPI document lists: the
// server API's under `P=…/api/v1`, the admin console's under `P=…/api/v1/admin`. An endpoint
// added without an example fails here with its method and path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../support/server.js';

const API_MD = fileURLToPath(new URL('../../../docs/api.md', import.meta.url));
const ADMIN_HEADING = '# Admin console (`/api/v1/admin`)';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

interface Curl {
  method: string;
  /** What follows `$P` up to the query or the end of the URL. */
  path: string;
}

/** The curl commands of a part of the page that call `$P/…`, continuation lines joined. */
function curls(markdown: string): Curl[] {
  const commands = markdown.replace(/\\\n\s*/g, ' ').split('\n');
  const found: Curl[] = [];
  for (const line of commands) {
    if (!/\bcurl\b/.test(line)) continue;
    const url = /"?\$P(\/[^\s"?]*)/.exec(line);
    if (url?.[1] === undefined) continue;
    const explicit = /\s-X\s+([A-Z]+)/.exec(line)?.[1];
    const method = explicit ?? (/\s-(d|F)\s/.test(line) ? 'POST' : 'GET');
    found.push({ method, path: url[1] });
  }
  return found;
}

/** `/rooms/{room}/bans/{user}` as a pattern for a path with example values in it. */
function pattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

test('docs/api.md has a curl example for every endpoint in /api/v1/openapi.json', async () => {
  const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const page = readFileSync(API_MD, 'utf8');
  const split = page.indexOf(ADMIN_HEADING);
  assert.ok(split > 0, `docs/api.md has the heading ${ADMIN_HEADING}`);
  const serverApi = curls(page.slice(0, split));
  const admin = curls(page.slice(split));
  const missing: string[] = [];
  let endpoints = 0;
  for (const [template, operations] of Object.entries(document.paths)) {
    const isAdmin = template.startsWith('/admin/');
    const examples = isAdmin ? admin : serverApi;
    const wanted = pattern(isAdmin ? template.slice('/admin'.length) : template);
    for (const method of Object.keys(operations).map((name) => name.toUpperCase())) {
      endpoints++;
      if (!examples.some((curl) => curl.method === method && wanted.test(curl.path))) missing.push(`${method} ${template}`);
    }
  }
  assert.ok(endpoints > 40, `the document lists the endpoints (${endpoints})`);
  assert.deepEqual(missing, [], 'endpoints without a curl example in docs/api.md');
});
