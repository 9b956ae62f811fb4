// The optional parts of a stored message (the message it answers, and what changes after it was
// sent: edit, delete, reactions), mapped the same way by every Store implementation so that history
// reads identically on each.
import type { ChatMessage, FileDescriptor, ReactionCount } from '../../protocol/messages.js';

/** The optional columns of a message row. */
export interface MessageStateColumns {
  edited_at: number | string | null;
  deleted_at: number | string | null;
  reply_to: number | string | null;
  /** JSON of the attached files' descriptors; null without files. */
  files: string | null;
  thread_root: number | string | null;
  also_in_room: number | boolean;
}

/** Adds `replyTo`, `editedAt` / `deleted` to a message built from its row. A tombstone has no text. */
export function withState(message: ChatMessage, row: MessageStateColumns): ChatMessage {
  const threaded = withThread(message, row.thread_root === null ? undefined : Number(row.thread_root), row.also_in_room === true || row.also_in_room === 1);
  if (row.deleted_at !== null) return { ...threaded, text: '', deleted: true };
  const replied = row.reply_to === null ? threaded : { ...threaded, replyTo: Number(row.reply_to) };
  const filed = row.files === null ? replied : { ...replied, files: JSON.parse(row.files) as FileDescriptor[] };
  if (row.edited_at !== null) return { ...filed, editedAt: Number(row.edited_at) };
  return filed;
}

/** The message as first stored: what `append` answers and publishes. */
export function newMessage(
  fields: Omit<ChatMessage, 'replyTo' | 'files'>,
  replyTo: number | undefined,
  files?: FileDescriptor[],
  thread?: { root: number | undefined; alsoInRoom: boolean | undefined },
): ChatMessage {
  const threaded = withThread(fields, thread?.root, thread?.alsoInRoom === true);
  const replied = replyTo === undefined ? threaded : { ...threaded, replyTo };
  return files === undefined || files.length === 0 ? replied : { ...replied, files };
}

function withThread(message: ChatMessage, root: number | undefined, alsoInRoom: boolean): ChatMessage {
  if (root === undefined) return message;
  return alsoInRoom ? { ...message, thread: root, alsoInRoom: true } : { ...message, thread: root };
}

export interface ThreadRow {
  root: number | string;
  count: number | string;
  last_ts: number | string;
  /** Comma-separated distinct user ids of the replies. */
  users: string;
}

/** Attaches each root's reply summary (rows of live replies grouped by root) to its message. */
export function withThreads(messages: ChatMessage[], rows: ThreadRow[]): ChatMessage[] {
  if (rows.length === 0) return messages;
  const byRoot = new Map(rows.map((row) => [Number(row.root), row]));
  return messages.map((message) => {
    const row = byRoot.get(message.seq);
    if (row === undefined) return message;
    return { ...message, replies: { count: Number(row.count), lastTs: Number(row.last_ts), users: row.users.split(',').slice(0, 5) } };
  });
}

/** The files column of a new message: JSON of its descriptors, or null. */
export function filesColumn(files: readonly FileDescriptor[] | undefined): string | null {
  return files === undefined || files.length === 0 ? null : JSON.stringify(files);
}

/**
 * The lowest and highest seq of rows read in seq order, either way round: the range whose
 * reactions belong to them. Undefined for no rows.
 */
export function seqSpan(rows: readonly { seq: number | string }[]): { low: number; high: number } | undefined {
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const [a, b] = [Number(first.seq), Number(last.seq)];
  return { low: Math.min(a, b), high: Math.max(a, b) };
}

export interface ReactionRow {
  seq: number | string;
  emoji: string;
  user_id: string;
}

/**
 * Attaches reactions (rows ordered by seq, then time) to their messages: per message, emojis in
 * the order they first appeared, each with its count and users.
 */
export function withReactions(messages: ChatMessage[], rows: ReactionRow[]): ChatMessage[] {
  if (rows.length === 0) return messages;
  const bySeq = new Map<number, Map<string, ReactionCount>>();
  for (const row of rows) {
    const seq = Number(row.seq);
    let emojis = bySeq.get(seq);
    if (emojis === undefined) bySeq.set(seq, (emojis = new Map<string, ReactionCount>()));
    let entry = emojis.get(row.emoji);
    if (entry === undefined) emojis.set(row.emoji, (entry = { emoji: row.emoji, count: 0, users: [] }));
    entry.count++;
    entry.users.push(row.user_id);
  }
  return messages.map((message) => {
    const emojis = bySeq.get(message.seq);
    return emojis === undefined || message.deleted === true ? message : { ...message, reactions: [...emojis.values()] };
  });
}
