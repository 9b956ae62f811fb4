// How a refusal of the server API is answered: the HTTP status for each protocol error code, and
// the error handler of the /api/v1 and /hooks scopes, so every answer is `{error, message}`.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, ProtocolError } from '../../../protocol/errors.js';
import { httpErrorBody } from '../../../protocol/http.js';
import { storeFailure } from '../../chat/store-failure.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotMember]: 403,
  [ErrorCode.Banned]: 403,
  [ErrorCode.Muted]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.RoomExists]: 409,
  [ErrorCode.TooManyReactions]: 409,
  [ErrorCode.WebhookDisabled]: 409,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.RoomQuota]: 429,
  [ErrorCode.QuotaExceeded]: 429,
  [ErrorCode.TooLarge]: 413,
  [ErrorCode.Internal]: 500,
  [ErrorCode.StoreFailed]: 503,
  [ErrorCode.Busy]: 503,
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 400;
}

/** Answers a ProtocolError (from the chat service or the API's own checks), with Retry-After when it has one. */
export function sendRefusal(reply: FastifyReply, error: ProtocolError): FastifyReply {
  if (error.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  return reply.code(statusOf(error.code)).send(httpErrorBody(error.code, error.message));
}

export function apiErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const refusal = error instanceof ProtocolError ? error : storeFailure(error);
  if (refusal !== undefined) return sendRefusal(reply, refusal);
  if (error.validation !== undefined) return reply.code(400).send(httpErrorBody(ErrorCode.BadRequest, error.message));
  // Fastify's own refusals: bad JSON (400), too large (413), wrong content type (415).
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.code(error.statusCode).send(httpErrorBody(ErrorCode.BadRequest, error.message));
  }
  request.log.error({ err: error, path: request.routeOptions.url }, 'server API failed');
  return reply.code(500).send(httpErrorBody(ErrorCode.Internal, 'internal error'));
}
