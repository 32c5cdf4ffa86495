/**
 * `WebSocketServer` (`require('websocket').server`): listens for `'upgrade'` on one or more http/https servers,
 * turns each into a {@link WebSocketRequest}, and tracks the connections it accepts. Behaviour, defaults and event
 * order are those of `websocket` 1.0.35.
 */
import { EventEmitter } from 'events';
import type { IncomingMessage, Server as HttpServer } from 'http';
import type { Server as HttpsServer } from 'https';
import type { Socket } from 'net';
import type { Duplex } from 'stream';
import type { WebSocketConnection } from './connection';
import { Opcode } from './constants';
import { WebSocketRequest } from './request';
import { encodeFrame } from './sender';
import { encodeText } from './text';

/** An http or https server (anything emitting Node's `'upgrade'` event). */
export type UpgradeSource = HttpServer | HttpsServer;

/** The options of a server; every key but `httpServer` has a default (the 1.0.35 values, listed below). */
export interface ServerConfig {
  /** The server(s) to listen on for upgrades. Required. */
  httpServer: UpgradeSource | UpgradeSource[];
  /** Largest payload accepted in one frame. */
  maxReceivedFrameSize?: number;
  /** Largest reassembled message. */
  maxReceivedMessageSize?: number;
  /** Split outgoing messages longer than `fragmentationThreshold`. */
  fragmentOutgoingMessages?: boolean;
  /** Size of each outgoing fragment. */
  fragmentationThreshold?: number;
  /** Send a ping after `keepaliveInterval` ms without received data. */
  keepalive?: boolean;
  keepaliveInterval?: number;
  /** Drop the connection when nothing arrives within `keepaliveGracePeriod` ms of a keepalive ping. */
  dropConnectionOnKeepaliveTimeout?: boolean;
  keepaliveGracePeriod?: number;
  /** Use TCP keepalive instead of pings. */
  useNativeKeepalive?: boolean;
  /** Emit whole messages (`message`) rather than frames (`frame`). */
  assembleFragments?: boolean;
  /** Accept every valid handshake with its first protocol and its origin, without a `request` event. */
  autoAcceptConnections?: boolean;
  /** Ignore X-Forwarded-For when computing `remoteAddress`. */
  ignoreXForwardedFor?: boolean;
  /** Parse the Cookie header into `request.cookies`. */
  parseCookies?: boolean;
  /** Parse Sec-WebSocket-Extensions into `request.requestedExtensions`. */
  parseExtensions?: boolean;
  /** Passed to `socket.setNoDelay()`. */
  disableNagleAlgorithm?: boolean;
  /** How long to wait for the peer's close reply, in ms. */
  closeTimeout?: number;
  /** Unknown keys are kept and handed to connections unchanged. */
  [key: string]: unknown;
}

/** A server's configuration after {@link WebSocketServer.mount}: the defaults with the caller's keys copied over. */
export interface ResolvedServerConfig {
  /** Always an array once mounted. */
  httpServer: UpgradeSource[];
  maxReceivedFrameSize: number;
  maxReceivedMessageSize: number;
  fragmentOutgoingMessages: boolean;
  fragmentationThreshold: number;
  keepalive: boolean;
  keepaliveInterval: number;
  dropConnectionOnKeepaliveTimeout: boolean;
  keepaliveGracePeriod: number;
  useNativeKeepalive: boolean;
  assembleFragments: boolean;
  autoAcceptConnections: boolean;
  ignoreXForwardedFor: boolean;
  parseCookies: boolean;
  parseExtensions: boolean;
  disableNagleAlgorithm: boolean;
  closeTimeout: number;
  [key: string]: unknown;
}

/** The defaults of 1.0.35, in its order (the order `for…in` shows them in the merged config). */
const SERVER_DEFAULTS: Readonly<Omit<ResolvedServerConfig, 'httpServer'> & { httpServer: null }> = {
  httpServer: null,
  maxReceivedFrameSize: 0x10000,
  maxReceivedMessageSize: 0x100000,
  fragmentOutgoingMessages: true,
  fragmentationThreshold: 0x4000,
  keepalive: true,
  keepaliveInterval: 20000,
  dropConnectionOnKeepaliveTimeout: true,
  keepaliveGracePeriod: 10000,
  useNativeKeepalive: false,
  assembleFragments: true,
  autoAcceptConnections: false,
  ignoreXForwardedFor: false,
  parseCookies: true,
  parseExtensions: true,
  disableNagleAlgorithm: true,
  closeTimeout: 5000,
};

/** Events of a {@link WebSocketServer}. */
export interface WebSocketServerEvents {
  /** A valid handshake, when not auto-accepting and at least one listener exists (otherwise it is rejected, 404). */
  request: [request: WebSocketRequest];
  /** Synchronously inside `accept()`, before it returns and before the 101 has been flushed. */
  connect: [connection: WebSocketConnection];
  /** A connection closed; fires before the `close` listeners the application put on the connection. */
  close: [connection: WebSocketConnection, closeReasonCode: number, closeDescription: string | undefined];
  /** A handshake failed to parse; the rejection has already been written. */
  upgradeError: [error: Error];
}

/** The server that tracks a connection, for the one `close` listener all its connections share. */
const kServer = Symbol('ferrosocket.server');
type TrackedConnection = WebSocketConnection & { [kServer]: WebSocketServer };

/** A tracked connection's `close` (it fires once): the server forgets it and emits its own `close`. */
function onTrackedConnectionClose(this: TrackedConnection, closeReasonCode: number, closeDescription: string | undefined): void {
  this[kServer].handleConnectionClose(this, closeReasonCode, closeDescription);
}

/**
 * One message as the bytes a connection with `config` would write for it: a single unmasked frame, or
 * fragments of `fragmentationThreshold` bytes (continuations after the first, FIN on the last) when fragmentation
 * applies. As on the connection, a threshold that is not a number of at least 1 sends one frame, and a fractional
 * one is rounded down.
 */
function frameMessage(opcode: number, payload: Buffer, config: ResolvedServerConfig): Buffer {
  const threshold = config.fragmentationThreshold;
  if (!config.fragmentOutgoingMessages || typeof threshold !== 'number' || !(threshold >= 1)) {
    return encodeFrame(opcode, payload, true, null);
  }
  const size = Math.floor(threshold);
  if (payload.length <= size) {
    return encodeFrame(opcode, payload, true, null);
  }
  const count = Math.ceil(payload.length / size);
  const fragments: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const piece = payload.subarray(i * size, (i + 1) * size);
    fragments.push(encodeFrame(i === 0 ? opcode : Opcode.Continuation, piece, i === count - 1, null));
  }
  return Buffer.concat(fragments);
}

/**
 * The server. `new WebSocketServer(config)` mounts at once; without a config nothing is mounted until
 * {@link mount} is called.
 */
export class WebSocketServer extends EventEmitter<WebSocketServerEvents> {
  /** The merged configuration; `undefined` until mounted. */
  declare config?: ResolvedServerConfig;
  /** Accepted connections that have not closed yet. */
  connections: WebSocketConnection[] = [];
  /** Requests neither accepted nor rejected whose socket is still open. */
  pendingRequests: WebSocketRequest[] = [];
  /** The bound listeners, kept so they can be removed. */
  readonly _handlers: {
    upgrade: (httpRequest: IncomingMessage, socket: Duplex, head: Buffer) => void;
    requestAccepted: (connection: WebSocketConnection) => void;
    requestResolved: (request: WebSocketRequest) => void;
  };

  constructor(config?: ServerConfig) {
    super();
    this._handlers = {
      upgrade: this.handleUpgrade.bind(this),
      requestAccepted: this.handleRequestAccepted.bind(this),
      requestResolved: this.handleRequestResolved.bind(this),
    };
    if (config) {
      this.mount(config);
    }
  }

  /**
   * Replaces the configuration with the defaults plus a shallow `for…in` copy of `config` (the caller's object is
   * left untouched, and an explicit `undefined` overrides a default), then listens for `'upgrade'` on every server
   * of `httpServer`. Throws if `httpServer` is missing. Mounting twice adds the listeners twice.
   */
  mount(config: ServerConfig): void {
    const merged: Record<string, unknown> = { ...SERVER_DEFAULTS };
    for (const key in config) {
      merged[key] = config[key];
    }
    const resolved = merged as ResolvedServerConfig;
    this.config = resolved;
    const httpServer = merged.httpServer as UpgradeSource | UpgradeSource[] | null;
    if (!httpServer) {
      throw new Error('You must specify an httpServer on which to mount the WebSocket server.');
    }
    const servers = Array.isArray(httpServer) ? httpServer : [httpServer];
    resolved.httpServer = servers;
    for (const server of servers) {
      server.on('upgrade', this._handlers.upgrade);
    }
  }

  /** Stops listening for upgrades on every mounted server; open connections are untouched. A TypeError if never mounted. */
  unmount(): void {
    for (const server of (this.config as ResolvedServerConfig).httpServer) {
      server.removeListener('upgrade', this._handlers.upgrade);
    }
  }

  /**
   * Closes every connection normally (1000) and, on the next tick, rejects every pending request with 503 (unless
   * the application resolved it in the meantime, which made 1.0.35 throw from inside the tick).
   */
  closeAllConnections(): void {
    for (const connection of this.connections.slice()) {
      connection.close();
    }
    for (const request of this.pendingRequests) {
      process.nextTick(() => {
        if (!request._resolved) {
          request.reject(503);
        }
      });
    }
  }

  /** Sends a Buffer as binary, anything else with a `toString` method as text, to every connection. */
  broadcast(data: Buffer | string | { toString(): string }): void {
    if (Buffer.isBuffer(data)) {
      this.broadcastBytes(data);
    } else if (typeof data.toString === 'function') {
      this.broadcastUTF(data);
    }
  }

  /** Sends `data.toString()` as one text message to every connection, including ones already closing. */
  broadcastUTF(data: string | { toString(): string }): void {
    if (this.connections.length > 0) {
      this.broadcastMessage(Opcode.Text, encodeText(data.toString()));
    }
  }

  /** Sends a Buffer as one binary message to every connection, including ones already closing. */
  broadcastBytes(data: Buffer): void {
    if (this.connections.length === 0) {
      return;
    }
    if (!Buffer.isBuffer(data)) {
      throw new Error('You must pass a Node Buffer object to WebSocketConnection.prototype.sendBytes()');
    }
    this.broadcastMessage(Opcode.Binary, data);
  }

  /** {@link unmount}, then {@link closeAllConnections}. The HTTP servers keep listening. */
  shutDown(): void {
    this.unmount();
    this.closeAllConnections();
  }

  /**
   * The `'upgrade'` listener: builds and validates a request, then emits `request`, auto-accepts it, or rejects it
   * with 404 when nobody listens. A handshake that fails to parse is rejected (400, or 426 for an unsupported
   * version) and reported as `upgradeError`. `head`, the bytes that followed the handshake in the same packet, is
   * given to the connection if the request is accepted (1.0.35 discarded it).
   */
  handleUpgrade(httpRequest: IncomingMessage, socket: Duplex, head?: Buffer): void {
    // Only ever installed by mount(), so the config exists.
    const config = this.config as ResolvedServerConfig;
    const request = new WebSocketRequest(socket as Socket, httpRequest, config, head);
    try {
      request.readHandshake();
    } catch (caught) {
      const error = caught as Error & { httpCode?: number; headers?: Record<string, string> };
      request.reject(error.httpCode ? error.httpCode : 400, error.message, error.headers);
      this.emit('upgradeError', error);
      return;
    }

    this.pendingRequests.push(request);
    request.once('requestAccepted', this._handlers.requestAccepted);
    request.once('requestResolved', this._handlers.requestResolved);
    // Forgets a request whose socket closes while it is pending; removed on resolution so the socket does not keep
    // the request (and Node's request object) alive for the life of the connection, as 1.0.35's listener did.
    const forgetOnClose = (): void => this._handlers.requestResolved(request);
    socket.once('close', forgetOnClose);
    request.once('requestResolved', () => socket.removeListener('close', forgetOnClose));

    if (!config.autoAcceptConnections && this.listenerCount('request') > 0) {
      this.emit('request', request);
    } else if (config.autoAcceptConnections) {
      request.accept((request.requestedProtocols as string[])[0], request.origin);
    } else {
      request.reject(404, 'No handler is configured to accept the connection.');
    }
  }

  /** Tracks an accepted connection and emits `connect`. */
  handleRequestAccepted(connection: WebSocketConnection): void {
    (connection as TrackedConnection)[kServer] = this;
    connection.on('close', onTrackedConnectionClose);
    this.connections.push(connection);
    this.emit('connect', connection);
  }

  /** Forgets a closed connection, then emits `close(connection, code, description)`. */
  handleConnectionClose(connection: WebSocketConnection, closeReasonCode: number, closeDescription: string | undefined): void {
    const index = this.connections.indexOf(connection);
    if (index !== -1) {
      this.connections.splice(index, 1);
    }
    this.emit('close', connection, closeReasonCode, closeDescription);
  }

  /** Forgets a request once it is resolved or its socket has closed. */
  handleRequestResolved(request: WebSocketRequest): void {
    const index = this.pendingRequests.indexOf(request);
    if (index !== -1) {
      this.pendingRequests.splice(index, 1);
    }
  }

  /** Frames the message once per distinct connection config (normally one) and writes it to every connection. */
  private broadcastMessage(opcode: number, payload: Buffer): void {
    const framedByConfig = new Map<ResolvedServerConfig, Buffer>();
    for (const connection of this.connections.slice()) {
      const config = connection.config as ResolvedServerConfig;
      let framed = framedByConfig.get(config);
      if (framed === undefined) {
        framed = frameMessage(opcode, payload, config);
        framedByConfig.set(config, framed);
      }
      connection._writePreparedFrame(framed);
    }
  }
}
