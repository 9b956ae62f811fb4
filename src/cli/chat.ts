// `parley chat ws://host:port --nick NAME [--room R]`: a terminal chat on the SDK. It shows the
// room live and sends each line typed; reconnects, re-joins and resends like the web app does.
// With stdin not a terminal it sends each input line and exits once all are acknowledged.
import { createInterface, type Interface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createClient, isBot, type ChatMessage, type ParleyClient } from '../client/node.js';

export const CHAT_USAGE = 'usage: parley chat ws://host:port --nick NAME [--room ROOM]';
const HISTORY_LINES = 20;
const TYPING_EVERY_MS = 3000;
const DRAIN_MS = 10_000;

export class ChatUsageError extends Error {
  override readonly name = 'ChatUsageError';
}

interface ChatArgs {
  url: string;
  nick: string;
  room: string;
}

export function parseChatArgs(argv: readonly string[]): ChatArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { nick: { type: 'string', short: 'n' }, room: { type: 'string', short: 'r' } },
    allowPositionals: true,
    strict: true,
  });
  const [raw, ...extra] = positionals;
  if (raw === undefined || extra.length > 0) throw new ChatUsageError('give exactly one server URL');
  if (values.nick === undefined || values.nick.trim() === '') throw new ChatUsageError('--nick is required');
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `ws://${raw}`);
  } catch {
    throw new ChatUsageError(`not a URL: ${raw}`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new ChatUsageError('the URL must start with ws:// or wss://');
  return { url: url.href, nick: values.nick.trim(), room: values.room ?? 'lobby' };
}

/**
 * Message text may carry terminal escape sequences; print control characters as visible
 * ^X notation so nobody can move the cursor, retitle the window or hide text in your terminal.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 ? `^${String.fromCharCode(code + 64)}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export async function chat(argv: readonly string[]): Promise<void> {
  const args = parseChatArgs(argv);
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const color = tty && process.env['NO_COLOR'] === undefined;
  const dim = (text: string): string => (color ? `\x1b[2m${text}\x1b[22m` : text);
  const bold = (text: string): string => (color ? `\x1b[1m${text}\x1b[22m` : text);

  const client = createClient(args.url, { nick: args.nick });
  let room = args.room;
  let rl: Interface | undefined;

  const print = (line: string): void => {
    if (rl !== undefined && tty) {
      // Print above the prompt and redraw what the user was typing.
      process.stdout.write('\r\x1b[2K');
      process.stdout.write(`${line}\n`);
      rl.prompt(true);
    } else {
      process.stdout.write(`${line}\n`);
    }
  };
  const status = (text: string): void => print(dim(`* ${text}`));
  const show = (message: ChatMessage, prefixRoom = false): void => {
    const where = prefixRoom ? dim(`#${message.room} `) : '';
    const lines = printable(message.text).split('\n');
    const bot = isBot(message.from) ? dim(' [bot]') : '';
    const head = `${dim(`[${timeFormat.format(message.ts)}]`)} ${where}${bold(printable(message.from.name))}${bot}: `;
    print(head + lines.join(`\n${' '.repeat(9)}`));
  };

  client.on('state', (change) => {
    if (change.state === 'reconnecting' && change.retryAt !== undefined) {
      const seconds = Math.max(1, Math.round((change.retryAt - Date.now()) / 1000));
      status(`connection lost; reconnecting in ${seconds}s${client.pending().length > 0 ? ` (${client.pending().length} unsent)` : ''}`);
    } else if (change.state === 'closed' && change.error !== undefined) {
      status(`disconnected: ${change.error.message}`);
    }
  });
  client.on('ready', (ready) => {
    if (ready.reconnected) status('back online');
  });
  client.on('message', (message) => show(message, message.room !== room));
  client.on('presence', (push) => {
    if (push.room === room) status(`${printable(push.user.name)} ${push.event === 'join' ? 'joined' : 'left'} #${push.room}`);
  });
  client.on('invited', (push) => {
    const what = push.dm ? 'wants a direct conversation' : `invited you to #${push.room}`;
    status(`${printable(push.by.name)} ${what}; /join ${push.room}`);
  });
  client.on('notice', (push) => status(`notice from ${printable(push.by.name)}: ${printable(push.text)}`));
  client.on('gap', (gap) => status(`#${gap.room}: messages ${gap.after + 1}–${gap.upTo} were too many to replay; /history shows the latest`));

  let ready;
  try {
    ready = await client.open();
  } catch (error) {
    console.error(`parley chat: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    return;
  }
  status(`connected to ${args.url} as ${printable(ready.user.name)}`);
  await enter(client, room, status, show);

  rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty, prompt: `#${room}> ` });
  if (tty) {
    status('type a message and press Enter; /help for commands');
    rl.prompt();
    let lastTyping = 0;
    process.stdin.on('keypress', () => {
      const now = Date.now();
      if (now - lastTyping > TYPING_EVERY_MS) {
        lastTyping = now;
        client.typing(room);
      }
    });
  }

  const finished = new Promise<void>((resolve) => {
    rl?.on('close', () => resolve());
  });
  rl.on('line', (line) => {
    const text = line.trimEnd();
    void handleLine(text).finally(() => {
      if (tty) rl?.prompt();
    });
  });

  async function handleLine(text: string): Promise<void> {
    if (text === '') return;
    if (!text.startsWith('/') || text.startsWith('//')) {
      const body = text.startsWith('//') ? text.slice(1) : text;
      client.send(room, body).catch((error: unknown) => status(`not sent: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    const [command = '', ...rest] = text.slice(1).split(/\s+/);
    switch (command) {
      case 'join':
      case 'j': {
        const next = (rest[0] ?? '').replace(/^#/, '');
        if (next === '') return status('usage: /join ROOM');
        try {
          await enter(client, next, status, show);
          room = next;
          rl?.setPrompt(`#${room}> `);
        } catch (error) {
          status(`could not join ${next}: ${error instanceof Error ? error.message : String(error)}`);
        }
        return;
      }
      case 'dm': {
        const name = (rest[0] ?? '').replace(/^@/, '');
        if (name === '') return status('usage: /dm NAME (someone online in this room)');
        try {
          const { members } = await client.members(room);
          const peer = members.find((member) => member.name.toLowerCase() === name.toLowerCase() && member.id !== client.user?.id);
          if (peer === undefined) return status(`nobody called ${name} is online in #${room}`);
          const { room: dmRoom } = (await client.command('dm', { user: peer.id })) as { room: string };
          await enter(client, dmRoom, status, show);
          room = dmRoom;
          rl?.setPrompt(`@${printable(peer.name)}> `);
        } catch (error) {
          status(`could not open a DM with ${name}: ${error instanceof Error ? error.message : String(error)}`);
        }
        return;
      }
      case 'search':
      case 's': {
        const query = rest.join(' ').trim();
        if (query === '') return status('usage: /search TEXT');
        try {
          const { messages } = await client.search(room, query, { limit: HISTORY_LINES });
          if (messages.length === 0) return status(`nothing in #${room} contains "${printable(query)}"`);
          status(`${messages.length} in #${room} contain "${printable(query)}", oldest first:`);
          for (const found of [...messages].reverse()) show(found);
        } catch (error) {
          status(`search failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        return;
      }
      case 'rooms': {
        const rooms = await client.listRooms().catch(() => []);
        status(rooms.map((r) => `#${r.room} (${r.online} online)`).join(', ') || 'no rooms yet');
        return;
      }
      case 'who': {
        const joined = await client.join(room).catch(() => undefined);
        if (joined !== undefined) status(`online in #${room}: ${joined.members.map((m) => printable(m.name)).join(', ')}`);
        return;
      }
      case 'history': {
        const messages = await client.history(room, { limit: HISTORY_LINES }).catch(() => []);
        for (const message of messages) show(message);
        return;
      }
      case 'quit':
      case 'q':
        rl?.close();
        return;
      default:
        status('commands: /join ROOM, /dm NAME, /rooms, /who, /history, /search TEXT, /quit (start a message with // to send a leading /)');
    }
  }

  await finished;
  // Input ended (Ctrl+D, /quit or end of piped input): let unacknowledged sends finish first.
  const deadline = Date.now() + DRAIN_MS;
  while (client.pending().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const unsent = client.pending().length;
  client.close();
  if (unsent > 0) {
    console.error(`parley chat: ${unsent} message(s) were not acknowledged`);
    process.exitCode = 1;
  }
}

async function enter(
  client: ParleyClient,
  room: string,
  status: (text: string) => void,
  show: (message: ChatMessage) => void,
): Promise<void> {
  const joined = await client.join(room);
  const recent = joined.seq > 0 ? await client.history(room, { before: joined.seq + 1, limit: HISTORY_LINES }) : [];
  status(`#${room}: ${joined.members.length} online${recent.length > 0 ? `, last ${recent.length} messages:` : ''}`);
  for (const message of recent) show(message);
}
