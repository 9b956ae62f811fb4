// Who may use the admin console's API: an API key with the admin scope (scripts), or the session
// token of a user who is a server admin (the console page sends the signed-in account's token). Any
// other bearer is refused, 401 when it is no credential at all and 403 when it is a user who is no
// admin, before the body is read.
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ErrorCode, ProtocolError } from '../../../protocol/errors.js';
import type { UserRef } from '../../../protocol/messages.js';
import type { IdentityResolver } from '../../auth/identity.js';
import type { AdminCheck } from '../../auth/server-admins.js';
import { sendRefusal } from './errors.js';
import type { KeyGate } from './key-gate.js';

const BEARER = /^Bearer ([A-Za-z0-9_.-]{1,4096})$/;

export class AdminGate {
  readonly #keys: KeyGate;
  readonly #identities: IdentityResolver;
  readonly #admins: AdminCheck;
  readonly #byRequest = new WeakMap<FastifyRequest, UserRef>();

  constructor(keys: KeyGate, identities: IdentityResolver, admins: AdminCheck) {
    this.#keys = keys;
    this.#identities = identities;
    this.#admins = admins;
  }

  readonly require: onRequestAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined || token.startsWith('pk_')) {
      const refused = await this.#keys.require('admin').call(request.server, request, reply);
      if (reply.sent) return refused;
      this.#byRequest.set(request, this.#keys.operatorOf(request));
      return undefined;
    }
    let user: UserRef;
    try {
      ({ user } = await this.#identities.resolve({ token }));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      return sendRefusal(reply, new ProtocolError(ErrorCode.Unauthorized, 'the session token is invalid, expired or revoked'));
    }
    if (!(await this.#admins.isAdmin(user.id))) {
      return sendRefusal(reply, new ProtocolError(ErrorCode.Forbidden, `${user.name} is no server admin (parley admin grant makes one)`));
    }
    this.#byRequest.set(request, user);
    return undefined;
  };

  /** Who a request that passed `require` acts as: the admin user, or the key's operator. */
  actorOf(request: FastifyRequest): UserRef {
    const actor = this.#byRequest.get(request);
    if (actor === undefined) throw new Error('route without the admin gate');
    return actor;
  }
}
