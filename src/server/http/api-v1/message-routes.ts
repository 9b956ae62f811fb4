// Pushing into Parley from another system: a message to a room, the same message to many rooms,
// a notice to every connection of a user. Every message goes through ChatService.send, the path a
// client's `send` takes (stored, then published), so members see it exactly as any other.
import type { FastifyInstance } from 'fastify';
import { BroadcastBody, BroadcastReply, ErrorBody, NoticeBody, PublishBody, PublishReply, RoomPath, UserPath } from '../../../protocol/api.js';
import { ProtocolError } from '../../../protocol/errors.js';
import type { UserRef } from '../../../protocol/messages.js';
import type { Static } from '@sinclair/typebox';
import type { ChatService } from '../../chat/service.js';
import { storeFailure } from '../../chat/store-failure.js';
import { randomId } from '../../random-id.js';
import type { KeyGate } from './key-gate.js';
import { speaker } from './speaker.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody };
const security = [{ apiKey: [] }];

/** A cid for a request that gave none: such a request is not idempotent (retry with your own cid). */
function freshCid(): string {
  return `api-${randomId(12)}`;
}

export function messageRoutes(app: FastifyInstance, chat: ChatService, gate: KeyGate): void {
  app.post<{ Params: Static<typeof RoomPath>; Body: PublishBody }>(
    '/rooms/:room/messages',
    {
      onRequest: gate.require('publish'),
      schema: {
        summary: 'Post a message to a room (201; the same cid again: 200 with the first message)',
        tags: ['publish'],
        security,
        params: RoomPath,
        body: PublishBody,
        response: { 200: PublishReply, 201: PublishReply, ...errors },
      },
    },
    async (request, reply) => {
      const { room } = request.params;
      const { text, cid, replyTo, files, as } = request.body;
      const key = gate.keyOf(request);
      const from = await speaker(chat, key, as);
      // A typo must not create a room: posting needs a room that exists (made by a join or POST /api/v1/rooms).
      await chat.roomInfo(gate.operatorOf(request), room);
      const { message, duplicate } = await chat.send(from, room, text, cid ?? freshCid(), replyTo, files);
      return reply.code(duplicate ? 200 : 201).send({ room, seq: message.seq, msgId: message.msgId, ts: message.ts });
    },
  );

  app.post<{ Body: BroadcastBody }>(
    '/broadcast',
    {
      onRequest: gate.require('publish'),
      schema: {
        summary: 'Post one message to many rooms; each room answers on its own',
        tags: ['publish'],
        security,
        body: BroadcastBody,
        response: { 200: BroadcastReply, ...errors },
      },
    },
    async (request, reply) => {
      const { rooms, text, cid, as } = request.body;
      const key = gate.keyOf(request);
      // One token per room: a broadcast to 100 rooms costs what 100 posts would.
      const refusal = gate.charge(key, rooms.length - 1);
      if (refusal !== undefined) throw refusal;
      const from = await speaker(chat, key, as);
      const operator = gate.operatorOf(request);
      const shared = cid ?? freshCid();
      const results = await Promise.all(rooms.map((room) => postOne(chat, operator, from, room, text, shared)));
      return reply.send({ results });
    },
  );

  app.post<{ Params: Static<typeof UserPath>; Body: NoticeBody }>(
    '/users/:user/notices',
    {
      onRequest: gate.require('publish'),
      schema: {
        summary: 'Send a notice to every connection of a user (not stored)',
        tags: ['publish'],
        security,
        params: UserPath,
        body: NoticeBody,
        response: { ...errors },
      },
    },
    async (request, reply) => {
      const from = await speaker(chat, gate.keyOf(request), request.body.as);
      await chat.notify(from, request.params.user, request.body.text);
      return reply.code(202).send({ user: request.params.user });
    },
  );
}

type BroadcastResult = Static<typeof BroadcastReply>['results'][number];

async function postOne(chat: ChatService, operator: UserRef, from: UserRef, room: string, text: string, cid: string): Promise<BroadcastResult> {
  try {
    await chat.roomInfo(operator, room);
    const { message, duplicate } = await chat.send(from, room, text, cid);
    return { room, seq: message.seq, msgId: message.msgId, duplicate };
  } catch (error) {
    const refusal = error instanceof ProtocolError ? error : storeFailure(error);
    if (refusal === undefined) throw error;
    return { room, error: refusal.code, message: refusal.message };
  }
}
