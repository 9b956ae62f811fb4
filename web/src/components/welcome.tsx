import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Logo } from './icons.js';
import { checkName } from '../../../src/protocol/names.js';
import { AccountFailure, credentialProblem, signIn, wrongField, type AccountMode, type WrongField } from '../account.js';

// The server's own name rule (protocol/names.ts), so a nickname it would refuse is caught here, with its reason.
export function validNick(nick: string): string | null {
  if (nick.trim() === '') return 'Pick a nickname to join.';
  const check = checkName(nick);
  return check.ok ? null : `A nickname ${check.message}.`;
}

type Mode = 'guest' | AccountMode;

const TABS: { mode: Mode; label: string }[] = [
  { mode: 'guest', label: 'Guest' },
  { mode: 'login', label: 'Sign in' },
  { mode: 'register', label: 'Create account' },
];

export interface WelcomeProps {
  /** Shown above the form, e.g. why the user is back here. */
  notice?: string | null;
  onGuest: (nick: string) => void;
  /** A session token from /api/login or /api/register. */
  onSignedIn: (token: string) => void;
}

export function Welcome({ notice = null, onGuest, onSignedIn }: WelcomeProps): JSX.Element {
  const [mode, setMode] = useState<Mode>('guest');
  return (
    <main class="welcome">
      <div class="welcome-card">
        <div class="welcome-brand">
          <Logo size={44} />
          <h1>Parley</h1>
        </div>
        <p class="welcome-lead">Real-time rooms for your team, on your own server.</p>
        <div class="welcome-tabs" role="tablist" aria-label="How to join">
          {TABS.map((tab) => (
            <button
              key={tab.mode}
              type="button"
              role="tab"
              id={`tab-${tab.mode}`}
              class={`welcome-tab${mode === tab.mode ? ' is-active' : ''}`}
              aria-selected={mode === tab.mode}
              onClick={() => setMode(tab.mode)}
            >
              {tab.label}
            </button>
          ))}
        </div>
        {notice !== null && (
          <p class="welcome-notice" role="status">
            {notice}
          </p>
        )}
        {mode === 'guest' ? <GuestForm onJoin={onGuest} /> : <AccountForm key={mode} mode={mode} onSignedIn={onSignedIn} />}
      </div>
    </main>
  );
}

function GuestForm({ onJoin }: { onJoin: (nick: string) => void }): JSX.Element {
  const [nick, setNick] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (event: Event): void => {
    event.preventDefault();
    const problem = validNick(nick);
    setError(problem);
    if (problem === null) onJoin(nick.trim());
  };
  return (
    <form class="welcome-form" onSubmit={submit} noValidate>
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
  );
}

function AccountForm({ mode, onSignedIn }: { mode: AccountMode; onSignedIn: (token: string) => void }): JSX.Element {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [wrong, setWrong] = useState<WrongField>('none');
  const [busy, setBusy] = useState(false);
  const submit = (event: Event): void => {
    event.preventDefault();
    if (busy) return;
    const problem = credentialProblem(username.trim(), password);
    setError(problem);
    setWrong(wrongField(username.trim(), password));
    if (problem !== null) return;
    setBusy(true);
    signIn(mode, username.trim(), password).then(
      (result) => onSignedIn(result.token),
      (failure: unknown) => {
        setBusy(false);
        setError(failure instanceof AccountFailure ? failure.message : 'Something went wrong. Try again.');
        setWrong(failure instanceof AccountFailure ? wrongField(username.trim(), password, failure) : 'none');
      },
    );
  };
  const usernameWrong = error !== null && (wrong === 'username' || wrong === 'both');
  const passwordWrong = error !== null && (wrong === 'password' || wrong === 'both');
  // The message goes under the field it is about (under the password when it is about both or neither).
  const message = error !== null && (
    <p id="account-error" class="field-error" role="alert">
      {error}
    </p>
  );
  return (
    <form class="welcome-form" onSubmit={submit} noValidate>
      <label for="username" class="field-label">
        Username
      </label>
      <input
        id="username"
        name="username"
        class="field"
        autoComplete="username"
        autoCapitalize="none"
        spellcheck={false}
        maxLength={32}
        autoFocus
        value={username}
        aria-invalid={usernameWrong}
        aria-describedby={usernameWrong ? 'account-error' : undefined}
        onInput={(event) => setUsername(event.currentTarget.value)}
      />
      {wrong === 'username' && message}
      <label for="password" class="field-label">
        Password
      </label>
      <input
        id="password"
        name="password"
        type="password"
        class="field"
        autoComplete={mode === 'register' ? 'new-password' : 'current-password'}
        maxLength={256}
        value={password}
        aria-invalid={passwordWrong}
        aria-describedby={passwordWrong ? 'account-error' : undefined}
        onInput={(event) => setPassword(event.currentTarget.value)}
      />
      {wrong !== 'username' && message}
      <button type="submit" class="button button-primary" disabled={busy}>
        {mode === 'register' ? 'Create account' : 'Sign in'}
      </button>
      <p class="welcome-note">
        {mode === 'register' ? 'Your username is yours: guests cannot take it.' : 'You stay signed in on this device until you sign out.'}
      </p>
    </form>
  );
}
