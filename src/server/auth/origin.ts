// Which browser pages may open a WebSocket or call the HTTP API. Browsers always send Origin on a
// WebSocket handshake and on cross-site POSTs; non-browser clients usually send none, and they are
// not what an Origin check protects against (it stops another site's page from using a visitor's
// browser), so a request without Origin passes.
import { OriginRefusals } from './origin-refusals.js';

/**
 * The server's own origin (the Origin's host:port equals the request's Host header) is always
 * allowed: Parley's own web app must never be locked out by a list meant to let other sites in.
 * `allowed` adds exact origins (`https://chat.example.com`); `*` allows any.
 */
export class OriginPolicy {
  readonly #allowed: ReadonlySet<string>;
  readonly #any: boolean;
  readonly #refusals = new OriginRefusals();

  constructor(allowed: readonly string[]) {
    this.#any = allowed.includes('*');
    this.#allowed = new Set(allowed.map(normalise));
  }

  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.#any) return true;
    if (this.#allowed.has(normalise(origin))) return true;
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

  /** The log line for refusing `origin` (once per origin, bounded), or null when it was said already. */
  refusalNote(origin: string | undefined, where: 'websocket' | 'api'): string | null {
    return origin === undefined ? null : (this.#refusals.note(origin, where)?.message ?? null);
  }
}

function normalise(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
