// The raw frame layer, fuzzed: after a real upgrade, fast-check writes random bytes, or sequences of
// random frame headers (any FIN/RSV/opcode, lengths in 7/16/64-bit forms, masked or not, honest or
// lying lengths) with random payloads, in random chunking, then closes or resets. The server must
// stay the same process, answer GET /healthz, and let an honest pair chat.
import { test, before, after } from 'node:test';
import fc from 'fast-check';
import type { Socket } from 'node:net';
import { spawnServer, killAllServers, type ServerProcess } from '../support/process.js';
import { rawUpgrade } from '../support/raw-ws.js';
import { assertAlive } from './alive.js';

let server: ServerProcess;
let pid: number;
before(async () => {
  server = await spawnServer({ env: { PARLEY_LOG_LEVEL: 'warn', PARLEY_MAX_FRAGMENTS: '8' } });
  pid = server.child.pid ?? 0;
});
after(() => killAllServers());

const headerOf = fc
  .record({
    fin: fc.boolean(),
    rsv: fc.integer({ min: 0, max: 7 }),
    opcode: fc.oneof(fc.constantFrom(0, 1, 2, 8, 9, 10), fc.integer({ min: 0, max: 15 })),
    masked: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    payload: fc.uint8Array({ maxLength: 300 }),
    lengthForm: fc.constantFrom('honest', '16', '64', 'huge', 'short'),
  })
  .map(({ fin, rsv, opcode, masked, payload, lengthForm }) => {
    const bytes = Buffer.from(payload);
    const first = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
    const maskBit = masked ? 0x80 : 0;
    let lengthBytes: Buffer;
    if (lengthForm === 'honest' && bytes.length < 126) lengthBytes = Buffer.from([maskBit | bytes.length]);
    else if (lengthForm === 'huge') lengthBytes = Buffer.from([maskBit | 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    else if (lengthForm === 'short') lengthBytes = Buffer.from([maskBit | Math.min(125, bytes.length + 7)]);
    else if (lengthForm === '64') {
      lengthBytes = Buffer.alloc(9);
      lengthBytes[0] = maskBit | 127;
      lengthBytes.writeBigUInt64BE(BigInt(bytes.length), 1);
    } else {
      lengthBytes = Buffer.alloc(3);
      lengthBytes[0] = maskBit | 126;
      lengthBytes.writeUInt16BE(bytes.length, 1);
    }
    return Buffer.concat([Buffer.from([first]), lengthBytes, masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0), bytes]);
  });

const stream = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
  fc.array(headerOf, { minLength: 1, maxLength: 12 }).map((frames) => Buffer.concat(frames)),
);

const closed = (socket: Socket): Promise<void> => new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

test('random bytes and random frame headers after an upgrade never take the server down', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(stream, fc.integer({ min: 1, max: 64 }), fc.boolean(), async (bytes, chunk, reset) => {
      const { socket } = await rawUpgrade(server.port);
      for (let at = 0; at < bytes.length; at += chunk) socket.write(bytes.subarray(at, at + chunk));
      if (reset) socket.resetAndDestroy();
      else socket.end();
      if (!reset) setTimeout(() => socket.destroy(), 200).unref();
      await closed(socket);
      if (++run % 50 === 0) await assertAlive(server, pid, `frame-fuzz-${run}`);
    }),
    { numRuns: 300 },
  );
  await assertAlive(server, pid, 'frame-fuzz');
});
