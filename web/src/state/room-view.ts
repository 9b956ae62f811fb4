// What only the room in view has: the "New messages" divider and the jump to the first unread
// message when the room opens, a message brought into view from search, and which of my messages
// is being edited. Pure functions, like room.ts.
import type { ChatMessage } from '../../../src/client/index.js';
import { lastSeq, patch, type RoomState } from './room.js';

/**
 * The room comes into view: with unread messages, the divider goes above the first of them and
 * the list jumps there. Without any, a divider already shown stays (the page came back into view).
 */
export function openView(room: RoomState): RoomState {
  if (room.unread === 0) return room;
  // Before the first page is in, the server's read marker says where I stopped.
  const after = room.loaded ? Math.max(0, lastSeq(room) - room.unread) : room.readSeq;
  return patch(room, { dividerAfter: after, focus: { seq: after + 1, why: 'unread' } });
}

/** The room goes out of view: its divider and a half-done edit go with it. */
export function leaveView(room: RoomState): RoomState {
  return patch(room, { dividerAfter: undefined, focus: undefined, editing: undefined });
}

/** My newest message that can still be edited (not deleted), for the Up arrow in an empty composer. */
export function lastEditable(messages: readonly ChatMessage[], me: string | undefined): ChatMessage | undefined {
  if (me === undefined) return undefined;
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message !== undefined && message.from.id === me && message.deleted !== true) return message;
  }
  return undefined;
}
