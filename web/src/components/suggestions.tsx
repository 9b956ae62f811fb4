// The list `@` and `#` open above the composer: people of the room first, then everyone else I
// have seen; rooms I am in, then public ones (suggest.ts ranks and fills in the choice).
import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import type { UserRef } from '../../../src/client/index.js';
import { sameItems, useApp, useRoom, useStore } from '../hooks.js';
import { isDm, knownUsers } from '../state/app.js';
import { suggestPeople, suggestRooms, type Partial, type Suggestion } from '../suggest.js';

const NO_USERS: readonly UserRef[] = [];

/** What `partial` may name; empty while nothing is being typed after a sigil. */
export function useSuggestions(room: string, partial: Partial | undefined): Suggestion[] {
  const store = useStore();
  const members = useRoom(room, (state) => state?.members);
  const me = useApp((state) => state.me?.id);
  const sigil = partial?.sigil;
  // The lists change rarely (people and rooms), not with each key: read them only when `@`/`#` is open.
  const everyone = useApp((state) => (sigil === '@' ? [state.dmPeers, ...[...state.rooms.values()].map((view) => view.members)] : []), sameItems);
  const rooms = useApp(
    (state) =>
      sigil === '#'
        ? [
            ...[...state.rooms.keys()].filter((name) => !isDm(state, name)),
            ...state.directory.filter((entry) => !entry.dm && !entry.private && !state.rooms.has(entry.room)).map((entry) => entry.room),
          ]
        : [],
    sameItems,
  );
  const people = useMemo(() => {
    if (sigil !== '@') return NO_USERS;
    const here = [...(members?.values() ?? [])].filter((user) => user.id !== me).sort((a, b) => a.name.localeCompare(b.name));
    const others = knownUsers(store.state).filter((user) => members?.has(user.id) !== true);
    return [...here, ...others];
  }, [store, sigil, members, me, everyone]);
  if (partial === undefined) return [];
  return partial.sigil === '@' ? suggestPeople(people, partial.term) : suggestRooms(rooms, partial.term);
}

interface SuggestionsProps {
  items: readonly Suggestion[];
  chosen: number;
  onTake: (index: number) => void;
}

export function Suggestions({ items, chosen, onTake }: SuggestionsProps): JSX.Element {
  return (
    <ul class="suggestions" id="composer-suggestions" role="listbox" aria-label="Suggestions" data-testid="suggestions">
      {items.map((item, index) => (
        <li
          key={item.key}
          id={`suggestion-${index}`}
          role="option"
          aria-selected={index === chosen}
          class={`suggestion${index === chosen ? ' is-chosen' : ''}`}
          // The box keeps the focus: a press here must not blur it before the click takes the choice.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => onTake(index)}
        >
          {item.label}
        </li>
      ))}
    </ul>
  );
}
