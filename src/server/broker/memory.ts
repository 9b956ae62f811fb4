// MemoryBroker: the one-process Broker. It calls the handler synchronously inside publish, so a
// single process runs exactly the same delivery path as a cluster does over Redis.
import type { Push } from '../../protocol/messages.js';
import type { Broker, PublicationHandler } from './broker.js';

export class MemoryBroker implements Broker {
  #handler: PublicationHandler | undefined;
  readonly #rooms = new Set<string>();

  onPublication(handler: PublicationHandler): void {
    this.#handler = handler;
  }

  publish(room: string, push: Push): Promise<void> {
    if (this.#rooms.has(room)) this.#handler?.(room, push);
    return Promise.resolve();
  }

  /** An in-process broker is never cut off. */
  onResync(): void {}

  subscribe(room: string): Promise<void> {
    this.#rooms.add(room);
    return Promise.resolve();
  }

  unsubscribe(room: string): Promise<void> {
    this.#rooms.delete(room);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#rooms.clear();
    return Promise.resolve();
  }
}
