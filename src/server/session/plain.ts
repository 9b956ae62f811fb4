// Plain mode: a WebSocket client that speaks no subprotocol (the tutorial's page, wscat) is a guest
// in the lobby. Each text frame it sends is a message there; each lobby message reaches it as
// `name: text`. Errors come back as `error: ...` text frames.
import type { Logger } from 'pino';
import { Limits } from '../../protocol/messages.js';
import { CloseCode, ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { ChatService } from '../chat/service.js';
import type { Session } from './session.js';
import { randomId } from '../random-id.js';
import { refundText, reserveText } from './quota-gate.js';
import { takeTokens } from './dispatch.js';

export const LOBBY = 'lobby';

export async function startPlain(session: Session, nick: string, chat: ChatService): Promise<void> {
  let identity;
  try {
    identity = await chat.hello({ nick });
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    session.sendText(`error: ${error.message}`);
    session.close(error.code === ErrorCode.Unauthorized ? CloseCode.Unauthorized : CloseCode.PolicyViolation, error.code);
    return;
  }
  if (session.closed) return;
  session.identify(identity.user);
  session.rooms.set(LOBBY, { lastSeq: 0, held: [], joined: undefined });
  const outcome = await chat.join(session, LOBBY, undefined);
  const state = session.rooms.get(LOBBY);
  if (state === undefined) return;
  state.lastSeq = outcome.seq;
  session.release(LOBBY);
}

export function plainText(session: Session, text: string, chat: ChatService, log: Logger): void {
  const { limiter, metrics, maxInFlight } = session.policy;
  if (session.ending) return;
  metrics.framesIn.inc();
  // Before anything that needs the identity: a frame can arrive in the same read as the upgrade,
  // while hello and the lobby join are still on their way (session.userId throws until then).
  if (!session.identified || !session.rooms.has(LOBBY)) {
    session.sendText('error: still joining the lobby, try again');
    return;
  }
  if (session.rate !== null) {
    const now = performance.now();
    const wait = takeTokens(session, session.userId, 'send', now);
    if (wait > 0) {
      // As in protocol mode: the sends already in flight are stored and delivered before the close.
      if (limiter.refused(session.rate, now)) session.closeWhenAnswered(CloseCode.PolicyViolation, 'rate limit exceeded repeatedly');
      else session.sendText(`error: too many messages; retry in ${wait} ms`);
      return;
    }
  }
  const trimmed = text.replace(/\r?\n$/, '');
  if (trimmed.length === 0 || trimmed.length > Limits.textMax) {
    session.sendText(`error: a message is 1 to ${Limits.textMax} characters`);
    return;
  }
  if (session.inFlight >= maxInFlight) {
    metrics.busy.inc();
    session.sendText(`error: at most ${maxInFlight} messages in flight; wait a moment`);
    return;
  }
  let reserved: number;
  try {
    reserved = reserveText(session, trimmed);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    session.sendText(`error: ${error.message}`);
    return;
  }
  session.started();
  chat
    .send(session.user, LOBBY, trimmed, randomId(9))
    .then(
      (result) => {
        if (!result.duplicate) metrics.messagesIn.inc();
      },
      (error: unknown) => {
        refundText(session, reserved);
        log.error({ err: error, conn: session.connId }, 'plain send failed');
        session.sendText('error: the message could not be stored; nothing was sent');
      },
    )
    .finally(() => session.settled());
}
