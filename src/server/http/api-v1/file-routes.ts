// Files for the server API: POST /api/v1/files uploads one file as the key's speaker (its bot, or
// `as`), for a later POST /rooms/:room/messages with `files`; GET /api/v1/files/:id reads a file
// of any message (the key is an operator, which reads every room).
import type { FastifyInstance } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorBody } from '../../../protocol/api.js';
import { FileId } from '../../../protocol/messages.js';
import type { ChatService } from '../../chat/service.js';
import type { FileService } from '../../chat/files.js';
import type { KeyGate } from './key-gate.js';
import { speaker } from './speaker.js';
import { multipartOptions, takeUpload } from '../file-upload.js';
import { sendDownload } from '../file-download.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 429: ErrorBody, 503: ErrorBody };
const security = [{ apiKey: [] }];
const UploadQuery = Type.Object({ as: Type.Optional(Type.String({ pattern: '^bot:[a-z0-9][a-z0-9_-]{0,31}$', maxLength: 36 })) });
const FilePath = Type.Object({ id: FileId });

export async function fileApiRoutes(app: FastifyInstance, chat: ChatService, files: FileService, gate: KeyGate): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(fastifyMultipart, multipartOptions(files.maxBytes));
    scope.post<{ Querystring: Static<typeof UploadQuery> }>(
      '/files',
      {
        onRequest: gate.require('publish'),
        schema: {
          summary: 'Upload one file (multipart/form-data) to attach to a message',
          tags: ['files'],
          security,
          querystring: UploadQuery,
          response: errors,
        },
      },
      async (request, reply) => {
        const from = await speaker(chat, gate.keyOf(request), request.query.as);
        const descriptor = await takeUpload(request, (name, stream) => files.upload(from, name, stream));
        return reply.code(201).send(descriptor);
      },
    );
    scope.get<{ Params: Static<typeof FilePath> }>(
      '/files/:id',
      { onRequest: gate.require('read'), schema: { summary: "A message's file", tags: ['files'], security, params: FilePath, response: errors } },
      async (request, reply) => sendDownload(reply, await files.downloadAs(gate.operatorOf(request), request.params.id, 'file'), 0),
    );
  });
}
