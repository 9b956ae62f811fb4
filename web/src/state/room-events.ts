// What happens to a room's messages and settings (edit, delete, reaction, topic, mute, kick), as
// pure functions. Only the message a push names becomes a new object; the notices these pushes
// announce and the kick of me (the room goes away) are the store's.
import type { ChatMessage, RoomEventPush } from '../../../src/client/index.js';
import { patch, type RoomState } from './room.js';

/** The room after `push`; `me` is my user id (a mute or a kick of someone else is not mine). */
export function applyRoomEvent(room: RoomState, push: RoomEventPush, me: string | undefined): RoomState {
  switch (push.type) {
    case 'edit':
      return updateMessage(room, push.seq, (message) => ({ ...message, text: push.text, editedAt: push.editedAt }));
    case 'delete':
      return updateMessage(room, push.seq, ({ reactions: _reactions, editedAt: _editedAt, ...message }) => ({ ...message, text: '', deleted: true }));
    case 'reaction':
      return updateMessage(room, push.seq, (message) => react(message, push.emoji, push.user, push.on, push.count));
    case 'topic': {
      if (room.access === undefined) return room;
      const { topic: _old, ...rest } = room.access;
      return { ...room, access: push.topic === '' ? rest : { ...rest, topic: push.topic } };
    }
    case 'muted':
      return push.user === me ? patch(room, { mutedUntil: push.until }) : room;
    case 'kicked': {
      if (push.user === me || !room.members.has(push.user)) return room;
      const members = new Map(room.members);
      members.delete(push.user);
      return { ...room, members };
    }
  }
}

function updateMessage(room: RoomState, seq: number, change: (message: ChatMessage) => ChatMessage): RoomState {
  const index = room.messages.findIndex((message) => message.seq === seq);
  const found = room.messages[index];
  if (found === undefined) return room;
  const messages = [...room.messages];
  messages[index] = change(found);
  return { ...room, messages };
}

/** The message with `user`'s `emoji` on or off; `count` is the server's (it knows every user). */
function react(message: ChatMessage, emoji: string, user: string, on: boolean, count: number): ChatMessage {
  const reactions = (message.reactions ?? []).map((r) => ({ ...r, users: [...r.users] }));
  let entry = reactions.find((r) => r.emoji === emoji);
  if (entry === undefined) reactions.push((entry = { emoji, count: 0, users: [] }));
  entry.users = on ? [...new Set([...entry.users, user])] : entry.users.filter((id) => id !== user);
  entry.count = count;
  const kept = reactions.filter((r) => r.count > 0);
  const { reactions: _old, ...rest } = message;
  return kept.length > 0 ? { ...rest, reactions: kept } : rest;
}
