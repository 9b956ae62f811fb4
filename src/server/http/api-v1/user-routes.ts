// The admin API on users rather than rooms: close a user's connections everywhere, or end its
// login sessions (its tokens stop working and the connections made with them close).
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorBody, UserPath } from '../../../protocol/api.js';
import { ErrorCode, ProtocolError } from '../../../protocol/errors.js';
import type { UserSessions } from '../../auth/user-sessions.js';
import type { ChatService } from '../../chat/service.js';
import type { KeyGate } from './key-gate.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody };
const security = [{ apiKey: [] }];

export function userRoutes(app: FastifyInstance, chat: ChatService, sessions: UserSessions, gate: KeyGate): void {
  const known = async (user: string): Promise<void> => {
    if ((await chat.findUser(user)) === undefined) throw new ProtocolError(ErrorCode.NotFound, `no user ${user}`, 'user');
  };

  app.post<{ Params: Static<typeof UserPath> }>(
    '/users/:user/disconnect',
    {
      onRequest: gate.require('admin'),
      schema: {
        summary: 'Close every connection of the user, on every process (close code 4001; it may reconnect)',
        tags: ['admin'],
        security,
        params: UserPath,
        response: { 202: Type.Object({ user: Type.String() }), ...errors },
      },
    },
    async (request, reply) => {
      await known(request.params.user);
      await sessions.disconnect(request.params.user);
      return reply.code(202).send({ user: request.params.user });
    },
  );

  app.delete<{ Params: Static<typeof UserPath> }>(
    '/users/:user/sessions',
    {
      onRequest: gate.require('admin'),
      schema: {
        summary: "End the user's login sessions: its tokens stop working, their connections close with 4401",
        tags: ['admin'],
        security,
        params: UserPath,
        response: { 200: Type.Object({ user: Type.String(), revoked: Type.Integer() }), ...errors },
      },
    },
    async (request) => {
      await known(request.params.user);
      return { user: request.params.user, revoked: await sessions.revoke(request.params.user) };
    },
  );
}
