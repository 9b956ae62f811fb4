// What happens to a message after it is stored: its author edits it, its author or a moderator
// deletes it (with its files), anyone who may write reacts to it. Each change is stored first and
// then published to the room, as a send is.
import type { ChatMessage, UserRef } from '../../protocol/messages.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { ReactionsFull, type MessageStore } from '../store/message-store.js';
import type { FileStore } from '../store/file-store.js';
import { canModerate } from './roles.js';
import { forbidden } from './room-checks.js';
import { ChatPart } from './chat-part.js';

export interface MessageChangesDeps {
  messages: MessageStore;
  /** Most different emoji on one message. */
  maxReactionsPerMessage: number;
  /** Told when a message has as many different emoji as it may. */
  onLimit: (limit: 'reactions_per_message') => void;
  files?: { store: FileStore } | undefined;
  /** Told the blobs a deletion left unreferenced (the service hands them to the file collector). */
  dropFiles: (dropping: Promise<string[]> | undefined) => Promise<void>;
}

export class MessageChanges extends ChatPart<MessageChangesDeps> {
  /** Replaces the text of the actor's own message. */
  edit(actor: UserRef, room: string, seq: number, text: string): Promise<number> {
    return this.fx.request(async () => {
      await this.checks.requireWriter(actor, room, this.fx.now());
      const message = await this.#liveMessage(room, seq);
      if (message.from.id !== actor.id) throw forbidden('only the author edits a message');
      const editedAt = this.fx.now();
      if (!(await this.deps.messages.editMessage(room, seq, text, editedAt))) throw messageNotFound(room, seq);
      await this.fx.publish(room, { type: 'edit', room, seq, text, editedAt });
      return editedAt;
    });
  }

  /** Deletes the actor's own message, or anyone's when the actor moderates the room. */
  delete(actor: UserRef, room: string, seq: number): Promise<void> {
    return this.fx.request(async () => {
      const { standing } = await this.checks.reader(actor, room);
      const message = await this.#liveMessage(room, seq);
      if (message.from.id !== actor.id && !canModerate(standing.role)) {
        throw forbidden('only the author or a moderator deletes a message');
      }
      if (!(await this.deps.messages.deleteMessage(room, seq, this.fx.now()))) throw messageNotFound(room, seq);
      // Gone for readers from here on; their blobs go unless another message has the same bytes.
      if (message.files !== undefined) await this.deps.dropFiles(this.deps.files?.store.dropMessage(room, seq));
      // A moderator's removal of someone else's message is an act to answer for; an author's own is not.
      if (message.from.id !== actor.id) this.fx.audit(actor, 'message.delete', room, message.from.id, `#${seq}`);
      await this.fx.publish(room, { type: 'delete', room, seq });
    });
  }

  react(actor: UserRef, room: string, seq: number, emoji: string, on: boolean): Promise<number> {
    return this.fx.request(async () => {
      await this.checks.requireWriter(actor, room, this.fx.now());
      const { messages, maxReactionsPerMessage } = this.deps;
      let change;
      try {
        change = await messages.react(room, seq, actor.id, emoji, on, this.fx.now(), maxReactionsPerMessage);
      } catch (error) {
        if (!(error instanceof ReactionsFull)) throw error;
        this.deps.onLimit('reactions_per_message');
        throw new ProtocolError(
          ErrorCode.TooManyReactions,
          `message ${seq} has ${error.limit} different reactions already, the most there may be; react with one of those`,
          'emoji',
        );
      }
      if (change === undefined) throw messageNotFound(room, seq);
      if (change.changed) {
        await this.fx.publish(room, { type: 'reaction', room, seq, emoji, user: actor.id, on, count: change.count });
      }
      return change.count;
    });
  }

  async #liveMessage(room: string, seq: number): Promise<ChatMessage> {
    const message = await this.deps.messages.message(room, seq);
    if (message === undefined || message.deleted === true) throw messageNotFound(room, seq);
    return message;
  }
}

function messageNotFound(room: string, seq: number): ProtocolError {
  return new ProtocolError(ErrorCode.NotFound, `no message ${seq} in ${room}`, 'seq');
}
