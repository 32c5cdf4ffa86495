/**
 * ferrosocket's ends of the interop tests: a test server (a WebSocketServer on an http and an https server on
 * 127.0.0.1) that plays each connection's scenario, chosen by the URL path, and the two clients (WebSocketClient,
 * W3CWebSocket) playing a scenario against a peer server. Every side raises the frame and message limits to
 * {@link MAX_MESSAGE_SIZE} for the 1 MiB message; fragmentation stays at its default (16 KiB fragments).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { WebSocketClient, type ClientConfig } from '../../ts/client';
import { WebSocketServer } from '../../ts/server';
import { W3CWebSocket } from '../../ts/w3c-websocket';
import type { Certificate } from '../helpers/certificate';
import { connectionEndpoint, drive, w3cEndpoint } from './ferrosocket-driver';
import { Rendezvous } from './rendezvous';
import {
  binaryTypeFor,
  CHOSEN_PROTOCOL,
  MAX_MESSAGE_SIZE,
  parseScenarioPath,
  protocolsFor,
  SCENARIO_TIMEOUT_MS,
  scenarioPath,
  type FerrosocketReport,
  type Scenario,
  type Scheme,
} from './scenarios';

/** How long a test waits for a report beyond the scenario's own bound (slack for a loaded machine). */
export const REPORT_TIMEOUT_MS = SCENARIO_TIMEOUT_MS + 3000;

/** A running ferrosocket test server. */
export interface FerrosocketTestServer {
  /** The URL of a scenario's connection, with a fresh id. */
  url(scheme: Scheme, scenario: Scenario): { url: string; id: string };
  /** The http(s) origin serving {@link FerrosocketServerOptions.page} at `/`. */
  origin(scheme: Scheme): string;
  /** ferrosocket's report of the connection with `id`, once it has closed. */
  report(id: string): Promise<FerrosocketReport>;
  close(): Promise<void>;
}

/** Options of {@link startFerrosocketServer}. */
export interface FerrosocketServerOptions {
  certificate: Certificate;
  /** An HTML page answered at `GET /` (the browser peer's page). */
  page?: string;
}

let nextId = 0;

/** A fresh connection id, unique in this process. */
export function connectionId(): string {
  return `c${++nextId}`;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/**
 * Starts the test server. Each request's path names its scenario and id; the request is accepted (with
 * {@link CHOSEN_PROTOCOL} when offered) and its connection driven, and the report kept for {@link report}.
 */
export async function startFerrosocketServer(options: FerrosocketServerOptions): Promise<FerrosocketTestServer> {
  const answerPage: http.RequestListener = (request, response) => {
    if (request.url === '/' && options.page !== undefined) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(options.page);
    } else {
      response.writeHead(404).end();
    }
  };
  const plain = http.createServer(answerPage);
  const secure = https.createServer(options.certificate, answerPage);
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  plain.on('connection', track);
  secure.on('secureConnection', track);
  const ports = { ws: await listen(plain), wss: await listen(secure) };

  const reports = new Rendezvous<FerrosocketReport>();
  const wsServer = new WebSocketServer({
    httpServer: [plain, secure],
    keepalive: false,
    maxReceivedFrameSize: MAX_MESSAGE_SIZE,
    maxReceivedMessageSize: MAX_MESSAGE_SIZE,
  });
  wsServer.on('request', (request) => {
    const target = parseScenarioPath(request.resource);
    if (target === null) {
      request.reject(404);
      return;
    }
    const offered = [...(request.requestedProtocols ?? [])];
    const protocol = offered.includes(CHOSEN_PROTOCOL) ? CHOSEN_PROTOCOL : null;
    const connection = request.accept(protocol, request.origin);
    void drive(connectionEndpoint(connection), target.scenario, offered).then((report) => reports.put(target.id, report));
  });

  return {
    url(scheme, scenario) {
      const id = connectionId();
      return { url: `${scheme}://127.0.0.1:${ports[scheme]}${scenarioPath(scenario, id)}`, id };
    },
    origin: (scheme) => `${scheme === 'wss' ? 'https' : 'http'}://127.0.0.1:${ports[scheme]}`,
    report: (id) => reports.take(id, REPORT_TIMEOUT_MS, `ferrosocket server report of ${id}`),
    close: async () => {
      wsServer.shutDown();
      for (const socket of sockets) socket.destroy();
      await Promise.all([plain, secure].map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

/** The client config of every ferrosocket client here: raised limits and, for wss, trust in `ca`. */
export function clientConfig(ca: Buffer): ClientConfig {
  return {
    maxReceivedFrameSize: MAX_MESSAGE_SIZE,
    maxReceivedMessageSize: MAX_MESSAGE_SIZE,
    tlsOptions: { ca },
  };
}

/** A report for a connection that never opened. */
function failedReport(error: string): FerrosocketReport {
  return { protocol: null, sent: [], received: [], pings: [], pongs: [], close: null, error };
}

/** Plays `scenario` with a WebSocketClient connecting to `url` (offering the scenario's subprotocols). */
export function runWebSocketClient(url: string, scenario: Scenario, ca: Buffer): Promise<FerrosocketReport> {
  const client = new WebSocketClient(clientConfig(ca));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve(failedReport(`no connection within ${SCENARIO_TIMEOUT_MS} ms`));
      client.abort();
    }, SCENARIO_TIMEOUT_MS);
    client.once('connect', (connection) => {
      clearTimeout(timer);
      resolve(drive(connectionEndpoint(connection), scenario));
    });
    client.once('connectFailed', (error) => {
      clearTimeout(timer);
      resolve(failedReport(`connectFailed: ${error.message}`));
    });
    client.connect(url, protocolsFor(scenario));
  });
}

/** Plays `scenario` with a W3CWebSocket connecting to `url`, its `binaryType` set for the scenario. */
export function runW3CWebSocket(url: string, scenario: Scenario, ca: Buffer): Promise<FerrosocketReport> {
  const socket = new W3CWebSocket(url, protocolsFor(scenario), null, null, null, clientConfig(ca));
  socket.binaryType = binaryTypeFor(scenario);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve(failedReport(`no open within ${SCENARIO_TIMEOUT_MS} ms`));
      socket.close();
    }, SCENARIO_TIMEOUT_MS);
    socket.onopen = () => {
      clearTimeout(timer);
      resolve(drive(w3cEndpoint(socket), scenario));
    };
    socket.onclose = (event) => {
      clearTimeout(timer);
      resolve(failedReport(`closed before open: ${event.code} ${JSON.stringify(event.reason)}`));
    };
  });
}
