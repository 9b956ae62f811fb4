// Who a server API request is: `Authorization: Bearer pk_…` is looked up (ApiKeys caches it for
// under a second), its scope checked, and its key's rate bucket charged, all before the body is
// read. The key is kept for the handler beside the request, never on it.
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ErrorCode, ProtocolError } from '../../../protocol/errors.js';
import type { UserRef } from '../../../protocol/messages.js';
import type { ApiKeyRecord, ApiKeys, ApiScope } from '../../auth/api-keys.js';
import type { KeyRate } from '../../limits/key-rate.js';
import { apiOperator } from '../../chat/operator.js';
import { sendRefusal } from './errors.js';

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,256})$/;

export interface KeyGateOptions {
  keys: ApiKeys;
  /** Requests per second per key; undefined: unlimited. */
  rate: KeyRate | undefined;
}

export class KeyGate {
  readonly #keys: ApiKeys;
  readonly #rate: KeyRate | undefined;
  readonly #byRequest = new WeakMap<FastifyRequest, ApiKeyRecord>();

  constructor(options: KeyGateOptions) {
    this.#keys = options.keys;
    this.#rate = options.rate;
  }

  /** An onRequest hook: answers 401, 403 or 429 itself, or lets the request on with its key. */
  require(scope: ApiScope): onRequestAsyncHookHandler {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const match = BEARER.exec(request.headers.authorization ?? '');
      if (match?.[1] === undefined) {
        reply.header('www-authenticate', 'Bearer');
        return sendRefusal(reply, new ProtocolError(ErrorCode.Unauthorized, 'send Authorization: Bearer pk_…'));
      }
      const key = await this.#keys.authenticate(match[1]);
      if (key === undefined) {
        reply.header('www-authenticate', 'Bearer error="invalid_token"');
        return sendRefusal(reply, new ProtocolError(ErrorCode.Unauthorized, 'the API key is unknown or revoked'));
      }
      if (!key.scopes.includes(scope)) {
        return sendRefusal(reply, new ProtocolError(ErrorCode.Forbidden, `this key lacks the ${scope} scope`));
      }
      const wait = this.charge(key, 1);
      if (wait !== undefined) return sendRefusal(reply, wait);
      this.#byRequest.set(request, key);
      return undefined;
    };
  }

  /** Takes `cost` from the key's bucket: undefined when granted, else the refusal to answer. */
  charge(key: ApiKeyRecord, cost: number): ProtocolError | undefined {
    const waitMs = this.#rate?.take(key.id, cost) ?? 0;
    if (waitMs === 0) return undefined;
    const refusal = new ProtocolError(ErrorCode.RateLimited, `too many requests for this key; retry in ${waitMs} ms`);
    refusal.retryAfterMs = waitMs;
    return refusal;
  }

  /** The key of a request that passed `require`. */
  keyOf(request: FastifyRequest): ApiKeyRecord {
    const key = this.#byRequest.get(request);
    if (key === undefined) throw new Error('route without a key gate');
    return key;
  }

  /** The key's own identity for reading and moderating: an operator (chat/operator.ts). */
  operatorOf(request: FastifyRequest): UserRef {
    const key = this.keyOf(request);
    return apiOperator(key.id, key.name);
  }
}
