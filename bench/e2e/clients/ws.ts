/**
 * `ws` client. With WS_NO_BUFFER_UTIL=1 and WS_NO_UTF_8_VALIDATE=1 (set by the runner for "ws (no addons)") ws runs
 * without bufferutil and utf-8-validate, so it masks in JavaScript.
 */
import type * as net from 'node:net';
import { WebSocket } from 'ws';
import { HIGH_WATER_BYTES, serveSendRequests } from './common';

serveSendRequests(
  (url, payload, messages) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.on('error', reject);
      ws.on('open', () => {
        // ws has no 'drain' of its own: its socket's is the signal that bufferedAmount went down.
        const socket = (ws as unknown as { _socket: net.Socket })._socket;
        let sent = 0;
        const pump = () => {
          while (sent < messages && ws.bufferedAmount < HIGH_WATER_BYTES) {
            ws.send(payload);
            sent++;
          }
        };
        socket.on('drain', pump);
        pump();
      });
      ws.on('message', (data, isBinary) => {
        if (!isBinary && data.toString() === 'done') resolve(() => ws.close());
        else reject(new Error('unexpected message from the sink'));
      });
      // After "done" this rejection is a no-op: the promise has settled.
      ws.on('close', (code) => reject(new Error(`connection closed with ${code} before "done"`)));
    }),
);
