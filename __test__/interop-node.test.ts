/**
 * Interop with Node's built-in WebSocket (undici's, behind --experimental-websocket in Node 20): a child process
 * (./interop/node-peer.mjs running ./interop/w3c-peer.js) against ferrosocket's server, every scenario the W3C API
 * has over ws:// and wss://, binary with both binaryTypes. For wss the child trusts the test's self-signed
 * certificate through NODE_EXTRA_CA_CERTS, pointing to a temp PEM file.
 */
import test from 'ava';
import { join } from 'node:path';
import { makeCertificate, type Certificate } from './helpers/certificate';
import { WAIT_MS } from './helpers/raw-http';
import { REPORT_TIMEOUT_MS, startFerrosocketServer, type FerrosocketTestServer } from './interop/ferrosocket-ends';
import { JsonLinesChild } from './interop/json-lines-child';
import { PING_SCENARIO, w3cBinaryKind, type PeerReport } from './interop/scenarios';
import { defineInteropSuite, scenariosWithout, writeTempFiles, type TempFiles } from './interop/suite';
import { w3cPeerOptions } from './interop/w3c-peer-command';

let certificate: Certificate;
let server: FerrosocketTestServer;
let files: TempFiles | undefined;
let child: JsonLinesChild | undefined;

test.before(async () => {
  certificate = makeCertificate(WAIT_MS);
  server = await startFerrosocketServer({ certificate });
  files = writeTempFiles({ 'ca.pem': certificate.cert });
  child = new JsonLinesChild(process.execPath, ['--experimental-websocket', join(__dirname, 'interop', 'node-peer.mjs')], {
    NODE_EXTRA_CA_CERTS: files.path('ca.pem'),
  });
});

test.after.always(async () => {
  await child?.stop();
  await server?.close();
  files?.remove();
});

defineInteropSuite({
  title: () => `Interop with Node ${process.version}'s built-in WebSocket`,
  unavailable: () => null,
  pairings: [
    {
      name: 'Node WebSocket → ferrosocket server',
      scenarios: scenariosWithout(PING_SCENARIO),
      binaryKind: w3cBinaryKind,
      async run(scenario, scheme) {
        const peer = child as JsonLinesChild;
        const { url, id } = server.url(scheme, scenario);
        peer.send({ id, options: w3cPeerOptions(url, scenario) });
        const [report, ferrosocket] = await Promise.all([
          peer.take<PeerReport>(`client:${id}`, REPORT_TIMEOUT_MS),
          server.report(id),
        ]);
        return { peer: report, ferrosocket };
      },
    },
  ],
});
