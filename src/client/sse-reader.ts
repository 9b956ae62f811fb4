// The part of the Server-Sent Events format the SDK reads (HTML Living Standard, "Server-sent
// events", its parsing rules): `event:` and `data:` fields, comments, events ended by a blank line.
// Text arrives in chunks cut anywhere; whole lines are parsed as they complete.

export interface SseEvent {
  event: string;
  data: string;
}

export class SseReader {
  #buffer = '';
  #event = '';
  #data: string[] = [];

  /** Feeds one chunk of text; returns the events it completed, in order. */
  push(chunk: string): SseEvent[] {
    this.#buffer += chunk;
    const events: SseEvent[] = [];
    let newline: number;
    while ((newline = this.#buffer.search(/\r\n|\r|\n/)) !== -1) {
      // A CR that ends the chunk may be the first half of a CRLF: wait for the next chunk.
      if (newline === this.#buffer.length - 1 && this.#buffer.endsWith('\r')) break;
      const line = this.#buffer.slice(0, newline);
      const skip = this.#buffer.startsWith('\r\n', newline) ? 2 : 1;
      this.#buffer = this.#buffer.slice(newline + skip);
      const completed = this.#line(line);
      if (completed !== undefined) events.push(completed);
    }
    return events;
  }

  #line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.#data.length === 0) {
        this.#event = '';
        return undefined;
      }
      const event = { event: this.#event === '' ? 'message' : this.#event, data: this.#data.join('\n') };
      this.#event = '';
      this.#data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined; // a comment: the server's heartbeat
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    return undefined;
  }
}
