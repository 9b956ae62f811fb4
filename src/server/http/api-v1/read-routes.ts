// Reading Parley from another system: a room's settings, its history, who is online. The key reads
// as an operator (chat/operator.ts), so private rooms are readable too.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorBody, HistoryQuery, MembersQuery, MembersReply, RoomInfoReply, RoomPath } from '../../../protocol/api.js';
import { Limits } from '../../../protocol/messages.js';
import type { ChatService } from '../../chat/service.js';
import type { KeyGate } from './key-gate.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody };
const security = [{ apiKey: [] }];

// Messages as the WebSocket's history reply has them (protocol.md); described loosely here, not
// restated field by field, so that the serializer never drops a field a later version adds.
const HistoryReply = Type.Object({ room: Type.String(), messages: Type.Array(Type.Object({}, { additionalProperties: true })) });

export function readRoutes(app: FastifyInstance, chat: ChatService, gate: KeyGate): void {
  app.get<{ Params: Static<typeof RoomPath> }>(
    '/rooms/:room',
    {
      onRequest: gate.require('read'),
      schema: {
        summary: "A room's settings, latest seq and users online",
        tags: ['read'],
        security,
        params: RoomPath,
        response: { 200: RoomInfoReply, ...errors },
      },
    },
    async (request) => {
      const info = await chat.roomInfo(gate.operatorOf(request), request.params.room);
      return { ...info, online: await chat.onlineCount(info.room) };
    },
  );

  app.get<{ Params: Static<typeof RoomPath>; Querystring: HistoryQuery }>(
    '/rooms/:room/messages',
    {
      onRequest: gate.require('read'),
      schema: {
        summary: 'Messages before `before` (the newest by default), ascending',
        tags: ['read'],
        security,
        params: RoomPath,
        querystring: HistoryQuery,
        response: { 200: HistoryReply, ...errors },
      },
    },
    async (request) => {
      const { room } = request.params;
      // The room must exist: history of a name nobody made is a 404, not an empty page.
      const operator = gate.operatorOf(request);
      await chat.roomInfo(operator, room);
      const messages = await chat.history(operator, room, request.query.before, request.query.limit ?? Limits.historyDefault);
      return { room, messages };
    },
  );

  app.get<{ Params: Static<typeof RoomPath>; Querystring: MembersQuery }>(
    '/rooms/:room/members',
    {
      onRequest: gate.require('read'),
      schema: {
        summary: 'Users online in the room',
        tags: ['read'],
        security,
        params: RoomPath,
        querystring: MembersQuery,
        response: { 200: MembersReply, ...errors },
      },
    },
    async (request) => {
      const { room } = request.params;
      const operator = gate.operatorOf(request);
      await chat.roomInfo(operator, room);
      const limit = request.query.limit ?? Limits.joinMembers;
      // The chat service lists the asker first; the key is not a member, so it asks for one more and drops itself.
      const { members, online } = await chat.members(room, limit + 1, operator);
      return { room, members: members.filter((user) => user.id !== operator.id).slice(0, limit), online };
    },
  );
}
