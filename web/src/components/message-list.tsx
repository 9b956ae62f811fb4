// The message list: day separators, messages grouped by author, pending sends at the end, older
// history loaded when scrolled to the top, and stuck to the bottom while the reader is there.
import type { JSX } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { isBot, type ChatMessage, type PendingMessage, type UserRef } from '../../../src/client/index.js';
import type { Chat, RoomView } from '../chat.js';
import { clock, dayKey, dayLabel, fullDate } from '../time.js';
import { Avatar, hueClass } from './avatar.js';
import { ClockIcon } from './icons.js';
import { MessageBody } from './message-body.js';
import { RichText } from './rich-text.js';

const GROUP_MS = 5 * 60_000;
const NEAR_TOP_PX = 120;
const NEAR_BOTTOM_PX = 80;

type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'message'; key: string; message: ChatMessage; head: boolean }
  | { kind: 'pending'; key: string; pending: PendingMessage; user: UserRef; head: boolean };

function rows(messages: ChatMessage[], pending: PendingMessage[], me: UserRef | undefined): Row[] {
  const out: Row[] = [];
  let day = '';
  let lastFrom = '';
  let lastTs = 0;
  const add = (ts: number, fromId: string): boolean => {
    const key = dayKey(ts);
    if (key !== day) {
      day = key;
      out.push({ kind: 'day', key: `day-${key}`, label: dayLabel(ts) });
      lastFrom = '';
    }
    const head = fromId !== lastFrom || ts - lastTs > GROUP_MS;
    lastFrom = fromId;
    lastTs = ts;
    return head;
  };
  for (const message of messages) {
    const head = add(message.ts, message.from.id);
    out.push({ kind: 'message', key: `m-${message.seq}`, message, head });
  }
  if (me !== undefined) {
    for (const item of pending) {
      const head = add(Math.max(item.createdAt, lastTs), me.id);
      out.push({ kind: 'pending', key: `p-${item.cid}`, pending: item, user: me, head });
    }
  }
  return out;
}

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
        {head ? <Avatar user={user} /> : <time class="msg-time-hover" dateTime={new Date(ts).toISOString()}>{clock(ts)}</time>}
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

export function MessageList({ chat, view }: { chat: Chat; view: RoomView }): JSX.Element {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const anchor = useRef<{ first: number | undefined; height: number }>({ first: undefined, height: 0 });
  const pending = chat.pendingOf(view);
  const me = chat.me;
  const list = rows(view.messages, pending, me);
  const first = view.messages[0]?.seq;

  // After each render: keep the reader's place when older messages were prepended, else follow
  // the newest message if they were at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el === null) return;
    const before = anchor.current;
    if (before.first !== undefined && first !== undefined && first < before.first && !stick.current) {
      el.scrollTop += el.scrollHeight - before.height;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
    anchor.current = { first, height: el.scrollHeight };
    // A page that does not fill the view cannot be scrolled up: fetch more right away.
    if (el.scrollHeight <= el.clientHeight && view.hasOlder && view.loaded) void chat.loadOlder(view.name);
  });

  // A new room starts at its newest message.
  useLayoutEffect(() => {
    stick.current = true;
    anchor.current = { first: undefined, height: 0 };
    const el = scroller.current;
    if (el !== null) el.scrollTop = el.scrollHeight;
  }, [view.name]);

  // Sending something brings you to the bottom.
  const pendingCount = pending.length;
  useLayoutEffect(() => {
    if (pendingCount > 0) stick.current = true;
  }, [pendingCount]);

  const onScroll = (): void => {
    const el = scroller.current;
    if (el === null) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    anchor.current.height = el.scrollHeight;
    if (el.scrollTop < NEAR_TOP_PX) void chat.loadOlder(view.name);
  };

  // Keyboard: ↑/↓ in the log move between messages; a focused message shows its actions, which Tab reaches.
  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
    const el = scroller.current;
    const target = event.target as HTMLElement | null;
    if (el === null || target === null || !(target === el || target.matches('li.msg'))) return;
    const items = [...el.querySelectorAll<HTMLElement>('li.msg[data-testid="message"]')];
    if (items.length === 0) return;
    const index = items.indexOf(target);
    const next =
      index === -1 ? items.length - 1 : Math.max(0, Math.min(items.length - 1, index + (event.key === 'ArrowUp' ? -1 : 1)));
    event.preventDefault();
    items[next]?.focus();
  };

  const empty = view.loaded && view.messages.length === 0 && pending.length === 0;
  return (
    <div
      class="messages"
      ref={scroller}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
      tabIndex={0}
      role="log"
      aria-live="polite"
      aria-relevant="additions"
      aria-label={`Messages in ${chat.title(view.name)}`}
    >
      {view.loaded && !view.hasOlder && view.messages.length > 0 && (
        <div class="room-start">
          <strong>{chat.title(view.name)}</strong> — this is the very beginning of the room.
        </div>
      )}
      {view.loadingOlder && <div class="loading-older">Loading older messages…</div>}
      {!view.loaded && <div class="loading-older">Loading messages…</div>}
      {empty && (
        <div class="empty-room">
          <p class="empty-title">{chat.title(view.name)} is quiet</p>
          <p>Say hello — messages are kept, so people who join later can read back.</p>
        </div>
      )}
      <ol class="message-list" data-testid="log">
        {list.map((row) => {
          if (row.kind === 'day') {
            return (
              <li key={row.key} class="day-separator" role="separator">
                <span>{row.label}</span>
              </li>
            );
          }
          if (row.kind === 'message') {
            const { message } = row;
            return (
              <Line key={row.key} user={message.from} ts={message.ts} head={row.head} pending={false} mention={chat.mentionsMe(message)}>
                <MessageBody chat={chat} room={view.name} message={message} />
              </Line>
            );
          }
          return (
            <Line key={row.key} user={row.user} ts={row.pending.createdAt} head={row.head} pending={true}>
              <p class="msg-text">
                <RichText text={row.pending.text} />
                <span class="msg-sending">
                  <ClockIcon /> sending…
                </span>
              </p>
            </Line>
          );
        })}
      </ol>
    </div>
  );
}
