// `parley keys …` and `parley hooks …`: server API keys and incoming webhooks, written straight to
// the store that `parley serve` uses (the same --data-dir / PARLEY_STORE / DATABASE_URL settings),
// so they work on every process of a cluster without a restart. A key or a hook's secret is printed
// once, on stdout alone (for scripts); only its hash is kept.
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.js';
import { openApiKeyStore } from '../server/backends.js';
import { prepareDataDir } from '../server/data-dir.js';
import { API_SCOPES, ApiKeyError, issueHook, issueKey, type ApiKeyStore, type ApiScope } from '../server/auth/api-keys.js';
import { ROOM_PATTERN } from '../protocol/messages.js';

export const KEYS_USAGE = `usage: parley keys create --name NAME --scopes publish,read,admin [--bot BOT] [--data-dir DIR]
       parley keys list [--data-dir DIR]
       parley keys revoke ID [--data-dir DIR]
       parley hooks create --room ROOM [--bot BOT] [--data-dir DIR]
       parley hooks list [--data-dir DIR]
       parley hooks delete ID [--data-dir DIR]`;

export class KeysUsageError extends Error {
  override readonly name = 'KeysUsageError';
}

const flags = {
  name: { type: 'string' },
  scopes: { type: 'string' },
  bot: { type: 'string' },
  room: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ args: string[]; options: typeof flags; allowPositionals: true }>>['values'];

/** Runs `parley keys|hooks <action> …`; `out` gets what scripts read, `note` what people read. */
export async function keys(
  noun: 'keys' | 'hooks',
  argv: readonly string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  note: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], options: flags, allowPositionals: true, strict: true });
  const [action, ...rest] = positionals;
  const dataDir = values['data-dir'];
  const config = loadConfig(dataDir === undefined ? [] : ['--data-dir', dataDir], process.env);
  if (config.store === 'sqlite') prepareDataDir(config.dataDir);
  const store = await openApiKeyStore(config);
  try {
    if (noun === 'keys') return await keyAction(store, action, rest, values, out, note);
    return await hookAction(store, action, rest, values, out, note);
  } catch (error) {
    if (error instanceof ApiKeyError) throw new KeysUsageError(error.message);
    throw error;
  } finally {
    await store.close();
  }
}

async function keyAction(
  store: ApiKeyStore,
  action: string | undefined,
  rest: string[],
  values: Flags,
  out: (line: string) => void,
  note: (line: string) => void,
): Promise<number> {
  switch (action) {
    case 'create': {
      if (values.name === undefined) throw new KeysUsageError('keys create needs --name');
      const { key, record } = await issueKey(store, {
        name: values.name,
        scopes: scopes(values.scopes),
        ...(values.bot === undefined ? {} : { bot: values.bot }),
      });
      out(key);
      note(
        `key ${record.id} "${record.name}" (${record.scopes.join(',')})${record.bot === undefined ? '' : ` speaking as ${record.bot.id}`}: shown once, keep it now`,
      );
      return 0;
    }
    case 'list': {
      for (const key of await store.listKeys()) {
        const state = key.revokedAt === undefined ? 'active' : `revoked ${new Date(key.revokedAt).toISOString()}`;
        out([key.id, key.name, key.scopes.join(','), key.bot?.id ?? '-', new Date(key.createdAt).toISOString(), state].join('\t'));
      }
      return 0;
    }
    case 'revoke': {
      const id = only(rest, 'keys revoke ID');
      if (!(await store.revokeKey(id, Date.now()))) {
        note(`no active key ${id}`);
        return 1;
      }
      note(`revoked ${id}: refused on every process within a second`);
      return 0;
    }
    default:
      throw new KeysUsageError(`unknown keys action ${action ?? '(none)'}`);
  }
}

async function hookAction(
  store: ApiKeyStore,
  action: string | undefined,
  rest: string[],
  values: Flags,
  out: (line: string) => void,
  note: (line: string) => void,
): Promise<number> {
  switch (action) {
    case 'create': {
      const room = values.room;
      if (room === undefined || !new RegExp(ROOM_PATTERN).test(room)) throw new KeysUsageError(`hooks create needs --room matching ${ROOM_PATTERN}`);
      const { secret, record } = await issueHook(store, room, values.bot ?? 'webhook');
      out(`/hooks/${secret}`);
      note(`hook ${record.id} posts to ${room} as ${record.bot.id}: POST {"text": "…"} to that path; shown once`);
      return 0;
    }
    case 'list': {
      for (const hook of await store.listHooks()) out([hook.id, hook.room, hook.bot.id, new Date(hook.createdAt).toISOString()].join('\t'));
      return 0;
    }
    case 'delete': {
      const id = only(rest, 'hooks delete ID');
      if (!(await store.deleteHook(id))) {
        note(`no hook ${id}`);
        return 1;
      }
      note(`deleted ${id}`);
      return 0;
    }
    default:
      throw new KeysUsageError(`unknown hooks action ${action ?? '(none)'}`);
  }
}

function scopes(raw: string | undefined): ApiScope[] {
  if (raw === undefined) throw new KeysUsageError(`keys create needs --scopes (some of ${API_SCOPES.join(',')})`);
  const asked = raw
    .split(',')
    .map((scope) => scope.trim())
    .filter((scope) => scope !== '');
  const known = API_SCOPES.filter((scope) => asked.includes(scope));
  const unknown = asked.filter((scope) => !(API_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) throw new KeysUsageError(`unknown scope ${unknown.join(',')}; scopes are ${API_SCOPES.join(',')}`);
  return known;
}

function only(rest: string[], usage: string): string {
  if (rest.length !== 1 || rest[0] === undefined) throw new KeysUsageError(`usage: parley ${usage}`);
  return rest[0];
}
