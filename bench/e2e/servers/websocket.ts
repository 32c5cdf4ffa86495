/** `websocket` 1.0.35 (WebSocket-Node) echo/broadcast server, the library ferrosocket replaces. */
import * as http from 'node:http';
import { listen, MAX_MESSAGE_BYTES, mode } from './common';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const websocket = require('websocket') as typeof import('../../../ts/index');

const httpServer = http.createServer();
const wsServer = new websocket.server({
  httpServer,
  autoAcceptConnections: false,
  maxReceivedFrameSize: MAX_MESSAGE_BYTES,
  maxReceivedMessageSize: MAX_MESSAGE_BYTES,
  keepalive: false,
});

wsServer.on('request', (request) => {
  const connection = request.accept(null, request.origin);
  connection.on('error', () => undefined);
  connection.on('message', (message) => {
    if (mode === 'broadcast') {
      if (message.type === 'utf8') wsServer.broadcastUTF(message.utf8Data);
    } else if (message.type === 'utf8') {
      connection.sendUTF(message.utf8Data);
    } else {
      connection.sendBytes(message.binaryData);
    }
  });
});

listen(httpServer);
