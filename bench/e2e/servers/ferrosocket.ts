/**
 * ferrosocket echo/broadcast server, as it ships (dist/, built by the runner). The codec comes from
 * FERROSOCKET_CODEC (`native` or `js`), which the runner sets.
 */
import * as http from 'node:http';
import * as path from 'node:path';
import { listen, MAX_MESSAGE_BYTES, mode } from './common';

type Ferrosocket = typeof import('../../../ts/index');
const ferrosocket = require(path.resolve(__dirname, '../../../dist/index.js')) as Ferrosocket;

const httpServer = http.createServer();
const wsServer = new ferrosocket.server({
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

if (ferrosocket.codec !== (process.env.FERROSOCKET_CODEC ?? ferrosocket.codec)) {
  throw new Error(`FERROSOCKET_CODEC=${process.env.FERROSOCKET_CODEC} but the codec is ${ferrosocket.codec}`);
}
listen(httpServer);
