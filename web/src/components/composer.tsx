// Enter sends, Shift+Enter starts a new line; typing notifications at most every 3 s. `@` and `#`
// suggest people and rooms (↑/↓ choose, Enter or Tab takes one, Esc closes); the emoji button
// inserts at the caret; Up in an empty box edits my last message.
import type { JSX, TargetedInputEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { TEXT_MAX } from '../../../src/client/index.js';
import { useApp, useRoom, useStore } from '../hooks.js';
import { titleOf } from '../state/app.js';
import { lastEditable } from '../state/room-view.js';
import { accept, partialAt } from '../suggest.js';
import { EmojiPicker } from './emoji-picker.js';
import { AttachButton, AttachmentList, useAttachments } from './attachments.js';
import { CloseIcon, SendIcon } from './icons.js';
import { Suggestions, useSuggestions } from './suggestions.js';
import { excerptOf } from '../format.js';

const TYPING_EVERY_MS = 3000;

export function Composer({ room }: { room: string }): JSX.Element {
  const store = useStore();
  const title = useApp((state) => titleOf(state, room));
  const replying = useRoom(room, (state) => state?.replyTo);
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [picking, setPicking] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [chosen, setChosen] = useState(0);
  const [dismissed, setDismissed] = useState<number | undefined>(undefined);
  const area = useRef<HTMLTextAreaElement>(null);
  const partial = partialAt(text, caret);
  const open = partial !== undefined && dismissed !== partial.start ? partial : undefined;
  const suggestions = useSuggestions(room, open);
  const showing = open !== undefined && suggestions.length > 0;
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

  const files = useAttachments();
  const length = [...text].length;
  const tooLong = length > TEXT_MAX;
  // With attachments the text is their caption and may be empty; they must all be uploaded first.
  const sendable = !tooLong && (files.attachments.length > 0 ? files.ready !== undefined : text.trim() !== '');
  const submit = (): void => {
    if (!sendable) return;
    store.send(files.ready === undefined ? text : text.trim(), files.ready ?? []);
    setText('');
    files.clear();
    lastTyping.current = 0;
  };
  const onPaste = (event: ClipboardEvent): void => {
    const pasted = [...(event.clipboardData?.files ?? [])];
    if (pasted.length === 0) return;
    event.preventDefault();
    files.add(pasted);
  };
  /**
   * Puts `next` in the box with the caret at `at`, as if typed. The box is changed at once, not
   * after the next frame: a key typed right after (a fast typist, a test) must land after `at`, and
   * a caret moved later would send it, and what follows, to the wrong place.
   */
  const replace = (next: string, at: number): void => {
    const box = area.current;
    if (box !== null) {
      box.value = next;
      box.focus();
      box.setSelectionRange(at, at);
    }
    setText(next);
    setCaret(at);
    setChosen(0);
  };
  const take = (index: number): void => {
    const choice = suggestions[index];
    if (open === undefined || choice === undefined) return;
    const done = accept(text, caret, open, choice);
    replace(done.text, done.caret);
  };
  const insertEmoji = (emoji: string): void => {
    setPicking(false);
    const at = area.current?.selectionStart ?? text.length;
    replace(text.slice(0, at) + emoji + text.slice(at), at + emoji.length);
  };
  const onKeyDown = (event: KeyboardEvent): void => {
    if (showing) {
      const move = event.key === 'ArrowDown' ? 1 : event.key === 'ArrowUp' ? -1 : 0;
      if (move !== 0) {
        event.preventDefault();
        setChosen((current) => (current + move + suggestions.length) % suggestions.length);
        return;
      }
      if ((event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        take(Math.min(chosen, suggestions.length - 1));
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setDismissed(open.start);
        return;
      }
    }
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
    setCaret(event.currentTarget.selectionStart);
    setChosen(0);
    const now = Date.now();
    if (event.currentTarget.value !== '' && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      store.typing(room);
    }
  };
  return (
    <form
      class={`composer${dragging ? ' is-dropping' : ''}`}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      onDragOver={(event) => {
        if (event.dataTransfer?.types.includes('Files') !== true) return;
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(event) => {
        const dropped = [...(event.dataTransfer?.files ?? [])];
        setDragging(false);
        if (dropped.length === 0) return;
        event.preventDefault();
        files.add(dropped);
      }}
    >
      <AttachmentList attachments={files.attachments} onRemove={files.remove} />
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
      {showing && <Suggestions items={suggestions} chosen={Math.min(chosen, suggestions.length - 1)} onTake={take} />}
      {picking && <EmojiPicker label="Insert emoji" onPick={insertEmoji} onClose={() => (setPicking(false), area.current?.focus())} />}
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
        onPaste={onPaste}
        onKeyUp={(event) => setCaret(event.currentTarget.selectionStart)}
        onClick={(event) => setCaret(event.currentTarget.selectionStart)}
        aria-autocomplete="list"
        aria-controls={showing ? 'composer-suggestions' : undefined}
        aria-activedescendant={showing ? `suggestion-${Math.min(chosen, suggestions.length - 1)}` : undefined}
        aria-describedby="composer-hint"
        aria-invalid={tooLong}
      />
      <AttachButton onFiles={files.add} />
      <button type="button" class="icon-button emoji-button" aria-label="Insert emoji" aria-expanded={picking} onClick={() => setPicking(!picking)}>
        <span aria-hidden="true">🙂</span>
      </button>
      <button type="submit" class="send-button" aria-label="Send" disabled={!sendable}>
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
