// Holds the app's state and tells subscribers when it changed: a burst of changes (one socket
// frame often makes several) is one notification, in a microtask. A room's subscribers hear only of
// changes to that room, so a message in one room wakes nothing that shows another.
import type { AppState } from '../state/app.js';
import type { RoomState } from '../state/room.js';

type Listener = () => void;

export class StateBox {
  #state: AppState;
  /** The state as of the last notification: what room subscribers are compared against. */
  #notified: AppState;
  readonly #listeners = new Set<Listener>();
  readonly #roomListeners = new Map<string, Set<Listener>>();
  #queued = false;
  #closed = false;

  constructor(initial: AppState) {
    this.#state = initial;
    this.#notified = initial;
  }

  get state(): AppState {
    return this.#state;
  }

  /** Every change (components pick their part and compare). */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Changes to `room` only. */
  subscribeRoom(room: string, listener: Listener): () => void {
    let set = this.#roomListeners.get(room);
    if (set === undefined) this.#roomListeners.set(room, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#roomListeners.get(room) === set) this.#roomListeners.delete(room);
    };
  }

  set(change: Partial<AppState>): void {
    this.#state = { ...this.#state, ...change };
    this.#changed();
  }

  /** Replaces `room` by `update(room)`; nothing happens when the room is gone or unchanged. */
  updateRoom(room: string, update: (state: RoomState) => RoomState): void {
    const current = this.#state.rooms.get(room);
    if (current === undefined) return;
    const next = update(current);
    if (next === current) return;
    this.#state = { ...this.#state, rooms: new Map(this.#state.rooms).set(room, next) };
    this.#changed();
  }

  /** Nothing is told after this (the store is being torn down). */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#roomListeners.clear();
  }

  #changed(): void {
    if (this.#queued || this.#closed) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      if (this.#closed) return;
      const before = this.#notified;
      const after = this.#state;
      this.#notified = after;
      for (const [room, listeners] of this.#roomListeners) {
        if (before.rooms.get(room) === after.rooms.get(room)) continue;
        for (const listener of [...listeners]) listener();
      }
      for (const listener of [...this.#listeners]) listener();
    });
  }
}
