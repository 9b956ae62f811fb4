// Threads: a reply is a room message with its root's seq (stored, pushed and recovered like any
// other); this is what is particular to them: which message may root one, a thread's page, who
// follows it and how far each follower has read, on all of its devices.
import type { ChatMessage, UserRef } from '../../protocol/messages.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { USER_NOTICES } from '../hub/hub.js';
import type { MessageStore } from '../store/message-store.js';
import type { FollowedThread, ThreadFollowStore } from '../store/thread-follow-store.js';
import { firstWithin, replayBytes } from './replay.js';
import { ChatPart } from './chat-part.js';

/** Most followed threads one `threads` reply lists. */
const THREADS_LIST_MAX = 200;

export interface ThreadsDeps {
  messages: MessageStore;
  threadFollows: ThreadFollowStore;
  /** Throws the refusal of a join when `user` may not read `room` (the service's access check). */
  access: (user: UserRef, room: string) => Promise<unknown>;
}

export class Threads extends ChatPart<ThreadsDeps> {
  /** A message that can root a thread: live, and no reply itself (threads are one level deep). */
  async root(room: string, root: number): Promise<ChatMessage> {
    const message = await this.deps.messages.message(room, root);
    if (message === undefined || message.deleted === true) throw new ProtocolError(ErrorCode.NotFound, `thread: ${room} has no message ${root}`, 'thread');
    if (message.thread !== undefined)
      throw new ProtocolError(ErrorCode.BadRequest, `thread: ${root} is a reply in thread ${message.thread}; answer there`, 'thread');
    return message;
  }

  /**
   * A thread: its root as it is now (with its reply summary) and up to `limit` replies after
   * `after`, ascending, cut to `budget` bytes as a history page is (always at least one).
   */
  thread(user: UserRef, room: string, root: number, after: number, limit: number, budget: number): Promise<{ root: ChatMessage; messages: ChatMessage[] }> {
    return this.fx.request(async () => {
      await this.deps.access(user, room);
      const rootMessage = await this.deps.messages.message(room, root);
      if (rootMessage === undefined || rootMessage.thread !== undefined) throw new ProtocolError(ErrorCode.NotFound, `no thread ${root} in ${room}`, 'root');
      const replies = await this.deps.messages.thread(room, root, after, limit);
      return { root: rootMessage, messages: firstWithin(replies, budget, replayBytes(rootMessage)) };
    });
  }

  /** Marks the thread of `root` read up to `seq` for the user, on all its devices (a `read` push with `thread`). */
  markRead(user: UserRef, room: string, root: number, seq: number): Promise<number> {
    return this.fx.request(async () => {
      await this.checks.reader(user, room);
      const rootMessage = await this.deps.messages.message(room, root);
      if (rootMessage === undefined || rootMessage.thread !== undefined) throw new ProtocolError(ErrorCode.NotFound, `no thread ${root} in ${room}`, 'thread');
      const marked = await this.deps.threadFollows.markThreadRead(room, root, user.id, seq, this.fx.now());
      await this.fx.publish(USER_NOTICES, { type: 'read', room, user: user.id, seq: marked, thread: root });
      return marked;
    });
  }

  /** The threads the user follows in rooms it may still read, most recently answered first. */
  followed(user: UserRef): Promise<FollowedThread[]> {
    return this.fx.request(async () => {
      const followed = await this.deps.threadFollows.followedThreads(user.id, THREADS_LIST_MAX);
      const readable = new Map<string, boolean>();
      for (const room of new Set(followed.map((thread) => thread.room))) {
        readable.set(
          room,
          await this.checks.reader(user, room).then(
            () => true,
            (error: unknown) => {
              if (error instanceof ProtocolError) return false;
              throw error;
            },
          ),
        );
      }
      return followed.filter((thread) => readable.get(thread.room) === true);
    });
  }
}
