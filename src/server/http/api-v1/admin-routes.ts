// Running rooms from another system: create one with an owner, invite, kick, ban, unban, mute. The
// key acts as an operator, an owner in every room (chat/operator.ts), through the chat service's
// own verbs, so every member hears of it as of a moderator's act.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { CreateRoomBody, ErrorBody, MuteBody, RoomPath, RoomUserPath, UserBody } from '../../../protocol/api.js';
import { ErrorCode, ProtocolError } from '../../../protocol/errors.js';
import type { ChatService } from '../../chat/service.js';
import type { KeyGate } from './key-gate.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 503: ErrorBody };
const security = [{ apiKey: [] }];
const RoomUserReply = Type.Object({ room: Type.String(), user: Type.String() });

type UserAct = 'invite' | 'kick' | 'ban';

export function adminRoutes(app: FastifyInstance, chat: ChatService, gate: KeyGate): void {
  app.post<{ Body: CreateRoomBody }>(
    '/rooms',
    {
      onRequest: gate.require('admin'),
      schema: {
        summary: 'Create a room (public or private) owned by an existing user',
        tags: ['admin'],
        security,
        body: CreateRoomBody,
        response: { 201: Type.Object({ room: Type.String(), private: Type.Boolean(), topic: Type.Optional(Type.String()), owner: Type.String() }), ...errors },
      },
    },
    async (request, reply) => {
      const { room, owner, topic } = request.body;
      const isPrivate = request.body.private ?? false;
      const user = await chat.findUser(owner);
      if (user === undefined) throw new ProtocolError(ErrorCode.NotFound, `no user ${owner}`, 'owner');
      await chat.create({ user, ip: request.ip }, room, topic === undefined ? { private: isPrivate } : { private: isPrivate, topic });
      return reply.code(201).send({ room, private: isPrivate, owner, ...(topic === undefined ? {} : { topic }) });
    },
  );

  const acts: Record<UserAct, { path: string; summary: string }> = {
    invite: { path: 'invites', summary: 'Make a user a member (what a private room needs)' },
    kick: { path: 'kicks', summary: 'Take a user out of the room now (its connections leave)' },
    ban: { path: 'bans', summary: 'Kick a user and refuse its joins and posts until unbanned' },
  };
  for (const [act, { path, summary }] of Object.entries(acts) as [UserAct, { path: string; summary: string }][]) {
    app.post<{ Params: Static<typeof RoomPath>; Body: UserBody }>(
      `/rooms/:room/${path}`,
      {
        onRequest: gate.require('admin'),
        schema: { summary, tags: ['admin'], security, params: RoomPath, body: UserBody, response: { 200: RoomUserReply, ...errors } },
      },
      async (request) => {
        const { room } = request.params;
        const { user } = request.body;
        await chat[act](gate.operatorOf(request), room, user);
        return { room, user };
      },
    );
  }

  app.delete<{ Params: Static<typeof RoomUserPath> }>(
    '/rooms/:room/bans/:user',
    {
      onRequest: gate.require('admin'),
      schema: { summary: 'Lift a ban', tags: ['admin'], security, params: RoomUserPath, response: { 200: RoomUserReply, ...errors } },
    },
    async (request) => {
      const { room, user } = request.params;
      await chat.unban(gate.operatorOf(request), room, user);
      return { room, user };
    },
  );

  app.post<{ Params: Static<typeof RoomPath>; Body: MuteBody }>(
    '/rooms/:room/mutes',
    {
      onRequest: gate.require('admin'),
      schema: {
        summary: 'Mute a user for `seconds` (0 lifts the mute)',
        tags: ['admin'],
        security,
        params: RoomPath,
        body: MuteBody,
        response: { 200: Type.Object({ room: Type.String(), user: Type.String(), until: Type.Integer() }), ...errors },
      },
    },
    async (request) => {
      const { room } = request.params;
      const { user, seconds } = request.body;
      const until = await chat.mute(gate.operatorOf(request), room, user, seconds);
      return { room, user, until };
    },
  );
}
