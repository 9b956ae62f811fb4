// Security headers on every HTTP response. The web app is built by Vite into files with no inline
// script or style, so the policy can forbid both; WebSocket connections go to the same origin.
// No CORS headers are ever sent: browsers on other origins cannot read any response.
import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  // 'self' covers ws(s):// on the same host and port in CSP level 3; the schemes are named for
  // browsers that predate it.
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function addSecurityHeaders(app: FastifyInstance, options: { tls: boolean }): void {
  const headers: Record<string, string> = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  };
  if (options.tls) headers['strict-transport-security'] = 'max-age=31536000';
  app.addHook('onSend', (_request, reply, payload, done) => {
    // A route that set one of these (file downloads: their own CSP) keeps its own.
    for (const [name, value] of Object.entries(headers)) if (!reply.hasHeader(name)) reply.header(name, value);
    done(null, payload);
  });
}
