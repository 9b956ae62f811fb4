// The console's calls to /api/v1/admin, with the signed-in account's session token. A refusal
// becomes an AdminError carrying the server's message, which the page shows as it is.
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface AdminApi {
  call<T>(method: Method, path: string, body?: unknown): Promise<T>;
  /** A file (the audit log as CSV) as text. */
  text(path: string): Promise<string>;
}

export function adminApi(token: string, fetchImpl: typeof fetch = fetch): AdminApi {
  const request = async (method: Method, path: string, body?: unknown): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetchImpl(`/api/v1/admin${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!response.ok) {
      const reply = (await response.json().catch(() => ({}))) as { message?: string };
      throw new AdminError(response.status, reply.message ?? `${response.status} ${response.statusText}`);
    }
    return response;
  };
  return {
    async call<T>(method: Method, path: string, body?: unknown): Promise<T> {
      const response = await request(method, path, body);
      return (response.status === 204 ? undefined : await response.json()) as T;
    },
    async text(path: string): Promise<string> {
      return (await request('GET', path)).text();
    },
  };
}

/** "3 min ago", "yesterday 14:02": times in the console's tables. */
export function when(ms: number, now = Date.now()): string {
  const seconds = Math.round((now - ms) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(ms).toLocaleString();
}
