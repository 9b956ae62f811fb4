// Who is typing in the room in view, announced politely to screen readers.
import type { JSX } from 'preact';
import { useRoom } from '../hooks.js';
import { typingNames } from '../state/room.js';

function typingText(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

/** Who is typing in the room, or with `thread` in the thread of that root. */
export function TypingLine({ room, thread }: { room: string; thread?: number }): JSX.Element {
  const typing = useRoom(room, (state) => state?.typing);
  const text = typing === undefined ? '' : typingText(typingNames({ typing }, Date.now(), thread));
  return (
    <div class="typing" aria-live="polite" data-testid="typing">
      {text !== '' && (
        <>
          <span class="typing-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {text}
        </>
      )}
    </div>
  );
}
TypingLine.displayName = 'TypingLine';
