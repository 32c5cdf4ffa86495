/**
 * `WebSocketRequest` (`require('websocket').request`): one client handshake, waiting for the application to accept
 * or reject it, with the parsing, validation and replies of `websocket` 1.0.35.
 */
import { EventEmitter } from 'events';
import type { IncomingMessage } from 'http';
import type { Socket } from 'net';
import { parse as parseUrl, type UrlWithParsedQuery } from 'url';
import { NO_EXTENSIONS, SOCKET_ADDRESS_ONLY, WebSocketConnection } from './connection';
import { buildSetCookies, parseCookies, type Cookie, type RequestCookie } from './cookies';
import { parseExtensions, type ExtensionOffer } from './extension';
import { buildAcceptReply, buildRejectReply, HandshakeError, validateRequestHeaders } from './handshake';
import type { ResolvedServerConfig } from './server';
import { findInvalidTokenCharacter, parseProtocolHeader } from './subprotocol';

/** Events of a {@link WebSocketRequest}, in the order they fire. */
export interface WebSocketRequestEvents {
  /** First, on accept and on reject: the request may not be resolved again. */
  requestResolved: [request: WebSocketRequest];
  /** At the end of `accept()`, synchronously (the server's `connect` fires here). */
  requestAccepted: [connection: WebSocketConnection];
  /** At the end of `reject()`, after the reply has been handed to the socket. */
  requestRejected: [request: WebSocketRequest];
}

const ADDRESS_LIST_SEPARATOR = /,\s*/;

const EMPTY = Buffer.alloc(0);

/**
 * Writes the 101 and calls `done` (with whether the write failed) on a later tick, as a write callback would be
 * called. A write the kernel takes at once is given no callback: Node would keep the slot for deferring it on the
 * socket's WritableState for the life of the connection (40 bytes each). Only a reply that had to queue is waited
 * for, through the callback of an empty write behind it.
 */
function writeReply(socket: Socket, reply: string, done: (failed: boolean) => void): void {
  socket.write(reply, 'latin1');
  if (socket.writableLength === 0) process.nextTick(done, socket.destroyed);
  else socket.write(EMPTY, (error) => done(Boolean(error)));
}

/** Schedules the close of a connection whose client left before the 101 could be written (as 1.0.35 does). */
function dropBeforeHandshake(connection: WebSocketConnection): void {
  process.nextTick(() => connection.drop(1006, 'TCP connection lost before handshake completed.', true));
}

/**
 * A pending handshake. The server builds one per upgrade, calls {@link readHandshake}, and hands it to the
 * application, which calls {@link accept} or {@link reject} exactly once.
 */
export class WebSocketRequest extends EventEmitter<WebSocketRequestEvents> {
  /** The upgraded TCP (or TLS) socket. */
  socket: Socket;
  /** Node's request object for the handshake. */
  httpRequest: IncomingMessage;
  /** The raw request target, query included. */
  resource: string;
  /** The peer's address: the first X-Forwarded-For entry when that header is honoured, else the socket's. */
  remoteAddress: string;
  /** The server's merged configuration, handed on to the connection. */
  serverConfig: ResolvedServerConfig;

  /** `url.parse(resource, true)`, or not parsed yet (see {@link resourceURL}). */
  private _resourceURL: UrlWithParsedQuery | undefined;
  /** The raw Host header, port included. */
  declare host: string;
  /** The raw Sec-WebSocket-Key. */
  declare key: string;
  /** 8 or 13. */
  declare webSocketVersion: number;
  /** `Origin` (version 13) or `Sec-WebSocket-Origin` (version 8), if sent. */
  declare origin: string | undefined;
  /** Requested subprotocols, lowercased; `null` once `accept()` has run. */
  declare requestedProtocols: string[] | null;
  /** Lowercased subprotocol → the client's spelling; `null` once `accept()` has run. */
  declare protocolFullCaseMap: Record<string, string> | null;
  /** The parsed Sec-WebSocket-Extensions offers (`[]` when `parseExtensions` is off). */
  declare requestedExtensions: ExtensionOffer[];
  /** The parsed Cookie header (`[]` when `parseCookies` is off). */
  declare cookies: RequestCookie[];

  /** True once accepted or rejected. */
  _resolved = false;
  /** True once the socket ended, closed or failed before the 101 went out. */
  _socketIsClosing = false;
  /** Set by X-Forwarded-For or by the first read of {@link remoteAddresses}. */
  private _remoteAddresses: string[] | undefined;
  /** The accepted connection, which makes the address list if nothing asked the request for it first. */
  private _connection: WebSocketConnection | undefined;
  /** Bytes the client sent after its handshake in the same packet; fed to the connection on accept. */
  private _head: Buffer | null;
  private readonly _socketCloseHandler: () => void;
  /** Swallows socket errors until a connection owns the socket (1.0.35 let them crash the process). */
  private readonly _socketErrorHandler: () => void;

  /**
   * Parses nothing yet. `head` (an addition to 1.0.35's signature) is the `head` of Node's `'upgrade'` event.
   * `serverConfig` must be complete (every key of the server defaults) when the request is used on its own.
   */
  constructor(socket: Socket, httpRequest: IncomingMessage, serverConfig: ResolvedServerConfig, head?: Buffer) {
    super();
    this.socket = socket;
    this.httpRequest = httpRequest;
    this.resource = httpRequest.url as string;
    this.remoteAddress = socket.remoteAddress as string;
    this.serverConfig = serverConfig;
    this._head = head !== undefined && head.length > 0 ? head : null;
    this._socketCloseHandler = this._handleSocketCloseBeforeAccept.bind(this);
    this._socketErrorHandler = () => {
      this._socketIsClosing = true;
    };
    socket.on('end', this._socketCloseHandler);
    socket.on('close', this._socketCloseHandler);
    socket.on('error', this._socketErrorHandler);
  }

  /**
   * Parses and validates the handshake (see ts/handshake.ts for the required headers and their errors), then reads
   * the origin, subprotocols, X-Forwarded-For, extensions and cookies. Throws a {@link HandshakeError}, or the
   * `URIError` of a malformed cookie escape; the server answers either with a rejection.
   */
  readHandshake(): void {
    const headers = this.httpRequest.headers;
    // A plain path ('/…', not '//…') parses without host parsing, which is the only part that can throw: it waits
    // for its first use. Anything else is parsed now, so that its error rejects the handshake as in 1.0.35.
    if (!(this.resource.charCodeAt(0) === 0x2f && this.resource.charCodeAt(1) !== 0x2f)) {
      this._resourceURL = parseUrl(this.resource, true);
    }

    const { host, key, webSocketVersion } = validateRequestHeaders(headers);
    this.host = host;
    this.key = key;
    this.webSocketVersion = webSocketVersion;
    this.origin = (webSocketVersion === 13 ? headers.origin : headers['sec-websocket-origin']) as string | undefined;

    const protocols = parseProtocolHeader(headers['sec-websocket-protocol']);
    this.requestedProtocols = protocols.requestedProtocols;
    this.protocolFullCaseMap = protocols.protocolFullCaseMap;

    const forwardedFor = headers['x-forwarded-for'] as string | undefined;
    if (!this.serverConfig.ignoreXForwardedFor && forwardedFor) {
      const addresses = forwardedFor.split(ADDRESS_LIST_SEPARATOR);
      addresses.push(this.remoteAddress);
      this._remoteAddresses = addresses;
      this.remoteAddress = addresses[0];
    }

    this.requestedExtensions = this.serverConfig.parseExtensions
      ? this.parseExtensions(headers['sec-websocket-extensions'])
      : [];
    this.cookies = this.serverConfig.parseCookies ? this.parseCookies(headers.cookie) : [];
  }

  /** Every X-Forwarded-For entry, then the socket's own address; the connection's list, once accepted. */
  get remoteAddresses(): string[] {
    if (this._remoteAddresses === undefined) {
      this._remoteAddresses = this._connection?.remoteAddresses ?? [this.socket.remoteAddress as string];
    }
    return this._remoteAddresses;
  }

  set remoteAddresses(addresses: string[]) {
    this._remoteAddresses = addresses;
  }

  /** `url.parse(resource, true)` (the legacy parser, so `query` is an object), parsed on first use. */
  get resourceURL(): UrlWithParsedQuery {
    return (this._resourceURL ??= parseUrl(this.resource, true));
  }

  set resourceURL(value: UrlWithParsedQuery) {
    this._resourceURL = value;
  }

  /** Parses a Sec-WebSocket-Extensions value (see ts/extension.ts); kept on the prototype as in 1.0.35. */
  parseExtensions(header: string | undefined): ExtensionOffer[] {
    return parseExtensions(header);
  }

  /** Parses a Cookie header (see ts/cookies.ts); kept on the prototype as in 1.0.35. */
  parseCookies(header: string | undefined): RequestCookie[] {
    return parseCookies(header);
  }

  /**
   * Accepts the handshake and returns the connection, after the server's `connect` and this request's
   * `requestAccepted` have fired.
   *
   * `acceptedProtocol` must be given as it appears in `requestedProtocols` (lowercase); the reply carries the
   * client's own spelling and the connection's `protocol` is the argument as passed. `allowedOrigin` is echoed
   * as `Origin` (version 13) or `Sec-WebSocket-Origin` (version 8). `cookies` become Set-Cookie lines. A bad
   * protocol or cookie rejects the request with 500 and throws. A client that already hung up still gets a
   * connection, which closes on the next tick with 1006.
   */
  accept(acceptedProtocol?: string | null, allowedOrigin?: string | null, cookies?: Cookie[] | null): WebSocketConnection {
    this._verifyResolution();

    let protocolFullCase = acceptedProtocol;
    if (acceptedProtocol) {
      const fullCaseMap = this.protocolFullCaseMap as Record<string, string>;
      const lowercase = acceptedProtocol.toLocaleLowerCase();
      protocolFullCase = Object.prototype.hasOwnProperty.call(fullCaseMap, lowercase)
        ? fullCaseMap[lowercase]
        : acceptedProtocol;
    }
    this.protocolFullCaseMap = null;

    if (protocolFullCase) {
      const illegal = findInvalidTokenCharacter(protocolFullCase);
      if (illegal !== undefined) {
        this.failAccept('WS_ERR_INVALID_SUBPROTOCOL', `Illegal character "${illegal}" in subprotocol.`);
      }
      if (!(this.requestedProtocols as string[]).includes(acceptedProtocol as string)) {
        this.failAccept('WS_ERR_UNREQUESTED_SUBPROTOCOL', 'Specified protocol was not requested by the client.');
      }
    }
    this.requestedProtocols = null;

    let setCookies: string[];
    try {
      setCookies = buildSetCookies(cookies);
    } catch (error) {
      this.reject(500);
      throw error;
    }
    const reply = buildAcceptReply({
      key: this.key,
      protocol: protocolFullCase || undefined,
      origin: allowedOrigin || undefined,
      webSocketVersion: this.webSocketVersion,
      setCookies,
    });

    this._resolved = true;
    this.emit('requestResolved', this);

    const socket = this.socket;
    let connection: WebSocketConnection;
    try {
      connection = new WebSocketConnection(socket, NO_EXTENSIONS, acceptedProtocol, false, this.serverConfig);
    } catch (error) {
      // A bad keepalive configuration: 1.0.35 left the client waiting forever; answer it instead.
      socket.end(buildRejectReply(500), 'latin1');
      throw error;
    }
    connection.webSocketVersion = this.webSocketVersion;
    connection.remoteAddress = this.remoteAddress;
    connection._remoteAddresses = this._remoteAddresses ?? SOCKET_ADDRESS_ONLY;
    this._connection = connection;

    const head = this._head;
    this._head = null;
    if (this._socketIsClosing) {
      dropBeforeHandshake(connection);
    } else {
      if (head !== null) {
        // Nothing reads the socket until the connection's 'data' listener, so these bytes come first.
        socket.unshift(head);
      }
      writeReply(socket, reply, (failed) => {
        if (failed) {
          dropBeforeHandshake(connection);
          return;
        }
        // Listener tables never shrink: 'end' (which net.Socket always listens to) is handed over before the
        // connection's listener is added, 'close' after, so that it never loses its last listener (see the connection).
        socket.removeListener('end', this._socketCloseHandler);
        connection._addSocketEventListeners();
        socket.removeListener('close', this._socketCloseHandler);
      });
    }

    this.emit('requestAccepted', connection);
    return connection;
  }

  /**
   * Rejects the handshake: `HTTP/1.1 <status> <text>`, `Connection: close`, an optional
   * `X-WebSocket-Reject-Reason`, the extra headers, then the socket is ended. A non-number status means 403.
   */
  reject(status?: number, reason?: string, extraHeaders?: object | null): void {
    this._verifyResolution();
    this._resolved = true;
    this.emit('requestResolved', this);
    this._head = null;
    this.socket.end(buildRejectReply(typeof status === 'number' ? status : 403, reason, extraHeaders), 'latin1');
    this.emit('requestRejected', this);
  }

  /** Rejects with 500 and throws, for an `accept()` the application called with bad arguments. */
  private failAccept(code: 'WS_ERR_INVALID_SUBPROTOCOL' | 'WS_ERR_UNREQUESTED_SUBPROTOCOL', message: string): never {
    this.reject(500);
    throw new HandshakeError(code, message, 500);
  }

  /** The socket ended or closed before accept: remember it, so accept() does not write to a dead socket. */
  _handleSocketCloseBeforeAccept(): void {
    this._socketIsClosing = true;
    this._removeSocketCloseListeners();
  }

  /** Removes the 'end' and 'close' watchers. */
  _removeSocketCloseListeners(): void {
    this.socket.removeListener('end', this._socketCloseHandler);
    this.socket.removeListener('close', this._socketCloseHandler);
  }

  /** Throws if the request was already accepted or rejected. */
  _verifyResolution(): void {
    if (this._resolved) {
      throw new HandshakeError(
        'WS_ERR_REQUEST_ALREADY_RESOLVED',
        'WebSocketRequest may only be accepted or rejected one time.',
        0,
      );
    }
  }
}
