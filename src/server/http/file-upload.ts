// One multipart file from a request to FileService.upload, as a stream. A refusal mid-stream (too
// large) is answered at once; the rest of the body is discarded as it arrives.
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
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

export async function takeUpload(request: FastifyRequest, upload: (name: string, stream: Readable) => Promise<FileDescriptor>): Promise<FileDescriptor> {
  if (!request.isMultipart()) throw new ProtocolError(ErrorCode.BadRequest, 'send the file as multipart/form-data', 'file');
  const part = await request.file();
  if (part === undefined) throw new ProtocolError(ErrorCode.BadRequest, 'the form has no file', 'file');
  try {
    return await upload(part.filename, part.file);
  } catch (error) {
    // The upload stopped being read (too large, over a bound): what the client still sends is read
    // into nothing, never buffered, until it is done or the request timeout ends it. Closing at once
    // instead would reset the connection under data the client is still sending, and a reset can
    // reach the client before the answer does (browsers then show a network error, not the 413).
    part.file.resume();
    request.raw.resume();
    throw error;
  }
}
