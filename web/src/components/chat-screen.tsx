import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { onlineCount, type Chat } from '../chat.js';
import { useChat } from '../hooks.js';
import { Banner } from './banner.js';
import { Notice } from './notice.js';
import { Composer } from './composer.js';
import { HashIcon, LeaveIcon, MenuIcon, SearchIcon, UsersIcon } from './icons.js';
import { SearchPanel } from './search-panel.js';
import { Members } from './members.js';
import { MessageList } from './message-list.js';
import { Sidebar } from './sidebar.js';

function typingText(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

export function ChatScreen({ chat, onSignOut }: { chat: Chat; onSignOut: () => void }): JSX.Element {
  useChat(chat);
  const [drawer, setDrawer] = useState(false);
  const [members, setMembers] = useState(false);
  const [searching, setSearching] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const total = chat.totalUnread();
    document.title = total > 0 ? `(${total}) ${chat.title(chat.active)} · Parley` : `${chat.title(chat.active)} · Parley`;
  });

  // Keyboard: Escape closes panels; Alt+↑/↓ moves between rooms.
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape' && (drawer || members)) {
        setDrawer(false);
        setMembers(false);
        menuButton.current?.focus();
      } else if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
        const names = [...chat.rooms.keys()];
        const index = names.indexOf(chat.active);
        const next = names[(index + (event.key === 'ArrowUp' ? names.length - 1 : 1)) % names.length];
        if (next !== undefined) {
          event.preventDefault();
          chat.select(next);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [chat, drawer, members]);

  // An opened panel takes the focus, so keyboard users land inside it.
  useEffect(() => {
    if (drawer) document.querySelector<HTMLElement>('.sidebar .room-link.is-current')?.focus();
  }, [drawer]);
  useEffect(() => {
    if (members) document.querySelector<HTMLElement>('.members-close')?.focus();
  }, [members]);

  const view = chat.view(chat.active);
  const typing = typingText(chat.typingNames(chat.active));
  const online = view === undefined ? 0 : onlineCount(view);
  return (
    <div class={`shell${drawer ? ' drawer-open' : ''}${members ? ' members-open' : ''}${chat.connection.state === 'open' ? '' : ' is-offline'}`}>
      <a href="#composer-text" class="skip-link">
        Skip to message box
      </a>
      <Sidebar chat={chat} onNavigate={() => setDrawer(false)} onSignOut={onSignOut} />
      <button type="button" class="scrim" aria-label="Close panel" tabIndex={-1} onClick={() => (setDrawer(false), setMembers(false))} />
      <main class="room">
        <header class="room-header">
          <button
            ref={menuButton}
            type="button"
            class="icon-button menu-button"
            aria-label="Rooms"
            aria-expanded={drawer}
            onClick={() => setDrawer(!drawer)}
          >
            <MenuIcon />
            {chat.totalUnread() - (view?.unread ?? 0) > 0 && <span class="menu-dot" aria-hidden="true" />}
          </button>
          <h1 class="room-title">
            {view?.access?.dm === true ? <span class="room-sigil">@</span> : <HashIcon size={20} />}
            <span>{chat.label(chat.active)}</span>
            {view?.access?.private === true && view.access.dm !== true && <span class="room-badge">private</span>}
            {view?.access?.role !== undefined && view.access.role !== 'member' && (
              <span class="room-badge">{view.access.role}</span>
            )}
            {view?.access?.topic !== undefined && (
              <span class="room-topic" data-testid="topic" title={view.access.topic}>
                {view.access.topic}
              </span>
            )}
          </h1>
          <button
            type="button"
            class="icon-button search-button"
            aria-label={`Search ${chat.title(chat.active)}`}
            aria-pressed={searching}
            title="Search this room"
            onClick={() => setSearching(!searching)}
          >
            <SearchIcon />
          </button>
          <button
            type="button"
            class="icon-button leave-button"
            aria-label={view?.access?.dm === true ? `Close the conversation with ${chat.label(chat.active)}` : `Leave #${chat.active}`}
            title={view?.access?.dm === true ? 'Close conversation' : 'Leave room'}
            onClick={() => void chat.leave(chat.active)}
          >
            <LeaveIcon />
          </button>
          <button
            type="button"
            class="members-button"
            aria-label={`${online} online — show members`}
            aria-expanded={members}
            onClick={() => setMembers(!members)}
          >
            <UsersIcon />
            <span>{online}</span>
          </button>
        </header>
        <Banner chat={chat} />
        <Notice chat={chat} />
        {searching && <SearchPanel key={chat.active} chat={chat} room={chat.active} onClose={() => setSearching(false)} />}
        {view !== undefined && !searching && <MessageList key={view.name} chat={chat} view={view} />}
        <div class="typing" aria-live="polite" data-testid="typing">
          {typing !== '' && (
            <>
              <span class="typing-dots" aria-hidden="true">
                <span />
                <span />
                <span />
              </span>
              {typing}
            </>
          )}
        </div>
        <Composer chat={chat} room={chat.active} />
      </main>
      <Members chat={chat} onClose={() => setMembers(false)} />
    </div>
  );
}
