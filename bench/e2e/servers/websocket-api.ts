/**
 * The echo/broadcast server written once against the `websocket` 1.0.35 API, so `websocket` and ferrosocket (its
 * drop-in replacement) run the very same program.
 */
import * as http from 'node:http';
import { listen, MAX_MESSAGE_BYTES, mode } from './common';

/** Starts the server on a library with the `websocket` API (`require('websocket')` or ferrosocket). */
export function serveWebsocketApi(library: typeof import('../../../ts/index')): void {
  const httpServer = http.createServer();
  const wsServer = new library.server({
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
}
