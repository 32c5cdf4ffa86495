/**
 * `ws` echo/broadcast server. With WS_NO_BUFFER_UTIL=1 and WS_NO_UTF_8_VALIDATE=1 (set by the runner for the
 * "ws (no addons)" server) ws runs without bufferutil and utf-8-validate.
 */
import * as http from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import { listen, mode } from './common';

const httpServer = http.createServer();
const wss = new WebSocketServer({ server: httpServer });

wss.on('connection', (socket) => {
  socket.on('error', () => undefined);
  socket.on('message', (data, isBinary) => {
    if (mode === 'broadcast') {
      if (isBinary) return;
      // Loop over the clients, as ws's documentation does for broadcast.
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(data, { binary: false });
    } else {
      socket.send(data, { binary: isBinary });
    }
  });
});

listen(httpServer);
