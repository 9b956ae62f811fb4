// The Parley SDK for Node: the same client, with sockets from the `ws` package.
import { WebSocket } from 'ws';
import type { ClientOptions, ParleyClient } from './client.js';
import { connect as connectWith, createClient as createWith } from './index.js';
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
  return createWith(url, { socket: wsSocketFactory, ...options });
}

export function connect(url: string, options: ClientOptions): Promise<ParleyClient> {
  return connectWith(url, { socket: wsSocketFactory, ...options });
}
