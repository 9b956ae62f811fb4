// What an answer of the HTTP API becomes: its JSON when it succeeded, the server's RequestError
// when it is an `{error, message}` body, else `unreachable` (a proxy's page, say, not Parley's).
import type { HttpErrorBody } from '../protocol/http.js';
import { RequestError } from './errors.js';

export async function answerOf(url: string, response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  const parsed = parseJson(text);
  if (response.ok) return parsed;
  if (isErrorBody(parsed)) throw RequestError.fromReply({ code: parsed.error, message: parsed.message });
  throw new RequestError('unreachable', `${url} answered HTTP ${response.status}, not a Parley reply`);
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function isErrorBody(value: unknown): value is HttpErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    'error' in value &&
    typeof value.error === 'string' &&
    'message' in value &&
    typeof value.message === 'string'
  );
}
