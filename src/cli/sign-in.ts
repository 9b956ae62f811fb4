// Who `parley chat` says hello as: a guest nick, a session token, or an account signed in through
// the accounts API (docs/api.md) with a password asked for without echo or taken from
// PARLEY_PASSWORD. And the sentences for the ways connecting and signing in can fail.
import { login, RequestError, type ClientOptions, type ParleyClient, type ReadyEvent } from '../client/node.js';
import { ChatUsageError, type ChatArgs } from './chat-args.js';
import { printable } from './chat-view.js';
import { readHidden } from './password-prompt.js';

export type Hello = Required<Pick<ClientOptions, 'nick'>> | Required<Pick<ClientOptions, 'token'>>;

export interface SignInIo {
  /** stdin and stdout are a terminal: a password can be asked for. */
  tty: boolean;
  env: NodeJS.ProcessEnv;
}

/** A failure to show as one sentence (and exit 1). */
export class ChatFailure extends Error {
  override readonly name = 'ChatFailure';
}

export async function helloFor(args: ChatArgs, io: SignInIo): Promise<Hello> {
  const { identity } = args;
  if (identity.kind === 'guest') return { nick: identity.nick };
  if (identity.kind === 'token') return { token: identity.token };
  const password = io.env['PARLEY_PASSWORD'] ?? (io.tty ? await readHidden(`password for ${printable(identity.username)}: `) : undefined);
  if (password === undefined) {
    throw new ChatUsageError('--user needs a password: run parley chat in a terminal to be asked for it, or set PARLEY_PASSWORD');
  }
  try {
    const session = await login(args.url, { username: identity.username, password });
    return { token: session.token };
  } catch (error) {
    throw new ChatFailure(signInSentence(error, identity.username, args.url));
  }
}

/**
 * The first hello: resolves when the server accepted it; rejects with a ChatFailure when it
 * refused it, or when the first connection attempt failed (the client would otherwise retry for
 * ever against an address that may be wrong).
 */
export function openFirst(client: ParleyClient, args: ChatArgs): Promise<ReadyEvent> {
  return new Promise((resolve, reject) => {
    const unsubscribe = client.on('state', (change) => {
      if (change.state === 'reconnecting' && !change.wasOpen) {
        unsubscribe();
        client.close();
        reject(new ChatFailure(`could not connect to ${args.url}: nothing there answered as a Parley server. Is it running, and is the address right?`));
      }
    });
    client.open().then(
      (ready) => {
        unsubscribe();
        resolve(ready);
      },
      (error: unknown) => {
        unsubscribe();
        reject(new ChatFailure(helloSentence(error, args)));
      },
    );
  });
}

function helloSentence(error: unknown, args: ChatArgs): string {
  if (!(error instanceof RequestError)) return String(error);
  const { identity } = args;
  if (identity.kind === 'guest') {
    if (error.code === 'name_taken')
      return `"${printable(identity.nick)}" is the name of an account: sign in with --user ${printable(identity.nick)}, or pick another nick`;
    if (error.code === 'bad_request' && error.field === 'nick')
      return `the server refused the nick "${printable(identity.nick)}" (${error.message}); pick another with --nick`;
    if (error.code === 'unauthorized') return 'this server does not let guests in: sign in to an account with --user NAME';
  }
  if (error.code === 'unauthorized') {
    return identity.kind === 'token'
      ? 'the server refused the token (expired, logged out, or not one of its tokens): sign in again with --user NAME'
      : 'the server refused the session it had just given: sign in again';
  }
  if (error.code === 'bad_url') return `${args.url} cannot be opened (${error.message}); give a URL like ws://localhost:8080`;
  return `the server refused to let you in: ${error.message}`;
}

function signInSentence(error: unknown, username: string, url: string): string {
  if (!(error instanceof RequestError)) return `could not sign in: ${String(error)}`;
  switch (error.code) {
    case 'unauthorized':
      return `wrong username or password for ${printable(username)}; check both and try again`;
    case 'bad_request':
      return `"${printable(username)}" cannot be an account name: usernames are 3–32 letters, digits, _, . and -`;
    case 'throttled':
      return `too many failed sign-ins for ${printable(username)} or from this address; wait a few minutes and try again`;
    case 'busy':
      return 'the server is busy checking passwords; try again in a few seconds';
    case 'unreachable':
      return `could not sign in at ${url}: ${error.message}. Is the server running, and is the address right?`;
    default:
      return `could not sign in: ${error.message}`;
  }
}
