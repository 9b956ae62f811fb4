// Broker lag: the time from publishing a message to the broker handing it back to this process.
// The publishing process is always subscribed to the room (the sender is a member), so it sees its
// own publications come back and can time them without changing what travels on the broker. With
// the memory broker the lag is ~0; with Redis it is the round trip through Redis.
import type { Push } from '../../protocol/messages.js';
import type { Broker, NodeMessageHandler, PublicationHandler, ResyncHandler } from '../broker/broker.js';
import type { Metrics } from './metrics.js';

/** Publications waiting to come back; past this many the oldest are forgotten (a room left meanwhile). */
const MAX_IN_FLIGHT = 10_000;

export class TimedBroker implements Broker {
  readonly #broker: Broker;
  readonly #lag: Metrics['brokerLag'];
  readonly #published = new Map<string, number>();

  constructor(broker: Broker, metrics: Metrics) {
    this.#broker = broker;
    this.#lag = metrics.brokerLag;
  }

  onPublication(handler: PublicationHandler): void {
    this.#broker.onPublication((room, push) => {
      if (push.type === 'message') {
        const key = `${room}\n${push.seq}`;
        const at = this.#published.get(key);
        if (at !== undefined) {
          this.#published.delete(key);
          this.#lag.observe((performance.now() - at) / 1000);
        }
      }
      handler(room, push);
    });
  }

  onResync(handler: ResyncHandler): void {
    this.#broker.onResync(handler);
  }

  publish(room: string, push: Push): Promise<void> {
    if (push.type === 'message') {
      if (this.#published.size >= MAX_IN_FLIGHT) {
        const oldest = this.#published.keys().next();
        if (oldest.done !== true) this.#published.delete(oldest.value);
      }
      this.#published.set(`${room}\n${push.seq}`, performance.now());
    }
    return this.#broker.publish(room, push);
  }

  subscribe(room: string): Promise<void> {
    return this.#broker.subscribe(room);
  }
  unsubscribe(room: string): Promise<void> {
    return this.#broker.unsubscribe(room);
  }
  listenAsNode(node: string, handler: NodeMessageHandler): Promise<void> {
    return this.#broker.listenAsNode(node, handler);
  }
  sendToNode(node: string, payload: string): Promise<boolean> {
    return this.#broker.sendToNode(node, payload);
  }
  close(): Promise<void> {
    return this.#broker.close();
  }
}
