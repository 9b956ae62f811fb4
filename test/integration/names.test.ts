// The name rule over real sockets: every class of invisible or blank-looking character is refused,
// by hello, by plain mode's ?nick= and in an external token's name, with an error that names the
// rule; names that look alike collide with an account by their skeleton. And text a client sends
// with a lone surrogate reaches live members exactly as history gives it back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { api, authConfig, handshake, register } from '../support/auth.js';
import { checkName, nameSkeleton } from '../../src/protocol/names.js';

const SECRET = 'an hs256 secret of at least thirty-two characters';
let server: TestServer;

before(async () => {
  server = await startTestServer({ auth: authConfig({ jwtSecret: SECRET }) });
});
after(async () => {
  await server.stop();
});

/** Each class of character the rule refuses, with a name that hides one, and words the message must contain. */
const REFUSED: Array<{ what: string; nick: string; rule: RegExp }> = [
  { what: 'zero-width space', nick: 'bo\u200Bb', rule: /invisible.*U\+200B/ },
  { what: 'zero-width joiner', nick: 'bob\u200D', rule: /invisible.*U\+200D/ },
  { what: 'word joiner', nick: '\u2060bob', rule: /invisible.*U\+2060/ },
  { what: 'byte order mark', nick: 'bob\uFEFF', rule: /invisible.*U\+FEFF/ },
  { what: 'right-to-left override', nick: 'bob\u202Egnp.exe', rule: /bidi.*U\+202E/ },
  { what: 'bidi isolate', nick: '\u2066bob\u2069', rule: /bidi.*U\+2066/ },
  { what: 'right-to-left mark', nick: 'bob\u200F', rule: /invisible.*U\+200F/ },
  { what: 'tag characters', nick: 'bob\u{E0041}\u{E007F}', rule: /tags.*U\+E0041/ },
  { what: 'soft hyphen', nick: 'b\u00ADob', rule: /soft hyphen.*U\+00AD/ },
  { what: 'Hangul filler', nick: '\u3164', rule: /look blank.*U\+3164/ },
  { what: 'Hangul choseong filler', nick: 'bob\u115F', rule: /look blank.*U\+115F/ },
  { what: 'Hangul jungseong filler', nick: 'bob\u1160', rule: /look blank.*U\+1160/ },
  { what: 'halfwidth Hangul filler', nick: '\uFFA0bob', rule: /look blank.*U\+FFA0/ },
  { what: 'Braille blank', nick: '\u2800\u2800', rule: /look blank.*U\+2800/ },
  { what: 'combining grapheme joiner', nick: 'bo\u034Fb', rule: /invisible.*U\+034F/ },
  { what: 'variation selector alone', nick: '\uFE0F', rule: /variation selector.*U\+FE0F/ },
  { what: 'variation selector after a space', nick: 'bob \uFE0F', rule: /variation selector/ },
  { what: 'supplementary variation selector alone', nick: '\u{E0100}', rule: /variation selector.*U\+E0100/ },
  { what: 'combining mark alone', nick: '\u0301', rule: /combining mark.*U\+0301/ },
  { what: 'combining mark after a space', nick: 'bob \u0308', rule: /combining mark.*U\+0308/ },
  { what: 'stacked combining marks', nick: `x${'\u0300\u0301\u0302\u0303\u0304'}`, rule: /at most 4 combining marks/ },
  { what: 'no-break space', nick: 'bob\u00A0smith', rule: /plain space.*U\+00A0/ },
  { what: 'ideographic space', nick: 'bob\u3000smith', rule: /plain space.*U\+3000/ },
  { what: 'line separator', nick: 'bob\u2028', rule: /plain space.*U\+2028/ },
  { what: 'two spaces', nick: 'bob  smith', rule: /one space/ },
  { what: 'private use', nick: 'bob\uE000', rule: /private-use.*U\+E000/ },
  { what: 'control character', nick: 'bob\u0007', rule: /control/ },
  { what: 'blank', nick: '   ', rule: /blank/ },
];

test('hello refuses a nick with each class of invisible or blank-looking character, naming the rule', async () => {
  for (const { what, nick, rule } of REFUSED) {
    const client = await TestClient.connect(server.wsUrl);
    const reply = await client.request('hello', { nick });
    assert.equal(reply['code'], 'bad_request', what);
    assert.equal(reply['field'], 'nick', what);
    assert.match(String(reply['message']), rule, what);
    // The refusal leaves the connection usable: a good nick is accepted next.
    await client.ok('hello', { nick: 'fine' });
    await client.close();
  }
});

test('plain mode refuses the same nicks at the handshake with 400', async () => {
  for (const { what, nick } of REFUSED) {
    const url = `${server.wsUrl}?nick=${encodeURIComponent(nick)}`;
    assert.equal(await handshake(url, {}, []), 400, what);
  }
  assert.equal(await handshake(`${server.wsUrl}?nick=${encodeURIComponent('Zoë 🚀')}`, {}, []), 'open');
});

test('an external token whose name hides an invisible character is refused', async () => {
  const token = await new SignJWT({ sub: 'ext-1', name: 'ad\u200Bmin' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
  const client = await TestClient.connect(server.wsUrl);
  const reply = await client.request('hello', { token });
  assert.equal(reply['code'], 'unauthorized');
  assert.match(String(reply['message']), /name invisible.*U\+200B/);
  await client.closed;
});

test('real names pass, in NFC: accents, emoji with variation selectors, skin tones, keycaps, ZWJ-free scripts', async () => {
  const cases: Array<[string, string]> = [
    ['Zoë 🚀', 'Zoë 🚀'],
    ['Zoe\u0308', 'Zoë'],
    ['\u2764\uFE0F', '\u2764\uFE0F'],
    ['👍🏽 ok', '👍🏽 ok'],
    ['1\uFE0F\u20E3', '1\uFE0F\u20E3'],
    ['  Ada Lovelace  ', 'Ada Lovelace'],
    ['عائشة', 'عائشة'],
    ['김민수', '김민수'],
    ['Дмитрий', 'Дмитрий'],
  ];
  for (const [nick, shown] of cases) {
    const client = await TestClient.connect(server.wsUrl);
    const hello = await client.ok('hello', { nick });
    assert.equal((hello['user'] as { name: string }).name, shown, JSON.stringify(nick));
    await client.close();
  }
});

test('a guest nick that folds to an account name is name_taken: case, full-width, compatibility forms', async () => {
  await register(server.url, 'bob');
  for (const nick of ['bob', 'BOB', 'Ｂｏｂ', 'ｂｏｂ', '\u{1D41B}\u{1D428}\u{1D41B}']) {
    const client = await TestClient.connect(server.wsUrl);
    const reply = await client.request('hello', { nick });
    assert.equal(reply['code'], 'name_taken', nick);
    await client.close();
  }
  assert.equal(nameSkeleton('Straße'), nameSkeleton('STRASSE'), 'case folding is full, not just lower-casing');
  // Usernames themselves stay ASCII; a full-width one is refused, and login folds case as before.
  assert.equal((await api(server.url, '/api/register', { username: 'Ｂｏｂ', password: 'long enough password' })).status, 400);
  assert.equal((await api(server.url, '/api/login', { username: 'BOB', password: 'correct horse battery' })).status, 200);
});

test('checkName is the one rule: idempotent on what it accepts', () => {
  for (const nick of ['Zoë 🚀', 'Zoe\u0308', '  x  ', '❤️']) {
    const first = checkName(nick);
    assert.ok(first.ok);
    assert.deepEqual(checkName(first.name), first);
  }
});

/** Raw text frames as they arrive, before any parsing. */
function rawFrames(client: TestClient): string[] {
  const frames: string[] = [];
  client.ws.on('message', (data: WebSocket.RawData) => frames.push((data as Buffer).toString()));
  return frames;
}

/** The JSON text of the `text` field in a raw frame, exactly as sent (escapes kept). */
function rawField(frame: string, field: string): string {
  const match = new RegExp(`"${field}":("(?:[^"\\\\]|\\\\.)*")`).exec(frame);
  assert.ok(match?.[1] !== undefined, `no ${field} in ${frame}`);
  return match[1];
}

/** Sends a request and resolves with the raw text of its reply. */
async function rawReply(client: TestClient, raw: string[], type: string, params: Record<string, unknown>): Promise<string> {
  const seen = raw.length;
  const reply = await client.ok(type, params);
  const frame = raw.slice(seen).find((f) => f.includes(`"id":${JSON.stringify(reply['id'])}`));
  assert.ok(frame !== undefined);
  return frame;
}

test('a lone surrogate in message text, edit, topic and nick: the live push and history agree byte for byte', async () => {
  const author = await TestClient.connect(server.wsUrl);
  author.sendRaw('{"id":"h","type":"hello","nick":"lone\\ud800"}');
  const hello = await author.next((f) => f['id'] === 'h', 'hello');
  assert.equal((hello['user'] as { name: string }).name, 'lone\uFFFD', 'the nick was made well-formed');
  author.sendRaw('{"id":"c","type":"create","room":"surrogates","topic":"topic \\udfff"}');
  await author.next((f) => f['id'] === 'c', 'create');

  const reader = await TestClient.guest(server.wsUrl, 'reader');
  const raw = rawFrames(reader);
  const joined = await reader.ok('join', { room: 'surrogates' });
  assert.equal(joined['topic'], 'topic \uFFFD');
  await author.ok('join', { room: 'surrogates' });

  const pushed = reader.next((f) => f.type === 'message', 'the push');
  author.sendRaw('{"id":"s","type":"send","room":"surrogates","text":"a\\udc00b \\ud83d\\ude00 c\\ud83d","cid":"lone-1"}');
  assert.equal((await author.next((f) => f['id'] === 's', 'send ack')).type, 'ok');
  const push = await pushed;
  assert.equal(push['text'], 'a\uFFFDb \u{1F600} c\uFFFD', 'lone halves became U+FFFD, the pair stayed');

  const pushFrame = raw.find((f) => f.includes('"type":"message"')) ?? '';
  let historyFrame = await rawReply(reader, raw, 'history', { room: 'surrogates' });
  // Byte for byte on the wire: push and history carry the same JSON text, no surrogate escape left.
  assert.equal(Buffer.compare(Buffer.from(rawField(pushFrame, 'text')), Buffer.from(rawField(historyFrame, 'text'))), 0, `${pushFrame}\n${historyFrame}`);
  assert.equal(rawField(pushFrame, 'text'), JSON.stringify('a\uFFFDb \u{1F600} c\uFFFD'));

  const edited = reader.next((f) => f.type === 'edit', 'the edit push');
  author.sendRaw(`{"id":"e","type":"edit","room":"surrogates","seq":${String(push['seq'])},"text":"edited \\udc01"}`);
  assert.equal((await author.next((f) => f['id'] === 'e', 'edit ack')).type, 'ok');
  await edited;
  const editFrame = raw.find((f) => f.includes('"type":"edit"')) ?? '';
  historyFrame = await rawReply(reader, raw, 'history', { room: 'surrogates' });
  assert.equal(Buffer.compare(Buffer.from(rawField(editFrame, 'text')), Buffer.from(rawField(historyFrame, 'text'))), 0, `${editFrame}\n${historyFrame}`);
  assert.equal(rawField(editFrame, 'text'), JSON.stringify('edited \uFFFD'));
  for (const frame of raw) assert.doesNotMatch(frame, /\\ud[89a-f]/i, frame);
  await author.close();
  await reader.close();
});
