// Where a webhook may be delivered: http(s) URLs whose host resolves only to public unicast
// addresses, so that a subscription cannot turn the server against its own network (loopback,
// link-local such as 169.254.169.254, private, unique-local, CGNAT, multicast, unspecified,
// reserved). PARLEY_WEBHOOK_ALLOW_PRIVATE lists exceptions: CIDRs, addresses, or host names.
// The check runs at subscribe time and again on every connection, inside http.request's `lookup`:
// the address checked is the address connected to, so a name that resolves to a public address
// for the check and to 127.0.0.1 a moment later (DNS rebinding) is still refused.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { WEBHOOK_URL_MAX } from '../../protocol/webhooks.js';

export type RefusalReason = 'bad_url' | 'private_address' | 'unresolvable';

/** A webhook URL the guard will not deliver to; `message` says why, for the API's answer. */
export class WebhookRefused extends Error {
  override readonly name = 'WebhookRefused';
  readonly reason: RefusalReason;

  constructor(reason: RefusalReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

export class AddressGuard {
  readonly #ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  readonly #hosts = new Set<string>();
  readonly #resolve: Resolve;

  /** `allow`: entries of PARLEY_WEBHOOK_ALLOW_PRIVATE; throws on one that is neither a CIDR, an address nor a host name. */
  constructor(allow: readonly string[], resolve: Resolve = systemResolve) {
    this.#resolve = resolve;
    for (const raw of allow) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      if (entry.includes('/') && ipaddr.isValidCIDR(entry)) this.#ranges.push(ipaddr.parseCIDR(entry));
      else if (ipaddr.isValid(entry)) {
        const address = ipaddr.process(entry);
        this.#ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else if (/^[a-z0-9.-]{1,253}$/.test(entry)) this.#hosts.add(entry);
      else throw new Error(`PARLEY_WEBHOOK_ALLOW_PRIVATE: "${raw}" is not a CIDR, an address or a host name`);
    }
  }

  /** The URL parsed, once its form and every address its host resolves to pass; else WebhookRefused. */
  async check(url: string): Promise<URL> {
    const parsed = this.checkForm(url);
    const host = bare(parsed.hostname);
    if (ipaddr.isValid(host)) return parsed;
    const addresses = await this.#addressesOf(host);
    for (const { address } of addresses) this.#assertAllowed(host, address);
    return parsed;
  }

  /**
   * The URL's form, and its host when that is an address (a connection to an address calls no
   * `lookup`): what a delivery checks before connecting; a host name is checked by `lookup`.
   */
  checkForm(url: string): URL {
    const parsed = parseUrl(url);
    const host = bare(parsed.hostname);
    if (ipaddr.isValid(host)) this.#assertAllowed(host, host);
    return parsed;
  }

  /** For http.request: resolves, refuses the connection unless every address passes, and connects to those. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.#addressesOf(hostname).then(
      (addresses) => {
        try {
          for (const { address } of addresses) this.#assertAllowed(hostname, address);
        } catch (error) {
          callback(error as Error, '', 0);
          return;
        }
        const first = addresses[0] as LookupAddress;
        if (options.all === true) (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as Error, '', 0),
    );
  };

  async #addressesOf(host: string): Promise<LookupAddress[]> {
    let addresses: LookupAddress[];
    try {
      addresses = await this.#resolve(host);
    } catch {
      throw new WebhookRefused('unresolvable', `the host ${host} does not resolve`);
    }
    if (addresses.length === 0) throw new WebhookRefused('unresolvable', `the host ${host} does not resolve`);
    return addresses;
  }

  #assertAllowed(host: string, address: string): void {
    const ip = ipaddr.process(address);
    // Only global unicast, unless listed: every other range is someone's own network.
    if (ip.range() === 'unicast') return;
    if (this.#hosts.has(host.toLowerCase())) return;
    if (this.#ranges.some(([base, bits]) => base.kind() === ip.kind() && ip.match(base, bits))) return;
    throw new WebhookRefused('private_address', `${host} resolves to ${address} (${ip.range()}), which webhooks may not reach`);
  }
}

function parseUrl(url: string): URL {
  if (url.length > WEBHOOK_URL_MAX) throw new WebhookRefused('bad_url', `a webhook URL is at most ${WEBHOOK_URL_MAX} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookRefused('bad_url', 'not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new WebhookRefused('bad_url', 'a webhook URL is http:// or https://');
  if (parsed.username !== '' || parsed.password !== '') throw new WebhookRefused('bad_url', 'a webhook URL carries no user name or password');
  if (parsed.hostname === '') throw new WebhookRefused('bad_url', 'a webhook URL needs a host');
  return parsed;
}

/** An IPv6 host as URL writes it, `[::1]`, without its brackets. */
function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
