// The events the chat Stores record for webhooks: one builder per event type, shared by both
// engines so a receiver gets the same `data` from either (docs/api.md lists the fields).
import type { ChatMessage } from '../../protocol/messages.js';
import type { WebhookEvent } from './webhook-store.js';

export function messageCreated(message: ChatMessage): WebhookEvent {
  const { room, seq, msgId, cid, from, text, ts, replyTo } = message;
  return { type: 'message.created', at: ts, data: { room, seq, msgId, cid, from, text, ts, ...(replyTo === undefined ? {} : { replyTo }) } };
}

export function messageEdited(room: string, seq: number, text: string, editedAt: number): WebhookEvent {
  return { type: 'message.edited', at: editedAt, data: { room, seq, text, editedAt } };
}

export function messageDeleted(room: string, seq: number, deletedAt: number): WebhookEvent {
  return { type: 'message.deleted', at: deletedAt, data: { room, seq, deletedAt } };
}

export function reactionChanged(room: string, seq: number, user: string, emoji: string, on: boolean, count: number, at: number): WebhookEvent {
  return { type: 'reaction.changed', at, data: { room, seq, user, emoji, on, count } };
}

export function memberJoined(room: string, user: string, at: number): WebhookEvent {
  return { type: 'member.joined', at, data: { room, user } };
}

export function memberLeft(room: string, user: string, at: number): WebhookEvent {
  return { type: 'member.left', at, data: { room, user } };
}

export function roomCreated(room: string, kind: 'room' | 'dm', isPrivate: boolean, by: string | null, at: number): WebhookEvent {
  return { type: 'room.created', at, data: { room, kind, private: isPrivate, ...(by === null ? {} : { by }) } };
}
