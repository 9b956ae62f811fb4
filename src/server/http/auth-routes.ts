// The accounts API: POST /api/register, /api/login, /api/logout (docs/api.md). Bodies are checked
// by Fastify against the TypeBox schemas below; every error answers `{error, message}` with a code
// from the same list as the WebSocket protocol's.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ErrorCode } from '../../protocol/errors.js';
import { httpErrorBody } from '../../protocol/http.js';
import { AccountError, type AccountService, type SignedIn } from '../auth/accounts.js';
import { PASSWORD_MAX, PASSWORD_MIN } from '../auth/password.js';
import type { OriginPolicy } from '../auth/origin.js';
import { wellFormedDeep } from '../../protocol/text.js';
import { USERNAME_PATTERN } from '../../protocol/patterns.js';

export { USERNAME_PATTERN };

export const Credentials = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN, minLength: 3, maxLength: 32 }),
    password: Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX }),
  },
  { additionalProperties: false },
);
export type Credentials = Static<typeof Credentials>;

const BEARER = /^Bearer ([A-Za-z0-9_.~+/=-]{1,8192})$/;

export interface AuthRoutesOptions {
  accounts: AccountService;
  origins: OriginPolicy;
}

/** Registers the routes in their own scope (their own error handler and Origin check). */
export async function authRoutes(app: FastifyInstance, { accounts, origins }: AuthRoutesOptions): Promise<void> {
  // Another site's page must not drive a visitor's browser to log in or out here.
  app.addHook('onRequest', async (request, reply) => {
    if (!origins.allows(request.headers.origin, request.headers.host)) {
      const note = origins.refusalNote(request.headers.origin, 'api');
      if (note !== null) request.log.warn({ origin: request.headers.origin }, note);
      return reply.code(403).send(httpErrorBody(ErrorCode.Forbidden, 'this Origin may not use the API'));
    }
    return undefined;
  });
  // The same rule as the WebSocket frames' (protocol/text.ts): a lone surrogate in a body becomes
  // U+FFFD before the schema or argon2 (whose UTF-8 encoding would do the same, silently) sees it.
  app.addHook('preValidation', async (request) => {
    request.body = wellFormedDeep(request.body);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // request.ip is the client's address, also behind a trusted proxy (PARLEY_TRUST_PROXY).
    if (error instanceof AccountError && error.code === 'throttled') reply.log.warn({ ip: request.ip, path: request.url }, 'throttled (429)');
    if (error instanceof AccountError && error.code === 'busy') reply.log.warn({ ip: request.ip, path: request.url }, 'password checks queue full (503)');
    const answered = accountErrorReply(error, reply);
    if (answered !== undefined) return answered;
    if (error.validation !== undefined) {
      return reply.code(400).send(httpErrorBody(ErrorCode.BadRequest, error.message));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(httpErrorBody(ErrorCode.BadRequest, error.message));
    }
    reply.log.error({ err: error }, 'accounts API failed');
    return reply.code(500).send(httpErrorBody(ErrorCode.Internal, 'internal error'));
  });
  app.post<{ Body: Credentials }>('/api/register', { schema: { body: Credentials } }, async (request, reply) => {
    const { username, password } = request.body;
    return signedIn(reply.code(201), await accounts.register(username, password, request.ip));
  });

  app.post<{ Body: Credentials }>('/api/login', { schema: { body: Credentials } }, async (request, reply) => {
    const { username, password } = request.body;
    return signedIn(reply, await accounts.login(username, password, request.ip));
  });

  app.post('/api/logout', async (request, reply) => {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (match?.[1] === undefined) {
      return reply.code(401).send(httpErrorBody(ErrorCode.Unauthorized, 'send Authorization: Bearer <token>'));
    }
    // Logging out a token that is already dead is not an error: the outcome is the same.
    await accounts.logout(match[1]);
    return reply.code(204).send();
  });
}

function signedIn(reply: FastifyReply, result: SignedIn): FastifyReply {
  // The token is a credential: never cached by the browser or a proxy.
  return reply.header('cache-control', 'no-store').send({ user: result.user, token: result.token, expiresAt: result.expiresAt });
}

/** Turns the errors of the accounts API into `{error, message}` with the right status. */
function accountErrorReply(error: unknown, reply: FastifyReply): FastifyReply | undefined {
  if (!(error instanceof AccountError)) return undefined;
  switch (error.code) {
    case 'name_taken':
      return reply.code(409).send(httpErrorBody(ErrorCode.NameTaken, error.message));
    case 'bad_credentials':
      return reply.code(401).send(httpErrorBody(ErrorCode.Unauthorized, error.message));
    case 'disabled':
      return reply.code(403).send(httpErrorBody(ErrorCode.Forbidden, error.message));
    case 'throttled':
      return reply
        .code(429)
        .header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))))
        .send(httpErrorBody(ErrorCode.Throttled, error.message));
    case 'busy':
      return reply
        .code(503)
        .header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))))
        .send(httpErrorBody(ErrorCode.Busy, error.message));
  }
}
