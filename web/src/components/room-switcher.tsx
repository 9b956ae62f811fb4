// Ctrl/Cmd+K: a box that finds a room by name and goes there. My rooms (and DMs, by the other
// person's name) first, then public rooms I have not joined; ↑/↓ choose, Enter goes, Esc closes.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { sameItems, useApp, useStore } from '../hooks.js';
import { titleOf } from '../state/app.js';

const MAX = 10;

export function RoomSwitcher({ onClose }: { onClose: () => void }): JSX.Element {
  const store = useStore();
  const rooms = useApp(
    (state) => [
      ...state.rooms.keys(),
      ...state.directory.filter((entry) => !entry.dm && !entry.private && !state.rooms.has(entry.room)).map((entry) => entry.room),
    ],
    sameItems,
  );
  const titles = useApp((state) => rooms.map((room) => titleOf(state, room)), sameItems);
  const [filter, setFilter] = useState('');
  const [chosen, setChosen] = useState(0);
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => box.current?.focus(), []);
  const needle = filter.trim().toLowerCase().replace(/^[#@]/, '');
  const matches = rooms
    .map((room, index) => ({ room, title: titles[index] ?? room }))
    .filter(({ room, title }) => needle === '' || title.slice(1).toLowerCase().includes(needle) || room.includes(needle))
    .slice(0, MAX);
  const at = Math.min(chosen, matches.length - 1);
  const go = (room: string | undefined): void => {
    if (room === undefined) return;
    onClose();
    store.join(room);
  };
  return (
    <div class="switcher-backdrop" onClick={onClose}>
      <div class="switcher" role="dialog" aria-label="Switch room" data-testid="room-switcher" onClick={(event) => event.stopPropagation()}>
        <input
          ref={box}
          class="field"
          placeholder="Go to a room or person"
          aria-label="Go to a room or person"
          aria-controls="switcher-list"
          aria-activedescendant={at >= 0 ? `switch-${at}` : undefined}
          value={filter}
          onInput={(event) => (setFilter(event.currentTarget.value), setChosen(0))}
          onKeyDown={(event) => {
            const move = event.key === 'ArrowDown' ? 1 : event.key === 'ArrowUp' ? -1 : 0;
            if (move !== 0 && matches.length > 0) {
              event.preventDefault();
              setChosen((at + move + matches.length) % matches.length);
            } else if (event.key === 'Enter') {
              event.preventDefault();
              go(matches[at]?.room);
            } else if (event.key === 'Escape') {
              event.preventDefault();
              event.stopPropagation();
              onClose();
            }
          }}
        />
        <ul id="switcher-list" class="switcher-list" role="listbox" aria-label="Rooms">
          {matches.map(({ room, title }, index) => (
            <li
              key={room}
              id={`switch-${index}`}
              role="option"
              aria-selected={index === at}
              class={`suggestion${index === at ? ' is-chosen' : ''}`}
              onClick={() => go(room)}
            >
              {title}
            </li>
          ))}
          {matches.length === 0 && <li class="switcher-none">No room by that name</li>}
        </ul>
      </div>
    </div>
  );
}
