// GET /api/v1/rooms/{room}/events: a room as text/event-stream, for consumers with no SDK (a stock
// EventSource). Each message is an event whose id is its seq; Last-Event-ID (the header
// EventSource sends on its reconnects, or `lastEventId` in the query on a first connect) resumes
// exactly after it, read from the store. The stream itself is the fallback transport's
// (transport/sse/room-follower.ts); this route says who is reading.
import { TicketRefused, type Tickets } from '../../auth/tickets.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorBody, RoomPath } from '../../../protocol/api.js';
import { ErrorCode, ProtocolError } from '../../../protocol/errors.js';
import { httpErrorBody } from '../../../protocol/http.js';
import type { UserRef } from '../../../protocol/messages.js';
import type { ChatService } from '../../chat/service.js';
import { FallbackRefused, type SseGateway } from '../../transport/sse.js';
import { TOKEN_PARAMS } from '../../transport/request-target.js';
import type { KeyGate } from './key-gate.js';
import { sendRefusal } from './errors.js';

const EventsQuery = Type.Object({
  lastEventId: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
  /** A single-use ticket (`ticket {room}`, POST /api/v1/tickets): what a browser's EventSource, which sends no headers, authenticates with. */
  ticket: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
});
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody };
const BEARER = /^Bearer (\S{1,8192})$/;

export function eventRoutes(app: FastifyInstance, chat: ChatService, gate: KeyGate, gateway: SseGateway, tickets?: Tickets): void {
  app.get<{ Params: Static<typeof RoomPath>; Querystring: Static<typeof EventsQuery> }>(
    '/rooms/:room/events',
    {
      schema: {
        summary: "A room's messages as Server-Sent Events (id = seq; Last-Event-ID resumes)",
        tags: ['read'],
        security: [{ apiKey: [] }],
        params: RoomPath,
        querystring: EventsQuery,
        response: errors,
      },
    },
    async (request, reply) => {
      if (TOKEN_PARAMS.some((name) => name in (request.query as Record<string, unknown>))) {
        return reply.code(400).send(httpErrorBody(ErrorCode.BadRequest, 'never put tokens in the URL; send Authorization: Bearer'));
      }
      const { room } = request.params;
      const since = lastEventId(request);
      if (since === null) return reply.code(400).send(httpErrorBody(ErrorCode.BadRequest, 'Last-Event-ID must be a seq (a whole number)'));
      const reader = await readerOf(request, reply, chat, gate, room, tickets);
      if (reader === undefined) return reply;
      try {
        await gateway.follow(request.raw, reply.raw, reader, room, since, () => {
          reply.hijack();
        });
      } catch (error) {
        if (error instanceof FallbackRefused) return reply.code(error.refusal.status).send(httpErrorBody(error.refusal.code, error.refusal.message));
        throw error;
      }
      return reply;
    },
  );
}

/** The seq to resume after: the header first (EventSource's reconnects), then the query; undefined for none, null when malformed. */
function lastEventId(request: FastifyRequest<{ Querystring: Static<typeof EventsQuery> }>): number | undefined | null {
  const header = request.headers['last-event-id'];
  const raw = typeof header === 'string' && header !== '' ? header : request.query.lastEventId;
  if (raw === undefined) return undefined;
  return /^[0-9]{1,15}$/.test(raw) ? Number(raw) : null;
}

/**
 * Who reads: an API key with the read scope (as the operator, like the other read routes), or a
 * user's session token (or external JWT) in Authorization, refused for private rooms it is not a
 * member of and rooms it is banned from (ChatService.follow), or a single-use ticket for this room
 * in `?ticket=` (a browser's EventSource sends no headers; a reconnect needs a new ticket, with
 * `lastEventId`). Answers the refusal itself and returns undefined.
 */
async function readerOf(
  request: FastifyRequest<{ Querystring: Static<typeof EventsQuery> }>,
  reply: FastifyReply,
  chat: ChatService,
  gate: KeyGate,
  room: string,
  tickets: Tickets | undefined,
): Promise<UserRef | undefined> {
  const ticket = request.query.ticket;
  if (ticket !== undefined && tickets !== undefined) {
    try {
      return await tickets.redeem(ticket, room);
    } catch (error) {
      if (!(error instanceof TicketRefused)) throw error;
      sendRefusal(reply, new ProtocolError(ErrorCode.Unauthorized, `${error.message}; ask for a new one (ticket {room})`));
      return undefined;
    }
  }
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (token === undefined) {
    reply.header('www-authenticate', 'Bearer');
    sendRefusal(reply, new ProtocolError(ErrorCode.Unauthorized, 'send Authorization: Bearer with an API key (read scope) or a session token'));
    return undefined;
  }
  if (token.startsWith('pk_')) {
    await gate.require('read').call(request.server, request, reply);
    return reply.sent ? undefined : gate.operatorOf(request);
  }
  const identity = await chat.hello({ token });
  if (identity.rooms !== undefined && !identity.rooms.has(room)) {
    sendRefusal(reply, new ProtocolError(ErrorCode.Forbidden, 'this token does not reach that room'));
    return undefined;
  }
  return identity.user;
}
