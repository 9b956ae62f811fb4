// Every failed request rejects with a RequestError. `code` is the server's error code (see
// src/protocol/errors.ts) or one of the SDK's own: `timeout`, `disconnected`, `closed`.

export type ClientErrorCode = 'timeout' | 'disconnected' | 'closed';

export class RequestError extends Error {
  readonly code: string;
  readonly field: string | undefined;

  constructor(code: string, message: string, field?: string) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.field = field;
  }

  /** True when the server refused the request itself (not a lost or timed-out connection). */
  get refused(): boolean {
    return this.code !== 'timeout' && this.code !== 'disconnected' && this.code !== 'closed';
  }
}
