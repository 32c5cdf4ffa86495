/**
 * `W3CWebSocket` (`require('websocket').w3cwebsocket`): the browser's WebSocket interface over a
 * {@link WebSocketClient}, with the states, events, event order and errors of `websocket` 1.0.35.
 *
 * Differences from 1.0.35: an empty text message is delivered as `''` (1.0.35 dropped it); the caller's
 * `clientConfig` is not mutated; `binaryType` also takes `'blob'` where the platform has `Blob`; `bufferedAmount`
 * reports the bytes the socket still holds (1.0.35 always said 0); a DataView is sent as its bytes (1.0.35 sent it
 * empty); and a `close()` made while connecting never throws later from inside the handshake.
 */
import type * as http from 'http';
import type * as https from 'https';
import type { Url } from 'url';
import { WebSocketClient, type ClientConfig } from './client';
import type { Message, WebSocketConnection } from './connection';
import { isValidCloseCode } from './constants';
import { W3CCloseEvent, W3CEvent, W3CEventTarget, W3CMessageEvent } from './event-target';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** `readyState` values. */
export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

/** What `binaryType` may be set to: `'blob'` only where `Blob` exists. */
export type BinaryType = 'arraybuffer' | 'blob';

/** What `send()` takes: text, or bytes in any of the platform's binary forms. */
export type W3CSendData = string | String | Buffer | ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

/** The events a {@link W3CWebSocket} dispatches, in the order they can occur. */
export interface W3CWebSocketEventMap {
  open: W3CEvent;
  message: W3CMessageEvent;
  /** A bare event: no message, no error object (as in browsers). Always followed by `close`. */
  error: W3CEvent;
  close: W3CCloseEvent;
}

type Handler<Event> = ((this: W3CWebSocket, event: Event) => void) | null | undefined;

/** The bytes of a binary `send()` argument as a Buffer over the same memory, or `null` if it has none. */
function toBuffer(data: unknown): Buffer | null {
  if (Buffer.isBuffer(data)) return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) return Buffer.from(data);
  return null;
}

/** A fresh ArrayBuffer holding a copy of `bytes` (the message's buffer may be a view into a larger chunk). */
function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return copy;
}

/**
 * A WebSocket with the W3C interface. The handshake starts in the constructor, so a bad URL or subprotocol throws
 * from it (the client's errors). Events are dispatched with `on<type>` called before the listeners.
 */
export class W3CWebSocket extends W3CEventTarget<W3CWebSocketEventMap> {
  /** Called on open, before the `open` listeners. */
  declare onopen: Handler<W3CEvent>;
  /** Called for each message, before the `message` listeners. */
  declare onmessage: Handler<W3CMessageEvent>;
  /** Called when the connection fails, before the `error` listeners (and before `close`). */
  declare onerror: Handler<W3CEvent>;
  /** Called once when the connection is closed or fails, before the `close` listeners. */
  declare onclose: Handler<W3CCloseEvent>;

  /** The client doing the handshake. */
  _client: WebSocketClient;
  /** The open connection, once `open` has fired. */
  _connection: WebSocketConnection | undefined = undefined;
  private readonly _url: string | URL | Partial<Url>;
  private _readyState: ReadyState = CONNECTING;
  private _protocol: string | undefined = undefined;
  private _extensions: string | readonly unknown[] = '';
  private _binaryType: BinaryType = 'arraybuffer';

  /**
   * Connects to `url` (`ws:` or `wss:`). `protocols`, `origin`, `headers` and `requestOptions` are
   * {@link WebSocketClient.connect}'s arguments; `clientConfig` is the client's config, with `assembleFragments`
   * forced to true (on a copy).
   */
  constructor(
    url: string | URL | Partial<Url>,
    protocols?: string | string[] | null,
    origin?: string | null,
    headers?: http.OutgoingHttpHeaders | null,
    requestOptions?: http.RequestOptions | https.RequestOptions | null,
    clientConfig?: ClientConfig | null,
  ) {
    super();
    this._url = url;
    this._client = new WebSocketClient({ ...clientConfig, assembleFragments: true });
    this._client.on('connect', (connection) => this.handleConnect(connection));
    this._client.on('connectFailed', () => this.handleConnectFailed());
    this._client.connect(url, protocols, origin, headers, requestOptions);
  }

  static get CONNECTING(): typeof CONNECTING {
    return CONNECTING;
  }
  static get OPEN(): typeof OPEN {
    return OPEN;
  }
  static get CLOSING(): typeof CLOSING {
    return CLOSING;
  }
  static get CLOSED(): typeof CLOSED {
    return CLOSED;
  }
  get CONNECTING(): typeof CONNECTING {
    return CONNECTING;
  }
  get OPEN(): typeof OPEN {
    return OPEN;
  }
  get CLOSING(): typeof CLOSING {
    return CLOSING;
  }
  get CLOSED(): typeof CLOSED {
    return CLOSED;
  }

  /** The URL exactly as passed to the constructor. */
  get url(): string | URL | Partial<Url> {
    return this._url;
  }

  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  get readyState(): ReadyState {
    return this._readyState;
  }

  /** The subprotocol the server chose; `undefined` until open, and when none was offered. */
  get protocol(): string | undefined {
    return this._protocol;
  }

  /** `''` until open, then the connection's extension list (always `[]`: none is negotiated). */
  get extensions(): string | readonly unknown[] {
    return this._extensions;
  }

  /** Bytes handed to the socket and not yet written out (frame headers included); 0 before open. */
  get bufferedAmount(): number {
    return this._connection ? this._connection.bufferedAmount : 0;
  }

  /** How binary messages are delivered: `'arraybuffer'` (the default) or `'blob'`. */
  get binaryType(): BinaryType {
    return this._binaryType;
  }

  /** Throws a SyntaxError (1.0.35's text) for anything but `'arraybuffer'`, or `'blob'` where `Blob` exists. */
  set binaryType(type: BinaryType) {
    if (type !== 'arraybuffer' && !(type === 'blob' && typeof Blob === 'function')) {
      throw new SyntaxError('just "arraybuffer" type allowed for "binaryType" attribute');
    }
    this._binaryType = type;
  }

  /**
   * Sends a string (or `String` object) as text, and a Buffer, ArrayBuffer, typed array or DataView as binary.
   * Throws `cannot call send() while not connected` unless open, and `unknown binary data:` for anything else.
   */
  send(data: W3CSendData): void {
    if (this._readyState !== OPEN) {
      throw new Error('cannot call send() while not connected');
    }
    const connection = this._connection as WebSocketConnection;
    if (typeof data === 'string' || data instanceof String) {
      connection.sendUTF(data);
      return;
    }
    const bytes = toBuffer(data);
    if (bytes === null) {
      throw new Error('unknown binary data:');
    }
    connection.sendBytes(bytes);
  }

  /**
   * Closes the connection. While connecting: fails at once and synchronously (`error`, then
   * `close(1006, 'connection failed')`), and closes the connection if the handshake still succeeds. While open:
   * `readyState` becomes 2, then the connection's `close(code, reason)` (or `close()` when `code` is falsy) runs;
   * its code check applies (1000-1003, 1007-1015, 3000-4999), and an invalid code throws
   * `Close code <code> is not valid.` with `readyState` already 2, as in 1.0.35. Closing or closed: nothing.
   */
  close(code?: number, reason?: string): void {
    switch (this._readyState) {
      case CONNECTING:
        this.handleConnectFailed();
        this._client.on('connect', (connection) => {
          // The close() call that asked for this returned long ago: an invalid code can only fall back to 1000.
          if (code && isValidCloseCode(code)) connection.close(code, reason);
          else connection.close();
        });
        break;
      case OPEN:
        this._readyState = CLOSING;
        if (code) (this._connection as WebSocketConnection).close(code, reason);
        else (this._connection as WebSocketConnection).close();
        break;
      default:
        break;
    }
  }

  private handleConnect(connection: WebSocketConnection): void {
    this._readyState = OPEN;
    this._connection = connection;
    this._protocol = connection.protocol ?? undefined;
    this._extensions = connection.extensions;
    connection.on('close', (code, description) => this.handleClose(code, description));
    connection.on('message', (message) => this.handleMessage(message));
    this.dispatchEvent(new W3CEvent('open'));
  }

  /** `error` then `close(1006, 'connection failed')`; the close is dispatched even if an error handler throws. */
  private handleConnectFailed(): void {
    this.detach();
    this._readyState = CLOSED;
    try {
      this.dispatchEvent(new W3CEvent('error'));
    } finally {
      this.dispatchEvent(new W3CCloseEvent(1006, 'connection failed'));
    }
  }

  private handleClose(code: number, description: string | undefined): void {
    this.detach();
    this._readyState = CLOSED;
    this.dispatchEvent(new W3CCloseEvent(code, description || ''));
  }

  private handleMessage(message: Message): void {
    if (message.type === 'utf8') {
      this.dispatchEvent(new W3CMessageEvent(message.utf8Data));
    } else if (this._binaryType === 'blob') {
      this.dispatchEvent(new W3CMessageEvent(new Blob([message.binaryData])));
    } else {
      this.dispatchEvent(new W3CMessageEvent(toArrayBuffer(message.binaryData)));
    }
  }

  /** Removes every listener from the client and the connection, as 1.0.35 does once the socket is done. */
  private detach(): void {
    this._client.removeAllListeners();
    this._connection?.removeAllListeners();
  }
}
