// One multipart file from a request to FileService.upload, as a stream. A refusal mid-stream (too
// large) closes the connection after the answer, so the rest of the body is never read.
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { FileDescriptor } from '../../protocol/messages.js';

export async function takeUpload(
  request: FastifyRequest,
  reply: FastifyReply,
  upload: (name: string, stream: Readable) => Promise<FileDescriptor>,
): Promise<FileDescriptor> {
  if (!request.isMultipart()) throw new ProtocolError(ErrorCode.BadRequest, 'send the file as multipart/form-data', 'file');
  const part = await request.file();
  if (part === undefined) throw new ProtocolError(ErrorCode.BadRequest, 'the form has no file', 'file');
  try {
    return await upload(part.filename, part.file);
  } catch (error) {
    if (error instanceof ProtocolError && error.code === ErrorCode.TooLarge) reply.header('connection', 'close');
    // What the client still sends is drained into nothing, never buffered.
    part.file.resume();
    throw error;
  }
}
