// What `parley chat` prints: message lines (with "(edited)", "message deleted" and reactions), the
// room events that change a message already shown, and room labels (a DM is `@name`, not its
// hashed room name). It remembers the names it has seen and the recent messages of each room, so
// an edit, a delete or a reaction can say whose message it touched.
import { isBot, type ChatMessage, type FileDescriptor, type ReactionCount, type RoomEventPush, type UserRef } from '../client/node.js';

/** Per room, the messages kept to give edits, deletes and reactions their context. */
const REMEMBERED_PER_ROOM = 500;
const QUOTE_CHARS = 40;
/** Width of "[hh:mm] ": continuation lines of a message are indented by it. */
const INDENT = ' '.repeat(9);

export interface Style {
  dim: (text: string) => string;
  bold: (text: string) => string;
}

export const plainStyle: Style = { dim: (text) => text, bold: (text) => text };

/**
 * Message text may carry terminal escape sequences; print control characters as visible
 * ^X notation so nobody can move the cursor, retitle the window or hide text in your terminal.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 ? `^${String.fromCharCode(code + 64)}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export class ChatView {
  readonly #style: Style;
  readonly #self: () => string | undefined;
  readonly #names = new Map<string, string>();
  readonly #dmPeers = new Map<string, string>();
  readonly #messages = new Map<string, Map<number, ChatMessage>>();

  /** `self` gives this user's id once signed in (its own name never labels a DM). */
  constructor(style: Style, self: () => string | undefined) {
    this.#style = style;
    this.#self = self;
  }

  /** Learns a user's name (from a message, a join's members, a presence push). */
  learnUser(user: UserRef): void {
    this.#names.set(user.id, user.name);
  }

  /** Learns who the other person of a DM room is. */
  learnDmPeer(room: string, peer: UserRef): void {
    if (peer.id === this.#self()) return;
    this.learnUser(peer);
    this.#dmPeers.set(room, peer.name);
  }

  /** Whether the other person of this DM room is known. */
  knowsDmPeer(room: string): boolean {
    return this.#dmPeers.has(room);
  }

  /** The DM room with the person called `name` (any letter case), when one is known. */
  dmRoomWith(name: string): string | undefined {
    const wanted = name.toLowerCase();
    for (const [room, peer] of this.#dmPeers) if (peer.toLowerCase() === wanted) return room;
    return undefined;
  }

  /** `#room`, or `@name` for a DM whose other person is known. */
  label(room: string): string {
    const peer = this.#dmPeers.get(room);
    return peer === undefined ? `#${room}` : `@${printable(peer)}`;
  }

  /** The prompt for typing into `room`. */
  prompt(room: string): string {
    return `${this.label(room)}> `;
  }

  /** Remembers `message` and gives its line(s); `withRoom` puts the room's label in front. */
  message(message: ChatMessage, withRoom = false, dm = false): string {
    this.learnUser(message.from);
    if (dm) this.learnDmPeer(message.room, message.from);
    this.#remember(message);
    return this.#render(message, withRoom);
  }

  /**
   * The line for an edit, delete, reaction, kick, mute or topic push, or undefined when it needs
   * none. An edited or deleted message is printed again as it is now.
   */
  roomEvent(push: RoomEventPush, withRoom: boolean): string | undefined {
    const where = withRoom ? ` in ${this.label(push.room)}` : '';
    switch (push.type) {
      case 'edit': {
        const known = this.#messages.get(push.room)?.get(push.seq);
        if (known === undefined) return this.#status(`a message${where} was edited: ${printable(push.text)}`);
        const edited: ChatMessage = { ...known, text: push.text, editedAt: push.editedAt };
        this.#remember(edited);
        return this.#render(edited, withRoom);
      }
      case 'delete': {
        const known = this.#messages.get(push.room)?.get(push.seq);
        if (known === undefined) return this.#status(`a message${where} was deleted`);
        const { editedAt: _editedAt, reactions: _reactions, ...rest } = known;
        const tombstone: ChatMessage = { ...rest, text: '', deleted: true };
        this.#remember(tombstone);
        return this.#render(tombstone, withRoom);
      }
      case 'reaction': {
        const known = this.#messages.get(push.room)?.get(push.seq);
        if (known !== undefined) {
          const { reactions: _before, ...rest } = known;
          this.#remember({ ...rest, ...reactionsAfter(known, push) });
        }
        const who = push.user === this.#self() ? 'you' : printable(this.#names.get(push.user) ?? 'someone');
        const target = known === undefined ? `a message${where}` : `${this.#whose(known)} "${quote(known.text)}"${where}`;
        const verb = push.on ? `reacted ${printable(push.emoji)} to` : `took back ${printable(push.emoji)} on`;
        return this.#status(`${who} ${verb} ${target} (${printable(push.emoji)} ${push.count})`);
      }
      case 'kicked': {
        const who = push.user === this.#self() ? 'you were' : `${printable(this.#names.get(push.user) ?? 'someone')} was`;
        const how = push.reason === 'ban' ? 'banned from' : 'removed from';
        return this.#status(`${who} ${how} ${this.label(push.room)} by ${printable(push.by.name)}`);
      }
      case 'muted': {
        const who = push.user === this.#self() ? 'you' : printable(this.#names.get(push.user) ?? 'someone');
        if (push.until === 0) return this.#status(`${who} may send${where} again`);
        return this.#status(`${who} may not send${where} until ${timeFormat.format(push.until)}`);
      }
      case 'topic':
        if (push.topic === '') return this.#status(`${printable(push.by.name)} cleared the topic${where}`);
        return this.#status(`${printable(push.by.name)} set the topic${where}: ${printable(push.topic)}`);
      default:
        return undefined;
    }
  }

  #render(message: ChatMessage, withRoom: boolean): string {
    const { dim, bold } = this.#style;
    const where = withRoom ? dim(`${this.label(message.room)} `) : '';
    const bot = isBot(message.from) ? dim(' [bot]') : '';
    const threaded = message.thread === undefined ? '' : dim(`↳ #${message.thread} `);
    const head = `${dim(`[${timeFormat.format(message.ts)}]`)} ${where}${threaded}${bold(printable(message.from.name))}${bot}: `;
    if (message.deleted === true) return head + dim('message deleted');
    const body = printable(message.text).split('\n').join(`\n${INDENT}`);
    const edited = message.editedAt === undefined ? '' : ` ${dim('(edited)')}`;
    const reactions = message.reactions === undefined || message.reactions.length === 0 ? '' : `  ${dim(reactionSummary(message.reactions))}`;
    const files = (message.files ?? []).map((file) => `\n${INDENT}${dim(`[file] ${printable(file.name)} (${fileSummary(file)})`)}`).join('');
    const replies =
      message.replies === undefined
        ? ''
        : `  ${dim(`(${message.replies.count} ${message.replies.count === 1 ? 'reply' : 'replies'}: /thread ${message.seq})`)}`;
    return head + body + edited + reactions + replies + files;
  }

  #status(text: string): string {
    return this.#style.dim(`* ${text}`);
  }

  #whose(message: ChatMessage): string {
    return message.from.id === this.#self() ? 'your' : `${printable(message.from.name)}'s`;
  }

  #remember(message: ChatMessage): void {
    let room = this.#messages.get(message.room);
    if (room === undefined) this.#messages.set(message.room, (room = new Map<number, ChatMessage>()));
    room.delete(message.seq);
    room.set(message.seq, message);
    if (room.size > REMEMBERED_PER_ROOM) {
      const oldest = room.keys().next();
      if (oldest.done !== true) room.delete(oldest.value);
    }
  }
}

/** "👍 2 · 🎉 1" */
export function reactionSummary(reactions: readonly ReactionCount[]): string {
  return reactions.map((reaction) => `${printable(reaction.emoji)} ${reaction.count}`).join(' · ');
}

function quote(text: string): string {
  const flat = printable(text.replace(/\s+/g, ' ').trim());
  return flat.length > QUOTE_CHARS ? `${flat.slice(0, QUOTE_CHARS - 1)}…` : flat;
}

function reactionsAfter(message: ChatMessage, push: Extract<RoomEventPush, { type: 'reaction' }>): Pick<ChatMessage, 'reactions'> {
  const others = (message.reactions ?? []).filter((reaction) => reaction.emoji !== push.emoji);
  const before = message.reactions?.find((reaction) => reaction.emoji === push.emoji);
  const users = (before?.users ?? []).filter((user) => user !== push.user);
  if (push.on) users.push(push.user);
  if (push.count === 0) return others.length === 0 ? {} : { reactions: others };
  const updated: ReactionCount = { emoji: push.emoji, count: push.count, users };
  const reactions = before === undefined ? [...others, updated] : (message.reactions ?? []).map((r) => (r.emoji === push.emoji ? updated : r));
  return { reactions };
}

/** `image/png, 40×30, 1.2 kB`: what a terminal can say of an attached file. */
export function fileSummary(file: FileDescriptor): string {
  const size = file.size < 1000 ? `${file.size} B` : file.size < 1_000_000 ? `${(file.size / 1000).toFixed(1)} kB` : `${(file.size / 1_000_000).toFixed(1)} MB`;
  return [file.type, file.width !== undefined && file.height !== undefined ? `${file.width}×${file.height}` : undefined, size]
    .filter((part) => part !== undefined)
    .join(', ');
}
