// TLS: with PARLEY_TLS_CERT and PARLEY_TLS_KEY the one port serves https and wss, tested with a
// self-signed certificate made by openssl for this test (skipped loudly when openssl is missing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { PROTOCOL } from '../../src/protocol/messages.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { startTestServer } from '../support/server.js';

function selfSigned(dir: string): { cert: string; key: string } | undefined {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { encoding: 'utf8' },
  );
  if (made.error !== undefined || made.status !== 0) return undefined;
  return { cert, key };
}

function httpsGet(url: string, ca?: Buffer): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, ca === undefined ? {} : { ca }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
    })
      .on('error', reject)
      .end();
  });
}

test('https and wss on the same port with a self-signed certificate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
  try {
    const files = selfSigned(dir);
    if (files === undefined) {
      if (process.env['CI'] === 'true') assert.fail('openssl is needed for the TLS test');
      t.skip('SKIPPED: openssl is not available to make a test certificate');
      return;
    }
    const config = loadConfig([], { PARLEY_TLS_CERT: files.cert, PARLEY_TLS_KEY: files.key });
    const server = await startTestServer({ tlsCert: config.tlsCert, tlsKey: config.tlsKey });
    try {
      assert.match(server.url.replace(/^http:/, 'https:'), /^https:/);
      const ca = readFileSync(files.cert);
      const base = `https://127.0.0.1:${server.port}`;
      const health = await httpsGet(`${base}/healthz`, ca);
      assert.equal(health.status, 200);
      assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
      assert.match(String(health.headers['strict-transport-security']), /max-age=/);

      const ws = new WebSocket(`wss://127.0.0.1:${server.port}/ws`, PROTOCOL, { ca });
      const frames: Record<string, unknown>[] = [];
      ws.on('message', (data) => frames.push(JSON.parse((data as Buffer).toString()) as Record<string, unknown>));
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.send(JSON.stringify({ id: 1, type: 'hello', nick: 'secure' }));
      ws.send(JSON.stringify({ id: 2, type: 'join', room: 'tls' }));
      const deadline = Date.now() + 20_000; // generous: the machine is shared
      // Replies may come in any order: send only once the join is answered, so the message is live.
      while (!frames.some((f) => f['id'] === 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      ws.send(JSON.stringify({ id: 3, type: 'send', room: 'tls', text: 'over TLS', cid: 'c1' }));
      while (!frames.some((f) => f['type'] === 'message') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(frames.find((f) => f['id'] === 3)?.['seq'], 1, JSON.stringify(frames));
      assert.equal(frames.find((f) => f['type'] === 'message')?.['text'], 'over TLS', JSON.stringify(frames));
      ws.close();

      // Plain http on the TLS port gets no answer it could mistake for one.
      await assert.rejects(fetch(`http://127.0.0.1:${server.port}/healthz`).then((r) => r.text()));
      // A client that does not trust the certificate is refused by its own TLS check.
      await assert.rejects(httpsGet(`${base}/healthz`), /self-signed|certificate/i);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a certificate without a key (or the reverse) is refused at start', () => {
  assert.throws(() => loadConfig([], { PARLEY_TLS_CERT: '/etc/cert.pem' }), ConfigError);
  assert.throws(() => loadConfig([], { PARLEY_TLS_KEY: '/etc/key.pem' }), /go together/);
});
