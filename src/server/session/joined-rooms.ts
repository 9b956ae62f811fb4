// JoinedRooms: the rooms one connection is in, with its state in each. Most connections are in one
// room or a few, and a Map for them (about 250 bytes with its hash table, measured in a heap
// snapshot) was the largest thing a connection held after the socket itself. A flat array of
// name/state pairs is a fraction of that, and scanning a handful of names is as fast as hashing;
// past SMALL_LIMIT rooms it becomes a Map, so a connection allowed into many rooms stays fast.

const SMALL_LIMIT = 8;

export class JoinedRooms<State> {
  /** name0, state0, name1, state1, ... while small. */
  #pairs: (string | State)[] = [];
  #map: Map<string, State> | null = null;

  get size(): number {
    return this.#map === null ? this.#pairs.length / 2 : this.#map.size;
  }

  get(room: string): State | undefined {
    if (this.#map !== null) return this.#map.get(room);
    const at = this.#indexOf(room);
    return at < 0 ? undefined : (this.#pairs[at + 1] as State);
  }

  has(room: string): boolean {
    return this.#map !== null ? this.#map.has(room) : this.#indexOf(room) >= 0;
  }

  set(room: string, state: State): void {
    if (this.#map !== null) {
      this.#map.set(room, state);
      return;
    }
    const pairs = this.#pairs;
    const at = this.#indexOf(room);
    if (at >= 0) {
      pairs[at + 1] = state;
      return;
    }
    if (pairs.length === 0) {
      // An array literal is allocated at its exact size; push would reserve room for 17 slots.
      this.#pairs = [room, state];
      return;
    }
    if (pairs.length / 2 < SMALL_LIMIT) {
      pairs.push(room, state);
      return;
    }
    const map = new Map<string, State>();
    for (let i = 0; i < pairs.length; i += 2) map.set(pairs[i] as string, pairs[i + 1] as State);
    map.set(room, state);
    this.#map = map;
    this.#pairs = [];
  }

  delete(room: string): boolean {
    if (this.#map !== null) return this.#map.delete(room);
    const at = this.#indexOf(room);
    if (at < 0) return false;
    this.#pairs.splice(at, 2);
    return true;
  }

  /** Where `room`'s name is in the pairs (only names, at even positions, are compared), or -1. */
  #indexOf(room: string): number {
    const pairs = this.#pairs;
    for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === room) return i;
    return -1;
  }

  /** The room names, as a new array (safe to change the rooms while going through it). */
  names(): string[] {
    if (this.#map !== null) return [...this.#map.keys()];
    const names: string[] = [];
    for (let i = 0; i < this.#pairs.length; i += 2) names.push(this.#pairs[i] as string);
    return names;
  }

  clear(): void {
    this.#pairs = [];
    this.#map = null;
  }
}
