// The Parley SDK for Node: the same client, with sockets from the `ws` package (and the HTTP
// fallback over Node's fetch, as in browsers).
import { WebSocket } from 'ws';
import { ParleyClient, type ClientOptions } from './client.js';
import { chooseSocket } from './index.js';
import type { SocketFactory } from './socket.js';

export * from './index.js';

export const wsSocketFactory: SocketFactory = (url, protocol, events) => {
  const socket = new WebSocket(url, protocol);
  socket.on('open', () => events.open());
  socket.on('message', (data, isBinary) => {
    // With ws's default binaryType ('nodebuffer') a text message arrives as one Buffer.
    if (!isBinary) events.message((data as Buffer).toString());
  });
  // 'error' is followed by 'close'; without a listener it would be thrown.
  socket.on('error', () => undefined);
  socket.on('close', (code, reason) => events.close(code, reason.toString()));
  return socket;
};

export function createClient(url: string, options: ClientOptions): ParleyClient {
  return new ParleyClient(url, { ...options, socket: chooseSocket(options, wsSocketFactory) });
}

export async function connect(url: string, options: ClientOptions): Promise<ParleyClient> {
  const client = createClient(url, options);
  await client.open();
  return client;
}
