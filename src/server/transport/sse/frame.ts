// Server-Sent Events framing (HTML Living Standard, "Server-sent events"): one event is `data:`
// lines and a blank line. Built once per push for every fallback recipient (hub/outgoing.ts).
// protocol v1 text is JSON, which never holds a raw line break, so an event is one `data:` line;
// any other text is split into lines, as the format requires.

const DATA = 'data: ';
const END = '\n\n';

/** The bytes sseEvent(text) takes, for text without line breaks (the protocol's JSON). */
export function sseEventLength(text: string): number {
  return DATA.length + Buffer.byteLength(text) + END.length;
}

/** One event carrying `text` as its data, optionally named and with an id (for Last-Event-ID). */
export function sseEvent(text: string, event?: string, id?: string): Buffer {
  const data = /[\r\n]/.test(text) ? text.split(/\r\n|\r|\n/).join(`\n${DATA}`) : text;
  const head = (event === undefined ? '' : `event: ${event}\n`) + (id === undefined ? '' : `id: ${id}\n`);
  return Buffer.from(`${head}${DATA}${data}${END}`, 'utf8');
}

/** A comment line: ignored by every reader, it keeps idle proxies from cutting the stream. */
export const SSE_PING = Buffer.from(': ping\n\n', 'utf8');
