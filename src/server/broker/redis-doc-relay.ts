// RedisDocRelay: document changes between processes over Redis pub/sub, one binary channel per
// room, on two connections of its own (a subscribing connection can do nothing else). Simpler than
// RedisBroker on purpose: a publication that fails is not kept, because a Yjs update is idempotent
// and the receivers repair from the DocStore (a gap they notice, a resync, or their periodic check).
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DocRelay, RelayHandler } from './doc-relay.js';

export interface RedisDocRelayOptions {
  url: string;
  prefix?: string;
  log: Logger;
  name?: string;
}

const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 1000);

export class RedisDocRelay implements DocRelay {
  readonly shared = true;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #log: Logger;
  readonly #rooms = new Set<string>();
  #handler: RelayHandler | undefined;
  #resync: (() => void) | undefined;
  #readyOnce = false;
  #closed = false;

  private constructor(options: RedisDocRelayOptions) {
    this.#prefix = `${options.prefix ?? 'parley:'}doc:`;
    this.#log = options.log;
    const common = { enableOfflineQueue: false, autoResubscribe: false, maxRetriesPerRequest: 1, retryStrategy, lazyConnect: true };
    this.#pub = new Redis(options.url, { ...common, connectionName: `${options.name ?? 'parley'}:docpub` });
    this.#sub = new Redis(options.url, { ...common, connectionName: `${options.name ?? 'parley'}:docsub` });
    for (const redis of [this.#pub, this.#sub]) redis.on('error', (error: Error) => this.#log.warn({ err: error }, 'redis document relay connection error'));
    this.#sub.on('ready', () => this.#onReady());
    this.#sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const room = channel.toString().slice(this.#prefix.length);
      if (this.#rooms.has(room)) this.#handler?.(room, new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
    });
  }

  static async open(options: RedisDocRelayOptions): Promise<RedisDocRelay> {
    const relay = new RedisDocRelay(options);
    try {
      await Promise.all([relay.#pub.connect(), relay.#sub.connect()]);
    } catch (error) {
      relay.#pub.disconnect();
      relay.#sub.disconnect();
      throw error;
    }
    return relay;
  }

  onMessage(handler: RelayHandler): void {
    this.#handler = handler;
  }

  onResync(handler: () => void): void {
    this.#resync = handler;
  }

  /** Never rejects: a lost publication is repaired from the store by whoever missed it. */
  async publish(room: string, message: Uint8Array): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#pub.publish(this.#prefix + room, Buffer.from(message.buffer, message.byteOffset, message.byteLength));
    } catch (error) {
      this.#log.warn({ err: error, room }, 'document relay publish failed; other processes repair from the store');
    }
  }

  async subscribe(room: string): Promise<void> {
    this.#rooms.add(room);
    if (this.#sub.status !== 'ready') return;
    try {
      await this.#sub.subscribe(this.#prefix + room);
    } catch (error) {
      this.#log.warn({ err: error, room }, 'document subscribe failed; will subscribe when Redis is back');
    }
  }

  async unsubscribe(room: string): Promise<void> {
    this.#rooms.delete(room);
    if (this.#sub.status !== 'ready') return;
    await this.#sub.unsubscribe(this.#prefix + room).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rooms.clear();
    await Promise.all([this.#pub.quit().catch(() => this.#pub.disconnect()), this.#sub.quit().catch(() => this.#sub.disconnect())]);
  }

  #onReady(): void {
    if (!this.#readyOnce) {
      this.#readyOnce = true;
      return;
    }
    const channels = [...this.#rooms].map((room) => this.#prefix + room);
    const subscribed = channels.length > 0 ? this.#sub.subscribe(...channels) : Promise.resolve(0);
    subscribed.then(
      () => this.#resync?.(),
      (error: unknown) => this.#log.warn({ err: error }, 'document resubscribe failed'),
    );
  }
}
