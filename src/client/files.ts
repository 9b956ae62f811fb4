// Files over the HTTP API (docs/api.md): `upload` sends one file as multipart/form-data and answers
// its descriptor, whose id goes in `client.send(room, caption, { files: [id] })`; `fileLinks`
// answers short-lived download links for files the user may read. The bearer is the session
// token of an account, or a guest's resume token (the `resume` of its hello). In Node, pass
// `await openAsBlob(path)` (node:fs) as the file: it is read from disk as it is sent.
import type { FileDescriptor } from '../protocol/messages.js';
import { apiUrl, type AccountOptions } from './accounts.js';
import { RequestError } from './errors.js';
import { answerOf } from './http-answer.js';

export interface FileLink {
  id: string;
  /** A path on the server (resolve it against the server's URL); works for minutes, for this user. */
  url: string;
  thumb?: string;
  expiresAt: number;
}

/** Uploads `file` named `name`; rejects with the server's code (`too_large`, `quota_exceeded`, `unauthorized`…). */
export async function upload(serverUrl: string, token: string, file: Blob, name: string, options: AccountOptions = {}): Promise<FileDescriptor> {
  const form = new FormData();
  form.append('file', file, name);
  return (await request(serverUrl, '/api/files', token, form, options)) as FileDescriptor;
}

/** Download links for the `ids` the user may read (others are left out). */
export async function fileLinks(serverUrl: string, token: string, ids: readonly string[], options: AccountOptions = {}): Promise<FileLink[]> {
  const answer = (await request(serverUrl, '/api/files/links', token, JSON.stringify({ ids }), options)) as { links?: FileLink[] };
  return answer.links ?? [];
}

async function request(serverUrl: string, path: string, token: string, body: FormData | string, options: AccountOptions): Promise<unknown> {
  const url = apiUrl(serverUrl, path);
  const send = options.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (typeof body === 'string') headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await send(url, { method: 'POST', headers, body });
  } catch (error) {
    const why = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new RequestError('unreachable', `could not reach ${url} (${why})`);
  }
  return answerOf(url, response);
}
