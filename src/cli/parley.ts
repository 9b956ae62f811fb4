#!/usr/bin/env node
// parley: the command line. `parley serve` runs the server (what `npm start` does).
import { loadConfig, ConfigError } from '../server/config.js';
import { startServer } from '../server/server.js';
import { DataDirError } from '../server/data-dir.js';
import { ListenError } from '../server/listen-error.js';
import { isWorker, runPrimary } from './cluster.js';
import { chat, ChatFailure, ChatUsageError, CHAT_HELP, CHAT_USAGE, wantsHelp } from './chat.js';
import { PromptCancelled } from './password-prompt.js';
import { announceStart } from './start-line.js';
import { keys, KeysUsageError, KEYS_USAGE } from './keys.js';
import { admin, AdminUsageError, ADMIN_USAGE } from './admin.js';

const USAGE = `usage: parley serve [--port N] [--host H] [--data-dir DIR] [--max-frame BYTES] [--log-level LEVEL] [--workers N]\n       ${CHAT_USAGE.replace('usage: ', '')}\n       ${KEYS_USAGE.replace('usage: ', '')}\n       ${ADMIN_USAGE.replace('usage: ', '')}`;

const HELP = `parley: a self-hosted real-time chat server.

${USAGE}

  serve   run the server (the default; what npm start does). Every setting also has an
          environment variable: see the Configuration table of README.md.
  chat    chat from the terminal; parley chat --help says more.
  keys    API keys for the server API (create, list, revoke); see docs/api.md.
  hooks   incoming webhooks that post to a room (create, list, delete).
  admin   server admins, who run the admin console at /admin (grant, revoke, list).
  help    print this and exit.`;

async function serve(argv: readonly string[]): Promise<void> {
  const config = loadConfig(argv, process.env);
  if (config.workers > 1 && !isWorker()) {
    runPrimary(config);
    return;
  }
  // Past a file-size limit (ulimit -f, a quota) the kernel sends SIGXFSZ, whose default action kills
  // the process. Handled, the write fails with EFBIG instead, which the store reports like a full
  // disk: sends get store_failed and everything else keeps running.
  process.on('SIGXFSZ', () => undefined);
  const server = await startServer(config);
  server.log.info({ url: server.url, dataDir: config.dataDir }, `Parley serving ${server.url} (WebSocket at ${server.url.replace(/^http/, 'ws')}/ws)`);
  announceStart(server.url);
  const stop = (signal: string): void => {
    server.log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      server.log.error('shutdown took longer than 5 s; exiting');
      process.exit(1);
    }, 5000);
    deadline.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

const [command = 'serve', ...rest] = process.argv.slice(2);
try {
  if (command === 'help' || command === '--help' || command === '-h') console.log(HELP);
  else if (command === 'serve' && wantsHelp(rest)) console.log(HELP);
  else if (command === 'serve') await serve(rest);
  else if (command === 'chat' && wantsHelp(rest)) console.log(CHAT_HELP);
  else if (command === 'chat') await chat(rest);
  else if (command === 'keys' || command === 'hooks') process.exitCode = await keys(command, rest);
  else if (command === 'admin') process.exitCode = await admin(rest);
  else {
    console.error(`parley: there is no command "${command}"; parley help lists them\n${USAGE}`);
    process.exitCode = 2;
  }
} catch (error) {
  if (error instanceof ChatUsageError) {
    console.error(`parley chat: ${error.message}\n${CHAT_USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof ChatFailure) {
    console.error(`parley chat: ${error.message}`);
    process.exitCode = 1;
  } else if (error instanceof PromptCancelled) {
    process.exitCode = 130; // as a shell reports a command ended by Ctrl+C
  } else if (error instanceof AdminUsageError || (command === 'admin' && error instanceof TypeError && 'code' in error)) {
    console.error(`parley admin: ${error.message}\n${ADMIN_USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof KeysUsageError || ((command === 'keys' || command === 'hooks') && error instanceof TypeError && 'code' in error)) {
    console.error(`parley ${command}: ${error.message}\n${KEYS_USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof ConfigError || (error instanceof TypeError && 'code' in error)) {
    console.error(`parley: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof ListenError) {
    console.error(`parley: ${error.message}`);
    process.exitCode = 69; // EX_UNAVAILABLE (sysexits.h): a service is unavailable
  } else if (error instanceof DataDirError) {
    console.error(`parley: ${error.message}`);
    process.exitCode = 73; // EX_CANTCREAT (sysexits.h): cannot create or write an output file
  } else {
    // Most often a database or Redis that cannot be reached at start: say which, plainly.
    console.error(`parley: could not start: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
