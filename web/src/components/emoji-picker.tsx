// A small emoji picker: the emojis people reach for most, each with its name (what a screen reader
// says and what the filter matches). Used by the composer (insert) and by a message (react).
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export const EMOJIS: readonly (readonly [string, string])[] = [
  ['👍', 'thumbs up'],
  ['👎', 'thumbs down'],
  ['❤️', 'heart'],
  ['😂', 'joy'],
  ['🎉', 'party'],
  ['😊', 'smile'],
  ['😀', 'grin'],
  ['😅', 'sweat smile'],
  ['🤣', 'rofl'],
  ['😉', 'wink'],
  ['😍', 'heart eyes'],
  ['😎', 'cool'],
  ['🤔', 'thinking'],
  ['😐', 'neutral'],
  ['🙄', 'eye roll'],
  ['😢', 'cry'],
  ['😭', 'sob'],
  ['😡', 'angry'],
  ['😮', 'wow'],
  ['😴', 'sleepy'],
  ['🤯', 'mind blown'],
  ['🥳', 'celebrate'],
  ['🙏', 'thanks'],
  ['👏', 'clap'],
  ['🙌', 'raised hands'],
  ['👀', 'eyes'],
  ['💯', 'hundred'],
  ['🔥', 'fire'],
  ['✨', 'sparkles'],
  ['🚀', 'rocket'],
  ['✅', 'check'],
  ['❌', 'cross'],
  ['⚠️', 'warning'],
  ['❓', 'question'],
  ['💡', 'idea'],
  ['🐛', 'bug'],
  ['☕', 'coffee'],
  ['🍕', 'pizza'],
  ['🎂', 'cake'],
  ['👋', 'wave'],
  ['🤝', 'handshake'],
  ['💪', 'strong'],
];

interface EmojiPickerProps {
  /** Names the picker for assistive technology ("Insert emoji", "React with"). */
  label: string;
  onPick: (emoji: string) => void;
  onClose: () => void;
}

export function EmojiPicker({ label, onPick, onClose }: EmojiPickerProps): JSX.Element {
  const [filter, setFilter] = useState('');
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => box.current?.focus(), []);
  const shown = EMOJIS.filter(([, name]) => name.includes(filter.trim().toLowerCase()));
  return (
    <div
      class="emoji-picker"
      role="dialog"
      aria-label={label}
      data-testid="emoji-picker"
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return;
        event.preventDefault();
        event.stopPropagation();
        onClose();
      }}
    >
      <input
        ref={box}
        class="field field-sm emoji-filter"
        placeholder="Find an emoji"
        aria-label="Find an emoji"
        value={filter}
        onInput={(event) => setFilter(event.currentTarget.value)}
        onKeyDown={(event) => {
          const first = shown[0];
          if (event.key === 'Enter' && first !== undefined) {
            event.preventDefault();
            onPick(first[0]);
          }
        }}
      />
      <div class="emoji-grid">
        {shown.map(([emoji, name]) => (
          <button key={emoji} type="button" class="emoji-choice" aria-label={name} title={name} onClick={() => onPick(emoji)}>
            {emoji}
          </button>
        ))}
      </div>
    </div>
  );
}
