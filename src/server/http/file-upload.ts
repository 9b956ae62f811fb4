// One multipart file from a request to FileService.upload, as a stream. A refusal mid-stream (too
// large) closes the connection after the answer, so the rest of the body is never read.
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyMultipartOptions } from '@fastify/multipart';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { FileDescriptor } from '../../protocol/messages.js';

/**
 * @fastify/multipart's options for a scope with file uploads: one file part and nothing else;
 * busboy's cut one byte past the limit, so that the upload's own meter sees the excess and refuses it.
 */
export function multipartOptions(maxBytes: number): FastifyMultipartOptions {
  return { limits: { fileSize: maxBytes + 1, files: 1, fields: 0, parts: 1 }, throwFileSizeLimit: false };
}

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
