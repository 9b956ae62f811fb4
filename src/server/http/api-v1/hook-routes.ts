// Incoming webhooks in Slack's format: `POST /hooks/<secret>` with `{"text": …}` (and Slack's
// `username`, the name shown for the post) posts to the hook's room as its bot, through the chat
// service like any message. The secret is the credential: an unknown one is a 404, as at Slack.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorBody, HookBody } from '../../../protocol/api.js';
import { ErrorCode, ProtocolError } from '../../../protocol/errors.js';
import { checkName } from '../../../protocol/names.js';
import type { UserRef } from '../../../protocol/messages.js';
import type { ApiKeys } from '../../auth/api-keys.js';
import type { ChatService } from '../../chat/service.js';
import type { KeyRate } from '../../limits/key-rate.js';
import { randomId } from '../../random-id.js';
import { sendRefusal } from './errors.js';

const HookPath = Type.Object({ secret: Type.String({ minLength: 1, maxLength: 256 }) });

export function hookRoutes(app: FastifyInstance, chat: ChatService, keys: ApiKeys, rate: KeyRate | undefined): void {
  app.post<{ Params: Static<typeof HookPath>; Body: HookBody }>(
    '/:secret',
    {
      schema: {
        summary: 'Incoming webhook (Slack format): post `text` to the hook’s room',
        tags: ['hooks'],
        params: HookPath,
        body: HookBody,
        response: { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const hook = await keys.hook(request.params.secret);
      if (hook === undefined) return sendRefusal(reply, new ProtocolError(ErrorCode.NotFound, 'no such webhook'));
      const waitMs = rate?.take(hook.id) ?? 0;
      if (waitMs > 0) {
        const refusal = new ProtocolError(ErrorCode.RateLimited, `too many posts to this webhook; retry in ${waitMs} ms`);
        refusal.retryAfterMs = waitMs;
        return sendRefusal(reply, refusal);
      }
      const from = withName(hook.bot, request.body.username);
      // As for the API: a hook posts to a room that exists (and, if private, has its bot as a member).
      await chat.roomInfo(hook.bot, hook.room);
      await chat.send(from, hook.room, request.body.text, `hook-${randomId(12)}`);
      // Slack answers a plain "ok"; tools written for it look for that.
      return reply.type('text/plain; charset=utf-8').send('ok');
    },
  );
}

/** The hook's bot, shown under `username` when one is given: the user id stays the bot's. */
function withName(bot: UserRef, username: string | undefined): UserRef {
  if (username === undefined) return bot;
  const checked = checkName(username);
  if (!checked.ok) throw new ProtocolError(ErrorCode.BadRequest, `username: ${checked.message}`, 'username');
  return { id: bot.id, name: checked.name };
}
