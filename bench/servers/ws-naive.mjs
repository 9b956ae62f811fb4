// Peer (a): the tutorial's broadcast server on `ws`. One room is `wss.clients`; for the scenario
// with many rooms, the room is named in the URL (`/?room=x`) and the same loop runs over that room's
// set, which is the least a user would add to the tutorial.
import { WebSocketServer, WebSocket } from 'ws';

const port = Number(process.argv[2]);
const wss = new WebSocketServer({ port, host: '127.0.0.1' });
const rooms = new Map();

wss.on('connection', (ws, req) => {
  const room = new URL(req.url ?? '/', 'http://x').searchParams.get('room');
  if (room === null) {
    ws.on('message', (data, isBinary) => {
      wss.clients.forEach((client) => {
        if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
      });
    });
    return;
  }
  let members = rooms.get(room);
  if (members === undefined) rooms.set(room, (members = new Set()));
  members.add(ws);
  ws.on('close', () => members.delete(ws));
  ws.on('message', (data, isBinary) => {
    members.forEach((client) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
  });
});
