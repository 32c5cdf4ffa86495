/**
 * The client send program written once against the `websocket` 1.0.35 API, so `websocket` and ferrosocket (its
 * drop-in replacement) run the very same program, with the clients' default config.
 */
import { HIGH_WATER_BYTES, serveSendRequests } from './common';

/** Serves the runner's send requests with a library of the `websocket` API (`require('websocket')` or ferrosocket). */
export function sendWithWebsocketApi(library: typeof import('../../../ts/index')): void {
  serveSendRequests(
    (url, payload, messages) =>
      new Promise((resolve, reject) => {
        const client = new library.client();
        client.on('connectFailed', reject);
        client.on('connect', (connection) => {
          let sent = 0;
          const pump = () => {
            while (sent < messages && connection.socket.writableLength < HIGH_WATER_BYTES) {
              connection.sendBytes(payload);
              sent++;
            }
          };
          connection.on('error', reject);
          connection.on('drain', pump);
          connection.on('message', (message) => {
            if (message.type === 'utf8' && message.utf8Data === 'done') resolve(() => connection.close());
            else reject(new Error(`unexpected ${message.type} message from the sink`));
          });
          // After "done" this rejection is a no-op: the promise has settled.
          connection.on('close', (code) => reject(new Error(`connection closed with ${code} before "done"`)));
          pump();
        });
        client.connect(url);
      }),
  );
}
