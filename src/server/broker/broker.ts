// Broker: carries a room's pushes to every server process that has members in it.
// It is only fan-out: what must not be lost is in the Store, and a missed publication is repaired
// from there by seq. Nothing here is durable.
import type { Push } from '../../protocol/messages.js';

/** Called for each publication on a room this process subscribed to, in publication order. */
export type PublicationHandler = (room: string, push: Push) => void;

/**
 * Called when the broker was cut off and is subscribed again: publications made in between may be
 * lost, so every room should be caught up from the store.
 */
export type ResyncHandler = () => void;

/** Called for each direct message sent to this process's node name (see Broker.sendToNode). */
export type NodeMessageHandler = (payload: string) => void;

/**
 * Contract (test/contract/broker.contract.ts runs it against every implementation):
 * - A publication reaches the handler of every process subscribed to the room, this one included.
 * - Publications from one process to one room arrive in the order they were published.
 * - Delivery is at most once; subscribers that were not subscribed at publish time get nothing.
 *   After a loss of connection the resync handler runs once the subscriptions are back.
 */
export interface Broker {
  /** Registers the one handler; must be called before subscribe. */
  onPublication(handler: PublicationHandler): void;
  onResync(handler: ResyncHandler): void;
  publish(room: string, push: Push): Promise<void>;
  subscribe(room: string): Promise<void>;
  unsubscribe(room: string): Promise<void>;
  /**
   * Direct messages between processes, not rooms: this process answers to `node` from now on (one
   * name per process, called once). The HTTP fallback forwards a POST that landed elsewhere to the
   * process holding its stream this way.
   */
  listenAsNode(node: string, handler: NodeMessageHandler): Promise<void>;
  /**
   * Hands `payload` to the process listening as `node`: true when one received it (it was listening
   * at that moment), false when none did (gone, or the broker is cut off). At most once, and in order
   * between two processes.
   */
  sendToNode(node: string, payload: string): Promise<boolean>;
  close(): Promise<void>;
}
