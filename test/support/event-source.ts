// A stock EventSource (the `eventsource` package) following a room's event stream
// (GET /api/v1/rooms/{room}/events), with its Authorization header set through the package's fetch
// option, keeping every message's event id and text, and how many times its stream was lost.
import { EventSource, type FetchLike } from 'eventsource';

export interface Followed {
  source: EventSource;
  /** Each message event's id (its seq), in arrival order. */
  ids: string[];
  texts: string[];
  /** Errors EventSource reported: each lost stream, before it reconnects by itself. */
  drops: number;
}

export function followRoom(url: string, token: string): Followed {
  const withAuth: FetchLike = (input, init) => fetch(input, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
  const source = new EventSource(url, { fetch: withAuth });
  const followed: Followed = { source, ids: [], texts: [], drops: 0 };
  source.onmessage = (event) => {
    followed.ids.push(event.lastEventId);
    followed.texts.push((JSON.parse(event.data as string) as { text: string }).text);
  };
  source.onerror = () => followed.drops++;
  return followed;
}
