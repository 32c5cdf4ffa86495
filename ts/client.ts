/**
 * `WebSocketClient` (`require('websocket').client`): opens a WebSocket over `http.request` (ws:) or
 * `https.request` (wss:), checks the server's 101 and hands the upgraded socket to a {@link WebSocketConnection}.
 * The request it writes, its checks and their error texts, and its events are those of `websocket` 1.0.35.
 *
 * Fixes over 1.0.35 (POLICY class 3): the caller's config is not mutated; an IPv6 host is bracketed in the Host
 * header; state from an earlier `connect()` (protocol, socket) does not leak into a later one; each attempt reports
 * one outcome, and errors after it are swallowed instead of crashing; a config the connection rejects (keepalive)
 * is a `connectFailed` instead of an exception thrown inside Node's HTTP parser; a WHATWG `URL` is accepted.
 */
import { randomBytes } from 'crypto';
import { EventEmitter } from 'events';
import * as http from 'http';
import * as https from 'https';
import type { Socket } from 'net';
import { parse as parseUrl, type Url } from 'url';
import { NO_EXTENSIONS, WebSocketConnection, type ConnectionConfig } from './connection';
import { computeAcceptKey } from './handshake';
import { findInvalidTokenCharacter } from './subprotocol';

/** Options for wss: connections: anything `https.request` takes; `headers` are added to the handshake request. */
export type ClientTlsOptions = https.RequestOptions;

/** The options of a client. Every key has a default (see {@link CLIENT_DEFAULTS}); unknown keys are kept. */
export interface ClientConfig {
  /** Largest payload accepted in one frame (default 1 MiB). */
  maxReceivedFrameSize?: number;
  /** Largest reassembled message (default 8 MiB). */
  maxReceivedMessageSize?: number;
  /** Split outgoing messages longer than `fragmentationThreshold` (default true). */
  fragmentOutgoingMessages?: boolean;
  /** Size of each outgoing fragment (default 16 KiB). */
  fragmentationThreshold?: number;
  /** 13 (RFC 6455, the default) or 8 (hybi-08, which sends `Sec-WebSocket-Origin` instead of `Origin`). */
  webSocketVersion?: 8 | 13;
  /** Emit whole messages (`message`) rather than frames (`frame`) (default true). */
  assembleFragments?: boolean;
  /** Passed to `socket.setNoDelay()` (default true). */
  disableNagleAlgorithm?: boolean;
  /** How long to wait for the server's close reply after `close()`, in ms (default 5000). */
  closeTimeout?: number;
  /** Used for wss: only; copied, never modified. */
  tlsOptions?: ClientTlsOptions;
  /** Keepalive pings, off unless set (see the connection). */
  keepalive?: boolean;
  keepaliveInterval?: number;
  dropConnectionOnKeepaliveTimeout?: boolean;
  keepaliveGracePeriod?: number;
  useNativeKeepalive?: boolean;
  [key: string]: unknown;
}

/** A client's configuration: the defaults with the caller's keys copied over. */
export interface ResolvedClientConfig extends ConnectionConfig {
  webSocketVersion: 8 | 13;
  tlsOptions: ClientTlsOptions;
}

/** The defaults of 1.0.35, in its key order (the order `for…in` shows them in `client.config`). */
export const CLIENT_DEFAULTS: Readonly<Omit<ResolvedClientConfig, 'tlsOptions'>> = {
  maxReceivedFrameSize: 0x100000,
  maxReceivedMessageSize: 0x800000,
  fragmentOutgoingMessages: true,
  fragmentationThreshold: 0x4000,
  webSocketVersion: 13,
  assembleFragments: true,
  disableNagleAlgorithm: true,
  closeTimeout: 5000,
};

/** Stable codes of {@link WebSocketClientError}. */
export type WebSocketClientErrorCode =
  | 'WS_ERR_UNSUPPORTED_VERSION'
  | 'WS_ERR_INVALID_URL'
  | 'WS_ERR_INVALID_SUBPROTOCOL'
  | 'WS_ERR_UNEXPECTED_RESPONSE'
  | 'WS_ERR_MISSING_SUBPROTOCOL'
  | 'WS_ERR_UNREQUESTED_SUBPROTOCOL'
  | 'WS_ERR_MISSING_CONNECTION_UPGRADE'
  | 'WS_ERR_MISSING_UPGRADE_WEBSOCKET'
  | 'WS_ERR_MISSING_ACCEPT'
  | 'WS_ERR_ACCEPT_MISMATCH';

/**
 * A client error: thrown by the constructor and `connect()` for bad arguments (`status` 0), or passed to
 * `connectFailed` for a rejected handshake (`status` 1006, the close code a W3C client reports for it). The
 * message is 1.0.35's exact text; `name` stays `'Error'`, so `String(error)` reads as it did.
 */
export class WebSocketClientError extends Error {
  /** A stable identifier of the failure. */
  readonly code: WebSocketClientErrorCode;
  /** The close status this failure causes: 1006 for a failed handshake, 0 for a rejected call. */
  readonly status: number;

  constructor(code: WebSocketClientErrorCode, status: number, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Events of a {@link WebSocketClient}; each `connect()` ends in exactly one of them. */
export interface WebSocketClientEvents {
  /** The handshake was accepted; the connection is open and its socket listeners are attached. */
  connect: [connection: WebSocketConnection];
  /** A network error (Node's own `Error`, e.g. `code: 'ECONNREFUSED'`), or a {@link WebSocketClientError}. */
  connectFailed: [error: Error];
  /** A reply other than an upgrade, emitted instead of `connectFailed` while someone listens to it. */
  httpResponse: [response: http.IncomingMessage, client: WebSocketClient];
}

/** The scheme default ports, as strings (they are written back into `client.url.port`). */
const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'ws:': '80', 'wss:': '443' };

/** `tlsOptions` keys that never reach the request options (the client sets them itself). */
const EXCLUDED_TLS_OPTIONS: ReadonlySet<string> = new Set(['hostname', 'port', 'method', 'path', 'headers']);

const ignoreError = (): void => {};

/** Shallow `for…in` copy (own and inherited enumerable keys), as 1.0.35's `extend`. */
function extend(target: Record<string, unknown>, source: object): void {
  for (const key in source) {
    target[key] = (source as Record<string, unknown>)[key];
  }
}

/** The list `connect()` offers: a non-empty string as a one-item list, an array as is, anything else as `[]`. */
function normalizeProtocols(protocols: unknown): string[] {
  if (typeof protocols === 'string') return protocols.length > 0 ? [protocols] : [];
  return Array.isArray(protocols) ? protocols : [];
}

/** The legacy URL object `connect()` works on, never the caller's own object (its port gets written). */
function toLegacyUrl(requestUrl: string | URL | Partial<Url>): Url {
  if (typeof requestUrl === 'string') return parseUrl(requestUrl);
  if (requestUrl instanceof URL) return parseUrl(requestUrl.href);
  return { ...requestUrl } as Url;
}

/** Host header value: the hostname (bracketed when IPv6), plus `:port` unless it is the scheme's default. */
function hostHeaderValue(url: Url): string {
  const hostname = url.hostname as string;
  let host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  if ((url.protocol === 'ws:' && url.port !== '80') || (url.protocol === 'wss:' && url.port !== '443')) {
    host += ':' + url.port;
  }
  return host;
}

/** The request target: the path with its query, always starting with `/`. */
function requestPath(url: Url): string {
  if (url.pathname) return url.path as string;
  if (url.path) return '/' + url.path;
  return '/';
}

/**
 * The client. One object may `connect()` again after an outcome; each call overwrites its per-attempt state.
 */
export class WebSocketClient extends EventEmitter<WebSocketClientEvents> {
  /** The merged configuration, shared with every connection this client makes. */
  config: ResolvedClientConfig;
  /** The request in flight, or `null` once it has an outcome (and before the first `connect()`). */
  _req: http.ClientRequest | null = null;

  /** The subprotocols offered by the last `connect()`. */
  declare protocols: string[];
  /** The origin sent by the last `connect()`, if any. */
  declare origin: string | null | undefined;
  /** The legacy-parsed URL of the last `connect()`, with the default port filled in. */
  declare url: Url;
  /** Whether the last `connect()` used TLS (`wss:`). */
  declare secure: boolean;
  /** The Sec-WebSocket-Key of the last `connect()` (16 random bytes, base64). */
  declare base64nonce: string;
  /** The upgraded socket of the last attempt that got a 101. */
  declare socket: Socket | undefined;
  /** The 101 response of that attempt. */
  declare response: http.IncomingMessage | undefined;
  /** The subprotocol the server chose, when protocols were offered. */
  declare protocol: string | undefined;
  /** Bytes that came with the 101; handed to the connection, then `null`. */
  declare firstDataChunk: Buffer | null | undefined;

  /**
   * Merges `config` over {@link CLIENT_DEFAULTS} (a shallow `for…in` copy, so an explicit `undefined` overrides a
   * default) and `config.tlsOptions` into a fresh object. Throws for a `webSocketVersion` other than 8 or 13.
   */
  constructor(config?: ClientConfig | null) {
    super();
    // The placeholder keeps tlsOptions in its default position, after the other defaults.
    const merged: Record<string, unknown> = { ...CLIENT_DEFAULTS, tlsOptions: {} };
    const tlsOptions: Record<string, unknown> = {};
    if (config) {
      extend(merged, config);
      if (config.tlsOptions) extend(tlsOptions, config.tlsOptions);
    }
    merged.tlsOptions = tlsOptions;
    this.config = merged as ResolvedClientConfig;

    const version = this.config.webSocketVersion;
    if (version !== 8 && version !== 13) {
      throw new WebSocketClientError(
        'WS_ERR_UNSUPPORTED_VERSION',
        0,
        'Requested webSocketVersion is not supported. Allowed values are 8 and 13.',
      );
    }
  }

  /**
   * Starts a handshake and returns at once; the outcome is `connect`, `connectFailed` or `httpResponse`.
   *
   * `requestUrl` is a string (parsed with the legacy `url.parse`), a legacy URL object or a WHATWG `URL`; only
   * `wss:` means TLS. `protocols` is one token or a list. `origin` is sent as `Origin` (version 13) or
   * `Sec-WebSocket-Origin` (version 8). `headers` come first in the request (a `Host` key replaces the computed
   * host); for wss:, `tlsOptions.headers` come before them. `extraRequestOptions` go to `http(s).request`
   * (an `agent` there replaces the default `agent: false`, which is how a proxy is used), except the keys the
   * client sets itself: `hostname`, `port`, `method`, `path`, `headers`.
   *
   * Throws, before any I/O, for a URL without a scheme or host and for a protocol token with a character outside
   * RFC 7230's `tchar`.
   */
  connect(
    requestUrl: string | URL | Partial<Url>,
    protocols?: string | string[] | null,
    origin?: string | null,
    headers?: http.OutgoingHttpHeaders | null,
    extraRequestOptions?: http.RequestOptions | https.RequestOptions | null,
  ): void {
    this.protocols = normalizeProtocols(protocols);
    this.origin = origin;
    this.url = toLegacyUrl(requestUrl);
    if (!this.url.protocol) {
      throw new WebSocketClientError('WS_ERR_INVALID_URL', 0, 'You must specify a full WebSocket URL, including protocol.');
    }
    if (!this.url.host) {
      throw new WebSocketClientError(
        'WS_ERR_INVALID_URL',
        0,
        'You must specify a full WebSocket URL, including hostname. Relative URLs are not supported.',
      );
    }
    this.secure = this.url.protocol === 'wss:';
    for (const protocol of this.protocols) {
      const invalid = findInvalidTokenCharacter(protocol);
      if (invalid !== undefined) {
        throw new WebSocketClientError(
          'WS_ERR_INVALID_SUBPROTOCOL',
          0,
          `Protocol list contains invalid character "${invalid}"`,
        );
      }
    }
    if (!this.url.port) {
      this.url.port = DEFAULT_PORTS[this.url.protocol];
    }
    this.base64nonce = randomBytes(16).toString('base64');
    this.socket = undefined;
    this.response = undefined;
    this.protocol = undefined;
    this.firstDataChunk = undefined;

    const req = (this._req = (this.secure ? https : http).request(this.requestOptions(headers, extraRequestOptions)));
    let settled = false;
    // One outcome per attempt: an error after it (a reset while the reply is read) is not reported again.
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      if (this._req === req) this._req = null;
      return true;
    };
    req.on('error', (error) => {
      if (settle()) this.emit('connectFailed', error);
    });
    req.on('upgrade', (response: http.IncomingMessage, socket: Socket, head: Buffer) => {
      if (!settle()) return;
      this.socket = socket;
      this.response = response;
      this.firstDataChunk = head;
      this.validateHandshake();
    });
    req.on('response', (response) => {
      if (!settle()) return;
      if (this.listenerCount('httpResponse') > 0) {
        this.emit('httpResponse', response, this);
        response.socket?.end();
        return;
      }
      const headerLines: string[] = [];
      for (const name in response.headers) {
        headerLines.push(`${name}: ${response.headers[name]}`);
      }
      // Nobody reads this reply: discard its body and let the socket go.
      response.resume();
      response.socket?.end();
      this.failHandshake(
        'WS_ERR_UNEXPECTED_RESPONSE',
        `Server responded with a non-101 status: ${response.statusCode} ${response.statusMessage}\n` +
          `Response Headers Follow:\n${headerLines.join('\n')}\n`,
      );
    });
    req.end();
  }

  /**
   * Checks the 101 in 1.0.35's order: the subprotocol (when some were offered: present, and exactly one of
   * them, case-sensitively), `Connection: upgrade`, `Upgrade: websocket` (both case-insensitively), then
   * Sec-WebSocket-Accept (present, then equal to the key's hash). The first failure ends the handshake.
   */
  validateHandshake(): void {
    const headers = (this.response as http.IncomingMessage).headers;
    if (this.protocols.length > 0) {
      this.protocol = headers['sec-websocket-protocol'];
      if (!this.protocol) {
        this.failHandshake('WS_ERR_MISSING_SUBPROTOCOL', 'Expected a Sec-WebSocket-Protocol header.');
        return;
      }
      if (!this.protocols.includes(this.protocol)) {
        this.failHandshake('WS_ERR_UNREQUESTED_SUBPROTOCOL', 'Server did not respond with a requested protocol.');
        return;
      }
    }
    if (headers.connection?.toLocaleLowerCase() !== 'upgrade') {
      this.failHandshake('WS_ERR_MISSING_CONNECTION_UPGRADE', 'Expected a Connection: Upgrade header from the server');
      return;
    }
    if (headers.upgrade?.toLocaleLowerCase() !== 'websocket') {
      this.failHandshake('WS_ERR_MISSING_UPGRADE_WEBSOCKET', 'Expected an Upgrade: websocket header from the server');
      return;
    }
    const expected = computeAcceptKey(this.base64nonce);
    const accept = headers['sec-websocket-accept'];
    if (!accept) {
      this.failHandshake('WS_ERR_MISSING_ACCEPT', 'Expected Sec-WebSocket-Accept header from server');
      return;
    }
    if (accept !== expected) {
      this.failHandshake(
        'WS_ERR_ACCEPT_MISMATCH',
        `Sec-WebSocket-Accept header from server didn't match expected value of ${expected}`,
      );
      return;
    }
    this.succeedHandshake();
  }

  /** Ends the upgraded socket (if any, and still writable) and emits `connectFailed` with a client error. */
  failHandshake(code: WebSocketClientErrorCode, message: string): void {
    this.failWith(new WebSocketClientError(code, 1006, message));
  }

  /**
   * Builds the connection (masking on, this client's config), attaches its socket listeners and emits `connect`.
   * The bytes that came with the 101 are put back at the front of the socket first, so they are the connection's
   * first data, read on a later tick: listeners added inside a `connect` handler still get the first message.
   */
  succeedHandshake(): void {
    const socket = this.socket as Socket;
    let connection: WebSocketConnection;
    try {
      connection = new WebSocketConnection(socket, NO_EXTENSIONS, this.protocol, true, this.config);
    } catch (error) {
      // The connection rejected the config (keepalive without a numeric interval).
      this.failWith(error as Error);
      return;
    }
    connection.webSocketVersion = this.config.webSocketVersion;
    const head = this.firstDataChunk;
    if (head && head.length > 0) socket.unshift(head);
    this.firstDataChunk = null;
    connection._addSocketEventListeners();
    this.emit('connect', connection);
  }

  /** Cancels the request in flight, if any (nothing after `connect` or `connectFailed`). */
  abort(): void {
    // `abort()`, not `destroy()`: it reports 'socket hang up' only once TCP is connected, as 1.0.35 callers saw.
    this._req?.abort();
  }

  /** The options of `http(s).request`, merged as 1.0.35 does (see {@link connect}). */
  private requestOptions(
    headers: http.OutgoingHttpHeaders | null | undefined,
    extraRequestOptions: http.RequestOptions | null | undefined,
  ): https.RequestOptions {
    const url = this.url;
    const tlsOptions = this.config.tlsOptions;
    const reqHeaders: Record<string, unknown> = {};
    if (this.secure && Object.prototype.hasOwnProperty.call(tlsOptions, 'headers') && tlsOptions.headers) {
      extend(reqHeaders, tlsOptions.headers);
    }
    if (headers) extend(reqHeaders, headers);
    extend(reqHeaders, {
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Version': this.config.webSocketVersion.toString(10),
      'Sec-WebSocket-Key': this.base64nonce,
      Host: reqHeaders.Host || hostHeaderValue(url),
    });
    if (this.protocols.length > 0) {
      reqHeaders['Sec-WebSocket-Protocol'] = this.protocols.join(', ');
    }
    if (this.origin) {
      reqHeaders[this.config.webSocketVersion === 13 ? 'Origin' : 'Sec-WebSocket-Origin'] = this.origin;
    }

    const options: Record<string, unknown> = { agent: false };
    if (extraRequestOptions) extend(options, extraRequestOptions);
    extend(options, {
      hostname: url.hostname,
      port: url.port,
      method: 'GET',
      path: requestPath(url),
      headers: reqHeaders,
    });
    if (this.secure) {
      for (const key of Object.keys(tlsOptions)) {
        if (!EXCLUDED_TLS_OPTIONS.has(key)) options[key] = (tlsOptions as Record<string, unknown>)[key];
      }
    }
    return options as https.RequestOptions;
  }

  /** Ends the upgraded socket (errors on it are swallowed from now on) and reports `error`. */
  private failWith(error: Error): void {
    const socket = this.socket;
    if (socket) {
      socket.on('error', ignoreError);
      if (socket.writable) socket.end();
    }
    this.emit('connectFailed', error);
  }
}
