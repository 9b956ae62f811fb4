// A thread in a side panel: its root, its replies (live: each reply is a message of the room, so it
// arrives and is recovered like any other), and a composer of its own with "Also send to the room".
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage, UserRef } from '../../../src/client/index.js';
import { sameItems, useApp, useRoom, useStore } from '../hooks.js';
import { clock } from '../time.js';
import { Avatar } from './avatar.js';
import { CloseIcon } from './icons.js';
import { MessageRow } from './message-row.js';
import { TypingLine } from './typing-line.js';

const NO_MESSAGES: readonly ChatMessage[] = [];
const TYPING_EVERY_MS = 3000;

export function ThreadPanel({ room }: { room: string }): JSX.Element | null {
  const store = useStore();
  const root = useRoom(room, (state) => state?.thread);
  const me = useApp((state) => state.me?.id);
  const messages = useRoom(
    room,
    (state) => (state === undefined || root === undefined ? NO_MESSAGES : state.messages.filter((m) => m.seq === root || m.thread === root)),
    sameItems,
  );
  const [text, setText] = useState('');
  const [alsoInRoom, setAlsoInRoom] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  useEffect(() => box.current?.focus(), [root]);
  // Open, the thread is read up to its newest reply (on my other devices too).
  const newest = messages.reduce((seq, message) => (message.thread === root ? Math.max(seq, message.seq) : seq), 0);
  useEffect(() => {
    if (root !== undefined && newest > 0) store.markThreadRead(room, root, newest);
  }, [store, room, root, newest]);
  if (root === undefined) return null;
  const rootMessage = messages.find((m) => m.seq === root);
  const replies = messages.filter((m) => m.thread === root);
  const send = (): void => {
    if (text.trim() === '') return;
    store.sendInThread(room, text, alsoInRoom);
    setText('');
    // The reply ends my typing on every other page: the next key announces it again at once.
    lastTyping.current = 0;
  };
  return (
    <aside class="thread-panel" aria-label="Thread" data-testid="thread-panel">
      <header class="thread-header">
        <h2>Thread</h2>
        <button type="button" class="icon-button" aria-label="Close thread" onClick={() => store.openThread(room, undefined)}>
          <CloseIcon />
        </button>
      </header>
      <ol class="thread-messages">
        {rootMessage !== undefined && (
          <MessageRow room={room} message={rootMessage} head={true} mention={false} me={me} moderates={false} quoted={undefined} editing={false} />
        )}
        <li class="thread-count">{replies.length === 1 ? '1 reply' : `${replies.length} replies`}</li>
        {replies.map((reply) => (
          <MessageRow key={reply.seq} room={room} message={reply} head={true} mention={false} me={me} moderates={false} quoted={undefined} editing={false} />
        ))}
      </ol>
      <TypingLine room={room} thread={root} />
      <form
        class="thread-composer"
        onSubmit={(event) => {
          event.preventDefault();
          send();
        }}
      >
        <label class="visually-hidden" for="thread-text">
          Reply in thread
        </label>
        <textarea
          id="thread-text"
          ref={box}
          class="field"
          rows={2}
          placeholder="Reply…"
          value={text}
          onInput={(event) => {
            setText(event.currentTarget.value);
            const now = Date.now();
            if (event.currentTarget.value !== '' && now - lastTyping.current > TYPING_EVERY_MS) {
              lastTyping.current = now;
              store.typing(room, root);
            }
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              send();
            } else if (event.key === 'Escape') {
              store.openThread(room, undefined);
            }
          }}
        />
        <label class="thread-also">
          <input type="checkbox" checked={alsoInRoom} onChange={(event) => setAlsoInRoom(event.currentTarget.checked)} /> Also send to the room
        </label>
        <button type="submit" class="button button-primary button-sm" disabled={text.trim() === ''}>
          Reply
        </button>
      </form>
    </aside>
  );
}
ThreadPanel.displayName = 'ThreadPanel';

/** Under a root: how many replies, who replied, the last one's time, a button that opens the thread. */
export function ThreadSummary({ room, message }: { room: string; message: ChatMessage }): JSX.Element | null {
  const store = useStore();
  const replies = message.replies;
  if (replies === undefined || replies.count === 0) return null;
  return (
    <button type="button" class="thread-summary" data-testid="thread-summary" onClick={() => store.openThread(room, message.seq)}>
      {replies.count === 1 ? '1 reply' : `${replies.count} replies`} <ThreadPeople room={room} users={replies.users} />
      <span class="thread-last">last {clock(replies.lastTs)}</span>
    </button>
  );
}

/**
 * The repliers (the summary names up to 5 by id) as small avatars, named in the title: a name is
 * taken from the room's members or its loaded messages; one known nowhere here is counted.
 */
function ThreadPeople({ room, users }: { room: string; users: readonly string[] }): JSX.Element | null {
  const known = useRoom(
    room,
    (state) =>
      users.flatMap((id): UserRef[] => {
        const user = state?.members.get(id) ?? state?.messages.find((m) => m.from.id === id)?.from;
        return user === undefined ? [] : [user];
      }),
    sameUsers,
  );
  if (users.length === 0) return null;
  const others = users.length - known.length;
  const names = known.map((user) => user.name);
  if (others > 0) names.push(others === 1 ? '1 other' : `${others} others`);
  return (
    <span class="thread-people" data-testid="thread-people" title={names.join(', ')} aria-label={names.join(', ')}>
      {known.map((user) => (
        <Avatar key={user.id} user={user} size="sm" />
      ))}
      {others > 0 && <span class="thread-others">+{others}</span>}
    </span>
  );
}

function sameUsers(a: readonly UserRef[], b: readonly UserRef[]): boolean {
  return a.length === b.length && a.every((user, index) => user.id === b[index]?.id && user.name === b[index]?.name);
}
