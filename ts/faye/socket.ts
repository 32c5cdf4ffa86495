/**
 * What the faye-websocket API's server and client sockets share (faye-websocket 0.11's `API` over
 * websocket-driver 0.8): the states, `send`/`ping`/`close`, the events and their order, the close handshake as it
 * reports it, and the classic-stream interface. The subclasses do the handshakes and call {@link FayeSocket.open}.
 *
 * Two states run side by side, as in faye: `readyState` is the API's, and the protocol's own state says whether a
 * close frame was sent or received. A close reports the code and reason of the close frame that ended the
 * handshake: the peer's, or its echo of ours; a protocol violation's code and message; 1006 and `''` when the
 * connection ended without one.
 */
import type { Socket } from 'net';
import type { ConnectionOptions } from 'tls';
import { Masking } from '../codec/types';
import { codec } from '../codec';
import { Opcode, MAX_CONTROL_PAYLOAD } from '../constants';
import { ErrorCode, type WebSocketError } from '../errors';
import { Receiver, type ReceiverSink } from '../receiver';
import { Sender, encodeCloseReason } from '../sender';
import { decodeText, encodeText } from '../text';
import { FayeCloseEvent, FayeErrorEvent, FayeEvent, FayeEventStream, FayeMessageEvent } from './event';
import type { HeaderLines } from './http';
import { describeFayeParseError, isAcceptedCloseCode } from './protocol-errors';

/** Where a client connects through an HTTP proxy (with `CONNECT`). */
export interface FayeProxyOptions {
  /** The proxy's URL (`http:` or `https:`); user and password in it become `Proxy-Authorization`. */
  origin?: string;
  /** Headers added to the `CONNECT` request. */
  headers?: Record<string, unknown>;
  /** Options for `tls.connect` to an `https:` proxy. */
  tls?: ConnectionOptions;
}

/** The options of a server socket (a client takes `net` too). */
export interface FayeSocketOptions {
  /** Headers added to the handshake: the server's 101 reply, or the client's request. */
  headers?: Record<string, unknown>;
  /** websocket-extensions extensions: accepted, and none is negotiated (README, "faye-websocket API"). */
  extensions?: unknown;
  /** The largest message accepted, in bytes (2^26 - 1 by default); longer ones close the connection with 1009. */
  maxLength?: number;
  /** Seconds between pings (payloads `'1'`, `'2'`, …); none by default. */
  ping?: number;
  /** Client only: connect through this HTTP proxy. */
  proxy?: FayeProxyOptions;
  /** Client only: options for `tls.connect` to a `wss:` server. */
  tls?: ConnectionOptions;
  /** Client only: the CA for a `wss:` server (`tls.ca` wins). */
  ca?: ConnectionOptions['ca'];
}

/** The option names a socket accepts; any other throws `Unrecognized option: <name>`. */
export const SOCKET_OPTION_NAMES: readonly string[] = ['headers', 'extensions', 'maxLength', 'ping', 'proxy', 'tls', 'ca'];

/** Throws `Unrecognized option: <key>` for the first key of `options` (own or inherited) not in `validKeys`. */
export function validateOptions(options: object | null | undefined, validKeys: readonly string[]): void {
  for (const key in options) {
    if (!validKeys.includes(key)) throw new Error(`Unrecognized option: ${key}`);
  }
}

/** websocket-driver's default `maxLength`: 2^26 - 1. */
const DEFAULT_MAX_LENGTH = 0x3ffffff;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** `readyState` values. */
export type FayeReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

/** The protocol's state (websocket-driver's `readyState`), apart from the API's. */
const enum ProtocolState {
  /** Before the handshake completed: frames are queued. */
  Connecting,
  Open,
  /** Our close frame is sent; only the peer's close frame is still awaited. */
  Closing,
  /** A close frame was received, the handshake failed, or the connection ended. */
  Closed,
}

/** The no-op `error` listener every socket starts with, so that an `error` event never throws. */
function ignoreError(): void {}

/** The property of a TCP or TLS socket that points to its faye socket (one set of listeners serves them all). */
const kFayeSocket = Symbol('ferrosocket.faye');
type OwnedSocket = Socket & { [kFayeSocket]: FayeSocket };

/** The parts of a socket the faye API is built on. */
export class FayeSocket extends FayeEventStream<FayeCloseEvent> implements ReceiverSink {
  /** `readyState` before the handshake completed. */
  static readonly CONNECTING = CONNECTING;
  /** `readyState` once open. */
  static readonly OPEN = OPEN;
  /** `readyState` once a close began. */
  static readonly CLOSING = CLOSING;
  /** `readyState` once the connection is gone. */
  static readonly CLOSED = CLOSED;
  /** Milliseconds a `close()` waits for the peer's close frame before ending with 1006 (faye's 30 s). */
  static CLOSE_TIMEOUT = 30000;

  /** True until the connection closed (the stream interface). */
  readable = true;
  /** True until the connection closed (the stream interface). */
  writable = true;
  /** The API's state: CONNECTING, OPEN, CLOSING, CLOSED (0-3). */
  readyState: FayeReadyState = CONNECTING;
  /** Always 0, as in faye-websocket (`send()` returning false and `drain` are its flow control). */
  bufferedAmount = 0;
  /** The subprotocol agreed on, `''` when none (set on open). */
  protocol = '';
  /** The URL: `ws://` or `wss://`, host and path. */
  url: string;
  /** The protocol version: always `'hybi-13'`. */
  version = 'hybi-13';

  /** The TCP or TLS socket, once there is one. */
  protected socket: Socket | null = null;
  /**
   * Lines added to the handshake by the `headers` option (after the client's own, before the server's own);
   * null once the handshake is written.
   */
  protected headerLines: HeaderLines | null;
  private protocolState = ProtocolState.Connecting;
  private readonly masked: boolean;
  private readonly maxLength: number;
  /** Made on the first frame bytes, so that an idle connection holds no parser. */
  private receiver: Receiver | null = null;
  /** Made on the first frame sent. */
  private sender: Sender | null = null;
  /** Frames sent while connecting, written on open. */
  private queuedFrames: [Opcode, Buffer][] | null = null;
  /** `ping()` callbacks by payload text, called when a pong with that payload arrives. */
  private pingCallbacks: Map<string, () => void> | null = null;
  /** A write returned false, and the socket has not drained since: `send()` returns false. */
  private outputFull = false;
  private inputPaused = false;
  /** The reason and code the `close` event will report. */
  private closeReason: string | null = null;
  private closeCode = 1006;
  private closeTimer: NodeJS.Timeout | null = null;
  /** The socket was ended with bytes still queued; it is destroyed once they are written. */
  private flushingToClose = false;
  private readonly pingSeconds: number;
  private pingTimer: NodeJS.Timeout | null = null;

  /**
   * `masked`: this end masks what it sends (the client). `headerLines` already holds the lines of the handshake
   * that come before the `headers` option's.
   */
  protected constructor(url: string, masked: boolean, options: FayeSocketOptions, headerLines: HeaderLines) {
    super();
    this.url = url;
    this.masked = masked;
    this.maxLength = options.maxLength || DEFAULT_MAX_LENGTH;
    this.headerLines = headerLines;
    const headers = options.headers;
    if (headers) for (const name in headers) headerLines.set(name, headers[name]);
    this.pingSeconds = options.ping || 0;
    this.on('error', ignoreError);
  }

  /** Sends `data` as a message: a Buffer as binary, anything else as `String(data)` in a text message. */
  send(data: unknown): boolean {
    if (this.readyState > OPEN) return false;
    if (Buffer.isBuffer(data)) this.writeFrame(Opcode.Binary, data);
    else this.writeFrame(Opcode.Text, encodeText(String(data)));
    return !this.outputFull;
  }

  /**
   * Sends a ping (payload `message`, `''` by default); `callback` runs when a pong with the same payload arrives.
   * Returns false once closing. Throws a RangeError for a payload over 125 bytes.
   */
  ping(message?: string | Buffer, callback?: () => void): boolean {
    if (this.readyState > OPEN || this.protocolState > ProtocolState.Open) return false;
    const text = message || '';
    const payload = Buffer.isBuffer(text) ? text : Buffer.from(String(text));
    if (payload.length > MAX_CONTROL_PAYLOAD) {
      throw new RangeError(`A ping payload must be at most ${MAX_CONTROL_PAYLOAD} bytes; this one has ${payload.length}`);
    }
    if (callback) (this.pingCallbacks ??= new Map()).set(String(text), callback);
    this.writeFrame(Opcode.Ping, payload);
    return true;
  }

  /**
   * Starts the closing handshake with `code` (1000, or 3000-4999; anything else throws) and `reason`. If the peer
   * does not answer within {@link FayeSocket.CLOSE_TIMEOUT}, the connection ends with 1006.
   */
  close(code: number = 1000, reason: string = ''): void {
    if (typeof code !== 'number' || !Number.isInteger(code) || (code !== 1000 && (code < 3000 || code > 4999))) {
      throw new Error(
        `Failed to execute 'close' on WebSocket: The code must be either 1000, or between 3000 and 4999. ${code} is neither.`,
      );
    }
    if (this.readyState < CLOSING) {
      this.closeTimer = setTimeout(() => this.beginClose('', 1006), FayeSocket.CLOSE_TIMEOUT);
    }
    if (this.readyState !== CLOSED) this.readyState = CLOSING;
    const reasonText = String(reason);
    if (this.protocolState === ProtocolState.Connecting) {
      this.protocolState = ProtocolState.Closed;
      this.beginClose(reasonText, code);
    } else if (this.protocolState === ProtocolState.Open) {
      this.protocolState = ProtocolState.Closing;
      this.receiver?.closing();
      this.senderForSocket().close(code, encodeCloseReason(reasonText));
    }
  }

  /** Stops delivering messages (and reading from the socket) until {@link resume}. */
  pause(): void {
    this.inputPaused = true;
    this.receiver?.pause();
    this.socket?.pause();
  }

  /** Delivers messages again. */
  resume(): void {
    this.inputPaused = false;
    this.receiver?.resume();
    this.socket?.resume();
  }

  /**
   * Takes `socket` as the connection: no timeout, no Nagle, and its end or error closes this socket. The `ping`
   * option's timer starts with the first socket.
   */
  protected attach(socket: Socket): void {
    this.socket = socket;
    if (this.pingSeconds > 0 && this.pingTimer === null) {
      let pingId = 0;
      this.pingTimer = setInterval(() => this.ping(String(++pingId)), this.pingSeconds * 1000);
    }
    socket.setTimeout(0);
    socket.setNoDelay(true);
    (socket as OwnedSocket)[kFayeSocket] = this;
    socket.on('data', FayeSocket.onSocketData);
    socket.on('close', FayeSocket.onSocketGone);
    socket.on('end', FayeSocket.onSocketGone);
    socket.on('error', FayeSocket.onSocketError);
    socket.on('drain', FayeSocket.onSocketDrain);
  }

  private static onSocketData(this: OwnedSocket, chunk: Buffer): void {
    this[kFayeSocket].receivedBytes(chunk);
  }

  private static onSocketGone(this: OwnedSocket): void {
    this[kFayeSocket].finalizeClose();
  }

  private static onSocketError(this: OwnedSocket, error: Error): void {
    this[kFayeSocket].socketError(error);
  }

  private static onSocketDrain(this: OwnedSocket): void {
    this[kFayeSocket].drained();
  }

  /** Bytes from the socket: frames once open; the subclasses read their handshakes before that. */
  protected receivedBytes(chunk: Buffer): void {
    const state = this.protocolState;
    if (chunk.length === 0 || (state !== ProtocolState.Open && state !== ProtocolState.Closing)) return;
    let receiver = this.receiver;
    if (receiver === null) {
      receiver = this.receiver = new Receiver(this, {
        config: { maxReceivedFrameSize: this.maxLength, maxReceivedMessageSize: this.maxLength, assembleFragments: true },
        masking: this.masked ? Masking.Forbidden : Masking.Required,
        describeError: describeFayeParseError,
      });
      if (this.inputPaused) receiver.pause();
      if (state === ProtocolState.Closing) receiver.closing();
    }
    receiver.push(chunk);
  }

  private socketError(error: Error): void {
    this.emitError(`Network error: ${this.url}: ${error.message}`);
    this.finalizeClose();
  }

  private drained(): void {
    if (!this.outputFull) return;
    this.outputFull = false;
    this.emit('drain');
  }

  /** The handshake succeeded: writes the queued frames, dispatches `open`, then reads `head` (bytes that came with it). */
  protected open(protocol: string, head: Buffer): void {
    if (this.protocolState !== ProtocolState.Connecting) return;
    this.protocolState = ProtocolState.Open;
    this.headerLines = null;
    const queued = this.queuedFrames;
    this.queuedFrames = null;
    if (queued !== null) for (const [opcode, payload] of queued) this.writeFrame(opcode, payload);
    if (this.readyState === CONNECTING) {
      this.readyState = OPEN;
      this.protocol = protocol;
      this.dispatchEvent(new FayeEvent('open'));
    }
    this.receivedBytes(head);
  }

  /** The handshake failed with `message`: an `error` event, then `close` with 1002 and the message. */
  protected failHandshake(message: string): void {
    if (this.protocolState !== ProtocolState.Connecting) return;
    this.protocolState = ProtocolState.Closed;
    this.emitError(message);
    this.beginClose(message, 1002);
  }

  /** An `error` event with `message`, unless the socket is closing or closed. */
  protected emitError(message: string): void {
    if (this.readyState >= CLOSING) return;
    this.dispatchEvent(new FayeErrorEvent(message));
  }

  /** Ends the connection, reporting `reason` and `code` in the `close` event (once the socket is gone). */
  protected beginClose(reason: string, code: number): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSING;
    this.closeReason = reason;
    this.closeCode = code;
    const socket = this.socket;
    if (socket === null) {
      this.finalizeClose();
      return;
    }
    this.sender?.flush();
    // Whatever is still queued (a close frame, a 400 reply) goes out before the socket is destroyed; a peer that
    // stops reading gets the close timeout to take it, and a second call (the close timer's) ends the wait.
    if (this.flushingToClose || socket.writableLength === 0) {
      socket.destroy();
    } else {
      this.flushingToClose = true;
      socket.end(() => socket.destroy());
      this.closeTimer ??= setTimeout(() => socket.destroy(), FayeSocket.CLOSE_TIMEOUT);
    }
    if (!socket.readable) this.finalizeClose();
  }

  /** Receiver callback: a message, dropped once closing; else `data`, then the `message` event. */
  _receivedMessage(opcode: Opcode.Text | Opcode.Binary, payload: Buffer): void {
    if (this.readyState > OPEN) return;
    const data = opcode === Opcode.Text ? decodeText(payload) : payload;
    if (this.readable) this.emit('data', data);
    this.dispatchEvent(new FayeMessageEvent(data));
  }

  /** Receiver callback: a ping, answered with a pong of the same payload. */
  _receivedPing(payload: Buffer): void {
    this.writeFrame(Opcode.Pong, payload);
  }

  /** Receiver callback: a pong, which runs the `ping()` callback of its payload. */
  _receivedPong(payload: Buffer): void {
    const callbacks = this.pingCallbacks;
    if (callbacks === null || callbacks.size === 0) return;
    // websocket-driver looks the callback up by the pong's text, which is `null` when it is not UTF-8.
    const key = codec.isValidUtf8(payload) ? payload.toString('utf8') : 'null';
    const callback = callbacks.get(key);
    if (callback === undefined) return;
    callbacks.delete(key);
    callback();
  }

  /** Receiver callback: the peer's close frame, answered and reported as websocket-driver does. */
  _receivedClose(code: number, reason: Buffer, error: WebSocketError | null): void {
    // websocket-driver answers a bad close frame with 1002: its reason is kept when that is valid UTF-8.
    const reasonText = error?.code === ErrorCode.INVALID_UTF8 ? '' : reason.toString('utf8');
    let status = 1002;
    if (error === null && code === 1005) status = 1000;
    else if (error === null && isAcceptedCloseCode(code)) status = code;
    this.shutdown(status, reasonText, false);
  }

  /** Receiver callback: a protocol violation (its close status and message come from protocol-errors.ts). */
  _receivedError(error: WebSocketError): void {
    this.shutdown(error.status, error.message, true);
  }

  /**
   * The peer's close frame, or a protocol violation (`isError`): answers with a close frame unless ours was
   * sent, then reports the error and closes.
   */
  private shutdown(code: number, reason: string, isError: boolean): void {
    const answer = this.protocolState === ProtocolState.Open;
    this.protocolState = ProtocolState.Closed;
    if (answer) this.senderForSocket().close(code, encodeCloseReason(reason));
    if (isError) this.emitError(reason);
    this.beginClose(reason, code);
  }

  /** Writes a frame once open (queued while connecting; dropped after a close frame was received). */
  private writeFrame(opcode: Opcode, payload: Buffer): void {
    if (this.protocolState === ProtocolState.Connecting) {
      (this.queuedFrames ??= []).push([opcode, payload]);
    } else if (this.protocolState !== ProtocolState.Closed && !this.senderForSocket().frame(opcode, payload, true)) {
      this.outputFull = true;
    }
  }

  /** The sender, made on first use (only once open, so there is a socket). */
  private senderForSocket(): Sender {
    return (this.sender ??= new Sender(this.socket as Socket, this.masked));
  }

  /** The socket is gone: `end`, then the `close` event, once. */
  private finalizeClose(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.protocolState = ProtocolState.Closed;
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.receiver?.stop();
    this.socket?.end();
    if (this.readable) this.emit('end');
    this.readable = this.writable = false;
    const reason = this.closeReason ?? '';
    this.dispatchEvent(new FayeCloseEvent(this.closeCode, reason));
  }
}

/** The events of a socket and what their listeners get. */
export interface FayeSocket {
  on(event: 'open', listener: (event: FayeEvent) => void): this;
  on(event: 'message', listener: (event: FayeMessageEvent) => void): this;
  on(event: 'error', listener: (event: FayeErrorEvent) => void): this;
  on(event: 'close', listener: (event: FayeCloseEvent) => void): this;
  /** The stream interface: each message's data (a string or a Buffer). */
  on(event: 'data', listener: (data: string | Buffer) => void): this;
  /** `drain`: `send()` may be called again after it returned false; `end`: the stream ended (before `close`). */
  on(event: 'drain' | 'end', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}
