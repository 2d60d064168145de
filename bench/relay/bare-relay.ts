/**
 * The baseline: a minimal WebSocket fan-out relay with no authentication and no storage. A client
 * joins a room with the text frame `join:<room>`; every binary frame it sends afterwards goes to the
 * room's other sockets. Run as a child of bench.ts so its CPU time is measured like the server's.
 */
import { WebSocketServer, type WebSocket } from 'ws';

const rooms = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (socket) => {
  let room: Set<WebSocket> | undefined;
  socket.on('message', (data, isBinary) => {
    if (!isBinary) {
      const name = data.toString().replace(/^join:/, '');
      room = rooms.get(name) ?? new Set();
      rooms.set(name, room);
      room.add(socket);
      return;
    }
    if (room === undefined) return;
    for (const peer of room) if (peer !== socket) peer.send(data, { binary: true });
  });
  socket.on('close', () => room?.delete(socket));
});
wss.on('listening', () => {
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected address');
  process.stdout.write(`READY ws://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => {
  for (const c of wss.clients) c.terminate();
  wss.close(() => process.exit(0));
});
