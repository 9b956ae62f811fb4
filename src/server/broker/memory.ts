// MemoryBroker: the one-process Broker. It calls the handler synchronously inside publish, so a
// single process runs exactly the same delivery path as a cluster does over Redis.
import type { Push } from '../../protocol/messages.js';
import type { Broker, NodeMessageHandler, PublicationHandler } from './broker.js';

export class MemoryBroker implements Broker {
  #handler: PublicationHandler | undefined;
  readonly #rooms = new Set<string>();
  readonly #nodes = new Map<string, NodeMessageHandler>();

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

  listenAsNode(node: string, handler: NodeMessageHandler): Promise<void> {
    this.#nodes.set(node, handler);
    return Promise.resolve();
  }

  sendToNode(node: string, payload: string): Promise<boolean> {
    const handler = this.#nodes.get(node);
    handler?.(payload);
    return Promise.resolve(handler !== undefined);
  }

  close(): Promise<void> {
    this.#rooms.clear();
    this.#nodes.clear();
    return Promise.resolve();
  }
}
