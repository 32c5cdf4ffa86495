/**
 * The Node built-in WebSocket peer: a child process run with `node --experimental-websocket` (Node 20 has the
 * global only behind that flag). It reads one JSON command per stdin line, `{ id, options }` with the options of
 * `runW3CPeer` (./w3c-peer.js), plays each at once (concurrently), and writes `{ key: 'client:<id>', value: report }`
 * per finished command on stdout. wss trust comes from NODE_EXTRA_CA_CERTS, set by the test. Exits when stdin ends.
 */
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

createRequire(import.meta.url)('./w3c-peer.js');

if (typeof WebSocket !== 'function') {
  process.stderr.write('no global WebSocket: run with --experimental-websocket\n');
  process.exit(1);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const { id, options } = JSON.parse(line);
  void globalThis.runW3CPeer(options).then((report) => {
    process.stdout.write(`${JSON.stringify({ key: `client:${id}`, value: report })}\n`);
  });
});
lines.on('close', () => process.exit(0));
