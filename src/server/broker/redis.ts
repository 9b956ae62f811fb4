// RedisBroker: fan-out between server processes over Redis pub/sub, one channel per room.
// Two connections: pub/sub mode takes a connection over, so publishing needs its own.
//
// Redis pub/sub is at most once, and a connection that drops loses what was published meanwhile.
// Nothing here tries to make it more than that; instead:
// - publications are queued and sent as one pipeline per event-loop turn; what cannot be sent
//   because the connection is down stays queued (bounded) and goes when it is back, so a short
//   outage delays pushes instead of dropping them;
// - when the subscribing connection is back, every room is subscribed again and then the resync
//   handler runs, and the hub reads what it missed from the store (the same read as join recovery).
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Push } from '../../protocol/messages.js';
import type { Broker, NodeMessageHandler, PublicationHandler, ResyncHandler } from './broker.js';

export interface RedisBrokerOptions {
  url: string;
  /** Prefix of every channel name; lets deployments (and test runs) share one Redis. */
  prefix?: string;
  log: Logger;
  /** Most publications kept while the publishing connection is down; beyond it the oldest go. */
  pendingLimit?: number;
  /** Shown in Redis's CLIENT LIST as `<name>:pub` and `<name>:sub`. */
  name?: string;
}

/** Reconnect quickly at first, then every second: an outage should end as soon as Redis is back. */
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 1000);

export class RedisBroker implements Broker {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #channelPrefix: string;
  /** Channels of direct messages to one process (listenAsNode), beside the rooms' channels. */
  readonly #nodePrefix: string;
  #node: { channel: string; handler: NodeMessageHandler } | undefined;
  readonly #log: Logger;
  readonly #pendingLimit: number;
  readonly #rooms = new Set<string>();
  #pending: [channel: string, payload: string][] = [];
  #handler: PublicationHandler | undefined;
  #resync: ResyncHandler | undefined;
  #subReadyOnce = false;
  #drainScheduled = false;
  #draining = false;
  #dropped = 0;
  /** Callers of publish waiting for the next pipeline to be answered. */
  #sentWaiters: (() => void)[] = [];
  #closed = false;

  private constructor(options: RedisBrokerOptions) {
    this.#channelPrefix = `${options.prefix ?? 'parley:'}room:`;
    this.#nodePrefix = `${options.prefix ?? 'parley:'}node:`;
    this.#log = options.log;
    this.#pendingLimit = options.pendingLimit ?? 10_000;
    const common = { enableOfflineQueue: false, autoResubscribe: false, maxRetriesPerRequest: 1, retryStrategy, lazyConnect: true };
    this.#pub = new Redis(options.url, { ...common, connectionName: `${options.name ?? 'parley'}:pub` });
    this.#sub = new Redis(options.url, { ...common, connectionName: `${options.name ?? 'parley'}:sub` });
    for (const [role, redis] of [
      ['publish', this.#pub],
      ['subscribe', this.#sub],
    ] as const) {
      redis.on('error', (error: Error) => this.#log.warn({ err: error, role }, 'redis broker connection error'));
    }
    this.#pub.on('ready', () => this.#drain());
    this.#sub.on('ready', () => this.#onSubscriberReady());
    this.#sub.on('message', (channel: string, payload: string) => this.#onMessage(channel, payload));
  }

  /** Connects both connections; rejects when Redis cannot be reached now. */
  static async open(options: RedisBrokerOptions): Promise<RedisBroker> {
    const broker = new RedisBroker(options);
    try {
      await Promise.all([broker.#pub.connect(), broker.#sub.connect()]);
    } catch (error) {
      broker.#pub.disconnect();
      broker.#sub.disconnect();
      throw error;
    }
    return broker;
  }

  /** True while both connections are usable. */
  get connected(): boolean {
    return this.#pub.status === 'ready' && this.#sub.status === 'ready';
  }

  onPublication(handler: PublicationHandler): void {
    this.#handler = handler;
  }

  onResync(handler: ResyncHandler): void {
    this.#resync = handler;
  }

  /**
   * Queues the publication; the queue goes to Redis as one pipeline per event-loop turn, in order.
   * Resolves once Redis has answered the pipeline, or at once while Redis is unreachable: it never
   * rejects, since a publication is fan-out only and what it carries is already stored.
   */
  publish(room: string, push: Push): Promise<void> {
    this.#keep(this.#channelPrefix + room, JSON.stringify(push));
    if (!this.#writable()) return Promise.resolve(); // kept for when Redis is back
    this.#scheduleDrain();
    return new Promise((resolve) => this.#sentWaiters.push(resolve));
  }

  async subscribe(room: string): Promise<void> {
    this.#rooms.add(room);
    // While disconnected, the room is subscribed (and caught up) when the connection is back.
    if (this.#sub.status !== 'ready') return;
    try {
      await this.#sub.subscribe(this.#channelPrefix + room);
    } catch (error) {
      this.#log.warn({ err: error, room }, 'subscribe failed; will subscribe when Redis is back');
    }
  }

  async unsubscribe(room: string): Promise<void> {
    this.#rooms.delete(room);
    if (this.#sub.status !== 'ready') return;
    try {
      await this.#sub.unsubscribe(this.#channelPrefix + room);
    } catch (error) {
      this.#log.debug({ err: error, room }, 'unsubscribe failed');
    }
  }

  async listenAsNode(node: string, handler: NodeMessageHandler): Promise<void> {
    this.#node = { channel: this.#nodePrefix + node, handler };
    // While disconnected, subscribed with the rooms when the connection is back.
    if (this.#sub.status === 'ready') await this.#sub.subscribe(this.#node.channel);
  }

  /**
   * Not queued like publish: a direct message is answered now (Redis says how many received it), and
   * one that cannot go now fails, so that the sender can tell its client.
   */
  async sendToNode(node: string, payload: string): Promise<boolean> {
    if (!this.#writable()) return false;
    try {
      return (await this.#pub.publish(this.#nodePrefix + node, payload)) > 0;
    } catch (error) {
      this.#log.debug({ err: error, node }, 'direct message to a node failed');
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Publications queued by the shutdown itself (members' leaves) still go out if they can.
    for (let waited = 0; (this.#draining || this.#drainScheduled) && waited < 1000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (this.#pending.length > 0 && this.#writable()) {
      const pipeline = this.#pub.pipeline();
      for (const [channel, payload] of this.#pending.splice(0)) pipeline.publish(channel, payload);
      await pipeline.exec().catch(() => undefined);
    }
    this.#closed = true;
    this.#releaseWaiters();
    this.#rooms.clear();
    await Promise.all([quit(this.#pub), quit(this.#sub)]);
  }

  #keep(channel: string, payload: string): void {
    if (this.#pending.length >= this.#pendingLimit) {
      this.#pending.shift();
      this.#dropped++;
    }
    this.#pending.push([channel, payload]);
  }

  #releaseWaiters(): void {
    const waiters = this.#sentWaiters;
    this.#sentWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    setImmediate(() => {
      this.#drainScheduled = false;
      this.#drain();
    });
  }

  /** ioredis may report 'ready' for a moment after the socket was cut; only a writable socket counts. */
  #writable(): boolean {
    return this.#pub.status === 'ready' && this.#pub.stream.writable;
  }

  #drain(): void {
    if (this.#draining || this.#pending.length === 0 || this.#closed || !this.#writable()) {
      if (!this.#draining) this.#releaseWaiters();
      return;
    }
    if (this.#dropped > 0) {
      this.#log.warn({ dropped: this.#dropped }, 'publication queue was full; oldest dropped (nodes catch up from the store)');
      this.#dropped = 0;
    }
    this.#draining = true;
    const batch = this.#pending;
    this.#pending = [];
    const waiters = this.#sentWaiters;
    this.#sentWaiters = [];
    const pipeline = this.#pub.pipeline();
    for (const [channel, payload] of batch) pipeline.publish(channel, payload);
    // Not awaited: the drain runs beside the sends. A failed exec resolves to the whole batch, which is sent again.
    void pipeline
      .exec()
      .then(
        (replies) => batch.filter((_, i) => replies?.[i]?.[0] != null),
        () => batch,
      )
      .then((failed) => {
        this.#draining = false;
        for (const resolve of waiters) resolve();
        if (failed.length > 0) {
          // Sent again when the connection is back ('ready'); a repeat is dropped by seq downstream.
          this.#log.warn({ count: failed.length }, 'publish failed; will send again when Redis is back');
          this.#pending.unshift(...failed);
          while (this.#pending.length > this.#pendingLimit) this.#pending.shift();
          setTimeout(() => this.#drain(), 100).unref();
        } else {
          this.#drain();
        }
      });
  }

  #onSubscriberReady(): void {
    if (!this.#subReadyOnce) {
      this.#subReadyOnce = true;
      if (this.#rooms.size === 0 && this.#node === undefined) return;
    }
    const channels = [...this.#rooms].map((room) => this.#channelPrefix + room);
    if (this.#node !== undefined) channels.push(this.#node.channel);
    const subscribed = channels.length > 0 ? this.#sub.subscribe(...channels) : Promise.resolve(0);
    subscribed.then(
      () => {
        this.#log.info({ rooms: channels.length }, 'redis subscriber back; catching rooms up from the store');
        this.#resync?.();
      },
      (error: unknown) => this.#log.warn({ err: error }, 'resubscribe failed; will retry on the next reconnect'),
    );
  }

  #onMessage(channel: string, payload: string): void {
    if (channel === this.#node?.channel) {
      this.#node.handler(payload);
      return;
    }
    if (!channel.startsWith(this.#channelPrefix)) return;
    let push: Push;
    try {
      push = JSON.parse(payload) as Push;
    } catch (error) {
      this.#log.error({ err: error, channel }, 'unreadable publication');
      return;
    }
    this.#handler?.(channel.slice(this.#channelPrefix.length), push);
  }
}

async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
