// RedisBroker: fan-out between server processes over Redis pub/sub, one channel per room.
// Two connections: pub/sub mode takes a connection over, so publishing needs its own.
//
// Redis pub/sub is at most once, and a connection that drops loses what was published meanwhile.
// Nothing here tries to make it more than that; instead:
// - a publication attempted while the publishing connection is down is kept (bounded) and sent when
//   it is back, so a short outage delays pushes instead of dropping them;
// - when the subscribing connection is back, every room is subscribed again and then the resync
//   handler runs, and the hub reads what it missed from the store (the same read as join recovery).
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Push } from '../../protocol/messages.js';
import type { Broker, PublicationHandler, ResyncHandler } from './broker.js';

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
  readonly #log: Logger;
  readonly #pendingLimit: number;
  readonly #rooms = new Set<string>();
  #pending: [channel: string, payload: string][] = [];
  #handler: PublicationHandler | undefined;
  #resync: ResyncHandler | undefined;
  #subReadyOnce = false;
  #closed = false;

  private constructor(options: RedisBrokerOptions) {
    this.#channelPrefix = `${options.prefix ?? 'parley:'}room:`;
    this.#log = options.log;
    this.#pendingLimit = options.pendingLimit ?? 10_000;
    const common = { enableOfflineQueue: false, autoResubscribe: false, maxRetriesPerRequest: 1, retryStrategy, lazyConnect: true };
    this.#pub = new Redis(options.url, { ...common, connectionName: `${options.name ?? 'parley'}:pub` });
    this.#sub = new Redis(options.url, { ...common, connectionName: `${options.name ?? 'parley'}:sub` });
    for (const [role, redis] of [['publish', this.#pub], ['subscribe', this.#sub]] as const) {
      redis.on('error', (error: Error) => this.#log.warn({ err: error, role }, 'redis broker connection error'));
    }
    this.#pub.on('ready', () => this.#flushPending());
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

  async publish(room: string, push: Push): Promise<void> {
    const channel = this.#channelPrefix + room;
    const payload = JSON.stringify(push);
    if (this.#pub.status !== 'ready') {
      this.#keep(channel, payload);
      return;
    }
    this.#flushPending(); // kept ones first, so that one process's publications stay in order
    try {
      await this.#pub.publish(channel, payload);
    } catch (error) {
      // The connection went down under the command: Redis may or may not have sent it on. Sending it
      // again can only duplicate, and the hub drops a message it has already delivered by seq.
      this.#log.warn({ err: error, room }, 'publish failed; will retry when Redis is back');
      this.#keep(channel, payload);
    }
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

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rooms.clear();
    await Promise.all([quit(this.#pub), quit(this.#sub)]);
  }

  #keep(channel: string, payload: string): void {
    if (this.#pending.length >= this.#pendingLimit) this.#pending.shift();
    this.#pending.push([channel, payload]);
  }

  #flushPending(): void {
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    const pipeline = this.#pub.pipeline();
    for (const [channel, payload] of pending) pipeline.publish(channel, payload);
    pipeline.exec().catch((error: unknown) => this.#log.warn({ err: error, count: pending.length }, 'resending publications failed'));
    this.#log.info({ count: pending.length }, 'resent publications kept while Redis was unreachable');
  }

  #onSubscriberReady(): void {
    if (!this.#subReadyOnce) {
      this.#subReadyOnce = true;
      if (this.#rooms.size === 0) return;
    }
    const channels = [...this.#rooms].map((room) => this.#channelPrefix + room);
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
