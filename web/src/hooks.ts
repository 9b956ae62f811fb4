// How components read the store: each picks the part it shows and re-renders only when that part
// changes. A room's part is read through the room's own subscription, so components of one room
// never wake for another.
import { createContext } from 'preact';
import { useContext, useEffect, useReducer, useRef } from 'preact/hooks';
import type { AppState } from './state/app.js';
import type { RoomState } from './state/room.js';
import type { ChatStore } from './store/chat-store.js';

export const StoreContext = createContext<ChatStore | undefined>(undefined);

export function useStore(): ChatStore {
  const store = useContext(StoreContext);
  if (store === undefined) throw new Error('useStore outside a StoreContext provider');
  return store;
}

type Equal<T> = (a: T, b: T) => boolean;

/** Same keys, and the same value under each (by identity). */
export function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const left = Object.entries(a);
  const right = new Map(Object.entries(b));
  return left.length === right.size && left.every(([key, value]) => right.has(key) && Object.is(value, right.get(key)));
}

/** The same items in the same order (by identity). */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, index) => Object.is(item, b[index]));
}

function useSelected<S, T>(read: () => S, subscribe: (listener: () => void) => () => void, select: (source: S) => T, equal: Equal<T>, deps: unknown[]): T {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const value = select(read());
  const latest = useRef({ select, value, equal, read });
  latest.current = { select, value, equal, read };
  useEffect(() => {
    const check = (): void => {
      const { select: pick, value: shown, equal: same, read: now } = latest.current;
      if (!same(pick(now()), shown)) bump(undefined);
    };
    const stop = subscribe(check);
    // A change between this render and the subscription would otherwise go unseen.
    check();
    return stop;
  }, deps);
  return value;
}

/** The part of the app's state `select` picks; re-renders when it changes (by `equal`). */
export function useApp<T>(select: (state: AppState) => T, equal: Equal<T> = Object.is): T {
  const store = useStore();
  return useSelected(
    () => store.state,
    (listener) => store.subscribe(listener),
    select,
    equal,
    [store],
  );
}

/** The part of one room's state `select` picks (undefined while the room is not joined here). */
export function useRoom<T>(room: string, select: (state: RoomState | undefined) => T, equal: Equal<T> = Object.is): T {
  const store = useStore();
  return useSelected(
    () => store.state.rooms.get(room),
    (listener) => store.subscribeRoom(room, listener),
    select,
    equal,
    [store, room],
  );
}

/** Re-renders every `ms` while `active`. */
export function useTicker(active: boolean, ms: number): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => bump(undefined), ms);
    return () => clearInterval(timer);
  }, [active, ms]);
}
