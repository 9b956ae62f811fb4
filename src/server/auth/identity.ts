// Who a `hello` makes a connection: a guest (nick), an account (Parley session token) or another
// app's user (JWT). Every refusal is a ProtocolError with a code from the protocol: `unauthorized`
// for any token that is not genuine and current (and for guests where they are off), `name_taken`
// for a guest nick that is a registered account's name.
import type { CommandParams, UserKind, UserRef } from '../../protocol/messages.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { AccountStore, AuthSessionStore } from '../store/account-store.js';
import { checkName, nameSkeleton } from '../../protocol/names.js';
import type { GuestIssuer } from './guest.js';
import { TokenRefused, type ExternalTokens } from './external-token.js';
import { hashSessionToken, looksLikeJwt } from './session-token.js';

export interface Identity {
  user: UserRef;
  kind: UserKind;
  /** Guests only: give it back in a later hello to be the same user. */
  resume?: string;
  /** Rooms this user may enter, when its token limits them. */
  rooms?: ReadonlySet<string>;
  /** Accounts only: the hash of the session token, so that a logout can close its connections. */
  sessionHash?: string;
}

export interface IdentityResolverDeps {
  store: AccountStore & AuthSessionStore;
  guests: GuestIssuer;
  /** Undefined when no JWT key is configured. */
  external: ExternalTokens | undefined;
  guestsAllowed: boolean;
}

export class IdentityResolver {
  readonly #deps: IdentityResolverDeps;

  constructor(deps: IdentityResolverDeps) {
    this.#deps = deps;
  }

  get guestsAllowed(): boolean {
    return this.#deps.guestsAllowed;
  }

  resolve(params: CommandParams['hello']): Promise<Identity> {
    return 'token' in params ? this.#token(params.token) : this.guest(params.nick, params.resume);
  }

  /** `raw` as the client sent it: the name rule (protocol/names.ts) checks it and gives the form used. */
  async guest(raw: string, resume: string | undefined): Promise<Identity> {
    if (!this.#deps.guestsAllowed) {
      throw new ProtocolError(ErrorCode.Unauthorized, 'this server does not allow guests; sign in with a token', 'nick');
    }
    const checked = checkName(raw);
    if (!checked.ok) throw new ProtocolError(ErrorCode.BadRequest, `nick: ${checked.message}`, 'nick');
    const nick = checked.name;
    // Usernames are stored as their skeleton, so 'Bob' and 'Ｂｏｂ' both find the account 'bob'.
    // Guests are not unique among themselves (two guests may share a nick); only accounts own names.
    if ((await this.#deps.store.findAccount(nameSkeleton(nick))) !== undefined) {
      throw new ProtocolError(ErrorCode.NameTaken, `"${nick}" is a registered account; sign in or pick another nickname`, 'nick');
    }
    const { user, resume: token } = this.#deps.guests.issue(nick, resume);
    return { user, kind: 'guest', resume: token };
  }

  /**
   * Who an HTTP request's `Authorization: Bearer` is: a guest's resume token (where guests are
   * allowed), a Parley session token or an external JWT, refused as `hello` would refuse it.
   */
  async bearer(token: string): Promise<Identity> {
    const guest = token.startsWith('g_') ? this.#deps.guests.idOf(token) : undefined;
    if (guest !== undefined) {
      if (!this.#deps.guestsAllowed) throw new ProtocolError(ErrorCode.Unauthorized, 'this server does not allow guests', 'token');
      return { user: { id: guest, name: '' }, kind: 'guest' };
    }
    return this.#token(token);
  }

  async #token(token: string): Promise<Identity> {
    if (!looksLikeJwt(token)) {
      const sessionHash = hashSessionToken(token);
      const user = await this.#deps.store.findAuthSession(sessionHash, Date.now());
      if (user === undefined) throw new ProtocolError(ErrorCode.Unauthorized, 'the session token is invalid, expired or revoked', 'token');
      return { user, kind: 'account', sessionHash };
    }
    if (this.#deps.external === undefined) {
      throw new ProtocolError(ErrorCode.Unauthorized, 'this server does not accept external tokens', 'token');
    }
    try {
      const { user, rooms } = await this.#deps.external.verify(token);
      return rooms === undefined ? { user, kind: 'external' } : { user, kind: 'external', rooms };
    } catch (error) {
      if (error instanceof TokenRefused) throw new ProtocolError(ErrorCode.Unauthorized, error.message, 'token');
      throw error;
    }
  }
}
