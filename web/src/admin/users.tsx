// Users across the server: search accounts, guests and bots; one user's standing (admin, bans
// and mutes in every room) and the acts on it: disable or enable, sign out everywhere, set a new
// password, make or unmake an admin, lift a ban or a mute.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { UserDetail, UserListing } from '../../../src/protocol/console.js';
import { when, type AdminApi } from './api.js';
import { ConsoleTable } from './table.js';
import { Note, useNote } from './note.js';

const KINDS = ['', 'account', 'guest', 'bot', 'external'] as const;

export function UsersView({ api }: { api: AdminApi }): JSX.Element {
  const [search, setSearch] = useState('');
  const [kind, setKind] = useState<(typeof KINDS)[number]>('');
  const [users, setUsers] = useState<UserListing[] | undefined>(undefined);
  const [open, setOpen] = useState<string | undefined>(undefined);
  useEffect(() => {
    const query = [search.trim() === '' ? '' : `search=${encodeURIComponent(search.trim())}`, kind === '' ? '' : `kind=${kind}`]
      .filter((part) => part !== '')
      .join('&');
    api.call<{ users: UserListing[] }>('GET', `/users?limit=100${query === '' ? '' : `&${query}`}`).then(
      (reply) => setUsers(reply.users),
      () => setUsers([]),
    );
  }, [api, search, kind, open]);

  return (
    <section aria-label="Users">
      <div class="console-toolbar">
        <input
          class="field"
          type="search"
          placeholder="Search users by name or id"
          aria-label="Search users"
          value={search}
          onInput={(event) => setSearch(event.currentTarget.value)}
        />
        <select class="field" aria-label="Kind" value={kind} onChange={(event) => setKind(event.currentTarget.value as (typeof KINDS)[number])}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k === '' ? 'Everyone' : `${k}s`}
            </option>
          ))}
        </select>
      </div>
      <ConsoleTable columns={['Name', 'Id', 'Kind', 'Seen', 'State']}>
        {users?.map((user) => (
          <tr key={user.user.id} data-user={user.user.id} class={open === user.user.id ? 'is-open' : ''}>
            <td>
              <button type="button" class="link-button" onClick={() => setOpen(open === user.user.id ? undefined : user.user.id)}>
                {user.user.name}
              </button>
            </td>
            <td>
              <code>{user.user.id}</code>
            </td>
            <td>{user.kind}</td>
            <td>{when(user.seenAt)}</td>
            <td>{user.disabledAt === undefined ? 'active' : 'disabled'}</td>
          </tr>
        ))}
      </ConsoleTable>
      {users?.length === 0 && <Note text="No user matches." />}
      {open !== undefined && <UserPanel api={api} id={open} onClose={() => setOpen(undefined)} />}
    </section>
  );
}

function UserPanel({ api, id, onClose }: { api: AdminApi; id: string; onClose: () => void }): JSX.Element {
  const [detail, setDetail] = useState<UserDetail | undefined>(undefined);
  const [note, act] = useNote();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    api.call<UserDetail>('GET', `/users/${encodeURIComponent(id)}`).then(setDetail, () => setDetail(undefined));
  }, [api, id, generation]);
  const then = (work: () => Promise<unknown>, done: string): void => void act(work, done).then(() => setGeneration((n) => n + 1));
  if (detail === undefined) return <Note text="Reading the user…" />;
  const account = detail.kind === 'account';
  const name = detail.user.name;
  return (
    <aside class="console-card" aria-label={`User ${name}`} data-testid="user-panel">
      <h2>
        {name} <small>{detail.user.id}</small>
        <button type="button" class="link-button" onClick={onClose}>
          Close
        </button>
      </h2>
      <p>
        {detail.kind}, since {new Date(detail.createdAt).toLocaleString()}
        {detail.admin ? ', server admin' : ''}
        {detail.disabledAt === undefined ? '' : `, disabled ${when(detail.disabledAt)}`}
      </p>
      <Note text={note} />
      <div class="console-acts">
        {account && (
          <button
            type="button"
            class="button button-sm"
            onClick={() =>
              then(
                () => api.call('PUT', `/users/${id}/disabled`, { disabled: detail.disabledAt === undefined }),
                detail.disabledAt === undefined ? `${name} is disabled` : `${name} is enabled`,
              )
            }
          >
            {detail.disabledAt === undefined ? 'Disable account' : 'Enable account'}
          </button>
        )}
        <button type="button" class="button button-sm" onClick={() => then(() => api.call('POST', `/users/${id}/signout`), `${name} is signed out everywhere`)}>
          Sign out everywhere
        </button>
        {account && (
          <button
            type="button"
            class="button button-sm"
            onClick={() => {
              const password = prompt(`A new password for ${name} (8 or more characters); tell it to them`);
              if (password !== null) then(() => api.call('PUT', `/users/${id}/password`, { password }), `${name} has a new password`);
            }}
          >
            Reset password
          </button>
        )}
        <button
          type="button"
          class="button button-sm"
          onClick={() =>
            then(() => api.call(detail.admin ? 'DELETE' : 'PUT', `/admins/${id}`), detail.admin ? `${name} is no longer an admin` : `${name} is an admin`)
          }
        >
          {detail.admin ? 'Revoke admin' : 'Make admin'}
        </button>
      </div>
      <h3>Bans and mutes</h3>
      {detail.restrictions.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul class="console-list">
          {detail.restrictions.map((r) => (
            <li key={`${r.room}-${r.kind}`} data-restriction={`${r.room}:${r.kind}`}>
              {r.kind === 'ban' ? `banned from #${r.room} since ${when(r.at)}` : `muted in #${r.room} until ${new Date(r.at).toLocaleString()}`}{' '}
              <button
                type="button"
                class="button button-sm"
                onClick={() => then(() => api.call('DELETE', `/users/${id}/restrictions/${r.room}/${r.kind}`), `lifted the ${r.kind} in #${r.room}`)}
              >
                Lift
              </button>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
