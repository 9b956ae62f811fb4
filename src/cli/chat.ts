// `parley chat ws://host:port --nick NAME [--room R]` (or `--user NAME`, `--token T`): a terminal
// chat on the SDK. It shows the room live (edits, deletes and reactions too) and sends each line
// typed; reconnects, re-joins and resends like the web app does. With stdin not a terminal it
// sends each input line and exits once all are acknowledged.
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { createClient, isBot, RequestError, upload, type ParleyClient } from '../client/node.js';
import { parseChatArgs } from './chat-args.js';
import { ChatView, fileSummary, printable, type Style } from './chat-view.js';
import { helloFor, openFirst } from './sign-in.js';
import { isDmRoom } from '../protocol/patterns.js';

export { CHAT_USAGE, CHAT_HELP, ChatUsageError, parseChatArgs, wantsHelp } from './chat-args.js';
export { printable } from './chat-view.js';
export { ChatFailure } from './sign-in.js';

const HISTORY_LINES = 20;
const TYPING_EVERY_MS = 3000;
const DRAIN_MS = 10_000;
const COMMANDS =
  'commands: /join ROOM, /dm NAME, /rooms, /who, /history, /search TEXT, /doc, /upload PATH [CAPTION], /thread SEQ [TEXT], /quit (start a message with // to send a leading /)';

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function chat(argv: readonly string[]): Promise<void> {
  const args = parseChatArgs(argv);
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const color = tty && process.env['NO_COLOR'] === undefined;
  const style: Style = {
    dim: (text) => (color ? `\x1b[2m${text}\x1b[22m` : text),
    bold: (text) => (color ? `\x1b[1m${text}\x1b[22m` : text),
  };

  const hello = await helloFor(args, { tty, env: process.env });
  const client = createClient(args.url, hello);
  const view = new ChatView(style, () => client.user?.id);
  let room = args.room;
  let rl: Interface | undefined;
  let inputClosed = false;

  const print = (line: string): void => {
    if (rl !== undefined && tty && !inputClosed) {
      // Print above the prompt and redraw what the user was typing.
      process.stdout.write('\r\x1b[2K');
      process.stdout.write(`${line}\n`);
      rl.prompt(true);
    } else {
      process.stdout.write(`${line}\n`);
    }
  };
  const status = (text: string): void => print(style.dim(`* ${text}`));
  const enter = (name: string): Promise<void> => enterRoom(client, view, name, status, print);

  client.on('state', (change) => {
    if (change.state === 'reconnecting' && change.retryAt !== undefined && change.wasOpen) {
      const seconds = Math.max(1, Math.round((change.retryAt - Date.now()) / 1000));
      status(`connection lost; reconnecting in ${seconds}s${client.pending().length > 0 ? ` (${client.pending().length} unsent)` : ''}`);
    } else if (change.state === 'closed' && change.error !== undefined && change.wasOpen) {
      status(`disconnected: ${change.error.message}`);
    }
  });
  client.on('ready', (ready) => {
    if (ready.reconnected) status('back online');
  });
  client.on('joined', (joined) => {
    for (const member of joined.members) {
      if (joined.access.dm) view.learnDmPeer(joined.room, member);
      else view.learnUser(member);
    }
  });
  client.on('message', (message) => print(view.message(message, message.room !== room, isDmRoom(message.room))));
  client.on('roomEvent', (push) => {
    const line = view.roomEvent(push, push.room !== room);
    if (line !== undefined) print(line);
  });
  client.on('presence', (push) => {
    view.learnUser(push.user);
    if (push.room === room) status(`${printable(push.user.name)} ${push.event === 'join' ? 'joined' : 'left'} ${view.label(push.room)}`);
  });
  client.on('invited', (push) => {
    if (push.dm) {
      view.learnDmPeer(push.room, push.by);
      status(`${printable(push.by.name)} wants a direct conversation; /dm ${printable(push.by.name)} to answer`);
    } else {
      status(`${printable(push.by.name)} invited you to #${push.room}; /join ${push.room}`);
    }
  });
  client.on('notice', (push) => status(`notice from ${printable(push.by.name)}${isBot(push.by) ? ' [bot]' : ''}: ${printable(push.text)}`));
  client.on('gap', (gap) => status(`${view.label(gap.room)}: messages ${gap.after + 1}–${gap.upTo} were too many to replay; /history shows the latest`));

  const ready = await openFirst(client, args);
  status(`connected to ${args.url} as ${printable(ready.user.name)}`);
  await enter(room);

  rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty, prompt: view.prompt(room) });
  const prompt = (): void => {
    // After /quit or Ctrl+D: prompting again would resume stdin and keep the process alive.
    if (tty && !inputClosed) rl?.prompt();
  };
  if (tty) {
    status('type a message and press Enter; /help for commands');
    prompt();
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
    rl?.on('close', () => {
      inputClosed = true;
      resolve();
    });
  });
  // Lines still being handled (an /upload sends once its file is up): input that ends waits for them.
  const handling = new Set<Promise<void>>();
  rl.on('line', (line) => {
    const handled = handleLine(line.trimEnd()).finally(prompt);
    handling.add(handled);
    void handled.finally(() => handling.delete(handled));
  });

  const moveTo = (next: string): void => {
    room = next;
    rl?.setPrompt(view.prompt(room));
  };

  async function handleLine(text: string): Promise<void> {
    if (text === '') return;
    if (!text.startsWith('/') || text.startsWith('//')) {
      const body = text.startsWith('//') ? text.slice(1) : text;
      client.send(room, body).catch((error: unknown) => status(`not sent: ${errorText(error)}`));
      return;
    }
    const [command = '', ...rest] = text.slice(1).split(/\s+/);
    switch (command) {
      case 'join':
      case 'j': {
        const next = (rest[0] ?? '').replace(/^#/, '');
        if (next === '') return status('usage: /join ROOM');
        try {
          await enter(next);
          moveTo(next);
        } catch (error) {
          status(`could not join ${next}: ${errorText(error)}`);
        }
        return;
      }
      case 'dm': {
        const name = (rest[0] ?? '').replace(/^@/, '');
        if (name === '') return status(`usage: /dm NAME (someone online in ${view.label(room)}, or who wrote to you)`);
        try {
          const known = view.dmRoomWith(name);
          if (known !== undefined) {
            await enter(known);
            return moveTo(known);
          }
          const { members } = await client.members(room);
          const peer = members.find((member) => member.name.toLowerCase() === name.toLowerCase() && member.id !== client.user?.id);
          if (peer === undefined) return status(`nobody called ${printable(name)} is online in ${view.label(room)}`);
          const { room: dmRoom } = await client.command('dm', { user: peer.id });
          view.learnDmPeer(dmRoom, peer);
          await enter(dmRoom);
          moveTo(dmRoom);
        } catch (error) {
          status(`could not open a DM with ${printable(name)}: ${errorText(error)}`);
        }
        return;
      }
      case 'search':
      case 's': {
        const query = rest.join(' ').trim();
        if (query === '') return status('usage: /search TEXT');
        try {
          const { messages } = await client.search(room, query, { limit: HISTORY_LINES });
          if (messages.length === 0) return status(`nothing in ${view.label(room)} contains "${printable(query)}"`);
          status(`${messages.length} in ${view.label(room)} contain "${printable(query)}", oldest first:`);
          for (const found of [...messages].reverse()) print(view.message(found));
        } catch (error) {
          status(`search failed: ${errorText(error)}`);
        }
        return;
      }
      case 'rooms': {
        const rooms = await client.listRooms().catch(() => []);
        const named = rooms.map(
          (r) => `${r.dm && !view.knowsDmPeer(r.room) ? `a direct conversation (/join ${r.room})` : view.label(r.room)} (${r.online} online)`,
        );
        status(named.join(', ') || 'no rooms yet');
        return;
      }
      case 'who': {
        const joined = await client.join(room).catch(() => undefined);
        if (joined !== undefined) status(`online in ${view.label(room)}: ${joined.members.map((m) => printable(m.name)).join(', ')}`);
        return;
      }
      case 'doc': {
        try {
          const { text: content } = await client.command('doctext', { room });
          if (content === '') return status(`${view.label(room)}'s document is empty`);
          status(`${view.label(room)}'s document:`);
          for (const line of content.split('\n')) print(printable(line));
        } catch (error) {
          status(`could not read the document: ${errorText(error)}`);
        }
        return;
      }
      case 'history': {
        const messages = await client.history(room, { limit: HISTORY_LINES }).catch(() => []);
        for (const message of messages) print(view.message(message, false, isDmRoom(room)));
        return;
      }
      case 'thread': {
        const root = Number(rest[0]);
        const reply = rest.slice(1).join(' ');
        if (!Number.isInteger(root) || root < 1) return status('usage: /thread SEQ (show the thread of message SEQ) or /thread SEQ TEXT (reply in it)');
        try {
          if (reply !== '') {
            await client.send(room, reply, { thread: root });
            return;
          }
          const thread = await client.thread(room, root, { limit: HISTORY_LINES });
          print(view.message(thread.root, false, isDmRoom(room)));
          for (const message of thread.messages) print(view.message(message, false, isDmRoom(room)));
          if (thread.messages.length === 0) status('no replies yet; /thread SEQ TEXT replies');
        } catch (error) {
          status(`thread ${root}: ${errorText(error)}`);
        }
        return;
      }
      case 'upload': {
        const [path = '', ...caption] = rest;
        if (path === '') return status('usage: /upload PATH [CAPTION]');
        const bearer = 'token' in hello ? hello.token : client.resumeToken;
        if (bearer === undefined) return status('not signed in yet');
        const found = await stat(path).catch(() => undefined);
        if (found?.isFile() !== true) return status(`could not upload ${printable(path)}: no such file`);
        try {
          // openAsBlob reads the file from disk as it is sent, never whole into memory.
          const file = await upload(args.url, bearer, await openAsBlob(path), basename(path));
          await client.send(room, caption.join(' '), { files: [file.id] });
          status(`sent ${printable(file.name)} (${fileSummary(file)})`);
        } catch (error) {
          status(`could not upload ${printable(path)}: ${errorText(error)}`);
        }
        return;
      }
      case 'quit':
      case 'q':
        rl?.close();
        return;
      default:
        status(COMMANDS);
    }
  }

  await finished;
  await Promise.all(handling);
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

/** Joins `room` and prints how many are online and its latest messages. */
async function enterRoom(client: ParleyClient, view: ChatView, room: string, status: (text: string) => void, print: (line: string) => void): Promise<void> {
  const joined = await client.join(room).catch(async (error: unknown) => {
    // Rooms are made with `create`: a name nobody made yet is made here, owned by this user.
    if (!(error instanceof RequestError && error.code === 'not_found') || isDmRoom(room)) throw error;
    await client.command('create', { room });
    status(`made #${room}; you own it`);
    return client.join(room);
  });
  const recent = joined.seq > 0 ? await client.history(room, { before: joined.seq + 1, limit: HISTORY_LINES }) : [];
  const lines = recent.map((message) => view.message(message, false, joined.access.dm));
  status(`${view.label(room)}: ${joined.online} online${recent.length > 0 ? `, last ${recent.length} messages:` : ''}`);
  for (const line of lines) print(line);
}
