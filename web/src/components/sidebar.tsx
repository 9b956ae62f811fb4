// The sidebar: the rooms I am in (each with its unread badge), the form to join or create one,
// other rooms from the directory, and who I am.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ROOM_PATTERN } from '../../../src/protocol/patterns.js';
import { sameItems, shallowEqual, useApp, useRoom, useStore } from '../hooks.js';
import { labelOf } from '../state/app.js';
import { memo } from '../memo.js';
import { Avatar } from './avatar.js';
import { HashIcon, LockIcon, Logo, PlusIcon } from './icons.js';
import { ThreadsList } from './threads-list.js';

const ROOM_RE = new RegExp(ROOM_PATTERN);

/** One joined room's link: wakes only for its own room (unread, access) and its label. */
const RoomLink = memo(function RoomLink({ room, current, onNavigate }: { room: string; current: boolean; onNavigate: () => void }): JSX.Element | null {
  const store = useStore();
  const view = useRoom(room, (state) => state && { unread: state.unread, mentions: state.mentions, access: state.access }, shallowEqual);
  const label = useApp((state) => labelOf(state, room));
  if (view === undefined) return null;
  return (
    <li>
      <button
        type="button"
        class={`room-link${current ? ' is-current' : ''}${view.unread > 0 ? ' has-unread' : ''}`}
        aria-current={current ? 'page' : undefined}
        data-room={room}
        onClick={() => {
          store.select(room);
          onNavigate();
        }}
      >
        {view.access?.dm === true ? (
          <span class="room-sigil" aria-hidden="true">
            @
          </span>
        ) : (
          <HashIcon />
        )}
        <span class="room-name">{label}</span>
        {view.access?.private === true && view.access.dm !== true && (
          <span class="room-private" title="Private room">
            <LockIcon />
            <span class="visually-hidden">private</span>
          </span>
        )}
        {view.unread > 0 && (
          <span
            class={`badge${view.mentions > 0 ? ' badge-mention' : ''}`}
            data-testid={`unread-${room}`}
            aria-label={`${view.unread} unread${view.mentions > 0 ? `, ${view.mentions} mentioning you` : ''}`}
          >
            {view.mentions > 0 && '@ '}
            {view.unread > 99 ? '99+' : view.unread}
          </span>
        )}
      </button>
    </li>
  );
}, 'RoomLink');

export function Sidebar({ onNavigate, onSignOut }: { onNavigate: () => void; onSignOut: () => void }): JSX.Element {
  const store = useStore();
  const joined = useApp((state) => [...state.rooms.keys()], sameItems);
  const active = useApp((state) => state.active);
  const directory = useApp((state) => state.directory);
  const state = useApp((app) => app.connection.state);
  const transport = useApp((app) => app.connection.transport);
  const me = useApp((app) => app.me);
  const notifications = useApp((app) => app.notifications);
  const signedIn = useApp((app) => app.signedIn);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [isPrivate, setPrivate] = useState(false);
  const others = directory.filter((entry) => !joined.includes(entry.room)).slice(0, 12);
  const submit = (event: Event): void => {
    event.preventDefault();
    const room = draft.trim().toLowerCase().replace(/^#/, '').replace(/\s+/g, '-');
    if (!ROOM_RE.test(room)) {
      setError('Use a–z, 0–9, - and _ (up to 64), starting with a letter or digit.');
      return;
    }
    setError(null);
    setDraft('');
    // A room is made (and owned) by its creator; an existing public room of that name is joined.
    store.create(room, isPrivate).then(onNavigate, () => undefined);
    setPrivate(false);
  };
  return (
    <nav class="sidebar" aria-label="Rooms">
      <div class="sidebar-brand">
        <Logo />
        <span class="sidebar-title">Parley</span>
        <span
          class={`status-dot status-${state}`}
          title={state === 'open' ? (transport === 'http' ? 'Connected over HTTP (WebSocket blocked)' : 'Connected') : 'Not connected'}
        />
      </div>
      <div class="sidebar-scroll">
        <h2 class="sidebar-heading">Rooms</h2>
        <ul class="room-list" data-testid="rooms">
          {joined.map((room) => (
            <RoomLink key={room} room={room} current={room === active} onNavigate={onNavigate} />
          ))}
        </ul>
        <ThreadsList onNavigate={onNavigate} />
        <form class="room-form" onSubmit={submit} noValidate>
          <label for="new-room" class="visually-hidden">
            Join or create a room
          </label>
          <div class="room-form-row">
            <input
              id="new-room"
              class="field field-sm"
              placeholder="Join or create a room"
              value={draft}
              maxLength={65}
              autoComplete="off"
              autoCapitalize="off"
              spellcheck={false}
              aria-invalid={error !== null}
              aria-describedby={error !== null ? 'room-error' : undefined}
              onInput={(event) => setDraft(event.currentTarget.value)}
            />
            <button type="submit" class="icon-button" aria-label={isPrivate ? 'Create private room' : 'Join room'}>
              <PlusIcon />
            </button>
          </div>
          <label class="check">
            <input type="checkbox" checked={isPrivate} onChange={(event) => setPrivate(event.currentTarget.checked)} />
            Private (invite only)
          </label>
          {error !== null && (
            <p id="room-error" class="field-error" role="alert">
              {error}
            </p>
          )}
        </form>
        {others.length > 0 && (
          <>
            <h2 class="sidebar-heading">More rooms</h2>
            <ul class="room-list">
              {others.map((entry) => (
                <li key={entry.room}>
                  <button
                    type="button"
                    class="room-link is-other"
                    onClick={() => {
                      store.join(entry.room);
                      onNavigate();
                    }}
                  >
                    {entry.dm ? (
                      <span class="room-sigil" aria-hidden="true">
                        @
                      </span>
                    ) : (
                      <HashIcon />
                    )}
                    <span class="room-name">{entry.dm ? (entry.peer?.name ?? 'Direct message') : entry.room}</span>
                    {entry.online > 0 && <span class="room-online">{entry.online} online</span>}
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      {notifications === 'default' && (
        <button type="button" class="link-button notify-button" onClick={() => void store.enableNotifications()}>
          Notify me of direct messages and mentions
        </button>
      )}
      {notifications === 'denied' && (
        <p class="notify-denied" role="status" data-testid="notify-denied">
          Desktop notifications are blocked for this site. To get them, allow notifications in your browser's site settings (the icon beside the address), then
          reload.
        </p>
      )}
      {me !== undefined && (
        <div class="sidebar-me">
          <Avatar user={me} size="sm" />
          <span class="me-name" title={me.name}>
            {me.name}
          </span>
          <button type="button" class="link-button" onClick={onSignOut}>
            {signedIn ? 'Sign out' : 'Change name'}
          </button>
        </div>
      )}
    </nav>
  );
}
Sidebar.displayName = 'Sidebar';
