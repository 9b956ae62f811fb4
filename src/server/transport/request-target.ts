// The upgrade request's target, parsed without ever throwing: `new URL()` throws on targets such as
// `//` or `//:`, and a throw inside the HTTP server's 'upgrade' listener would end the process.
// Both forms RFC 9112 §3.2 allows for a GET are read: origin-form (`/ws?nick=a`) and absolute-form
// (`http://host/ws`); anything else is null, which the gateway refuses with 400.

const BASE = 'http://localhost';

/** Query parameters that would put a token in a URL (access logs, browser history): refused everywhere. */
export const TOKEN_PARAMS: readonly string[] = ['token', 'access_token', 'jwt'];

/** The target's path and query, or null when it is not a URL a browser or client would send. */
export function parseRequestTarget(raw: string | undefined): URL | null {
  const target = raw ?? '/';
  // Origin-form must start with one slash; `//x` would be read as a host, not a path.
  const originForm = target.startsWith('/') && !target.startsWith('//');
  const absoluteForm = /^https?:\/\//i.test(target);
  if (!originForm && !absoluteForm) return null;
  try {
    return new URL(target, BASE);
  } catch {
    return null;
  }
}
