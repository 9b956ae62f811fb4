// From one received frame to one reply: decode, check the session may use the verb, run the
// handler, and turn whatever it throws into a well-formed error for that request.
import type { Logger } from 'pino';
import type { Command, RequestId, Verb } from '../../protocol/messages.js';
import type { RateKind } from '../limits/rate-limiter.js';
import { CloseCode, ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { ChatService } from '../chat/service.js';
import { StoreError } from '../store/store.js';
import { decodeFrame } from './decode.js';
import { handlers, type Handler } from './handlers.js';
import type { Session } from './session.js';

export function dispatchText(session: Session, text: string, chat: ChatService, log: Logger): void {
  // Closing (slow, abusive, shutting down): what the peer still sends is not acted on or answered.
  const policy = session.policy;
  if (session.closed || policy.drain.draining) return;
  policy.metrics.framesIn.inc();
  const decoded = decodeFrame(text, policy.jsonBounds);
  const command = decoded.command;
  // Every frame costs a token, garbage included: a flood of bad frames is still a flood.
  if (session.rate !== null) {
    const kind: RateKind = command?.type === 'send' ? 'send' : 'other';
    const userId = session.identified ? session.userId : undefined;
    const wait = policy.limiter.take(session.rate, userId, kind, performance.now());
    if (wait > 0) {
      rateLimited(session, decoded.id, kind, wait);
      return;
    }
  }
  if (decoded.error !== undefined) {
    policy.metrics.refusals.inc({ code: decoded.error.code });
    session.fail(decoded.id, decoded.error);
    return;
  }
  if (command === undefined) return;
  if (session.hold(command)) return;
  dispatchCommand(session, command, chat, log);
}

function dispatchCommand(session: Session, command: Command, chat: ChatService, log: Logger): void {
  if (session.closed) return;
  if (!session.identified && command.type !== 'hello') {
    session.fail(command.id, new ProtocolError(ErrorCode.HelloRequired, 'send hello first'));
    return;
  }
  const running = run(session, command, chat).catch((error: unknown) => {
    session.fail(command.id, toProtocolError(error, session, log));
  });
  session.policy.drain.track(running);
  if (command.type !== 'hello' || session.identified) return;
  // Checking a hello takes a lookup; commands pipelined behind it wait for its outcome, in order.
  session.holdFromNow();
  void running.then(() => {
    // A queued hello that is itself being checked holds back the ones after it again.
    for (const next of session.releaseHeld()) if (!session.hold(next)) dispatchCommand(session, next, chat, log);
  });
}

function rateLimited(session: Session, id: RequestId | undefined, kind: RateKind, waitMs: number): void {
  const { limiter, metrics, log } = session.policy;
  metrics.rateLimited.inc({ kind });
  if (session.rate !== null && limiter.refused(session.rate, performance.now())) {
    log.warn({ conn: session.connId, ip: session.ip, user: session.identified ? session.userId : undefined }, 'closing a connection that kept exceeding its rate limit (1008)');
    session.close(CloseCode.PolicyViolation, 'rate limit exceeded repeatedly');
    return;
  }
  const error = new ProtocolError(ErrorCode.RateLimited, `too many ${kind === 'send' ? 'messages' : 'requests'}; retry in ${waitMs} ms`);
  error.retryAfterMs = waitMs;
  session.fail(id, error);
}

function run(session: Session, command: Command, chat: ChatService): Promise<void> {
  // TypeScript cannot correlate handlers[type] with params of the same type; decodeFrame checked
  // params against that very verb's schema, which is what makes the widening safe.
  const handler = handlers[command.type] as Handler<Verb>;
  return handler(session, command.params, command.id, chat);
}

function toProtocolError(error: unknown, session: Session, log: Logger): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof StoreError) {
    log.error({ err: error, conn: session.connId }, 'store failed');
    return new ProtocolError(ErrorCode.StoreFailed, 'the message could not be stored; nothing was sent');
  }
  log.error({ err: error, conn: session.connId }, 'request failed');
  return new ProtocolError(ErrorCode.Internal, 'internal error');
}

export function binaryRefused(session: Session): void {
  session.fail(undefined, new ProtocolError(ErrorCode.BadFrame, 'binary frames are not supported; send JSON text'));
}
