// One delivery attempt: a POST over keep-alive connections, through the address guard's lookup,
// that follows no redirect (a 3xx is a failure like any other non-2xx) and gives up after the
// timeout. The receiver's answer body is read and dropped (only so the connection can be reused),
// up to a bound.
import http from 'node:http';
import https from 'node:https';
import type { AddressGuard } from './address-guard.js';

/** Most bytes of a receiver's answer read before the connection is dropped instead. */
const MAX_ANSWER_BYTES = 64 * 1024;

export type Attempt = { ok: true; status: number } | { ok: false; status?: number; error: string };

export class Sender {
  readonly #guard: AddressGuard;
  readonly #timeoutMs: number;
  readonly #agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };

  constructor(guard: AddressGuard, timeoutMs: number) {
    this.#guard = guard;
    this.#timeoutMs = timeoutMs;
  }

  post(url: string, headers: Record<string, string>, body: string): Promise<Attempt> {
    let target: URL;
    try {
      // A host name is resolved and checked in `lookup`, on the connection itself (and only when a
      // new one is opened): no second resolution per delivery on libuv's threads, which the WAL syncs use.
      target = this.#guard.checkForm(url);
    } catch (error) {
      return Promise.resolve({ ok: false, error: (error as Error).message });
    }
    const secure = target.protocol === 'https:';
    const request = secure ? https.request : http.request;
    return new Promise<Attempt>((resolve) => {
      let settled = false;
      const settle = (attempt: Attempt): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(attempt);
      };
      const req = request(
        target,
        {
          method: 'POST',
          agent: secure ? this.#agents['https:'] : this.#agents['http:'],
          lookup: this.#guard.lookup,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Parley-Webhooks/1' },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_ANSWER_BYTES) res.destroy();
          });
          res.on('error', () => undefined);
          res.on('close', () => settle(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `the receiver answered ${status}` }));
        },
      );
      const timer = setTimeout(() => {
        settle({ ok: false, error: `no answer within ${this.#timeoutMs} ms` });
        req.destroy();
      }, this.#timeoutMs);
      req.on('error', (error) => settle({ ok: false, error: error.message }));
      req.end(body);
    });
  }

  close(): void {
    this.#agents['http:'].destroy();
    this.#agents['https:'].destroy();
  }
}
