// RoomFollower: one GET /api/v1/rooms/{room}/events stream, the one-way push for consumers with no
// SDK (a stock EventSource). It follows the room in the hub without joining it (no presence), and
// each message is an event whose `id` is its seq: a reader that reconnects with Last-Event-ID gets
// exactly what came after, read from the store, then the live pushes, none twice (pushes that
// arrive while the backlog is read are held, and those at or below the last seq sent are dropped).
// Other room events (edits, deletes, reactions, kicks...) are named events without an id.
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ChatMessage, UserRef } from '../../../protocol/messages.js';
import { Limits } from '../../../protocol/limits.js';
import type { ChatService } from '../../chat/service.js';
import type { Member } from '../../hub/hub.js';
import type { OutgoingPush } from '../../hub/outgoing.js';
import { randomId } from '../../random-id.js';
import type { Outbox, OutboxOwner } from '../ws/outbox.js';
import { SSE_PING, sseEvent } from './frame.js';

/** Pushes a follower does not pass on: they concern people in the room, not readers of its events. */
const NOT_FOLLOWED = new Set(['presence', 'typing']);

export interface FollowerHost {
  readonly chat: ChatService;
  readonly log: Logger;
  /** The stream ended, whatever ended it. */
  unfollowed(follower: RoomFollower): void;
}

export class RoomFollower implements Member, OutboxOwner {
  readonly connId = randomId(16);
  readonly user: UserRef;
  readonly room: string;
  readonly ip: string;
  readonly response: ServerResponse;
  readonly #host: FollowerHost;
  readonly #outboxLimit: number;
  outbox!: Outbox;
  heartbeatSlice = 0;
  #lastSeq: number;
  /** Pushes that arrived while the backlog was being read; null once it is live. */
  #held: OutgoingPush[] | null = [];
  #ended = false;

  constructor(options: { user: UserRef; room: string; ip: string; since: number; response: ServerResponse; host: FollowerHost; outboxLimit: number }) {
    this.user = options.user;
    this.room = options.room;
    this.ip = options.ip;
    this.response = options.response;
    this.#host = options.host;
    this.#outboxLimit = options.outboxLimit;
    this.#lastSeq = options.since;
    options.response.once('close', () => this.#gone());
  }

  /** Whether the stream has ended (its reader went away, or it was ended). */
  get ended(): boolean {
    return this.#ended;
  }

  get userId(): string {
    return this.user.id;
  }

  /**
   * Follows the room (refused as history is: throws the ProtocolError, answered before the stream
   * starts); pushes are held from here until `run`. Resolves with the room's seq.
   */
  attach(): Promise<number> {
    return this.#host.chat.follow(this, this.user, this.room);
  }

  /** Sends what came after `since` from the store, up to `seq`, then goes live. No `since`: live from `seq`. */
  async run(seq: number, fresh: boolean): Promise<void> {
    const { chat } = this.#host;
    if (fresh) this.#lastSeq = seq;
    while (this.#lastSeq < seq && !this.#ended) {
      const before = Math.min(seq, this.#lastSeq + Limits.historyMax) + 1;
      const page = await chat.history(this.user, this.room, before, Limits.historyMax);
      const after = page.filter((message) => message.seq > this.#lastSeq);
      for (const message of after) this.#sendMessage(message);
      // A page with nothing new past lastSeq (a stretch of deleted messages): move on past it.
      this.#lastSeq = Math.max(this.#lastSeq, before - 1);
      await this.#roomToWrite();
    }
    const held = this.#held ?? [];
    this.#held = null;
    for (const outgoing of held) this.deliver(this.room, outgoing);
  }

  deliver(_room: string, outgoing: OutgoingPush): void {
    if (this.#ended) return;
    if (this.#held !== null) {
      this.#held.push(outgoing);
      return;
    }
    const push = outgoing.push;
    if (push.type === 'message') {
      if (push.seq <= this.#lastSeq) return;
      this.#lastSeq = push.seq;
      // Framed for this reader (its id line); the JSON is serialized once for every recipient.
      this.outbox.enqueue(sseEvent(outgoing.protocolText, undefined, String(push.seq)));
    } else if (!NOT_FOLLOWED.has(push.type)) {
      this.outbox.enqueue(sseEvent(outgoing.protocolText, push.type));
    }
  }

  /** User notices (invites, read markers) are for connections, not for a room's reader. */
  notify(): void {}

  /** Kicked or banned: the stream ends (a reconnect is refused while banned). */
  removed(): void {
    this.end();
  }

  ping(): void {
    this.outbox.enqueue(SSE_PING);
  }

  slowConsumer(): void {
    this.#host.log.warn({ conn: this.connId, room: this.room, ip: this.ip }, 'slow event-stream reader dropped');
    this.end();
  }

  end(): void {
    if (this.#ended || this.response.writableEnded) return;
    this.outbox.flush();
    this.outbox.close();
    this.response.end();
  }

  #sendMessage(message: ChatMessage): void {
    this.#lastSeq = message.seq;
    this.outbox.enqueue(sseEvent(JSON.stringify({ type: 'message', ...message }), undefined, String(message.seq)));
  }

  /** The backlog is read a page at a time, each once the reader has taken most of the last. */
  async #roomToWrite(): Promise<void> {
    while (!this.#ended && this.outbox.pending() > this.#outboxLimit / 4) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  #gone(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.outbox.close();
    this.#host.chat.unfollow(this, this.room).catch((error: unknown) => this.#host.log.warn({ err: error, room: this.room }, 'unfollow failed'));
    this.#host.unfollowed(this);
  }
}
