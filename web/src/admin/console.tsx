// The admin console page (/admin): tabs for the live view, rooms, users, keys and the audit log,
// all through /api/v1/admin with the signed-in account's token. The page shows what the API
// allows; the API refuses everyone who is no server admin, whatever the page shows.
import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { AdminError, adminApi, type AdminApi } from './api.js';
import { LiveView } from './live.js';
import { RoomsView } from './rooms.js';
import { UsersView } from './users.js';
import { KeysView } from './keys.js';
import { AuditView } from './audit.js';

const TABS = [
  { id: 'live', label: 'Live' },
  { id: 'rooms', label: 'Rooms' },
  { id: 'users', label: 'Users' },
  { id: 'keys', label: 'Keys & hooks' },
  { id: 'audit', label: 'Audit log' },
] as const;
type Tab = (typeof TABS)[number]['id'];

function tabOf(hash: string): Tab {
  return TABS.find((tab) => `#${tab.id}` === hash)?.id ?? 'live';
}

export function Console({ token }: { token: string | null }): JSX.Element {
  const api = useMemo(() => (token === null ? undefined : adminApi(token)), [token]);
  const [tab, setTab] = useState<Tab>(tabOf(location.hash));
  // 'checking', 'ok', 'not-admin', or what went wrong.
  const [access, setAccess] = useState<string>('checking');
  useEffect(() => {
    const follow = (): void => setTab(tabOf(location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  useEffect(() => {
    if (api === undefined) return;
    api.call('GET', '/admins').then(
      () => setAccess('ok'),
      (error: unknown) => setAccess(error instanceof AdminError && error.status === 403 ? 'not-admin' : String((error as Error).message)),
    );
  }, [api]);

  if (api === undefined)
    return <Gate title="Sign in first" text="The admin console uses your Parley account. Sign in to the chat with an admin account, then come back." />;
  if (access === 'checking') return <Gate title="Parley admin" text="Checking your access…" />;
  if (access === 'not-admin') {
    return (
      <Gate
        title="Not an admin"
        text="Your account is no server admin. An admin can grant it in this console, or the operator with: parley admin grant USERNAME"
      />
    );
  }
  if (access !== 'ok') return <Gate title="The console cannot reach the server" text={access} />;
  return (
    <div class="console">
      <header class="console-bar">
        <a class="console-brand" href="/">
          Parley
        </a>
        <span class="console-title">admin</span>
        <nav class="console-tabs" aria-label="Console sections">
          {TABS.map(({ id, label }) => (
            <a key={id} href={`#${id}`} class={`console-tab${tab === id ? ' is-active' : ''}`} aria-current={tab === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main class="console-main">{view(tab, api)}</main>
    </div>
  );
}

function view(tab: Tab, api: AdminApi): JSX.Element {
  switch (tab) {
    case 'live':
      return <LiveView api={api} />;
    case 'rooms':
      return <RoomsView api={api} />;
    case 'users':
      return <UsersView api={api} />;
    case 'keys':
      return <KeysView api={api} />;
    case 'audit':
      return <AuditView api={api} />;
  }
}

function Gate({ title, text }: { title: string; text: string }): JSX.Element {
  return (
    <main class="console-gate">
      <h1>{title}</h1>
      <p>{text}</p>
      <a class="button" href="/">
        Open the chat
      </a>
    </main>
  );
}
