// The two lists of error codes: the server's (src/protocol/errors.ts, what an error reply or an HTTP
// error body can carry) and the SDK's own (src/client/errors.ts, what it raises without the server).
// Every server code is documented in docs/protocol.md's tables, and the SDK's own codes can never be
// mistaken for the server's: the lists are disjoint, and `fromServer` is set by where the error
// came from, not guessed from its code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ClientErrorCode, MirroredErrorCodes, RequestError } from '../../src/client/errors.js';

const protocolDoc = readFileSync(fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url)), 'utf8');

/** The table rows (lines starting with `|`) of the section under `heading`, up to the next `## `. */
function tableRows(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/protocol.md has a "${heading}" section`);
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(/^## /m);
  return (end < 0 ? rest : rest.slice(0, end)).split('\n').filter((line) => line.startsWith('|'));
}

const serverCodes: string[] = Object.values(ErrorCode);
const rules = tableRows(protocolDoc, '## Rules and errors');
const limits = tableRows(protocolDoc, '## Limits');

test('every code the server can send is in docs/protocol.md, in the rules-and-errors or the limits table', () => {
  assert.ok(rules.length > 20 && limits.length > 20, `found the tables (${rules.length} and ${limits.length} rows)`);
  const documented = new Set([...rules, ...limits].flatMap((row) => [...row.matchAll(/`([a-z_]+)`/g)].map((m) => m[1])));
  const missing = serverCodes.filter((code) => !documented.has(code));
  assert.deepEqual(missing, [], `codes of ErrorCode that docs/protocol.md does not list: ${missing.join(', ')}`);
});

test('every "error `code`" the rules table names is a code the server has', () => {
  const named = rules.flatMap((row) => [...row.matchAll(/error `([a-z_]+)`/g)].map((m) => m[1] ?? ''));
  assert.ok(named.length > 20, `the table names codes (${named.length})`);
  const unknown = named.filter((code) => !serverCodes.includes(code));
  assert.deepEqual(unknown, [], `documented but not in ErrorCode: ${unknown.join(', ')}`);
});

test("the SDK's own codes and the server's do not overlap; the server codes the SDK mirrors are the server's", () => {
  const own: string[] = Object.values(ClientErrorCode);
  assert.ok(own.length >= 6, 'the SDK lists its codes');
  assert.equal(new Set(own).size, own.length, 'no code twice in the SDK list');
  assert.equal(new Set(serverCodes).size, serverCodes.length, 'no code twice in the server list');
  assert.deepEqual(
    own.filter((code) => serverCodes.includes(code)),
    [],
    'an SDK code is also a server code',
  );
  for (const code of MirroredErrorCodes) assert.ok(serverCodes.includes(code), `mirrored ${code} is a server code`);
});

test('fromServer (and refused) come from where the error was made, not from its code', () => {
  const reply = RequestError.fromReply({ code: ErrorCode.NotMember, message: 'join first', field: 'room' });
  assert.equal(reply.fromServer, true);
  assert.equal(reply.refused, true);
  assert.equal(reply.name, 'RequestError');
  assert.equal(reply.field, 'room');
  // The same code raised by the SDK (a send before join) is not the server's.
  const mirrored = new RequestError('not_member', 'join first', 'room');
  assert.equal(mirrored.code, reply.code);
  assert.equal(mirrored.fromServer, false);
  assert.equal(mirrored.refused, false);
  for (const code of Object.values(ClientErrorCode)) {
    const own = new RequestError(code, code);
    assert.equal(own.fromServer, false, code);
    assert.equal(own.refused, false, code);
  }
});
