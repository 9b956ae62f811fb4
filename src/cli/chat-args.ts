// The arguments of `parley chat`: the server's address, who you are (a guest nick, an account to
// sign in to, or a session token) and the first room. Every refusal is a sentence that says what is
// wrong and what to type instead.
import { parseArgs } from 'node:util';
import { ROOM_PATTERN } from '../protocol/messages.js';
import { checkName } from '../protocol/names.js';
import { printable } from './chat-view.js';

export const CHAT_USAGE = 'usage: parley chat ws://host:port (--nick NAME | --user NAME | --token TOKEN) [--room ROOM]';

export const CHAT_HELP = `parley chat: chat in a Parley room from the terminal.

${CHAT_USAGE}

  URL                the server, e.g. ws://localhost:8080 (http://, https:// and host:port work too)
  --nick, -n NAME    chat as a guest called NAME
  --user, -u NAME    sign in to the account NAME: the password is asked for without echo,
                     or read from PARLEY_PASSWORD (for scripts)
  --token, -t TOKEN  sign in with a session token (from POST /api/login, see docs/api.md)
  --room, -r ROOM    the room to start in (default: lobby)
  --help, -h         print this and exit

In the chat: type a line to send it. /join ROOM, /dm NAME, /rooms, /who, /history, /doc,
/search TEXT, /quit (or Ctrl+D). Start a message with // to send a leading /.
With input that is not a terminal, each line is sent and the client exits once all are stored.`;

export class ChatUsageError extends Error {
  override readonly name = 'ChatUsageError';
}

export type Identity = { kind: 'guest'; nick: string } | { kind: 'account'; username: string } | { kind: 'token'; token: string };

export interface ChatArgs {
  url: string;
  identity: Identity;
  room: string;
}

const OPTIONS = {
  nick: { type: 'string', short: 'n' },
  user: { type: 'string', short: 'u' },
  token: { type: 'string', short: 't' },
  room: { type: 'string', short: 'r' },
  help: { type: 'boolean', short: 'h' },
} as const;
type OptionName = keyof typeof OPTIONS;
const isOption = (name: string): name is OptionName => Object.hasOwn(OPTIONS, name);

const roomRe = new RegExp(ROOM_PATTERN);

/** True when the arguments ask for help (`--help` or `-h`, wherever they are). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export function parseChatArgs(argv: readonly string[]): ChatArgs {
  // Not strict: node's own messages for unknown options and missing values are not ours to show.
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: false });
  const strings: Partial<Record<OptionName, string>> = {};
  for (const [name, value] of Object.entries(values)) {
    if (!isOption(name)) throw new ChatUsageError(`there is no option ${name.length === 1 ? '-' : '--'}${name}; parley chat --help lists them`);
    if (OPTIONS[name].type === 'string') {
      if (typeof value !== 'string' || value.startsWith('-')) throw new ChatUsageError(`--${name} needs a value after it, e.g. --${name} ${example(name)}`);
      strings[name] = value;
    }
  }
  const [raw, ...extra] = positionals;
  if (raw === undefined) throw new ChatUsageError("give the server's URL first, e.g. parley chat ws://localhost:8080 --nick ada");
  if (extra.length > 0)
    throw new ChatUsageError(`give one server URL, not also ${extra.map((x) => `"${printable(x)}"`).join(', ')} (a message is typed once the chat is open)`);
  return { url: serverUrl(raw), identity: identity(strings), room: room(strings.room ?? 'lobby') };
}

function serverUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `ws://${raw}`);
  } catch {
    throw new ChatUsageError(`"${printable(raw)}" is not a server URL; give one like ws://localhost:8080`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ChatUsageError(`the URL must start with ws://, wss://, http:// or https://, not ${printable(url.protocol)}//; e.g. ws://localhost:8080`);
  }
  return url.href;
}

function identity(strings: Partial<Record<OptionName, string>>): Identity {
  const given = (['nick', 'user', 'token'] as const).filter((name) => strings[name] !== undefined);
  if (given.length === 0) throw new ChatUsageError('say who you are: --nick NAME to chat as a guest, or --user NAME to sign in to an account');
  if (given.length > 1) throw new ChatUsageError(`give only one of ${given.map((name) => `--${name}`).join(' and ')}`);
  if (strings.token !== undefined) return { kind: 'token', token: strings.token };
  if (strings.user !== undefined) return { kind: 'account', username: strings.user.trim() };
  const nick = strings.nick ?? '';
  const check = checkName(nick);
  if (!check.ok) throw new ChatUsageError(`the nick "${printable(nick)}" cannot be used: ${phrase(check.message)}. Pick another with --nick`);
  return { kind: 'guest', nick: check.name };
}

function room(name: string): string {
  const bare = name.replace(/^#/, '');
  if (roomRe.test(bare)) return bare;
  throw new ChatUsageError(
    `"${printable(name)}" is not a room name: use up to 64 lower-case letters, digits, - and _, starting with a letter or digit (e.g. --room general)`,
  );
}

/** checkName's messages read as rules ("must not be blank", "control characters are not allowed"). */
function phrase(message: string): string {
  return message.startsWith('must') ? `it ${message}` : message;
}

function example(name: OptionName): string {
  return { nick: 'ada', user: 'ada', token: 'pst_…', room: 'general', help: '' }[name];
}
