// Keeps each room's contents in step with the server: the newest page after a join, older pages on
// scrolling up, the full members list of the room in view, and read markers (at most one request
// per room in flight, then at most one every READ_MS).
import type { ParleyClient } from '../../../src/client/index.js';
import type { Browser } from '../browser.js';
import { applyEmpty, applyMembers, applyOlder, applyRecent, lastSeq, PAGE, patch } from '../state/room.js';
import type { StateBox } from './state-box.js';

/**
 * Read markers of one room go to the server at most this often: in a busy room every viewer would
 * otherwise write one per message (a store write and a notice each).
 */
const READ_MS = 2000;

export class RoomSync {
  /** Rooms with a read marker on its way, or sent less than READ_MS ago. */
  readonly #reading = new Set<string>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopped = false;
  /**
   * The room in view when the app started: no marker goes out for it until the server's marker is
   * in (`rooms`), or the "New messages" divider would not know where I stopped.
   */
  #awaitingMarker: string | undefined;

  constructor(
    private readonly client: ParleyClient,
    private readonly box: StateBox,
    private readonly browser: Browser,
  ) {}

  /** The newest page, up to the seq the join reported (later ones arrive as events). */
  async loadRecent(room: string, seq: number): Promise<void> {
    if (seq === 0) {
      this.box.updateRoom(room, applyEmpty);
      return;
    }
    try {
      const recent = await this.client.history(room, { before: seq + 1, limit: PAGE });
      this.box.updateRoom(room, (state) => applyRecent(state, recent));
      this.markSeen(room);
    } catch {
      // Offline again: the next join loads it.
    }
  }

  /** The page of history before the oldest message shown (bigger pages when jumping far back). */
  async loadOlder(room: string, limit = PAGE): Promise<void> {
    const view = this.box.state.rooms.get(room);
    if (view === undefined || view.loadingOlder || !view.hasOlder || !view.loaded) return;
    const oldest = view.messages[0]?.seq;
    if (oldest === undefined || oldest <= 1) {
      this.box.updateRoom(room, (state) => patch(state, { hasOlder: false }));
      return;
    }
    this.box.updateRoom(room, (state) => patch(state, { loadingOlder: true }));
    try {
      const older = await this.client.history(room, { before: oldest, limit });
      this.box.updateRoom(room, (state) => applyOlder(state, older));
    } catch {
      // Offline: tried again on the next scroll.
    } finally {
      this.box.updateRoom(room, (state) => patch(state, { loadingOlder: false }));
    }
  }

  /**
   * A join lists at most 100 members. When the room in view has more online, the list (up to
   * 1,000) is read once per join: only for the room someone is looking at.
   */
  readMembers(room: string): void {
    const view = this.box.state.rooms.get(room);
    if (view === undefined || view.membersRead || view.online <= view.members.size || !this.client.rooms.includes(room)) return;
    this.box.updateRoom(room, (state) => patch(state, { membersRead: true }));
    this.client.members(room).then(
      ({ members, online }) => this.box.updateRoom(room, (state) => applyMembers(state, members, online)),
      () => this.box.updateRoom(room, (state) => patch(state, { membersRead: false })),
    );
  }

  /** Holds `room`'s marker until `markerKnown` (see #awaitingMarker). */
  awaitMarker(room: string): void {
    this.#awaitingMarker = room;
  }

  /** The server's markers are in: the held room's marker may go out (by the caller's markSeen). */
  markerKnown(): void {
    this.#awaitingMarker = undefined;
  }

  /** The room is in view: tell the server how far I have read it (at once, then at most every READ_MS). */
  markSeen(room: string): void {
    if (room === this.#awaitingMarker) return;
    const { state } = this.box;
    // Offline, the next join (which loads the room again) marks it.
    if (this.#stopped || this.#reading.has(room) || this.browser.hidden() || room !== state.active || state.connection.state !== 'open') return;
    const view = state.rooms.get(room);
    if (view === undefined) return;
    const last = lastSeq(view);
    if (last <= view.readSeq || !this.client.rooms.includes(room)) return;
    this.#reading.add(room);
    const settled = (): void => {
      if (this.#stopped) return;
      // Messages that came in meanwhile go with the next marker.
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#reading.delete(room);
        this.markSeen(room);
      }, READ_MS);
      this.#timers.add(timer);
    };
    this.client.markRead(room, last).then((seq) => {
      this.box.updateRoom(room, (current) => patch(current, { readSeq: Math.max(current.readSeq, seq) }));
      settled();
    }, settled);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
