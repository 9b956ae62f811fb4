// Which browser pages may open a WebSocket or call the HTTP API. Browsers always send Origin on a
// WebSocket handshake and on cross-site POSTs; non-browser clients usually send none, and they are
// not what an Origin check protects against (it stops another site's page from using a visitor's
// browser), so a request without Origin passes.

/**
 * `allowed` lists exact origins (`https://chat.example.com`); `*` allows any. Empty: only the
 * server's own origin, i.e. the Origin's host:port equals the request's Host header.
 */
export class OriginPolicy {
  readonly #allowed: ReadonlySet<string>;
  readonly #any: boolean;

  constructor(allowed: readonly string[]) {
    this.#any = allowed.includes('*');
    this.#allowed = new Set(allowed.map(normalise));
  }

  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.#any) return true;
    if (this.#allowed.size > 0) return this.#allowed.has(normalise(origin));
    if (host === undefined) return false;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // includes "null" (sandboxed frames, file: pages)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return url.host.toLowerCase() === host.toLowerCase();
  }
}

function normalise(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
