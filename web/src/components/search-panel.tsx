// Search in every room I can read (or one of them): a query box, filters by room, person and date,
// and the matching messages newest first with the match marked. A click opens the message in its
// room, with the history around it loaded. The server searches one room per request and 10,000
// messages back at a time, 25 rooms a round; "Search further" goes on where each room stopped and
// to the rooms not asked yet (search.ts), so every room I can read is reached.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { sameItems, useApp, useStore } from '../hooks.js';
import { titleOf } from '../state/app.js';
import { searchRound, type Filters, type SearchState } from '../search.js';
import { Avatar } from './avatar.js';
import { CloseIcon } from './icons.js';
import { RichText } from './rich-text.js';
import { clock, dayLabel, fullDate } from '../time.js';

const ALL = '';

interface SearchPanelProps {
  room: string;
  onClose: () => void;
}

export function SearchPanel({ room, onClose }: SearchPanelProps): JSX.Element {
  const store = useStore();
  const title = useApp((state) => titleOf(state, room));
  // My rooms, then the public ones I have not joined (search needs read access, not a join).
  const rooms = useApp(
    (state) => [
      ...state.rooms.keys(),
      ...state.directory.filter((entry) => !entry.dm && !entry.private && !state.rooms.has(entry.room)).map((entry) => entry.room),
    ],
    sameItems,
  );
  const titles = useApp((state) => rooms.map((name) => titleOf(state, name)), sameItems);
  const [draft, setDraft] = useState('');
  const [scope, setScope] = useState(ALL);
  const [filters, setFilters] = useState<Filters>({ person: '', since: '', until: '' });
  const [results, setResults] = useState<SearchState | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const generation = useRef(0);
  useEffect(() => input.current?.focus(), []);

  const run = async (query: string, within: string, earlier?: SearchState, narrow: Filters = filters): Promise<void> => {
    const mine = ++generation.current;
    setBusy(true);
    const targets = within === ALL ? rooms : [within];
    const next = await searchRound(
      (where, text, options) => store.search(where, text, options),
      query,
      targets,
      earlier,
      () => generation.current !== mine,
      earlier?.filters ?? narrow,
    );
    if (next === undefined || generation.current !== mine) return;
    setResults(next);
    setBusy(false);
  };
  const submit = (event: Event): void => {
    event.preventDefault();
    const query = draft.trim();
    if (query !== '') void run(query, scope);
  };
  // The server narrows: a changed filter asks again.
  const setFilter = (key: keyof Filters, value: string): void => {
    const next = { ...filters, [key]: value };
    setFilters(next);
    if (results !== undefined) void run(results.query, scope, undefined, next);
  };
  const shown = results?.found ?? [];

  return (
    <section class="search-panel" aria-label={`Search ${title}`}>
      <form class="search-form" role="search" onSubmit={submit}>
        <input
          ref={input}
          id="search-text"
          class="field"
          type="search"
          placeholder={scope === ALL ? 'Search all my rooms' : `Search ${titles[rooms.indexOf(scope)] ?? scope}`}
          maxLength={200}
          value={draft}
          onInput={(event) => setDraft(event.currentTarget.value)}
          onKeyDown={(event) => event.key === 'Escape' && onClose()}
        />
        <button type="submit" class="button button-sm" disabled={busy}>
          Search
        </button>
        <button type="button" class="icon-button" aria-label="Close search" onClick={onClose}>
          <CloseIcon />
        </button>
      </form>
      <div class="search-filters">
        <label class="search-filter">
          In
          <select
            id="search-room"
            class="field field-sm"
            value={scope}
            onChange={(event) => {
              const within = event.currentTarget.value;
              setScope(within);
              if (results !== undefined) void run(results.query, within);
            }}
          >
            <option value={ALL}>All rooms</option>
            {rooms.map((name, index) => (
              <option key={name} value={name}>
                {titles[index] ?? name}
              </option>
            ))}
          </select>
        </label>
        <FilterField label="From" name="person" type="text" placeholder="anyone" filters={filters} onChange={setFilter} />
        <FilterField label="Since" name="since" type="date" filters={filters} onChange={setFilter} />
        <FilterField label="Until" name="until" type="date" filters={filters} onChange={setFilter} />
      </div>
      <div class="search-results" aria-live="polite">
        {busy && <p class="search-note">Searching…</p>}
        {results !== undefined && results.failed.length > 0 && (
          <p class="search-note">Could not search {results.failed.map((name) => `#${name}`).join(', ')}.</p>
        )}
        {results !== undefined && shown.length === 0 && !busy && <p class="search-note">Nothing found for “{results.query}”.</p>}
        <ol class="search-list">
          {shown.map((message) => (
            <li key={`${message.room}-${message.seq}`} class="search-result" data-testid="search-result" data-room={message.room} data-seq={message.seq}>
              <button
                type="button"
                class="search-open"
                aria-label={`Open the message by ${message.from.name} in ${titleOf(store.state, message.room)}`}
                onClick={() => {
                  onClose();
                  store.reveal(message.room, message.seq);
                }}
              >
                <Avatar user={message.from} size="sm" />
                <div class="search-body">
                  <div class="msg-meta">
                    <span class="msg-author">{message.from.name}</span>
                    <span class="search-room">{titleOf(store.state, message.room)}</span>
                    <time class="msg-time" dateTime={new Date(message.ts).toISOString()} title={fullDate(message.ts)}>
                      {dayLabel(message.ts)} {clock(message.ts)}
                    </time>
                  </div>
                  <div class="msg-text">
                    <RichText text={message.text} highlight={results?.query} />
                  </div>
                </div>
              </button>
            </li>
          ))}
        </ol>
        {results !== undefined && results.more.size > 0 && (
          <button type="button" class="link-button search-more" disabled={busy} onClick={() => void run(results.query, scope, results)}>
            Search further
          </button>
        )}
      </div>
    </section>
  );
}

/** One text or date filter of the search, labelled; its id is `search-<name>`. */
function FilterField(props: {
  label: string;
  name: keyof Filters;
  type: 'text' | 'date';
  placeholder?: string;
  filters: Filters;
  onChange: (key: keyof Filters, value: string) => void;
}) {
  const { label, name, placeholder, filters, onChange } = props;
  const common = {
    id: `search-${name}`,
    class: 'field field-sm',
    value: filters[name],
    onInput: (event: { currentTarget: HTMLInputElement }) => onChange(name, event.currentTarget.value),
  };
  return (
    <label class="search-filter">
      {label}
      {props.type === 'date' ? <input {...common} type="date" /> : <input {...common} type="text" placeholder={placeholder ?? ''} />}
    </label>
  );
}
