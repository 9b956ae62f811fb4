// The message list: the rows of list-rows.ts, older history loaded when scrolled to the top, stuck
// to the bottom while the reader is there, and a message brought into view when asked (the first
// unread when the room opens, a search result), loading older pages until it is there.
import type { JSX } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { shallowEqual, useApp, useRoom, useStore } from '../hooks.js';
import { isDm, labelOf, moderates, titleOf } from '../state/app.js';
import { mentionsMe } from '../state/mention.js';
import { findLoaded, pendingOf } from '../state/room.js';
import { rowsOf } from './list-rows.js';
import { MessageRow, PendingRow } from './message-row.js';

const NEAR_TOP_PX = 120;
const NEAR_BOTTOM_PX = 80;
/** Pages are this big while the list loads its way back to a message it was asked to show. */
const JUMP_PAGE = 100;
const FLASH_MS = 2000;

export function MessageList({ room }: { room: string }): JSX.Element | null {
  const store = useStore();
  const view = useRoom(
    room,
    (state) =>
      state && {
        messages: state.messages,
        pending: state.pending,
        loaded: state.loaded,
        hasOlder: state.hasOlder,
        loadingOlder: state.loadingOlder,
        dividerAfter: state.dividerAfter,
        focus: state.focus,
        editing: state.editing,
      },
    shallowEqual,
  );
  const me = useApp((state) => state.me);
  const title = useApp((state) => titleOf(state, room));
  const moderator = useApp((state) => moderates(state, room));
  const dm = useApp((state) => isDm(state, room));
  const label = useApp((state) => labelOf(state, room));
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

  // A message asked for (the first unread, a search result): once it is loaded, into view it goes;
  // until then, older pages are loaded (the list renders again as each one arrives).
  const focus = view?.focus;
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el === null || focus === undefined || view === undefined || !view.loaded) return;
    const target = el.querySelector(`.msg-text[data-seq="${focus.seq}"]`)?.closest<HTMLElement>('li.msg');
    if (target !== null && target !== undefined) {
      if (focus.why === 'unread') {
        // The divider (just above the first unread) at the top of the view, if there is that much to read.
        const divider = el.querySelector<HTMLElement>('.unread-divider') ?? target;
        el.scrollTop += divider.getBoundingClientRect().top - el.getBoundingClientRect().top - 8;
      } else {
        target.scrollIntoView({ block: 'center' });
        target.classList.add('msg-flash');
        setTimeout(() => target.classList.remove('msg-flash'), FLASH_MS);
        target.focus({ preventScroll: true });
      }
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
      anchor.current = { first, height: el.scrollHeight };
      store.focused(room);
    } else if (first !== undefined && first > focus.seq && view.hasOlder) {
      void store.loadOlder(room, JUMP_PAGE);
    } else {
      store.focused(room);
    }
  });

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

  // Keyboard: ↑/↓ in the log move between messages, Home/End go to the oldest loaded and the newest;
  // a focused message shows its actions, which Tab reaches.
  const onKeyDown = (event: KeyboardEvent): void => {
    if (!['ArrowUp', 'ArrowDown', 'Home', 'End'].includes(event.key)) return;
    const el = scroller.current;
    const target = event.target as HTMLElement | null;
    if (el === null || target === null || !(target === el || target.matches('li.msg'))) return;
    const items = [...el.querySelectorAll<HTMLElement>('li.msg[data-testid="message"]')];
    if (items.length === 0) return;
    if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      const home = event.key === 'Home';
      items[home ? 0 : items.length - 1]?.focus({ preventScroll: true });
      // At the top, the scroll handler loads the page before; at the bottom the list follows again.
      el.scrollTop = home ? 0 : el.scrollHeight;
      stick.current = !home;
      return;
    }
    const index = items.indexOf(target);
    const next = index === -1 ? items.length - 1 : Math.max(0, Math.min(items.length - 1, index + (event.key === 'ArrowUp' ? -1 : 1)));
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
          <strong>{title}</strong> — this is the very beginning of {dm ? 'your conversation' : 'the room'}.
        </div>
      )}
      {view.loadingOlder && <div class="loading-older">Loading older messages…</div>}
      {!view.loaded && <div class="loading-older">Loading messages…</div>}
      {empty && !dm && (
        <div class="empty-room">
          <p class="empty-title">{title} is quiet</p>
          <p>Say hello — messages are kept, so people who join later can read back.</p>
        </div>
      )}
      {empty && dm && (
        <div class="empty-room" data-testid="empty-dm">
          <p class="empty-title">This is the start of your conversation with {label}</p>
          <p>Only the two of you can read what is written here.</p>
        </div>
      )}
      <ol class="message-list" data-testid="log">
        {rowsOf(messages, pending, me, view.dividerAfter).map((row) => {
          if (row.kind === 'divider') {
            return (
              <li key={row.key} class="unread-divider" role="separator" data-testid="unread-divider">
                <span>New messages</span>
              </li>
            );
          }
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
              editing={view.editing === message.seq}
              quoted={message.replyTo === undefined ? undefined : findLoaded(messages, message.replyTo)}
            />
          );
        })}
      </ol>
    </div>
  );
}
MessageList.displayName = 'MessageList';
