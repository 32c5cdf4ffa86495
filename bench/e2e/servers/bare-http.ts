/**
 * The floor for handshakes and memory: a bare `http` server that answers the upgrade with a 101 and holds the socket,
 * reading nothing further (it ends its side when the client ends).
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type * as net from 'node:net';
import { ignoreErrors, listen } from './common';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const server = http.createServer();
server.on('upgrade', (request: http.IncomingMessage, socket: net.Socket) => {
  ignoreErrors(socket);
  const key = String(request.headers['sec-websocket-key'] ?? '');
  const accept = crypto.createHash('sha1').update(key + GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.on('data', () => undefined);
  socket.on('end', () => socket.end());
});

listen(server);
