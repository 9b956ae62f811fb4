// The header of the room in view: its name, badges and topic, and the buttons for the rooms drawer,
// search, leaving and the members panel.
import type { JSX, RefObject } from 'preact';
import { shallowEqual, useApp, useRoom, useStore } from '../hooks.js';
import { labelOf, titleOf, totalUnread } from '../state/app.js';
import { onlineCount } from '../state/room.js';
import { HashIcon, LeaveIcon, MenuIcon, SearchIcon, UsersIcon } from './icons.js';

interface RoomHeaderProps {
  room: string;
  menuButton: RefObject<HTMLButtonElement | null>;
  drawer: boolean;
  members: boolean;
  searching: boolean;
  onDrawer: () => void;
  onMembers: () => void;
  onSearch: () => void;
}

/** Unread messages in rooms other than the one in view: a dot on the drawer button (narrow screens). */
function MenuDot({ room }: { room: string }): JSX.Element | null {
  const elsewhere = useApp((state) => totalUnread(state) - (state.rooms.get(room)?.unread ?? 0) > 0);
  return elsewhere ? <span class="menu-dot" aria-hidden="true" /> : null;
}
MenuDot.displayName = 'MenuDot';

export function RoomHeader({ room, menuButton, drawer, members, searching, onDrawer, onMembers, onSearch }: RoomHeaderProps): JSX.Element {
  const store = useStore();
  const { access, online } = useRoom(room, (state) => ({ access: state?.access, online: state === undefined ? 0 : onlineCount(state) }), shallowEqual);
  const label = useApp((state) => labelOf(state, room));
  const title = useApp((state) => titleOf(state, room));
  const dm = access?.dm === true;
  return (
    <header class="room-header">
      <button ref={menuButton} type="button" class="icon-button menu-button" aria-label="Rooms" aria-expanded={drawer} onClick={onDrawer}>
        <MenuIcon />
        <MenuDot room={room} />
      </button>
      <h1 class="room-title">
        {dm ? <span class="room-sigil">@</span> : <HashIcon size={20} />}
        <span>{label}</span>
        {access?.private === true && !dm && <span class="room-badge">private</span>}
        {access?.role !== undefined && access.role !== 'member' && <span class="room-badge">{access.role}</span>}
        {access?.archived === true && <span class="room-badge">archived</span>}
        {access?.topic !== undefined && (
          <span class="room-topic" data-testid="topic" title={access.topic}>
            {access.topic}
          </span>
        )}
      </h1>
      <button
        type="button"
        class="icon-button search-button"
        aria-label={`Search ${title}`}
        aria-pressed={searching}
        title="Search this room"
        onClick={onSearch}
      >
        <SearchIcon />
      </button>
      <button
        type="button"
        class="icon-button leave-button"
        aria-label={dm ? `Close the conversation with ${label}` : `Leave #${room}`}
        title={dm ? 'Close conversation' : 'Leave room'}
        onClick={() => void store.leave(room)}
      >
        <LeaveIcon />
      </button>
      <button type="button" class="members-button" aria-label={`${online} online — show members`} aria-expanded={members} onClick={onMembers}>
        <UsersIcon />
        <span>{online}</span>
      </button>
    </header>
  );
}
RoomHeader.displayName = 'RoomHeader';
