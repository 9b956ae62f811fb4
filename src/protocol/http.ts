// The body of every error answer of the HTTP API (docs/api.md). Its code is from the same list as
// the WebSocket's error replies (errors.ts), so a client handles one set of codes on both.
import type { ErrorCode } from './errors.js';

export interface HttpErrorBody {
  error: ErrorCode;
  message: string;
}

/** Builds the body; routes answer with it, so the compiler checks every code they send. */
export function httpErrorBody(error: ErrorCode, message: string): HttpErrorBody {
  return { error, message };
}
