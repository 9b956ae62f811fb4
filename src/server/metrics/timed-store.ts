// Store latency, measured around every call of the real Store without touching its code.
import type { ChatMessage, UserRef } from '../../protocol/messages.js';
import type { AppendResult, NewMessage, RoomSummary, Store } from '../store/store.js';
import type { Metrics } from './metrics.js';

export class TimedStore implements Store {
  readonly #store: Store;
  readonly #histogram: Metrics['store'];

  constructor(store: Store, metrics: Metrics) {
    this.#store = store;
    this.#histogram = metrics.store;
  }

  #time<T>(op: string, work: Promise<T>): Promise<T> {
    const started = performance.now();
    return work.then(
      (value) => {
        this.#histogram.observe({ op, outcome: 'ok' }, (performance.now() - started) / 1000);
        return value;
      },
      (error: unknown) => {
        this.#histogram.observe({ op, outcome: 'error' }, (performance.now() - started) / 1000);
        throw error;
      },
    );
  }

  append(message: NewMessage): Promise<AppendResult> {
    return this.#time('append', this.#store.append(message));
  }
  ensureRoom(room: string): Promise<RoomSummary> {
    return this.#time('ensure_room', this.#store.ensureRoom(room));
  }
  roomSeq(room: string): Promise<number> {
    return this.#time('room_seq', this.#store.roomSeq(room));
  }
  listRooms(): Promise<RoomSummary[]> {
    return this.#time('list_rooms', this.#store.listRooms());
  }
  history(room: string, before: number | undefined, limit: number): Promise<ChatMessage[]> {
    return this.#time('history', this.#store.history(room, before, limit));
  }
  after(room: string, after: number, limit: number): Promise<ChatMessage[]> {
    return this.#time('after', this.#store.after(room, after, limit));
  }
  recordUser(user: UserRef, kind: 'guest' | 'account'): Promise<void> {
    return this.#time('record_user', this.#store.recordUser(user, kind));
  }
  close(): Promise<void> {
    return this.#store.close();
  }
}
