// The HTTP server's edge: its timeouts and body size (set through Fastify), and the answer to a
// request node could not parse or that timed out ('clientError').
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export interface HttpEdges {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  bodyLimitBytes: number;
  /** Counts a refusal: `timeout`, `header_overflow`, `bad_request`, `body_too_large`. */
  onRefusal: (reason: string) => void;
}

/**
 * Answers 408 (a headers or request timeout), 431 (headers too large) or 400, and closes; a socket
 * the client reset or already closed is only destroyed. Never throws and never leaves the socket
 * open: node calls this from its socket's 'error' path.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex, onRefusal: (reason: string) => void): void {
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || socket.destroyed) {
    socket.destroy();
    return;
  }
  const [status, reason] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'timeout'] : error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'header_overflow'] : [400, 'bad_request'];
  onRefusal(reason);
  if (socket.writable) {
    const body = JSON.stringify({
      error: STATUS_CODES[status],
      message: reason === 'timeout' ? 'request took too long' : 'malformed request',
      statusCode: status,
    });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
