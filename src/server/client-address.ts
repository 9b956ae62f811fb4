// Which address a request comes from, for the per-address connection limit, login throttling and
// logs. Behind a reverse proxy every socket comes from the proxy, so with PARLEY_TRUST_PROXY the
// client is read from X-Forwarded-For: walking from the socket's peer leftwards through the header,
// the first address that is not trusted is the client (the right-most untrusted one). Fastify gets
// the very same function as its `trustProxy`, so `request.ip` and the WebSocket upgrade agree.
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/**
 * `false`: the socket's peer is the client. `'peer'`: the direct peer is a proxy, whoever it is, and
 * only it (the client is the right-most X-Forwarded-For entry). A list: addresses, CIDRs or
 * proxy-addr's names (`loopback`, `linklocal`, `uniquelocal`) of trusted proxies.
 */
export type TrustProxy = false | 'peer' | readonly string[];

/** proxy-addr's trust function: is `address`, `hop` steps from the socket's peer, a trusted proxy? */
export type TrustFunction = (address: string, hop: number) => boolean;

/** Throws proxy-addr's TypeError for an entry that is not an address, a CIDR or a known name. */
export function trustFunction(trust: Exclude<TrustProxy, false>): TrustFunction {
  // Not proxy-addr's "trust everything": nginx's $proxy_add_x_forwarded_for appends to whatever the
  // client sent, so the left-most entry is the client's to choose. Only the hop we know is ours.
  if (trust === 'peer') return (_address, hop) => hop === 0;
  return proxyAddr.compile([...trust]);
}

export class ClientAddresses {
  /** For Fastify's `trustProxy`; undefined when no proxy is trusted. */
  readonly trust: TrustFunction | undefined;

  constructor(trust: TrustProxy) {
    this.trust = trust === false ? undefined : trustFunction(trust);
  }

  /** The client's address: the socket's peer, or with a trusted peer, from X-Forwarded-For. */
  of(req: IncomingMessage): string {
    if (this.trust === undefined) return req.socket.remoteAddress ?? 'unknown';
    return proxyAddr(req, this.trust);
  }
}
