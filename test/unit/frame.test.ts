// textFrame must produce frames any RFC 6455 client parses: checked with the ws library's own
// receiver across every length encoding (7-bit, 16-bit and 64-bit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { textFrame, textFrameLength } from '../../src/server/wire/frame.js';

// @types/ws does not declare the Receiver class; its runtime API is a Writable that emits 'message'.
interface ReceiverLike {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(chunk: Buffer): boolean;
}
const require = createRequire(import.meta.url);
const Receiver = (require('ws') as { Receiver: new (options: { isServer: boolean }) => ReceiverLike }).Receiver;

test('frames of every length class round-trip through a WebSocket receiver', () => {
  const receiver = new Receiver({ isServer: false });
  const received: string[] = [];
  receiver.on('message', (data, isBinary) => {
    assert.equal(isBinary, false);
    received.push(data.toString());
  });
  receiver.on('error', (error) => assert.fail(error));
  const texts = [0, 1, 125, 126, 127, 65535, 65536, 200_000].map((n) => 'é'.repeat(Math.floor(n / 4)) + 'x'.repeat(n - 2 * Math.floor(n / 4)));
  for (const text of texts) assert.equal(textFrame(text).length - Buffer.byteLength(text) <= 10, true);
  for (const text of texts) assert.equal(textFrameLength(text), textFrame(text).length, 'textFrameLength is what textFrame takes');
  receiver.write(Buffer.concat(texts.map(textFrame)));
  assert.deepEqual(received, texts);
});

test('the header is FIN + text opcode, unmasked', () => {
  const frame = textFrame('hi');
  assert.deepEqual([...frame], [0x81, 2, 0x68, 0x69]);
});
