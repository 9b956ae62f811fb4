// Opening a room's shared document with stock Yjs (docs/collaboration.md): where the y-websocket
// endpoint is for a chat URL, and keeping a provider supplied with tickets. A ticket is good once,
// and y-websocket reconnects with the params of the moment, so every connection it closes is
// followed by a fresh ticket in its params. The SDK does not depend on y-websocket: the provider is
// described here by the few members it is used through.

/** What `new WebsocketProvider(url, room, doc, { params })` needs to open `room`'s document once. */
export interface DocumentTicket {
  /** The document endpoint, `ws[s]://host/yjs` (the provider appends `/<room>`). */
  url: string;
  room: string;
  /** `{ ticket }`: good for one connection of this user to this room, until `expiresAt`. */
  params: { ticket: string };
  /** When the ticket stops being accepted (ms since the epoch). */
  expiresAt: number;
}

/** The members of a y-websocket `WebsocketProvider` that `refreshDocumentTickets` uses. */
export interface TicketedProvider {
  /** Read for every new connection; replaced here with a fresh ticket. */
  params: Record<string, string>;
  readonly roomname: string;
  /** False once the provider was disconnected or destroyed, or the server closed it for good (4400–4499). */
  readonly shouldConnect: boolean;
  on(event: 'connection-close', listener: (event: unknown) => void): unknown;
  off(event: 'connection-close', listener: (event: unknown) => void): unknown;
}

/** The y-websocket endpoint of the server a chat URL (`ws://host/ws`, `wss://host/`, `https://host`) points to. */
export function documentUrl(chatUrl: string): string {
  const url = new URL(chatUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  // The chat socket is served on `/` and `/ws` (behind a proxy, under its prefix): the documents beside it.
  url.pathname = `${url.pathname.replace(/\/ws\/?$/, '').replace(/\/+$/, '')}/yjs`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/**
 * Gives `provider` a new ticket after each connection it closes, asked with `ticket(room)`, one
 * request at a time. The provider waits at least 200 ms before it reconnects, and a ticket comes
 * back in one round trip; if the reconnect goes first, it is refused (401), which closes that
 * connection too, and the ticket that came meanwhile is used by the next try. Returns a function
 * that stops it.
 */
export function refreshTickets(provider: TicketedProvider, ticket: (room: string) => Promise<string>): () => void {
  let asking = false;
  const onClose = (): void => {
    // The provider decides whether it reconnects just after telling of the close.
    queueMicrotask(() => {
      if (asking || !provider.shouldConnect) return;
      asking = true;
      ticket(provider.roomname).then(
        (value) => {
          asking = false;
          provider.params = { ...provider.params, ticket: value };
        },
        // The provider keeps trying with the old ticket, is refused, and the next close asks again.
        () => (asking = false),
      );
    });
  };
  provider.on('connection-close', onClose);
  return () => provider.off('connection-close', onClose);
}
