/**
 * Interop with Python's `websockets` (Debian's python3-websockets, importable by /usr/bin/python3 only): its client
 * against ferrosocket's server, and ferrosocket's WebSocketClient and W3CWebSocket against its server, every
 * scenario over ws:// and wss://. One child process (./interop/python_peer.py) is client and server for the file.
 */
import test from 'ava';
import { join } from 'node:path';
import { makeCertificate, type Certificate } from './helpers/certificate';
import { WAIT_MS } from './helpers/raw-http';
import {
  connectionId,
  REPORT_TIMEOUT_MS,
  runW3CWebSocket,
  runWebSocketClient,
  startFerrosocketServer,
  type FerrosocketTestServer,
} from './interop/ferrosocket-ends';
import { JsonLinesChild } from './interop/json-lines-child';
import {
  BLOB_SCENARIO,
  PEER_SETTINGS,
  PING_SCENARIO,
  protocolsFor,
  scenarioPath,
  type PeerReport,
  type Scenario,
  type Scheme,
} from './interop/scenarios';
import {
  defineInteropSuite,
  pythonWebsocketsMissing,
  scenariosWithout,
  SYSTEM_PYTHON,
  writeTempFiles,
  type TempFiles,
} from './interop/suite';

/** The type name the Python peer reports binary messages as. */
const PYTHON_BINARY_KIND = 'bytes';
/** Bounds the child's start (interpreter, import, two listening servers). */
const START_TIMEOUT_MS = 10_000;

/** The `ready` line of the Python peer: its servers' ports and the websockets version. */
interface PythonReady {
  ws: number;
  wss: number;
  version: string;
}

let missing: string | null = null;
let certificate: Certificate;
let server: FerrosocketTestServer;
let files: TempFiles | undefined;
let python: JsonLinesChild | undefined;
let ready: PythonReady | undefined;

test.before(async () => {
  missing = pythonWebsocketsMissing();
  if (missing !== null) return;
  certificate = makeCertificate(WAIT_MS);
  server = await startFerrosocketServer({ certificate });
  files = writeTempFiles({ 'cert.pem': certificate.cert, 'key.pem': certificate.key });
  python = new JsonLinesChild(SYSTEM_PYTHON, [
    join(__dirname, 'interop', 'python_peer.py'),
    JSON.stringify(PEER_SETTINGS),
    files.path('cert.pem'),
    files.path('key.pem'),
  ]);
  ready = await python.take<PythonReady>('ready', START_TIMEOUT_MS);
});

test.after.always(async () => {
  await python?.stop();
  await server?.close();
  files?.remove();
});

/** The Python peer child, started in the set-up. */
function peer(): JsonLinesChild {
  return python as JsonLinesChild;
}

/** A URL on the Python server for `scenario`, with a fresh id. */
function pythonServerUrl(scheme: Scheme, scenario: Scenario): { url: string; id: string } {
  const id = connectionId();
  const port = (ready as PythonReady)[scheme];
  return { url: `${scheme}://127.0.0.1:${port}${scenarioPath(scenario, id)}`, id };
}

defineInteropSuite({
  title: () => `Interop with Python websockets ${ready?.version ?? '(not started)'}`,
  unavailable: () => missing,
  pairings: [
    {
      name: 'python websockets client → ferrosocket server',
      scenarios: scenariosWithout(BLOB_SCENARIO),
      binaryKind: () => PYTHON_BINARY_KIND,
      async run(scenario, scheme) {
        const { url, id } = server.url(scheme, scenario);
        peer().send({ id, url, scenario, protocols: protocolsFor(scenario) });
        const [report, ferrosocket] = await Promise.all([
          peer().take<PeerReport>(`client:${id}`, REPORT_TIMEOUT_MS),
          server.report(id),
        ]);
        return { peer: report, ferrosocket };
      },
    },
    {
      name: 'ferrosocket WebSocketClient → python websockets server',
      scenarios: scenariosWithout(BLOB_SCENARIO),
      binaryKind: () => PYTHON_BINARY_KIND,
      async run(scenario, scheme) {
        const { url, id } = pythonServerUrl(scheme, scenario);
        const [ferrosocket, report] = await Promise.all([
          runWebSocketClient(url, scenario, certificate.cert),
          peer().take<PeerReport>(`server:${id}`, REPORT_TIMEOUT_MS),
        ]);
        return { peer: report, ferrosocket };
      },
    },
    {
      name: 'ferrosocket W3CWebSocket → python websockets server',
      scenarios: scenariosWithout(PING_SCENARIO),
      binaryKind: () => PYTHON_BINARY_KIND,
      async run(scenario, scheme) {
        const { url, id } = pythonServerUrl(scheme, scenario);
        const [ferrosocket, report] = await Promise.all([
          runW3CWebSocket(url, scenario, certificate.cert),
          peer().take<PeerReport>(`server:${id}`, REPORT_TIMEOUT_MS),
        ]);
        return { peer: report, ferrosocket };
      },
    },
  ],
});
