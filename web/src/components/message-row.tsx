// One row of the message list: a stored message or a pending send. Rows are memoised on props
// that stay the same objects while the message does, so adding a message draws one row.
import type { JSX } from 'preact';
import { isBot, type ChatMessage, type PendingMessage, type UserRef } from '../../../src/client/index.js';
import { memo } from '../memo.js';
import { clock, fullDate } from '../time.js';
import { Avatar, hueClass } from './avatar.js';
import { ClockIcon } from './icons.js';
import { MessageBody } from './message-body.js';
import { RichText } from './rich-text.js';

interface LineProps {
  user: UserRef;
  ts: number;
  head: boolean;
  pending: boolean;
  /** The message names me: shown highlighted. */
  mention?: boolean;
  children: JSX.Element;
}

function Line({ user, ts, head, pending, mention = false, children }: LineProps): JSX.Element {
  return (
    <li
      class={`msg${head ? ' msg-head' : ''}${pending ? ' msg-pending' : ''}${mention ? ' msg-mention' : ''}`}
      data-testid={pending ? 'pending' : 'message'}
      tabIndex={pending ? undefined : -1}
    >
      <div class="msg-gutter">
        {head ? (
          <Avatar user={user} />
        ) : (
          <time class="msg-time-hover" dateTime={new Date(ts).toISOString()}>
            {clock(ts)}
          </time>
        )}
      </div>
      <div class="msg-body">
        {head && (
          <div class="msg-meta">
            <span class={`msg-author ${hueClass(user.id)}`}>{user.name}</span>
            {isBot(user) && <span class="msg-bot">bot</span>}
            <time class="msg-time" dateTime={new Date(ts).toISOString()} title={fullDate(ts)}>
              {clock(ts)}
            </time>
          </div>
        )}
        {children}
      </div>
    </li>
  );
}

export interface MessageRowProps {
  room: string;
  message: ChatMessage;
  /** First of a run by one author (shows the avatar and name). */
  head: boolean;
  mention: boolean;
  /** My user id (undefined before the hello). */
  me: string | undefined;
  /** I moderate the room: I may delete anyone's message. */
  moderates: boolean;
  /** The message this one answers, when it is loaded here. */
  quoted: ChatMessage | undefined;
  /** Being edited in place. */
  editing: boolean;
}

export const MessageRow = memo(function MessageRow({ room, message, head, mention, me, moderates, quoted, editing }: MessageRowProps): JSX.Element {
  return (
    <Line user={message.from} ts={message.ts} head={head} pending={false} mention={mention}>
      <MessageBody room={room} message={message} me={me} moderates={moderates} quoted={quoted} editing={editing} />
    </Line>
  );
}, 'MessageRow');

export const PendingRow = memo(function PendingRow({ pending, user, head }: { pending: PendingMessage; user: UserRef; head: boolean }): JSX.Element {
  return (
    <Line user={user} ts={pending.createdAt} head={head} pending={true}>
      <div class="msg-text">
        <RichText text={pending.text} />
        <span class="msg-sending">
          <ClockIcon /> sending…
        </span>
      </div>
    </Line>
  );
}, 'PendingRow');
