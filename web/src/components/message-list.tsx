// The message list: day separators, messages grouped by author, pending sends at the end, older
// history loaded when scrolled to the top, and stuck to the bottom while the reader is there.
import type { JSX } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { ChatMessage, PendingMessage, UserRef } from '../../../src/client/index.js';
import { shallowEqual, useApp, useRoom, useStore } from '../hooks.js';
import { moderates, titleOf } from '../state/app.js';
import { mentionsMe } from '../state/mention.js';
import { findLoaded, pendingOf } from '../state/room.js';
import { dayKey, dayLabel } from '../time.js';
import { MessageRow, PendingRow } from './message-row.js';

const GROUP_MS = 5 * 60_000;
const NEAR_TOP_PX = 120;
const NEAR_BOTTOM_PX = 80;

type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'message'; key: string; message: ChatMessage; head: boolean }
  | { kind: 'pending'; key: string; pending: PendingMessage; user: UserRef; head: boolean };

function rows(messages: readonly ChatMessage[], pending: readonly PendingMessage[], me: UserRef | undefined): Row[] {
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

export function MessageList({ room }: { room: string }): JSX.Element | null {
  const store = useStore();
  const view = useRoom(
    room,
    (state) =>
      state && { messages: state.messages, pending: state.pending, loaded: state.loaded, hasOlder: state.hasOlder, loadingOlder: state.loadingOlder },
    shallowEqual,
  );
  const me = useApp((state) => state.me);
  const title = useApp((state) => titleOf(state, room));
  const moderator = useApp((state) => moderates(state, room));
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const anchor = useRef<{ first: number | undefined; height: number }>({ first: undefined, height: 0 });
  const messages = view?.messages ?? [];
  const pending = view === undefined ? [] : pendingOf(view, me?.id);
  const first = messages[0]?.seq;
  const loadable = view !== undefined && view.hasOlder && view.loaded;

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
    if (el.scrollHeight <= el.clientHeight && loadable) void store.loadOlder(room);
  });

  // A new room starts at its newest message.
  useLayoutEffect(() => {
    stick.current = true;
    anchor.current = { first: undefined, height: 0 };
    const el = scroller.current;
    if (el !== null) el.scrollTop = el.scrollHeight;
  }, [room]);

  // Sending something brings you to the bottom.
  const pendingCount = pending.length;
  useLayoutEffect(() => {
    if (pendingCount > 0) stick.current = true;
  }, [pendingCount]);

  if (view === undefined) return null;

  const onScroll = (): void => {
    const el = scroller.current;
    if (el === null) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    anchor.current.height = el.scrollHeight;
    if (el.scrollTop < NEAR_TOP_PX) void store.loadOlder(room);
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

  const empty = view.loaded && messages.length === 0 && pending.length === 0;
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
      aria-label={`Messages in ${title}`}
    >
      {view.loaded && !view.hasOlder && messages.length > 0 && (
        <div class="room-start">
          <strong>{title}</strong> — this is the very beginning of the room.
        </div>
      )}
      {view.loadingOlder && <div class="loading-older">Loading older messages…</div>}
      {!view.loaded && <div class="loading-older">Loading messages…</div>}
      {empty && (
        <div class="empty-room">
          <p class="empty-title">{title} is quiet</p>
          <p>Say hello — messages are kept, so people who join later can read back.</p>
        </div>
      )}
      <ol class="message-list" data-testid="log">
        {rows(messages, pending, me).map((row) => {
          if (row.kind === 'day') {
            return (
              <li key={row.key} class="day-separator" role="separator">
                <span>{row.label}</span>
              </li>
            );
          }
          if (row.kind === 'pending') return <PendingRow key={row.key} pending={row.pending} user={row.user} head={row.head} />;
          const { message } = row;
          return (
            <MessageRow
              key={row.key}
              room={room}
              message={message}
              head={row.head}
              mention={mentionsMe(message, me)}
              me={me?.id}
              moderates={moderator}
              quoted={message.replyTo === undefined ? undefined : findLoaded(messages, message.replyTo)}
            />
          );
        })}
      </ol>
    </div>
  );
}
MessageList.displayName = 'MessageList';
