// The sidebar's "Threads": the threads I follow (I wrote the root or a reply), the most recently
// answered first, each with its unread replies; one opens its room with the thread in the panel.
import type { JSX } from 'preact';
import { sameItems, useApp, useStore } from '../hooks.js';
import { titleOf } from '../state/app.js';
import { excerptOf } from '../format.js';

export function ThreadsList({ onNavigate }: { onNavigate: () => void }): JSX.Element | null {
  const store = useStore();
  const threads = useApp((state) => state.threads, sameItems);
  const labels = useApp(
    (state) =>
      state.threads.map((thread) => {
        const root = state.rooms.get(thread.room)?.messages.find((message) => message.seq === thread.root);
        return `${titleOf(state, thread.room)}${root === undefined ? '' : ` · ${excerptOf(root.text)}`}`;
      }),
    sameItems,
  );
  if (threads.length === 0) return null;
  return (
    <>
      <h2 class="sidebar-heading">Threads</h2>
      <ul class="room-list" data-testid="threads">
        {threads.map((thread, index) => (
          <li key={`${thread.room}-${thread.root}`}>
            <button
              type="button"
              class={`room-link thread-link${thread.unread > 0 ? ' is-unread' : ''}`}
              data-testid="thread-link"
              onClick={() => {
                store.join(thread.room);
                store.openThread(thread.room, thread.root);
                onNavigate();
              }}
            >
              <span class="room-name">{labels[index]}</span>
              {thread.unread > 0 && (
                <span class="badge" aria-label={`${thread.unread} unread`}>
                  {thread.unread}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
