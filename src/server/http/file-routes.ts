// The files API of signed-in users and guests (docs/api.md): POST /api/files (one multipart file,
// streamed to storage), POST /api/files/links (short-lived download links for files the caller may
// read), and GET /files/:id and /files/:id/thumb, which take such a link. The caller is the bearer
// of a session token, a guest resume token or an external JWT: the same identities as `hello`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { FileId } from '../../protocol/messages.js';
import type { Identity, IdentityResolver } from '../auth/identity.js';
import type { OriginPolicy } from '../auth/origin.js';
import type { FileService } from '../chat/files.js';
import type { FileVariant, LinkQuery } from '../chat/file-links.js';
import { apiErrorHandler } from './api-v1/errors.js';
import { typeboxValidator } from './api-v1/validator.js';
import { sendDownload } from './file-download.js';
import { multipartOptions, takeUpload } from './file-upload.js';

const BEARER = /^Bearer ([A-Za-z0-9_.~+/=-]{1,8192})$/;
/** Most ids one links request names (a page of history has at most 100 messages, each with some files). */
export const LINKS_MAX = 200;

export const LinksBody = Type.Object({ ids: Type.Array(FileId, { minItems: 1, maxItems: LINKS_MAX }) }, { additionalProperties: false });
const FilePath = Type.Object({ id: FileId });
const LinkQuerySchema = Type.Object({
  u: Type.Optional(Type.String({ maxLength: 256 })),
  s: Type.Optional(Type.String({ maxLength: 128 })),
  e: Type.Optional(Type.String({ maxLength: 16 })),
  sig: Type.Optional(Type.String({ maxLength: 64 })),
});

export interface FileRoutesOptions {
  files: FileService;
  identities: IdentityResolver;
  origins: OriginPolicy;
  /** How long a link works, which is how long a browser may keep what it fetched. */
  linkTtlMs: number;
}

export async function fileRoutes(app: FastifyInstance, options: FileRoutesOptions): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(fastifyMultipart, multipartOptions(options.files.maxBytes));
    scope.setValidatorCompiler(typeboxValidator);
    scope.setErrorHandler(apiErrorHandler);
    const { files, identities, origins } = options;

    // Another site's page must not use a visitor's browser to upload or to mint links.
    const sameOrigin = async (request: FastifyRequest): Promise<void> => {
      if (!origins.allows(request.headers.origin, request.headers.host)) throw new ProtocolError(ErrorCode.Forbidden, 'this Origin may not use the API');
    };

    scope.post('/api/files', { onRequest: sameOrigin }, async (request, reply) => {
      const identity = await caller(identities, request);
      const descriptor = await takeUpload(request, (name, stream) => files.upload(identity.user, name, stream));
      return reply.code(201).header('cache-control', 'no-store').send(descriptor);
    });

    scope.post<{ Body: Static<typeof LinksBody> }>('/api/files/links', { onRequest: sameOrigin, schema: { body: LinksBody } }, async (request, reply) => {
      const identity = await caller(identities, request);
      const reader = identity.sessionHash === undefined ? { user: identity.user } : { user: identity.user, sessionHash: identity.sessionHash };
      const links = await files.links(reader, [...new Set(request.body.ids)]);
      return reply.header('cache-control', 'no-store').send({ links });
    });

    const maxAge = Math.max(1, Math.floor(options.linkTtlMs / 1000));
    const download =
      (variant: FileVariant) => async (request: FastifyRequest<{ Params: Static<typeof FilePath>; Querystring: LinkQuery }>, reply: FastifyReply) =>
        sendDownload(reply, await files.download(request.params.id, variant, request.query), maxAge);
    const schema = { params: FilePath, querystring: LinkQuerySchema };
    scope.get('/files/:id', { schema }, download('file'));
    scope.get('/files/:id/thumb', { schema }, download('thumb'));
  });
}

async function caller(identities: IdentityResolver, request: FastifyRequest): Promise<Identity> {
  const match = BEARER.exec(request.headers.authorization ?? '');
  if (match?.[1] === undefined) throw new ProtocolError(ErrorCode.Unauthorized, 'send Authorization: Bearer <session token or guest resume token>');
  return identities.bearer(match[1]);
}
