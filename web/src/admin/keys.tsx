// Server API keys and incoming webhooks: make one (its secret is shown once, here), rotate a
// key's secret, revoke a key, delete a hook; every key's outgoing webhook subscriptions, each with
// its recent deliveries (deliveries.tsx).
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ConsoleWebhook, HookRecord, KeyRecord } from '../../../src/protocol/console.js';
import { when, type AdminApi } from './api.js';
import { ConsoleTable } from './table.js';
import { Note, useNote } from './note.js';
import { DeliveriesPanel } from './deliveries.js';

const SCOPES = ['publish', 'read', 'admin'] as const;

export function KeysView({ api }: { api: AdminApi }): JSX.Element {
  const [keys, setKeys] = useState<KeyRecord[]>([]);
  const [hooks, setHooks] = useState<HookRecord[]>([]);
  const [webhooks, setWebhooks] = useState<ConsoleWebhook[]>([]);
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['publish']);
  const [bot, setBot] = useState('');
  const [hookRoom, setHookRoom] = useState('');
  const [note, act] = useNote();
  const [generation, setGeneration] = useState(0);
  /** The subscription whose deliveries are shown. */
  const [openHook, setOpenHook] = useState<string | undefined>(undefined);
  useEffect(() => {
    api.call<{ keys: KeyRecord[] }>('GET', '/keys').then(
      (reply) => setKeys(reply.keys),
      () => undefined,
    );
    api.call<{ hooks: HookRecord[] }>('GET', '/hooks').then(
      (reply) => setHooks(reply.hooks),
      () => undefined,
    );
    api.call<{ webhooks: ConsoleWebhook[] }>('GET', '/webhooks').then(
      (reply) => setWebhooks(reply.webhooks),
      () => undefined,
    );
  }, [api, generation]);
  const then = (work: () => Promise<unknown>, done: string): void => void act(work, done).then(() => setGeneration((n) => n + 1));
  const shown = (made: { key?: string; path?: string }): void =>
    setSecret(made.key ?? (made.path === undefined ? undefined : `${location.origin}${made.path}`));

  return (
    <section aria-label="Keys and hooks">
      <h2>API keys</h2>
      <form
        class="console-toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          then(
            async () =>
              shown(await api.call<{ key: string }>('POST', '/keys', { name: name.trim(), scopes, ...(bot.trim() === '' ? {} : { bot: bot.trim() }) })),
            `key "${name.trim()}" made`,
          );
        }}
      >
        <input class="field" placeholder="Key name" aria-label="Key name" value={name} onInput={(event) => setName(event.currentTarget.value)} />
        {SCOPES.map((scope) => (
          <label key={scope} class="console-check">
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(event) => setScopes(event.currentTarget.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))}
            />
            {scope}
          </label>
        ))}
        <input class="field" placeholder="Bot name (optional)" aria-label="Bot name" value={bot} onInput={(event) => setBot(event.currentTarget.value)} />
        <button type="submit" class="button button-sm">
          Make key
        </button>
      </form>
      {secret !== undefined && (
        <p class="console-secret" data-testid="secret">
          Shown once, keep it now: <code>{secret}</code>
        </p>
      )}
      <Note text={note} />
      <ConsoleTable columns={['Name', 'Id', 'Scopes', 'Bot', 'Made', 'State', '']}>
        {keys.map((key) => (
          <tr key={key.id} data-key={key.id}>
            <td>{key.name}</td>
            <td>
              <code>{key.id}</code>
            </td>
            <td>{key.scopes.join(', ')}</td>
            <td>{key.bot?.id ?? ''}</td>
            <td>{when(key.createdAt)}</td>
            <td>{key.revokedAt === undefined ? 'active' : `revoked ${when(key.revokedAt)}`}</td>
            <td class="console-acts">
              {key.revokedAt === undefined && (
                <>
                  <button
                    type="button"
                    class="button button-sm"
                    onClick={() => then(async () => shown(await api.call<{ key: string }>('POST', `/keys/${key.id}/rotate`)), `"${key.name}" has a new secret`)}
                  >
                    Rotate
                  </button>
                  <button
                    type="button"
                    class="button button-sm button-danger"
                    onClick={() => then(() => api.call('DELETE', `/keys/${key.id}`), `"${key.name}" is revoked`)}
                  >
                    Revoke
                  </button>
                </>
              )}
            </td>
          </tr>
        ))}
      </ConsoleTable>

      <h2>Incoming webhooks</h2>
      <form
        class="console-toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          then(async () => shown(await api.call<{ path: string }>('POST', '/hooks', { room: hookRoom.trim() })), `hook for #${hookRoom.trim()} made`);
        }}
      >
        <input class="field" placeholder="Room" aria-label="Hook room" value={hookRoom} onInput={(event) => setHookRoom(event.currentTarget.value)} />
        <button type="submit" class="button button-sm">
          Make hook
        </button>
      </form>
      <ConsoleTable columns={['Room', 'Bot', 'Made', '']}>
        {hooks.map((hook) => (
          <tr key={hook.id} data-hook={hook.id}>
            <td>#{hook.room}</td>
            <td>{hook.bot.id}</td>
            <td>{when(hook.createdAt)}</td>
            <td class="console-acts">
              <button
                type="button"
                class="button button-sm button-danger"
                onClick={() => then(() => api.call('DELETE', `/hooks/${hook.id}`), `hook for #${hook.room} deleted`)}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </ConsoleTable>
      <h2>Outgoing webhooks</h2>
      <p class="console-note">Subscriptions are made with an admin key (POST /api/v1/webhooks); here every key's, with the events waiting for each.</p>
      <ConsoleTable columns={['URL', 'Events', 'Key', 'State', 'Waiting', '']}>
        {webhooks.map((hook) => (
          <tr key={hook.id} data-webhook={hook.id} class={openHook === hook.id ? 'is-open' : ''}>
            <td>
              <code>{hook.url}</code>
            </td>
            <td>{hook.events.join(', ')}</td>
            <td>{hook.owner}</td>
            <td>{hook.enabled ? 'delivering' : `disabled (${hook.disabledReason ?? 'stopped'})`}</td>
            <td>{hook.queued}</td>
            <td class="console-acts">
              <button type="button" class="button button-sm" onClick={() => setOpenHook(openHook === hook.id ? undefined : hook.id)}>
                Deliveries
              </button>
              {!hook.enabled && (
                <button
                  type="button"
                  class="button button-sm"
                  onClick={() => then(() => api.call('POST', `/webhooks/${hook.id}/enable`), `${hook.url} delivers again`)}
                >
                  Enable
                </button>
              )}
              <button
                type="button"
                class="button button-sm button-danger"
                onClick={() =>
                  then(async () => {
                    await api.call('DELETE', `/webhooks/${hook.id}`);
                    if (openHook === hook.id) setOpenHook(undefined);
                  }, `${hook.url} deleted`)
                }
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </ConsoleTable>
      {openHook !== undefined && (
        <DeliveriesPanel
          key={openHook}
          api={api}
          id={openHook}
          url={webhooks.find((hook) => hook.id === openHook)?.url ?? openHook}
          onChanged={() => setGeneration((n) => n + 1)}
          onClose={() => setOpenHook(undefined)}
        />
      )}
    </section>
  );
}
