// Says in the server's log, once per origin, that a browser page was refused and what to set. The
// page itself cannot say it: a browser shows a refused WebSocket handshake to the page as close
// 1006 and nothing more, so the operator, who can fix it, has to hear it from the server.

/** Distinct origins remembered; past this one more line says that further ones go unreported. */
const REMEMBERED = 256;

export type OriginRefusalNote = { kind: 'first'; message: string } | { kind: 'overflow'; message: string } | null;

export class OriginRefusals {
  readonly #seen = new Set<string>();
  #overflowed = false;

  /** What to log for a refusal of `origin` (null: it was said already). Bounded whatever a client sends. */
  note(origin: string, where: 'websocket' | 'api'): OriginRefusalNote {
    const shown = origin.length > 200 ? `${origin.slice(0, 200)}…` : origin;
    if (this.#seen.has(shown)) return null;
    if (this.#seen.size >= REMEMBERED) {
      if (this.#overflowed) return null;
      this.#overflowed = true;
      return { kind: 'overflow', message: `more than ${REMEMBERED} different origins refused; further ones are not logged` };
    }
    this.#seen.add(shown);
    const what = where === 'websocket' ? 'a WebSocket' : 'the accounts API';
    return {
      kind: 'first',
      message:
        `refused ${what} from a page of ${shown}: only this server's own origin and PARLEY_ORIGINS may connect; ` +
        `to allow that site, add it to PARLEY_ORIGINS (comma-separated, e.g. PARLEY_ORIGINS=${shown})`,
    };
  }
}
