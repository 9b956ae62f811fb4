// Who a message or notice from the server API is from: the bot named by `as`, else the key's own
// bot, else the key itself (as an operator). Only bots can be spoken as, and a bot's key speaks
// only as its own bot.
import { ErrorCode, ProtocolError } from '../../../protocol/errors.js';
import type { UserRef } from '../../../protocol/messages.js';
import { isBotId, type ApiKeyRecord } from '../../auth/api-keys.js';
import type { ChatService } from '../../chat/service.js';
import { apiOperator } from '../../chat/operator.js';

export async function speaker(chat: ChatService, key: ApiKeyRecord, as: string | undefined): Promise<UserRef> {
  if (as === undefined) return key.bot ?? apiOperator(key.id, key.name);
  if (!isBotId(as)) throw new ProtocolError(ErrorCode.BadRequest, 'as: only a bot user (bot:<name>) can be spoken as', 'as');
  if (key.bot !== undefined && key.bot.id !== as) throw new ProtocolError(ErrorCode.Forbidden, `this key speaks only as ${key.bot.id}`, 'as');
  const bot = await chat.findUser(as);
  if (bot === undefined) throw new ProtocolError(ErrorCode.NotFound, `no bot ${as}; make one with parley keys create --bot`, 'as');
  return bot;
}
