// DocRelay: carries a room document's changes (Yjs updates, awareness, lock changes: opaque bytes
// here, docs/relay-message.ts says what is in them) to every process that has the document open.
// Like the Broker it is only fan-out: every update is in the DocStore before it is relayed, and a
// process that missed one repairs from there (docs/doc-service.ts).

/** Called for each message on a room this process subscribed to, its own messages included. */
export type RelayHandler = (room: string, message: Uint8Array) => void;

/**
 * Contract (test/contract/doc-relay.contract.ts): a message reaches the handler of every process
 * subscribed to the room at publish time, this one included, at most once and in publish order per
 * publisher. After a loss of connection the resync handler runs once the subscriptions are back.
 */
export interface DocRelay {
  /** Registers the one handler; must be called before subscribe. */
  onMessage(handler: RelayHandler): void;
  onResync(handler: () => void): void;
  publish(room: string, message: Uint8Array): Promise<void>;
  subscribe(room: string): Promise<void>;
  unsubscribe(room: string): Promise<void>;
  close(): Promise<void>;
  /** False for the one-process relay: no other process can have missed anything. */
  readonly shared: boolean;
}

/** The one-process DocRelay: delivers synchronously inside publish. */
export class MemoryDocRelay implements DocRelay {
  readonly shared = false;
  #handler: RelayHandler | undefined;
  readonly #rooms = new Set<string>();

  onMessage(handler: RelayHandler): void {
    this.#handler = handler;
  }

  onResync(): void {}

  publish(room: string, message: Uint8Array): Promise<void> {
    if (this.#rooms.has(room)) this.#handler?.(room, message);
    return Promise.resolve();
  }

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
