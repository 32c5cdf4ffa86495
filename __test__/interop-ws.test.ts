/**
 * Interop with `ws` 8.x, an independent Node implementation: a ws client against ferrosocket's server, and
 * ferrosocket's WebSocketClient and W3CWebSocket against a ws server, every scenario over ws:// and wss://.
 */
import { createRequire } from 'node:module';
import test from 'ava';
import { makeCertificate, type Certificate } from './helpers/certificate';
import { WAIT_MS } from './helpers/raw-http';
import {
  runW3CWebSocket,
  runWebSocketClient,
  startFerrosocketServer,
  type FerrosocketTestServer,
} from './interop/ferrosocket-ends';
import { BLOB_SCENARIO, PING_SCENARIO } from './interop/scenarios';
import { defineInteropSuite, scenariosWithout } from './interop/suite';
import { runWsClient, startWsServer, WS_BINARY_KIND, type WsTestServer } from './interop/ws-peer';

const WS_VERSION = (createRequire(__filename)('ws/package.json') as { version: string }).version;

let certificate: Certificate;
let ferrosocketServer: FerrosocketTestServer;
let wsServer: WsTestServer;

test.before(async () => {
  certificate = makeCertificate(WAIT_MS);
  ferrosocketServer = await startFerrosocketServer({ certificate });
  wsServer = await startWsServer(certificate);
});

test.after.always(async () => {
  await Promise.all([ferrosocketServer?.close(), wsServer?.close()]);
});

defineInteropSuite({
  title: () => `Interop with ws ${WS_VERSION}`,
  unavailable: () => null,
  pairings: [
    {
      name: 'ws client → ferrosocket server',
      scenarios: scenariosWithout(BLOB_SCENARIO),
      binaryKind: () => WS_BINARY_KIND,
      async run(scenario, scheme) {
        const { url, id } = ferrosocketServer.url(scheme, scenario);
        const [peer, ferrosocket] = await Promise.all([
          runWsClient(url, scenario, certificate.cert),
          ferrosocketServer.report(id),
        ]);
        return { peer, ferrosocket };
      },
    },
    {
      name: 'ferrosocket WebSocketClient → ws server',
      scenarios: scenariosWithout(BLOB_SCENARIO),
      binaryKind: () => WS_BINARY_KIND,
      async run(scenario, scheme) {
        const { url, id } = wsServer.url(scheme, scenario);
        const [ferrosocket, peer] = await Promise.all([
          runWebSocketClient(url, scenario, certificate.cert),
          wsServer.report(id),
        ]);
        return { peer, ferrosocket };
      },
    },
    {
      name: 'ferrosocket W3CWebSocket → ws server',
      scenarios: scenariosWithout(PING_SCENARIO),
      binaryKind: () => WS_BINARY_KIND,
      async run(scenario, scheme) {
        const { url, id } = wsServer.url(scheme, scenario);
        const [ferrosocket, peer] = await Promise.all([
          runW3CWebSocket(url, scenario, certificate.cert),
          wsServer.report(id),
        ]);
        return { peer, ferrosocket };
      },
    },
  ],
});
