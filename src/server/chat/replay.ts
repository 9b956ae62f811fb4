// What a join replays of a gap, and what a page of messages costs as push frames: the bounds that
// keep a join, a history page and a thread page from holding a whole busy room in memory.
import type { ChatMessage } from '../../protocol/messages.js';
import type { MessageStore } from '../store/message-store.js';

/** Messages read per store call while a replay is gathered, newest first. */
const REPLAY_PAGE = 256;
/** What a message's push frame adds to the message's own JSON: `"type":"message",` and the frame header. */
const PUSH_OVERHEAD = 32;

/** What replaying `message` costs in bytes, as the push frame a join sends. */
export function replayBytes(message: ChatMessage): number {
  return Buffer.byteLength(JSON.stringify(message)) + PUSH_OVERHEAD;
}

/**
 * The newest messages in (since, seq] that fit `budget` bytes, ascending. Read a page at a time from
 * the newest end, so that a join holds at most about `budget` of messages, never the whole gap
 * (5,000 messages of 4,000 characters are 20 MB; a connection may have many joins in flight).
 */
export async function replayGap(messages: MessageStore, room: string, since: number, seq: number, budget: number): Promise<ChatMessage[]> {
  const pages: ChatMessage[][] = [];
  let before = seq + 1;
  let bytes = 0;
  while (before > since + 1) {
    const page = await newestPage(messages, room, since, before);
    for (let i = page.length - 1; i >= 0; i--) {
      bytes += replayBytes(page[i] as ChatMessage);
      if (bytes > budget) {
        pages.push(page.slice(i + 1));
        return pages.reverse().flat();
      }
    }
    const first = page[0];
    if (first === undefined) break;
    pages.push(page);
    before = first.seq;
  }
  return pages.reverse().flat();
}

/**
 * The newest page of the replay's window (since, before), ascending. The page that reaches down to
 * `since` (all of a reconnect's usual few messages) is read in its natural order: the newest-first
 * page needs a subquery and a sort, which made this read most of a reconnect storm's store time.
 * Seqs at or past `before` (appended after the room's seq was read) belong to the live pushes.
 */
async function newestPage(messages: MessageStore, room: string, since: number, before: number): Promise<ChatMessage[]> {
  const left = before - 1 - since;
  if (left > REPLAY_PAGE) return messages.history(room, before, REPLAY_PAGE);
  return (await messages.after(room, since, left)).filter((message) => message.seq < before);
}

/** The newest of `page` (ascending) that fit `budget` bytes as push frames, and always at least one. */
export function newestWithin(page: ChatMessage[], budget: number): ChatMessage[] {
  if (budget === Number.POSITIVE_INFINITY) return page;
  let bytes = 0;
  for (let i = page.length - 1; i >= 0; i--) {
    bytes += replayBytes(page[i] as ChatMessage);
    if (bytes > budget && i < page.length - 1) return page.slice(i + 1);
  }
  return page;
}

/** The first of `list` that fit `budget` bytes after `spent` bytes already sent, and always at least one. */
export function firstWithin(list: ChatMessage[], budget: number, spent = 0): ChatMessage[] {
  let bytes = spent;
  for (let i = 0; i < list.length; i++) {
    bytes += replayBytes(list[i] as ChatMessage);
    if (bytes > budget && i > 0) return list.slice(0, i);
  }
  return list;
}
