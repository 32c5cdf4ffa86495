/**
 * ferrosocket's side of a scenario: one driver for every role, over an {@link Endpoint} adapting either a
 * `WebSocketConnection` (server or `WebSocketClient`) or a `W3CWebSocket`. It sends the scenario's messages, pings
 * or closes as the scenario says, closes with 1000 once every echo (and pong) is in, and reports what it saw.
 */
import type { WebSocketConnection } from '../../ts/connection';
import type { W3CWebSocket } from '../../ts/w3c-websocket';
import {
  CLOSE_CODE,
  CLOSE_REASON,
  FERROSOCKET_PING,
  messagesFor,
  SCENARIO_TIMEOUT_MS,
  type DataMessage,
  type FerrosocketReport,
  type Scenario,
} from './scenarios';

/** What the driver hears from an endpoint. */
export interface EndpointEvents {
  message(message: DataMessage): void;
  ping(payload: Buffer): void;
  pong(payload: Buffer): void;
  close(code: number, reason: string): void;
  error(message: string): void;
}

/** One open ferrosocket WebSocket, seen through the calls the driver makes. */
export interface Endpoint {
  /** The subprotocol in effect, `null` for none. */
  readonly protocol: string | null;
  send(message: DataMessage): void;
  /** Absent where the API has no ping (W3C). */
  readonly ping?: (payload: Buffer) => void;
  close(code: number, reason?: string): void;
  /** Ends the connection at once (a scenario that timed out). */
  abort(): void;
  listen(events: EndpointEvents): void;
}

/** A `WebSocketConnection` (either side) as an endpoint. */
export function connectionEndpoint(connection: WebSocketConnection): Endpoint {
  return {
    protocol: connection.protocol ?? null,
    send: (message) =>
      message.type === 'text' ? connection.sendUTF(message.text) : connection.sendBytes(message.bytes),
    ping: (payload) => connection.ping(payload),
    close: (code, reason) => connection.close(code, reason),
    abort: () => connection.socket.destroy(),
    listen(events) {
      connection.on('message', (message) =>
        events.message(
          message.type === 'utf8'
            ? { type: 'text', text: message.utf8Data }
            : { type: 'binary', bytes: message.binaryData },
        ),
      );
      connection.on('ping', (_cancel, payload) => events.ping(payload));
      connection.on('pong', (payload) => events.pong(payload));
      connection.on('close', (code, description) => events.close(code, description ?? ''));
      connection.on('error', (error) => events.error(error.message));
    },
  };
}

/**
 * An open `W3CWebSocket` as an endpoint. A Blob is read asynchronously, so events pass through one promise chain
 * to keep their order (a close must not overtake the last message).
 */
export function w3cEndpoint(socket: W3CWebSocket): Endpoint {
  return {
    protocol: socket.protocol || null,
    send: (message) => socket.send(message.type === 'text' ? message.text : message.bytes),
    close: (code, reason) => socket.close(code, reason),
    abort: () => socket._connection?.socket.destroy(),
    listen(events) {
      let chain = Promise.resolve();
      const inOrder = (step: () => void | Promise<void>): void => {
        chain = chain.then(step).catch((error: Error) => events.error(error.message));
      };
      socket.onmessage = (event) => {
        const data: unknown = event.data;
        // Checked here, since the report keeps only the bytes: binary data must come as binaryType says.
        const binaryType = data instanceof Blob ? 'blob' : data instanceof ArrayBuffer ? 'arraybuffer' : null;
        if (typeof data !== 'string' && binaryType !== socket.binaryType) {
          events.error(`binary data as ${Object.prototype.toString.call(data)} with binaryType ${socket.binaryType}`);
        }
        inOrder(async () => {
          if (typeof data === 'string') events.message({ type: 'text', text: data });
          else if (data instanceof ArrayBuffer) events.message({ type: 'binary', bytes: Buffer.from(data) });
          else if (data instanceof Blob) events.message({ type: 'binary', bytes: Buffer.from(await data.arrayBuffer()) });
        });
      };
      // W3CCloseEvent types the code as optional; ferrosocket always sets it, and a missing one would show as -1.
      socket.onclose = (event) => inOrder(() => events.close(event.code ?? -1, event.reason));
      socket.onerror = () => inOrder(() => events.error('error event'));
    },
  };
}

/**
 * Plays ferrosocket's part of `scenario` on `endpoint` and resolves with its report once the connection has
 * closed, or after {@link SCENARIO_TIMEOUT_MS} (the report then carries the error and the connection is aborted).
 * `offered` is the client's subprotocol list, when ferrosocket is the server.
 */
export function drive(endpoint: Endpoint, scenario: Scenario, offered?: string[]): Promise<FerrosocketReport> {
  const outgoing = messagesFor(scenario);
  const report: FerrosocketReport = {
    protocol: endpoint.protocol,
    ...(offered ? { offered } : {}),
    sent: [],
    received: [],
    pings: [],
    pongs: [],
    close: null,
    error: null,
  };
  return new Promise((resolve) => {
    let closing = false;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(report);
    };
    const timer = setTimeout(() => {
      report.error = `no close within ${SCENARIO_TIMEOUT_MS} ms`;
      endpoint.abort();
      finish();
    }, SCENARIO_TIMEOUT_MS);
    const addError = (message: string): void => {
      report.error = report.error === null ? message : `${report.error}; ${message}`;
    };
    // The close scenarios close once, at the start; the others close normally once everything came back.
    const closeWhenComplete = (): void => {
      if (closing || scenario === 'close-by-peer' || scenario === 'close-by-ferrosocket') return;
      const echoed = report.received.length >= outgoing.length;
      const ponged = scenario !== 'ping' || (report.pings.length > 0 && report.pongs.length > 0);
      if (echoed && ponged) {
        closing = true;
        endpoint.close(1000);
      }
    };
    endpoint.listen({
      message: (message) => {
        report.received.push(message);
        closeWhenComplete();
      },
      ping: (payload) => {
        report.pings.push(payload.toString('utf8'));
        // The automatic pong is written after the 'ping' listeners return; closing inside one would suppress it.
        setImmediate(closeWhenComplete);
      },
      pong: (payload) => {
        report.pongs.push(payload.toString('utf8'));
        closeWhenComplete();
      },
      close: (code, reason) => {
        report.close = { code, reason };
        finish();
      },
      error: addError,
    });
    if (scenario === 'close-by-ferrosocket') {
      endpoint.close(CLOSE_CODE, CLOSE_REASON);
      return;
    }
    if (scenario === 'ping') {
      if (endpoint.ping) endpoint.ping(Buffer.from(FERROSOCKET_PING));
      else addError('this endpoint has no ping API');
    }
    for (const message of outgoing) {
      endpoint.send(message);
      report.sent.push(message);
    }
    closeWhenComplete();
  });
}
