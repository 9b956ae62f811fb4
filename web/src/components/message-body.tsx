// A stored message's body: its text (or a tombstone), an "edited" mark, reaction chips that toggle
// my reaction, and the actions I may take on it (react, edit my own, delete mine or, as a moderator,
// anyone's). Editing happens in place: Enter saves, Escape cancels.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage } from '../../../src/client/index.js';
import { useStore } from '../hooks.js';
import { excerptOf } from '../format.js';
import { fullDate } from '../time.js';
import { EmojiPicker } from './emoji-picker.js';
import { RichText } from './rich-text.js';
import { MessageFiles } from './message-files.js';
import { ThreadSummary } from './thread-panel.js';

const QUICK_REACTIONS = ['👍', '🎉', '❤️', '😂'];

interface MessageBodyProps {
  room: string;
  message: ChatMessage;
  /** My user id. */
  me: string | undefined;
  moderates: boolean;
  /** The message this one answers, when it is loaded here. */
  quoted: ChatMessage | undefined;
  /** Being edited in place (the store says which message: the composer's Up arrow starts it too). */
  editing: boolean;
}

export function MessageBody({ room, message, me, moderates, quoted, editing }: MessageBodyProps): JSX.Element {
  const store = useStore();
  const [picking, setPicking] = useState(false);
  const setEditing = (on: boolean): void => {
    store.startEdit(room, on ? message.seq : undefined);
    // Done editing: back to the composer, where the Up arrow started it.
    if (!on) document.getElementById('composer-text')?.focus();
  };
  const mine = message.from.id === me;
  if (message.deleted === true) {
    return (
      <div class="msg-text msg-deleted" data-seq={message.seq}>
        message deleted
      </div>
    );
  }
  const react = (emoji: string, on: boolean): void => {
    store.react(room, message.seq, emoji, on).catch(() => undefined);
  };
  return (
    <>
      {message.replyTo !== undefined && <Quote original={quoted} />}
      {editing ? (
        <EditBox room={room} message={message} onDone={() => setEditing(false)} />
      ) : (
        <div class="msg-text" data-seq={message.seq}>
          <RichText text={message.text} />
          {message.editedAt !== undefined && (
            <span class="msg-edited" title={`edited ${fullDate(message.editedAt)}`}>
              (edited)
            </span>
          )}
        </div>
      )}
      {message.files !== undefined && message.files.length > 0 && <MessageFiles files={message.files} />}
      <ThreadSummary room={room} message={message} />
      {message.reactions !== undefined && message.reactions.length > 0 && (
        <div class="reactions" data-testid="reactions">
          {message.reactions.map((reaction) => {
            const reacted = me !== undefined && reaction.users.includes(me);
            return (
              <button
                key={reaction.emoji}
                type="button"
                class={`reaction${reacted ? ' is-mine' : ''}`}
                aria-pressed={reacted}
                aria-label={`${reaction.emoji} ${reaction.count}`}
                onClick={() => react(reaction.emoji, !reacted)}
              >
                <span aria-hidden="true">{reaction.emoji}</span> {reaction.count}
              </button>
            );
          })}
        </div>
      )}
      {!editing && (
        <div class="msg-actions" role="group" aria-label="Message actions">
          {QUICK_REACTIONS.map((emoji) => {
            const reacted = me !== undefined && message.reactions?.find((r) => r.emoji === emoji)?.users.includes(me) === true;
            return (
              <button key={emoji} type="button" class="msg-action" aria-label={`React ${emoji}`} onClick={() => react(emoji, !reacted)}>
                {emoji}
              </button>
            );
          })}
          <button type="button" class="msg-action" aria-label="Add reaction" aria-expanded={picking} onClick={() => setPicking(!picking)}>
            +
          </button>
          {picking && (
            <EmojiPicker
              label="React with"
              onPick={(emoji) => {
                setPicking(false);
                const reacted = me !== undefined && message.reactions?.find((r) => r.emoji === emoji)?.users.includes(me) === true;
                if (!reacted) react(emoji, true);
              }}
              onClose={() => setPicking(false)}
            />
          )}
          <button type="button" class="msg-action" onClick={() => store.replyTo(room, message)}>
            Reply
          </button>
          {message.thread === undefined && (
            <button type="button" class="msg-action" onClick={() => store.openThread(room, message.seq)}>
              Thread
            </button>
          )}
          {mine && (
            <button type="button" class="msg-action" onClick={() => setEditing(true)}>
              Edit
            </button>
          )}
          {(mine || moderates) && (
            <button
              type="button"
              class="msg-action msg-action-danger"
              onClick={() => {
                if (window.confirm('Delete this message for everyone?')) store.remove(room, message.seq).catch(() => undefined);
              }}
            >
              Delete
            </button>
          )}
        </div>
      )}
    </>
  );
}

/** The start of the message a reply answers, when it is loaded here; a plain pointer otherwise. */
function Quote({ original }: { original: ChatMessage | undefined }): JSX.Element {
  const excerpt = original === undefined ? '' : original.deleted === true ? 'message deleted' : excerptOf(original.text);
  return (
    <span class="msg-quote" data-testid="quote">
      {original === undefined ? (
        'In reply to an earlier message'
      ) : (
        <>
          <strong>{original.from.name}</strong> {excerpt}
        </>
      )}
    </span>
  );
}

function EditBox({ room, message, onDone }: { room: string; message: ChatMessage; onDone: () => void }): JSX.Element {
  const store = useStore();
  const [text, setText] = useState(message.text);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => box.current?.focus(), []);
  const save = (): void => {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed === message.text) {
      onDone();
      return;
    }
    store.edit(room, message.seq, trimmed).then(onDone, () => undefined);
  };
  return (
    <form
      class="edit-box"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <label class="visually-hidden" for={`edit-${message.seq}`}>
        Edit message
      </label>
      <textarea
        id={`edit-${message.seq}`}
        ref={box}
        class="field"
        rows={2}
        maxLength={4000}
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey) {
            event.preventDefault();
            save();
          } else if (event.key === 'Escape') {
            event.preventDefault();
            event.stopPropagation();
            onDone();
          }
        }}
      />
      <div class="edit-actions">
        <button type="submit" class="button button-primary button-sm">
          Save
        </button>
        <button type="button" class="link-button" onClick={onDone}>
          Cancel
        </button>
        <span class="edit-hint">Enter saves · Esc cancels</span>
      </div>
    </form>
  );
}
