// `parley admin …`: server admins, written straight to the store that `parley serve` uses (the same
// --data-dir / PARLEY_STORE / DATABASE_URL settings), so a grant holds on every process of a
// cluster within a second. This is how the first admin is made; admins grant others in the console.
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.js';
import { openConsoleStore } from '../server/backends.js';
import { prepareDataDir } from '../server/data-dir.js';
import type { ConsoleStore } from '../server/auth/server-admins.js';

export const ADMIN_USAGE = `usage: parley admin grant USER [--data-dir DIR]
       parley admin revoke USER [--data-dir DIR]
       parley admin list [--data-dir DIR]`;

export class AdminUsageError extends Error {
  override readonly name = 'AdminUsageError';
}

/** Runs `parley admin <action> …`; USER is an account's username or a user id. */
export async function admin(
  argv: readonly string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  note: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], options: { 'data-dir': { type: 'string' } }, allowPositionals: true, strict: true });
  const [action, ...rest] = positionals;
  if (action !== 'grant' && action !== 'revoke' && action !== 'list') throw new AdminUsageError(`unknown admin action ${action ?? '(none)'}`);
  if (action !== 'list' && rest.length !== 1) throw new AdminUsageError(`usage: parley admin ${action} USER`);
  const dataDir = values['data-dir'];
  const config = loadConfig(dataDir === undefined ? [] : ['--data-dir', dataDir], process.env);
  if (config.store === 'sqlite') prepareDataDir(config.dataDir);
  const store = await openConsoleStore(config);
  try {
    if (action === 'list') return await list(store, out);
    return await change(store, action, rest[0] ?? '', note);
  } finally {
    await store.close();
  }
}

async function list(store: ConsoleStore, out: (line: string) => void): Promise<number> {
  for (const { user, grantedAt, grantedBy } of await store.listAdmins()) out([user.id, user.name, new Date(grantedAt).toISOString(), grantedBy].join('\t'));
  return 0;
}

async function change(store: ConsoleStore, action: 'grant' | 'revoke', who: string, note: (line: string) => void): Promise<number> {
  const user = await store.resolveUser(who);
  if (user === undefined) {
    note(`no user ${who}: give an account's username, or a user id (a guest's, from the members list)`);
    return 1;
  }
  const actor = { id: 'cli', name: 'parley admin' };
  if (action === 'grant') {
    if (!(await store.grantAdmin(user.id, 'cli', Date.now()))) note(`${user.name} (${user.id}) is an admin already`);
    else note(`${user.name} (${user.id}) is a server admin now: /admin in the web app`);
  } else if (!(await store.revokeAdmin(user.id))) {
    note(`${user.name} (${user.id}) is no admin (one named by PARLEY_ADMINS stays one while that says so)`);
    return 1;
  } else {
    note(`${user.name} (${user.id}) is no longer an admin, on every process within a second`);
  }
  await store.recordAudit({ at: Date.now(), actor, action: `admin.${action}`, target: user.id });
  return 0;
}
