// The fallback's Server-Sent Events, both ends: what the server frames (transport/sse/frame.ts) is
// read back by the SDK's reader (client/sse-reader.ts) whatever the chunks it arrives in, with the
// format's corner cases (multi-line data, CRLF, comments, named events, ids, fields without a space).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SSE_PING, sseEvent, sseEventLength } from '../../src/server/transport/sse/frame.js';
import { SseReader, type SseEvent } from '../../src/client/sse-reader.js';

function readAll(text: string, chunkSize: number): SseEvent[] {
  const reader = new SseReader();
  const events: SseEvent[] = [];
  for (let at = 0; at < text.length; at += chunkSize) events.push(...reader.push(text.slice(at, at + chunkSize)));
  return events;
}

test('framed events read back the same in chunks of any size, heartbeats ignored', () => {
  const json = JSON.stringify({ type: 'message', room: 'r', seq: 1, text: 'héllo 👋 "quoted" \\n not a newline' });
  const stream = [sseEvent(JSON.stringify({ stream: 's', secret: 'x' }), 'stream'), sseEvent(json), SSE_PING, sseEvent('{"a":1}', 'close', '7')]
    .map((buffer) => buffer.toString('utf8'))
    .join('');
  const expected = [
    { event: 'stream', data: '{"stream":"s","secret":"x"}' },
    { event: 'message', data: json },
    { event: 'close', data: '{"a":1}' },
  ];
  for (const size of [1, 2, 3, 7, 64, stream.length]) assert.deepEqual(readAll(stream, size), expected, `chunks of ${size}`);
});

test('text with line breaks becomes several data lines and reads back whole; CRLF and bare fields are understood', () => {
  assert.equal(sseEvent('a\nb\r\nc').toString(), 'data: a\ndata: b\ndata: c\n\n');
  assert.deepEqual(readAll('data: a\ndata: b\ndata: c\n\n', 1), [{ event: 'message', data: 'a\nb\nc' }]);
  for (const size of [1, 2, 5]) {
    assert.deepEqual(readAll('event:x\r\ndata:no space\r\n\r\n: comment\r\n\r\ndata\n\n', size), [
      { event: 'x', data: 'no space' },
      { event: 'message', data: '' },
    ]);
  }
});

test('sseEventLength is the framed size of protocol JSON', () => {
  for (const text of ['{}', JSON.stringify({ text: 'ünïcödé 👋' })]) assert.equal(sseEventLength(text), sseEvent(text).length);
});
