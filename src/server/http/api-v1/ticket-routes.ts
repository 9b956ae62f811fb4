// Tickets for the Yjs document endpoint from another system (a backend that embeds a room's
// document in its own pages, docs/collaboration.md): single-use, 60 s, bound to a user and a room,
// as the WebSocket's `ticket` verb answers them.
import type { FastifyInstance } from 'fastify';
import { ErrorBody, TicketBody, TicketReply } from '../../../protocol/api.js';
import { ErrorCode, ProtocolError } from '../../../protocol/errors.js';
import type { ChatService } from '../../chat/service.js';
import type { KeyGate } from './key-gate.js';
import { speaker } from './speaker.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody };

export function ticketRoutes(app: FastifyInstance, chat: ChatService, gate: KeyGate): void {
  app.post<{ Body: TicketBody }>(
    '/tickets',
    {
      onRequest: gate.require('publish'),
      schema: {
        summary: 'A single-use ticket (60 s) for the Yjs endpoint /yjs/<room>; `user` needs an admin key',
        tags: ['publish'],
        security: [{ apiKey: [] }],
        body: TicketBody,
        response: { 201: TicketReply, ...errors },
      },
    },
    async (request, reply) => {
      const { room, user } = request.body;
      const key = gate.keyOf(request);
      let holder;
      if (user === undefined) {
        holder = await speaker(chat, key, undefined);
      } else {
        if (!key.scopes.includes('admin')) throw new ProtocolError(ErrorCode.Forbidden, 'a ticket for another user needs a key with the admin scope', 'user');
        holder = await chat.findUser(user);
        if (holder === undefined) throw new ProtocolError(ErrorCode.NotFound, `no user ${user}`, 'user');
      }
      // The same refusals as the user's own `ticket` verb: a banned user or an outsider of a private room gets none.
      const issued = await chat.ticket(holder, room);
      return reply.code(201).send({ room, ticket: issued.ticket, expiresAt: issued.expiresAt, user: holder });
    },
  );
}
