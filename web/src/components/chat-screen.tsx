// The chat screen's layout: the sidebar, the room in view (header, banners, messages or search,
// who is typing, the composer) and the members panel. It follows only which room is in view and
// whether the connection is open; each part subscribes to what it shows.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useApp, useStore } from '../hooks.js';
import { Banner } from './banner.js';
import { Notice } from './notice.js';
import { Composer } from './composer.js';
import { RoomHeader } from './room-header.js';
import { RoomSwitcher } from './room-switcher.js';
import { SearchPanel } from './search-panel.js';
import { Members } from './members.js';
import { MessageList } from './message-list.js';
import { Sidebar } from './sidebar.js';
import { TypingLine } from './typing-line.js';
import { LazyDocPanel } from './lazy-doc-panel.js';
import { ThreadPanel } from './thread-panel.js';

export function ChatScreen({ onSignOut }: { onSignOut: () => void }): JSX.Element {
  const store = useStore();
  const active = useApp((state) => state.active);
  const open = useApp((state) => state.connection.state === 'open');
  const joined = useApp((state) => state.rooms.has(state.active));
  const [drawer, setDrawer] = useState(false);
  const [members, setMembers] = useState(false);
  const [searching, setSearching] = useState(false);
  const [switching, setSwitching] = useState(false);
  // The room's two tabs: its conversation and its shared document.
  const [tab, setTab] = useState<'chat' | 'doc'>('chat');
  const menuButton = useRef<HTMLButtonElement>(null);

  // Keyboard: Escape closes panels; Alt+↑/↓ moves between rooms; Ctrl/Cmd+K finds one.
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setSwitching(true);
      } else if (event.key === 'Escape' && (drawer || members)) {
        setDrawer(false);
        setMembers(false);
        menuButton.current?.focus();
      } else if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
        const names = [...store.state.rooms.keys()];
        const index = names.indexOf(store.state.active);
        const next = names[(index + (event.key === 'ArrowUp' ? names.length - 1 : 1)) % names.length];
        if (next !== undefined) {
          event.preventDefault();
          store.select(next);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, drawer, members]);

  // An opened panel takes the focus, so keyboard users land inside it.
  useEffect(() => {
    if (drawer) document.querySelector<HTMLElement>('.sidebar .room-link.is-current')?.focus();
  }, [drawer]);
  useEffect(() => {
    if (members) document.querySelector<HTMLElement>('.members-close')?.focus();
  }, [members]);

  return (
    <div class={`shell${drawer ? ' drawer-open' : ''}${members ? ' members-open' : ''}${open ? '' : ' is-offline'}`}>
      <a href="#composer-text" class="skip-link">
        Skip to message box
      </a>
      <Sidebar onNavigate={() => setDrawer(false)} onSignOut={onSignOut} />
      <button type="button" class="scrim" aria-label="Close panel" tabIndex={-1} onClick={() => (setDrawer(false), setMembers(false))} />
      <main class="room">
        <RoomHeader
          room={active}
          menuButton={menuButton}
          drawer={drawer}
          members={members}
          searching={searching}
          onDrawer={() => setDrawer(!drawer)}
          onMembers={() => setMembers(!members)}
          onSearch={() => setSearching(!searching)}
        />
        <Banner />
        <Notice />
        {joined && (
          <div class="room-tabs" role="tablist" aria-label="Conversation or document">
            <button type="button" role="tab" aria-selected={tab === 'chat'} onClick={() => setTab('chat')}>
              Conversation
            </button>
            <button type="button" role="tab" aria-selected={tab === 'doc'} data-testid="doc-tab" onClick={() => setTab('doc')}>
              Document
            </button>
          </div>
        )}
        {joined && tab === 'doc' && !searching && <LazyDocPanel key={active} room={active} />}
        {searching && <SearchPanel key={active} room={active} onClose={() => setSearching(false)} />}
        {joined && !searching && tab === 'chat' && <MessageList key={active} room={active} />}
        {tab === 'chat' && <TypingLine room={active} />}
        {tab === 'chat' && <Composer room={active} />}
      </main>
      <ThreadPanel room={active} />
      <Members room={active} onClose={() => setMembers(false)} />
      {switching && (
        <RoomSwitcher
          onClose={() => {
            setSwitching(false);
            setSearching(false);
            document.getElementById('composer-text')?.focus();
          }}
        />
      )}
    </div>
  );
}
ChatScreen.displayName = 'ChatScreen';
