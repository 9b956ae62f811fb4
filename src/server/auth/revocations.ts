// Revocations: tells every process that a login session ended, so that each closes the
// connections that said hello with it. One process calls its own handler; a cluster publishes the
// session's hash on a Redis channel that every process listens to (the hash, never the token).
import type { Redis } from 'ioredis';

export interface Revocations {
  /** Announces that the session with this hash is gone (to this process too). */
  revoke(sessionHash: string): Promise<void>;
  /** Called on every process for every revoked session. */
  onRevoked(handler: (sessionHash: string) => void): void;
  close(): Promise<void>;
}

export class LocalRevocations implements Revocations {
  #handler: ((sessionHash: string) => void) | undefined;

  revoke(sessionHash: string): Promise<void> {
    this.#handler?.(sessionHash);
    return Promise.resolve();
  }

  onRevoked(handler: (sessionHash: string) => void): void {
    this.#handler = handler;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class RedisRevocations implements Revocations {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #local = new LocalRevocations();

  /**
   * @param publisher a connection in normal mode (it may be shared)
   * @param subscriber a connection of its own: in subscriber mode it can do nothing else
   */
  static async open(publisher: Redis, subscriber: Redis, prefix: string): Promise<RedisRevocations> {
    const revocations = new RedisRevocations(publisher, subscriber, `${prefix}revoked`);
    await subscriber.subscribe(revocations.#channel);
    return revocations;
  }

  private constructor(publisher: Redis, subscriber: Redis, channel: string) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = channel;
    subscriber.on('message', (channelName: string, sessionHash: string) => {
      if (channelName === this.#channel) void this.#local.revoke(sessionHash);
    });
  }

  async revoke(sessionHash: string): Promise<void> {
    try {
      await this.#publisher.publish(this.#channel, sessionHash);
    } catch {
      // Redis is away: at least this process's connections go now; the others' next hello fails.
      await this.#local.revoke(sessionHash);
    }
  }

  onRevoked(handler: (sessionHash: string) => void): void {
    this.#local.onRevoked(handler);
  }

  close(): Promise<void> {
    this.#subscriber.disconnect();
    return Promise.resolve();
  }
}
