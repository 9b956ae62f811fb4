// From one received frame to one reply: decode, check the session may use the verb, run the
// handler, and turn whatever it throws into a well-formed error for that request.
import type { Logger } from 'pino';
import type { Command, Verb } from '../../protocol/messages.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { ChatService } from '../chat/service.js';
import { StoreError } from '../store/store.js';
import { decodeFrame } from './decode.js';
import { handlers, type Handler } from './handlers.js';
import type { Session } from './session.js';

export function dispatchText(session: Session, text: string, chat: ChatService, log: Logger): void {
  const decoded = decodeFrame(text);
  if (decoded.error !== undefined) {
    session.fail(decoded.id, decoded.error);
    return;
  }
  const command = decoded.command;
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
  if (command.type !== 'hello' || session.identified) return;
  // Checking a hello takes a lookup; commands pipelined behind it wait for its outcome, in order.
  session.holdFromNow();
  void running.then(() => {
    // A queued hello that is itself being checked holds back the ones after it again.
    for (const next of session.releaseHeld()) if (!session.hold(next)) dispatchCommand(session, next, chat, log);
  });
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
