/**
 * `faye-websocket` echo/broadcast server; with BENCH_FAYE=ferrosocket, the same program on ferrosocket's faye API
 * (`ferrosocket/faye`, from dist/).
 */
import * as http from 'node:http';
import * as path from 'node:path';
import type * as net from 'node:net';
import { ignoreErrors, listen, MAX_MESSAGE_BYTES, mode } from './common';

interface FayeSocket {
  on(event: 'message', listener: (event: { data: string | Buffer }) => void): void;
  on(event: 'close', listener: () => void): void;
  send(data: string | Buffer): boolean;
}
interface Faye {
  isWebSocket(request: http.IncomingMessage): boolean;
  new (request: http.IncomingMessage, socket: net.Socket, head: Buffer, protocols: null, options: object): FayeSocket;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WebSocket = require(process.env.BENCH_FAYE === 'ferrosocket' ? path.resolve(__dirname, '../../../dist/faye/index.js') : 'faye-websocket') as Faye;

const sockets = new Set<FayeSocket>();
const httpServer = http.createServer();
httpServer.on('upgrade', (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
  if (!WebSocket.isWebSocket(request)) return socket.destroy();
  ignoreErrors(socket);
  const ws = new WebSocket(request, socket, head, null, { maxLength: MAX_MESSAGE_BYTES });
  sockets.add(ws);
  ws.on('close', () => sockets.delete(ws));
  ws.on('message', (event) => {
    if (mode === 'broadcast') {
      if (typeof event.data === 'string') for (const other of sockets) other.send(event.data);
    } else {
      ws.send(event.data);
    }
  });
});

listen(httpServer);
