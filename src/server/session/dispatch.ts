// From one received frame to one reply: decode, check the session may use the verb, run the
// handler, and turn whatever it throws into a well-formed error for that request.
import type { Logger } from 'pino';
import type { Command, RequestId, Verb } from '../../protocol/messages.js';
import type { RateKind } from '../limits/rate-limiter.js';
import { CloseCode, ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { ChatService } from '../chat/service.js';
import { decodeFrame } from './decode.js';
import { handlers, type Handler } from './handlers.js';
import type { Session } from './session.js';

export function dispatchText(session: Session, text: string, chat: ChatService, log: Logger): void {
  // Closing (slow, abusive, shutting down): what the peer still sends is not acted on or answered.
  const policy = session.policy;
  // Ending (abusive: its requests in flight still finish) is closing too, for new frames.
  if (session.closed || session.ending || policy.drain.draining) return;
  policy.metrics.framesIn.inc();
  const decoded = decodeFrame(text, policy.jsonBounds);
  const command = decoded.command;
  // Every frame costs a token, garbage included: a flood of bad frames is still a flood.
  if (session.rate !== null) {
    const kind: RateKind = command?.type === 'send' ? 'send' : 'other';
    const userId = session.identified ? session.userId : undefined;
    const wait = takeTokens(session, userId, kind, performance.now());
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
  admit(session, command, chat, log);
}

/**
 * Takes one request's tokens from the connection's and user's buckets and, for a send, the client
 * address's: 0 when granted, otherwise the wait in ms (counted in the metric of the bucket that
 * refused). One rule for protocol and plain mode. `session.rate` must not be null.
 */
export function takeTokens(session: Session, userId: string | undefined, kind: RateKind, now: number): number {
  const { limiter, metrics } = session.policy;
  const rate = session.rate as NonNullable<Session['rate']>;
  const wait = limiter.take(rate, userId, kind, now);
  if (wait > 0) {
    metrics.rateLimited.inc({ kind });
    return wait;
  }
  if (kind !== 'send') return 0;
  const byAddress = limiter.takeAddress(session.ip, now);
  if (byAddress > 0) metrics.rateLimitedIp.inc();
  return byAddress;
}

/**
 * Commands queued behind a connection that has the most requests in flight, at most: reading is
 * paused as soon as one queues, so the queue holds only what had already been read (one socket
 * read, 64 KiB), and this bound is a backstop.
 */
const QUEUE_MAX = 4096;

/**
 * Runs `command` now, or, while the connection has PARLEY_MAX_INFLIGHT requests in flight, queues it
 * (in order) and stops reading from the socket until they are answered. Each request in flight will
 * produce a reply (a history page can be hundreds of KB): bounding them bounds what a burst of
 * requests makes the connection hold at once, and TCP pushes back on the client, which loses nothing.
 */
function admit(session: Session, command: Command, chat: ChatService, log: Logger): void {
  if (session.queued === null && session.inFlight < session.policy.maxInFlight) {
    start(session, command, chat, log);
    return;
  }
  const queue = (session.queued ??= []);
  if (queue.length >= QUEUE_MAX) {
    session.policy.metrics.busy.inc();
    session.fail(command.id, new ProtocolError(ErrorCode.Busy, `too many requests waiting on this connection; wait for replies`));
    return;
  }
  queue.push(command);
  if (queue.length === 1) session.connection.pauseReading();
}

/** Starts what the queue holds while there is room in flight; reads again once it is empty. */
function admitQueued(session: Session, chat: ChatService, log: Logger): void {
  const queue = session.queued;
  if (queue === null) return;
  // A connection closing (abusive, slow) answers what was in flight, not what it had not started.
  if (session.closed || session.ending) {
    session.queued = null;
    return;
  }
  const max = session.policy.maxInFlight;
  while (session.inFlight < max && queue.length > 0) start(session, queue.shift() as Command, chat, log);
  if (queue.length > 0) return;
  session.queued = null;
  if (!session.closed && !session.ending) session.connection.resumeReading();
}

function start(session: Session, command: Command, chat: ChatService, log: Logger): void {
  session.started();
  if (session.hold(command)) return;
  dispatchCommand(session, command, chat, log);
}

/** Runs a command counted in flight (see Session.started); settles it whatever happens. */
function dispatchCommand(session: Session, command: Command, chat: ChatService, log: Logger): void {
  if (session.closed) {
    session.settled();
    return;
  }
  if (!session.identified && command.type !== 'hello') {
    session.fail(command.id, new ProtocolError(ErrorCode.HelloRequired, 'send hello first'));
    session.settled();
    return;
  }
  const running = run(session, command, chat)
    .catch((error: unknown) => {
      const refusal = toProtocolError(error, session, log);
      // Every refusal is counted by code, so each bound a handler enforces has its metric.
      session.policy.metrics.refusals.inc({ code: refusal.code });
      session.fail(command.id, refusal);
    })
    .finally(() => {
      session.settled();
      admitQueued(session, chat, log);
    });
  session.policy.drain.track(running);
  if (command.type !== 'hello' || session.identified) return;
  // Checking a hello takes a lookup; commands pipelined behind it wait for its outcome, in order.
  session.holdFromNow();
  void running.then(() => {
    // A queued hello that is itself being checked holds back the ones after it again.
    for (const next of session.releaseHeld()) if (!session.hold(next)) dispatchCommand(session, next, chat, log);
    admitQueued(session, chat, log);
  });
}

function rateLimited(session: Session, id: RequestId | undefined, kind: RateKind, waitMs: number): void {
  const error = new ProtocolError(ErrorCode.RateLimited, `too many ${kind === 'send' ? 'messages' : 'requests'}; retry in ${waitMs} ms`);
  error.retryAfterMs = waitMs;
  refuseOrClose(session, id, error);
}

/**
 * Answers a refusal that counts towards the abuse close (rate limits); the one that passes
 * PARLEY_RATE_ABUSE closes the connection with 1008 instead, once the requests it already has in
 * flight are answered: a message stored before the flood was cut off still gets its ack.
 */
function refuseOrClose(session: Session, id: RequestId | undefined, error: ProtocolError): void {
  const { limiter, log } = session.policy;
  if (session.rate !== null && limiter.refused(session.rate, performance.now())) {
    log.warn(
      { conn: session.connId, ip: session.ip, user: session.identified ? session.userId : undefined, inFlight: session.inFlight },
      'closing a connection that kept exceeding its rate limit (1008)',
    );
    session.closeWhenAnswered(CloseCode.PolicyViolation, 'rate limit exceeded repeatedly');
    return;
  }
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
  log.error({ err: error, conn: session.connId }, 'request failed');
  return new ProtocolError(ErrorCode.Internal, 'internal error');
}

export function binaryRefused(session: Session): void {
  session.fail(undefined, new ProtocolError(ErrorCode.BadFrame, 'binary frames are not supported; send JSON text'));
}
