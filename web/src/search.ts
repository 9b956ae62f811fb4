// Search across rooms, from the client: the server's `search` looks in one room at a time, so one
// round asks each room in scope once (one request at a time: a connection runs one search at a
// time), and "older" goes on in the rooms that have more to look at. Person and date go to the
// server with each request, which narrows inside the part of the room it reads.
import type { ChatMessage, SearchOptions } from '../../src/client/index.js';

/** Rooms asked in one round (one request each): the user's rooms first, then public ones; the rest in later rounds. */
export const SEARCH_ROOMS = 25;
const PER_ROOM = 20;

export type SearchRequest = (room: string, text: string, options: SearchOptions) => Promise<{ messages: ChatMessage[]; from: number }>;

export interface Filters {
  /** Part of the author's name (any case); empty: anyone. */
  person: string;
  /** Local dates as `YYYY-MM-DD` (from an `<input type="date">`); empty: no bound. */
  since: string;
  until: string;
}

export interface SearchState {
  query: string;
  /** What the server was asked to narrow by: going on asks the same. */
  filters: Filters;
  /** Newest first, across rooms. */
  found: ChatMessage[];
  /**
   * Per room, where to go on from (`before`; undefined: not searched yet, past the rooms one round
   * asks); rooms searched to their start are left out. Going on asks these, so every room is reached.
   */
  more: ReadonlyMap<string, number | undefined>;
  /** Rooms that refused (not a member of a private one, banned): named, not fatal. */
  failed: string[];
}

/**
 * One round: up to SEARCH_ROOMS rooms of `rooms` (or, going on, of the rooms with more) asked once;
 * the others wait for the next round. `stale` says a newer search started: this one stops between
 * requests.
 */
export async function searchRound(
  search: SearchRequest,
  query: string,
  rooms: readonly string[],
  earlier: SearchState | undefined,
  stale: () => boolean,
  filters: Filters = earlier?.filters ?? { person: '', since: '', until: '' },
): Promise<SearchState | undefined> {
  const narrow = filterOptions(filters);
  const found = earlier?.found.slice() ?? [];
  const failed: string[] = earlier?.failed.slice() ?? [];
  const queue: [string, number | undefined][] = earlier === undefined ? rooms.map((room) => [room, undefined]) : [...earlier.more];
  // Rooms not asked this round stay as they were, first in line for the next one.
  const more = new Map<string, number | undefined>(queue.slice(SEARCH_ROOMS));
  for (const [room, before] of queue.slice(0, SEARCH_ROOMS)) {
    if (stale()) return undefined;
    try {
      const page = await search(room, query, before === undefined ? { ...narrow, limit: PER_ROOM } : { ...narrow, before, limit: PER_ROOM });
      found.push(...page.messages);
      if (page.from > 1) more.set(room, page.from);
    } catch {
      failed.push(room);
    }
  }
  found.sort((a, b) => b.ts - a.ts || (a.room === b.room ? b.seq - a.seq : a.room.localeCompare(b.room)));
  return { query, filters, found, more, failed };
}

/** The filters as the server's `search` takes them: local days as times, "until" including its whole day. */
export function filterOptions(filters: Filters): Pick<SearchOptions, 'person' | 'since' | 'until'> {
  const person = filters.person.trim();
  return {
    ...(person === '' ? {} : { person }),
    ...(filters.since === '' ? {} : { since: startOfDay(filters.since) }),
    ...(filters.until === '' ? {} : { until: startOfDay(filters.until, 1) }),
  };
}

/** Local midnight of `date`, `later` days on (a day is not always 24 hours). */
function startOfDay(date: string, later = 0): number {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(year ?? 1970, (month ?? 1) - 1, (day ?? 1) + later).getTime();
}
