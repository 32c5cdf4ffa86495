/**
 * `faye-websocket` client (with BENCH_FAYE=ferrosocket, ferrosocket's faye API from dist/). Its flow control is
 * send()'s result: false once the socket's buffer is over its high-water mark, then a 'drain' event when the socket
 * has drained.
 */
import * as path from 'node:path';
import { serveSendRequests } from './common';

interface FayeClient {
  on(event: 'open' | 'drain', listener: () => void): void;
  on(event: 'message', listener: (event: { data: string | Buffer }) => void): void;
  on(event: 'close', listener: (event: { code: number }) => void): void;
  on(event: 'error', listener: (event: { message: string }) => void): void;
  send(data: string | Buffer): boolean;
  close(): void;
}
const faye = process.env.BENCH_FAYE === 'ferrosocket' ? path.resolve(__dirname, '../../../dist/faye/index.js') : 'faye-websocket';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Client = (require(faye) as { Client: new (url: string) => FayeClient }).Client;

serveSendRequests(
  (url, payload, messages) =>
    new Promise((resolve, reject) => {
      const ws = new Client(url);
      let sent = 0;
      const pump = () => {
        while (sent < messages) {
          sent++;
          if (!ws.send(payload)) return;
        }
      };
      ws.on('open', pump);
      ws.on('drain', pump);
      ws.on('message', (event) => {
        if (event.data === 'done') resolve(() => ws.close());
        else reject(new Error('unexpected message from the sink'));
      });
      ws.on('error', (event) => reject(new Error(event.message)));
      // After "done" this rejection is a no-op: the promise has settled.
      ws.on('close', (event) => reject(new Error(`connection closed with ${event.code} before "done"`)));
    }),
);
