#!/usr/bin/env node
// `node bench/uploads.mjs` (after `npm run build`): N clients (20 by default) each upload one file
// of 25 MB (PARLEY_FILE_MAX_BYTES' default is 25 MiB) to one Parley process at the same time, over
// POST /api/files. Reports the aggregate throughput and the server's RSS (sampled from /proc every
// 50 ms) before, at its peak and after: uploads stream to disk, so the peak should stay far below
// N × 25 MB. The files are random bytes (not images: no decoding), generated as they are sent, so
// the load generator holds no file whole either.
//
//   node bench/uploads.mjs [--clients 20] [--mb 25] [--pg]
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import pg from 'pg';
import { targets, pinSelf } from './lib/targets.mjs';

const { values: options } = parseArgs({
  options: { clients: { type: 'string', default: '20' }, mb: { type: 'string', default: '25' }, pg: { type: 'boolean', default: false } },
});
const CLIENTS = Number(options.clients);
const BYTES = Number(options.mb) * 1_000_000;
const CHUNK = 64 * 1024;

function rssMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

/** A guest's resume token: the bearer of the files API. */
function guestToken(port, nick) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'parley.v1');
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, type: 'hello', nick })));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.id === 1) resolve({ ws, token: frame.resume });
    });
  });
}

/** One multipart upload of `bytes` random bytes, written in 64 KiB chunks as the socket drains. */
function upload(port, token, bytes) {
  const boundary = `bench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="load.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = randomBytes(CHUNK);
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/api/files',
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': head.length + bytes + tail.length,
      },
    });
    req.on('response', (response) => {
      let body = '';
      response.on('data', (d) => (body += d));
      response.on('end', () => (response.statusCode === 201 ? resolve(JSON.parse(body)) : reject(new Error(`${response.statusCode} ${body}`))));
    });
    req.on('error', reject);
    req.write(head);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const size = Math.min(CHUNK, bytes - sent);
        // Each chunk differs (its first bytes are the offset), so no two uploads are the same file.
        const piece = Buffer.from(chunk.subarray(0, size));
        piece.writeUInt32BE(sent >>> 0, 0);
        piece.write(token.slice(0, 8), 4);
        sent += size;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end(tail);
    };
    pump();
  });
}

async function main() {
  pinSelf(1);
  const env = options.pg
    ? {
        PARLEY_STORE: 'postgres',
        DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        PARLEY_PG_SCHEMA: `bench_uploads_${process.pid}`,
      }
    : {};
  const server = await targets.parley.start([], env);
  try {
    const guests = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => guestToken(server.port, `up${i}`)));
    const before = rssMiB(server.pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(server.pid))), 50);
    const start = performance.now();
    const done = await Promise.all(guests.map((guest) => upload(server.port, guest.token, BYTES)));
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    const after = rssMiB(server.pid);
    const total = (CLIENTS * BYTES) / 1_000_000;
    console.log(`| clients | MB each | store | total MB | seconds | MB/s | RSS before | RSS peak | RSS after |`);
    console.log(`|---|---|---|---|---|---|---|---|---|`);
    console.log(
      `| ${CLIENTS} | ${BYTES / 1_000_000} | ${options.pg ? 'postgres' : 'sqlite + data dir'} | ${total} | ${seconds.toFixed(1)} | ${(total / seconds).toFixed(0)} | ${before.toFixed(0)} MiB | ${peak.toFixed(0)} MiB | ${after.toFixed(0)} MiB |`,
    );
    if (done.length !== CLIENTS || done.some((file) => file.size !== BYTES)) throw new Error('an upload came back wrong');
    for (const guest of guests) guest.ws.close();
  } finally {
    await server.stop();
    if (options.pg) await dropSchema(env.DATABASE_URL, env.PARLEY_PG_SCHEMA);
  }
}

async function dropSchema(url, schema) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

await main();
