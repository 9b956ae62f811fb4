// OutgoingPush: serialized once per wire form, framed once per transport and form, whatever the
// number of recipients; a second transport frames the same push its own way beside the first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessagePush, Push } from '../../protocol/messages.js';
import { textFrame } from '../wire/frame.js';
import { Framing, OutgoingPush } from './outgoing.js';

const message: MessagePush = {
  type: 'message',
  room: 'lobby',
  seq: 7,
  msgId: 'm7',
  cid: 'c7',
  from: { id: 'u_ada', name: 'ada' },
  text: 'hello',
  ts: 1,
};

/** Counts its calls, to show each push is framed once per form. */
function counting(frame: (text: string) => Buffer): { framing: Framing; calls: () => number } {
  let calls = 0;
  const framing = new Framing((text) => {
    calls++;
    return frame(text);
  });
  return { framing, calls: () => calls };
}

test('every recipient gets the same Buffer: each form is framed on first use and never again', () => {
  const ws = counting(textFrame);
  const outgoing = new OutgoingPush(message);
  const first = outgoing.framed(ws.framing, 'protocol');
  for (let i = 0; i < 1000; i++) assert.equal(outgoing.framed(ws.framing, 'protocol'), first);
  assert.deepEqual(first, textFrame(JSON.stringify(message)));
  const plain = outgoing.framed(ws.framing, 'plain');
  assert.equal(outgoing.framed(ws.framing, 'plain'), plain);
  assert.deepEqual(plain, textFrame('ada: hello'));
  assert.equal(ws.calls(), 2);
});

test('a second transport frames the same push its own way, once, without disturbing the first', () => {
  const ws = counting(textFrame);
  const sse = counting((text) => Buffer.from(`data: ${text}\n\n`));
  const outgoing = new OutgoingPush(message);
  const wsFrame = outgoing.framed(ws.framing, 'protocol');
  const sseFrame = outgoing.framed(sse.framing, 'protocol');
  assert.equal(sseFrame?.toString(), `data: ${JSON.stringify(message)}\n\n`);
  assert.equal(outgoing.framed(sse.framing, 'protocol'), sseFrame);
  assert.equal(outgoing.framed(ws.framing, 'protocol'), wsFrame);
  assert.equal(ws.calls(), 1);
  assert.equal(sse.calls(), 1);
});

test('a push plain clients do not see has no plain frame, and is not framed for it', () => {
  const ws = counting(textFrame);
  const typing: Push = { type: 'typing', room: 'lobby', user: { id: 'u_ada', name: 'ada' } };
  const outgoing = new OutgoingPush(typing);
  assert.equal(outgoing.plainText, null);
  assert.equal(outgoing.framed(ws.framing, 'plain'), null);
  assert.equal(outgoing.framed(ws.framing, 'plain'), null);
  assert.equal(ws.calls(), 0);
  assert.equal(outgoing.protocolText, JSON.stringify(typing));
});
