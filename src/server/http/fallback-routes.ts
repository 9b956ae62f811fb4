// The HTTP fallback's two routes (docs/protocol.md, "HTTP fallback"): GET /fallback/stream opens a
// session's event stream, POST /fallback/stream/:stream carries protocol frames to it, one per line.
// The transport itself is transport/sse.ts; these routes only check the HTTP side (target, body
// size, content type) and answer refusals as `{error, message}`.
import type { FastifyError, FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorCode } from '../../protocol/errors.js';
import { httpErrorBody } from '../../protocol/http.js';
import type { SseGateway } from '../transport/sse.js';
import { TOKEN_PARAMS } from '../transport/request-target.js';

export interface FallbackRoutesOptions {
  gateway: SseGateway;
  /** Largest frame (PARLEY_MAX_FRAME): one line of a POST may be no longer, as one WebSocket frame. */
  maxFrameBytes: number;
}

/** Frames one POST may carry: a client batches what queued while its last POST was answered. */
export const MAX_FRAMES_PER_POST = 32;

/** The header that carries the stream's secret (never the URL: URLs end up in logs). */
export const SECRET_HEADER = 'parley-stream-secret';

const StreamPath = Type.Object({ stream: Type.String({ maxLength: 64 }) });

export async function fallbackRoutes(app: FastifyInstance, { gateway, maxFrameBytes }: FallbackRoutesOptions): Promise<void> {
  // Frames are sent as the lines of a text body, so that each reaches the session exactly as a
  // WebSocket text frame would (a malformed one is a protocol error on the stream, not a 400).
  app.addContentTypeParser(['text/plain', 'application/x-ndjson'], { parseAs: 'string', bodyLimit: postLimit(maxFrameBytes) }, (_request, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) reply.log.error({ err: error }, 'fallback route failed');
    return reply.code(status).send(httpErrorBody(status === 500 ? ErrorCode.Internal : ErrorCode.BadRequest, error.message));
  });

  app.get('/fallback/stream', (request, reply) => {
    const query = request.query as Record<string, unknown>;
    if (TOKEN_PARAMS.some((name) => name in query)) {
      return reply.code(400).send(httpErrorBody(ErrorCode.BadRequest, 'never put tokens in the URL; send them in hello {token}'));
    }
    const refusal = gateway.refusal(request.raw);
    if (refusal !== null) return reply.code(refusal.status).send(httpErrorBody(refusal.code, refusal.message));
    reply.hijack();
    gateway.open(request.raw, reply.raw);
    return reply;
  });

  app.post<{ Params: Static<typeof StreamPath> }>('/fallback/stream/:stream', { schema: { params: StreamPath } }, async (request, reply) => {
    const secret = request.headers[SECRET_HEADER];
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > 128) {
      return reply.code(401).send(httpErrorBody(ErrorCode.Unauthorized, `send the stream's secret in the ${SECRET_HEADER} header`));
    }
    if (typeof request.body !== 'string') {
      return reply.code(415).send(httpErrorBody(ErrorCode.BadRequest, 'send frames as text/plain, one JSON frame per line'));
    }
    const frames = request.body.split('\n').filter((line) => line.trim().length > 0);
    if (frames.length > MAX_FRAMES_PER_POST) {
      return reply.code(413).send(httpErrorBody(ErrorCode.BadRequest, `at most ${MAX_FRAMES_PER_POST} frames per POST`));
    }
    if (frames.some((frame) => Buffer.byteLength(frame) > maxFrameBytes)) {
      return reply.code(413).send(httpErrorBody(ErrorCode.BadRequest, 'frame too large; see PARLEY_MAX_FRAME'));
    }
    const outcome = await gateway.post(request.raw, request.params.stream, secret, frames);
    if (!outcome.accepted) return reply.code(outcome.refusal.status).send(httpErrorBody(outcome.refusal.code, outcome.refusal.message));
    return reply.code(202).send({ accepted: frames.length });
  });
}

/** A POST's body bound: a few frames of the largest size, or many small ones. */
export function postLimit(maxFrameBytes: number): number {
  return maxFrameBytes * 4;
}
