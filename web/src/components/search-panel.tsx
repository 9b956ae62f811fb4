// Search in the room in view: a query box and the matching messages, newest first. The server looks
// 10,000 messages back per request; "Search older messages" goes on from where it stopped.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage } from '../../../src/client/index.js';
import type { Chat } from '../chat.js';
import { Avatar } from './avatar.js';
import { CloseIcon } from './icons.js';
import { RichText } from './rich-text.js';
import { clock, dayLabel, fullDate } from '../time.js';

interface Results {
  query: string;
  messages: ChatMessage[];
  /** The lowest seq searched so far: more can be searched below it while it is above 1. */
  from: number;
}

export function SearchPanel({ chat, room, onClose }: { chat: Chat; room: string; onClose: () => void }): JSX.Element {
  const [draft, setDraft] = useState('');
  const [results, setResults] = useState<Results | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const run = async (query: string, before?: number): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const found = await chat.client.search(room, query, before === undefined ? {} : { before });
      setResults((earlier) => ({
        query,
        messages: before === undefined || earlier === undefined ? found.messages : [...earlier.messages, ...found.messages],
        from: found.from,
      }));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: Event): void => {
    event.preventDefault();
    const query = draft.trim();
    if (query !== '') void run(query);
  };

  return (
    <section class="search-panel" aria-label={`Search ${chat.title(room)}`}>
      <form class="search-form" role="search" onSubmit={submit}>
        <input
          ref={input}
          id="search-text"
          class="field"
          type="search"
          placeholder={`Search ${chat.title(room)}`}
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
      <div class="search-results" aria-live="polite">
        {error !== undefined && <p class="search-note">{error}</p>}
        {results !== undefined && results.messages.length === 0 && !busy && (
          <p class="search-note">Nothing found for “{results.query}”.</p>
        )}
        <ol class="search-list">
          {results?.messages.map((message) => (
            <li key={message.seq} class="search-result" data-testid="search-result" data-seq={message.seq}>
              <Avatar user={message.from} size="sm" />
              <div class="search-body">
                <div class="msg-meta">
                  <span class="msg-author">{message.from.name}</span>
                  <time class="msg-time" dateTime={new Date(message.ts).toISOString()} title={fullDate(message.ts)}>
                    {dayLabel(message.ts)} {clock(message.ts)}
                  </time>
                </div>
                <div class="msg-text">
                  <RichText text={message.text} />
                </div>
              </div>
            </li>
          ))}
        </ol>
        {results !== undefined && results.from > 1 && (
          <button type="button" class="link-button search-more" disabled={busy} onClick={() => void run(results.query, results.from)}>
            Search older messages
          </button>
        )}
      </div>
    </section>
  );
}
