// How a file's bytes are answered: inline with its own type only for the images Parley re-encoded
// (INLINE_TYPES), as an attachment of type application/octet-stream for everything else (HTML,
// SVG, PDF, unknown), always with nosniff and a sandboxing CSP, so that no uploaded file can run
// script in Parley's origin even when opened directly.
import type { FastifyReply } from 'fastify';
import type { Download } from '../chat/files.js';

/** No script, no plugin, no form, a unique origin: for a file opened in a tab of its own. */
export const FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

export function sendDownload(reply: FastifyReply, download: Download, maxAgeSeconds: number): FastifyReply {
  const disposition = download.inline ? 'inline' : 'attachment';
  reply
    .header('content-type', download.contentType)
    .header('content-disposition', `${disposition}; filename="${asciiName(download.name)}"; filename*=UTF-8''${encodeURIComponent(download.name)}`)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', FILE_CSP)
    // The link that fetched it names its reader: a shared cache must not keep it for another.
    .header('cache-control', `private, max-age=${maxAgeSeconds}`);
  if (download.size >= 0) reply.header('content-length', String(download.size));
  return reply.send(download.stream);
}

/** The name for browsers that ignore filename*: printable ASCII without quotes or backslashes. */
function asciiName(name: string): string {
  const ascii = [...name].map((char) => (char >= ' ' && char <= '~' && char !== '"' && char !== '\\' ? char : '_')).join('');
  return ascii === '' ? 'file' : ascii;
}
