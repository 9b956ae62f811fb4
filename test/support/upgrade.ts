// A WebSocket upgrade whose refusal is an answer, not an error: for tests of who may connect.
import { WebSocket } from 'ws';
import { PROTOCOL } from '../../src/protocol/messages.js';

export interface UpgradeOptions {
  /** Local address to connect from (127.0.0.x stands in for different clients). */
  localAddress?: string;
  /** An X-Forwarded-For header to send. */
  forwardedFor?: string;
}

/** Opens a protocol WebSocket; resolves with it, or with the HTTP status that refused the upgrade. */
export function upgradeOrRefusal(url: string, options: UpgradeOptions = {}): Promise<WebSocket | number> {
  const headers = options.forwardedFor === undefined ? {} : { 'x-forwarded-for': options.forwardedFor };
  const ws = new WebSocket(url, PROTOCOL, {
    headers,
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}
