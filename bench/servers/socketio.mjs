// Peer (b): Socket.IO 4.8 with the websocket transport only. A client joins a room with
// `join(room, ack)` and sends with `msg(room, text)`; the server broadcasts with io.to(room).emit.
// With SIO_RECOVERY=1, Socket.IO's connection state recovery is on (the reconnect storm): a client
// that comes back within two minutes with its session id and last offset is put back in its rooms
// and sent what it missed, from the server's memory.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2]);
const http = createServer();
const recovery = process.env.SIO_RECOVERY === '1' ? { connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: true } } : {};
const io = new Server(http, { transports: ['websocket'], serveClient: false, ...recovery });
http.listen(port, '127.0.0.1');

io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    socket.join(room);
    if (typeof ack === 'function') ack(room);
  });
  socket.on('msg', (room, text) => {
    io.to(room).emit('msg', text);
  });
});
