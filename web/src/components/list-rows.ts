// The message list's rows: day separators, the "New messages" divider, messages grouped by author
// (a run of one author within five minutes shows the avatar once), and pending sends at the end.
import type { ChatMessage, PendingMessage, UserRef } from '../../../src/client/index.js';
import { dayKey, dayLabel } from '../time.js';

const GROUP_MS = 5 * 60_000;

export type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'divider'; key: string }
  | { kind: 'message'; key: string; message: ChatMessage; head: boolean }
  | { kind: 'pending'; key: string; pending: PendingMessage; user: UserRef; head: boolean };

/** The rows; with `dividerAfter`, the divider goes above the first message after that seq. */
export function rowsOf(messages: readonly ChatMessage[], pending: readonly PendingMessage[], me: UserRef | undefined, dividerAfter: number | undefined): Row[] {
  const out: Row[] = [];
  let day = '';
  let lastFrom = '';
  let lastTs = 0;
  let divided = dividerAfter === undefined;
  const add = (ts: number, fromId: string, firstNew = false): boolean => {
    const key = dayKey(ts);
    if (key !== day) {
      day = key;
      out.push({ kind: 'day', key: `day-${key}`, label: dayLabel(ts) });
      lastFrom = '';
    }
    if (firstNew) {
      out.push({ kind: 'divider', key: 'divider' });
      // The first new message starts its own run, under the divider.
      lastFrom = '';
    }
    const head = fromId !== lastFrom || ts - lastTs > GROUP_MS;
    lastFrom = fromId;
    lastTs = ts;
    return head;
  };
  for (const message of messages) {
    // A thread reply is shown in its thread's panel, in the room only when sent there too.
    if (!inTimeline(message)) continue;
    const firstNew = !divided && message.seq > (dividerAfter ?? 0);
    if (firstNew) divided = true;
    const head = add(message.ts, message.from.id, firstNew);
    out.push({ kind: 'message', key: `m-${message.seq}`, message, head });
  }
  if (me !== undefined) {
    for (const item of pending) {
      if (!inTimeline(item)) continue;
      const head = add(Math.max(item.createdAt, lastTs), me.id);
      out.push({ kind: 'pending', key: `p-${item.cid}`, pending: item, user: me, head });
    }
  }
  return out;
}

/** Whether a message (or a pending send) belongs in the room's timeline rather than only in its thread. */
export function inTimeline(message: { thread?: number; alsoInRoom?: true }): boolean {
  return message.thread === undefined || message.alsoInRoom === true;
}
