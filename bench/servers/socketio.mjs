// Peer (b): Socket.IO 4.8 with the websocket transport only. A client joins a room with
// `join(room, ack)` and sends with `msg(room, text)`; the server broadcasts with io.to(room).emit.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2]);
const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false });
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
