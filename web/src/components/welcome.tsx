import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Logo } from './icons.js';

// Same rule as the server's: 1–32 characters, not blank, no control characters.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function validNick(nick: string): string | null {
  const trimmed = nick.trim();
  if (trimmed === '') return 'Pick a nickname to join.';
  if ([...trimmed].length > 32) return 'At most 32 characters, please.';
  if (CONTROL.test(trimmed)) return 'Letters, digits, spaces and symbols only.';
  return null;
}

export function Welcome({ onJoin }: { onJoin(nick: string): void }): JSX.Element {
  const [nick, setNick] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (event: Event): void => {
    event.preventDefault();
    const problem = validNick(nick);
    setError(problem);
    if (problem === null) onJoin(nick.trim());
  };
  return (
    <main class="welcome">
      <form class="welcome-card" onSubmit={submit} noValidate>
        <div class="welcome-brand">
          <Logo size={44} />
          <h1>Parley</h1>
        </div>
        <p class="welcome-lead">Real-time rooms for your team, on your own server.</p>
        <label for="nick" class="field-label">
          Your nickname
        </label>
        <input
          id="nick"
          name="nick"
          class="field"
          autoComplete="nickname"
          maxLength={64}
          autoFocus
          placeholder="e.g. ada"
          value={nick}
          aria-invalid={error !== null}
          aria-describedby={error !== null ? 'nick-error' : undefined}
          onInput={(event) => setNick(event.currentTarget.value)}
        />
        {error !== null && (
          <p id="nick-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button button-primary">
          Join the chat
        </button>
        <p class="welcome-note">No account needed. Your nickname is remembered on this device.</p>
      </form>
    </main>
  );
}
