// Enter sends, Shift+Enter starts a new line; typing notifications at most every 3 s.
import type { JSX, TargetedInputEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { TEXT_MAX } from '../../../src/client/index.js';
import { useApp, useRoom, useStore } from '../hooks.js';
import { titleOf } from '../state/app.js';
import { lastEditable } from '../state/room-view.js';
import { CloseIcon, SendIcon } from './icons.js';
import { excerptOf } from '../format.js';

const TYPING_EVERY_MS = 3000;

export function Composer({ room }: { room: string }): JSX.Element {
  const store = useStore();
  const title = useApp((state) => titleOf(state, room));
  const replying = useRoom(room, (state) => state?.replyTo);
  const [text, setText] = useState('');
  const area = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);

  useEffect(() => {
    area.current?.focus();
  }, [room]);

  // Grow with the text, up to the CSS max-height.
  useEffect(() => {
    const el = area.current;
    if (el === null) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);

  const length = [...text].length;
  const tooLong = length > TEXT_MAX;
  const submit = (): void => {
    if (text.trim() === '' || tooLong) return;
    store.send(text);
    setText('');
    lastTyping.current = 0;
  };
  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && replying !== undefined) {
      store.replyTo(room, undefined);
      return;
    }
    // As in other chat apps: Up in an empty box edits my last message.
    if (event.key === 'ArrowUp' && text === '' && !event.shiftKey && !event.altKey) {
      const last = lastEditable(store.state.rooms.get(room)?.messages ?? [], store.state.me?.id);
      if (last !== undefined) {
        event.preventDefault();
        store.startEdit(room, last.seq);
      }
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  };
  const onInput = (event: TargetedInputEvent<HTMLTextAreaElement>): void => {
    setText(event.currentTarget.value);
    const now = Date.now();
    if (event.currentTarget.value !== '' && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      store.typing(room);
    }
  };
  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      {replying !== undefined && (
        <div class="composer-reply" data-testid="replying">
          <span>
            Replying to <strong>{replying.from.name}</strong> {excerptOf(replying.text)}
          </span>
          <button type="button" class="icon-button" aria-label="Cancel reply" onClick={() => store.replyTo(room, undefined)}>
            <CloseIcon />
          </button>
        </div>
      )}
      <label for="composer-text" class="visually-hidden">
        Message {title}
      </label>
      <textarea
        id="composer-text"
        ref={area}
        class="composer-input"
        rows={1}
        placeholder={`Message ${title}`}
        value={text}
        onInput={onInput}
        onKeyDown={onKeyDown}
        aria-describedby="composer-hint"
        aria-invalid={tooLong}
      />
      <button type="submit" class="send-button" aria-label="Send" disabled={text.trim() === '' || tooLong}>
        <SendIcon />
      </button>
      <p id="composer-hint" class="composer-hint">
        {length > TEXT_MAX - 500 ? (
          <span class={tooLong ? 'too-long' : ''}>
            {length} / {TEXT_MAX}
          </span>
        ) : (
          <span>
            <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line · **bold** _italic_ `code`
          </span>
        )}
      </p>
    </form>
  );
}
Composer.displayName = 'Composer';
