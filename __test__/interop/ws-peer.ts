/**
 * The `ws` (8.x) peer, client and server: the peer's part of each scenario on a `ws` WebSocket (echo every data
 * message, ping when the scenario says, close with 4001 when it starts the close) and its report.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { Certificate } from '../helpers/certificate';
import { connectionId, REPORT_TIMEOUT_MS } from './ferrosocket-ends';
import { Rendezvous } from './rendezvous';
import {
  CHOSEN_PROTOCOL,
  CLOSE_CODE,
  CLOSE_REASON,
  MAX_MESSAGE_SIZE,
  parseScenarioPath,
  PEER_PING,
  protocolsFor,
  SCENARIO_TIMEOUT_MS,
  scenarioPath,
  type PeerReport,
  type Scenario,
  type Scheme,
} from './scenarios';

/** The type name the report gives binary messages: ws delivers them as Buffers (binaryType 'nodebuffer'). */
export const WS_BINARY_KIND = 'Buffer';

/** The subprotocols of a Sec-WebSocket-Protocol header, in order. */
function offeredProtocols(header: string | undefined): string[] {
  return header ? header.split(',').map((protocol) => protocol.trim()) : [];
}

/** Plays the peer's part of `scenario` on `socket` (open or opening) and resolves with the report at its close. */
export function playWsPeer(socket: WebSocket, scenario: Scenario, offered?: string[]): Promise<PeerReport> {
  const report: PeerReport = {
    protocol: null,
    ...(offered ? { offered } : {}),
    received: [],
    pongs: [],
    close: null,
    error: null,
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      report.error = `no close within ${SCENARIO_TIMEOUT_MS} ms`;
      socket.terminate();
      resolve(report);
    }, SCENARIO_TIMEOUT_MS);
    const start = (): void => {
      report.protocol = socket.protocol || null;
      if (scenario === 'ping') socket.ping(PEER_PING);
      if (scenario === 'close-by-peer') socket.close(CLOSE_CODE, CLOSE_REASON);
    };
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) report.received.push({ type: 'binary', kind: data.constructor.name, length: data.length });
      else report.received.push({ type: 'text', text: data.toString('utf8') });
      socket.send(data, { binary: isBinary });
    });
    socket.on('pong', (payload: Buffer) => report.pongs.push(payload.toString('utf8')));
    socket.on('error', (error) => {
      report.error = error.message;
    });
    socket.on('close', (code: number, reason: Buffer) => {
      clearTimeout(timer);
      report.close = { code, reason: reason.toString('utf8') };
      resolve(report);
    });
    if (socket.readyState === WebSocket.OPEN) start();
    else socket.once('open', start);
  });
}

/** Plays `scenario` with a `ws` client connecting to `url`, trusting `ca` for wss. */
export function runWsClient(url: string, scenario: Scenario, ca: Buffer): Promise<PeerReport> {
  const socket = new WebSocket(url, protocolsFor(scenario), { ca, maxPayload: MAX_MESSAGE_SIZE });
  return playWsPeer(socket, scenario);
}

/** A `ws` WebSocketServer on an http and an https server, playing the scenario each request's path names. */
export interface WsTestServer {
  url(scheme: Scheme, scenario: Scenario): { url: string; id: string };
  /** The peer's report of the connection with `id`, once it has closed. */
  report(id: string): Promise<PeerReport>;
  close(): Promise<void>;
}

/** Starts the `ws` test server; it picks {@link CHOSEN_PROTOCOL} when offered. */
export async function startWsServer(certificate: Certificate): Promise<WsTestServer> {
  const reports = new Rendezvous<PeerReport>();
  const servers = { ws: http.createServer(), wss: https.createServer(certificate) };
  const ports: Record<Scheme, number> = { ws: 0, wss: 0 };
  const wsServers: WebSocketServer[] = [];
  for (const scheme of ['ws', 'wss'] as const) {
    const server = servers[scheme];
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports[scheme] = (server.address() as net.AddressInfo).port;
    const wsServer = new WebSocketServer({
      server,
      maxPayload: MAX_MESSAGE_SIZE,
      handleProtocols: (protocols) => (protocols.has(CHOSEN_PROTOCOL) ? CHOSEN_PROTOCOL : false),
    });
    wsServer.on('connection', (socket, request) => {
      const target = parseScenarioPath(request.url ?? '');
      if (target === null) {
        socket.close(1008, 'unknown scenario');
        return;
      }
      const offered = offeredProtocols(request.headers['sec-websocket-protocol']);
      void playWsPeer(socket, target.scenario, offered).then((report) => reports.put(target.id, report));
    });
    wsServers.push(wsServer);
  }
  return {
    url(scheme, scenario) {
      const id = connectionId();
      return { url: `${scheme}://127.0.0.1:${ports[scheme]}${scenarioPath(scenario, id)}`, id };
    },
    report: (id) => reports.take(id, REPORT_TIMEOUT_MS, `ws server report of ${id}`),
    close: async () => {
      for (const wsServer of wsServers) {
        for (const client of wsServer.clients) client.terminate();
        wsServer.close();
      }
      await Promise.all(Object.values(servers).map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
