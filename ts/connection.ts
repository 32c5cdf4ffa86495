/**
 * `WebSocketConnection` (`require('websocket').connection`): one open WebSocket, server or client side, with the
 * API, state machine and events of `websocket` 1.0.35.
 *
 * The connection owns the socket's events, the state machine, the closing handshake and the timers; the
 * {@link Receiver} turns incoming bytes into messages and the {@link Sender} turns calls into frames.
 * Deviations from 1.0.35 (POLICY.md classes 2 and 3) are marked "Deviation:" where they happen.
 */

import { EventEmitter } from 'events';
import type { Socket } from 'net';
import { Masking } from './codec/types';
import { CLOSE_DESCRIPTIONS, CloseCode, isValidCloseCode, MAX_CONTROL_PAYLOAD, Opcode } from './constants';
import { ErrorCode, sendAfterCloseError, WebSocketError } from './errors';
import type { WebSocketFrame } from './frame';
import { Receiver, type ReceiverSink } from './receiver';
import { encodeCloseReason, Sender, type WriteCallback } from './sender';
import { decodeText, encodeText } from './text';

/** The config keys a connection reads (the server's or the client's merged config; other keys are ignored). */
export interface ConnectionConfig {
  maxReceivedFrameSize: number;
  maxReceivedMessageSize: number;
  fragmentOutgoingMessages: boolean;
  fragmentationThreshold: number;
  assembleFragments: boolean;
  closeTimeout: number;
  disableNagleAlgorithm: boolean;
  keepalive?: boolean;
  keepaliveInterval?: number;
  dropConnectionOnKeepaliveTimeout?: boolean;
  keepaliveGracePeriod?: number;
  useNativeKeepalive?: boolean;
  [key: string]: unknown;
}

/** A received message, as the `message` event hands it out. */
export type Message = { type: 'utf8'; utf8Data: string } | { type: 'binary'; binaryData: Buffer };

/** The states of {@link WebSocketConnection.state}. */
export type ConnectionState = 'open' | 'ending' | 'peer_requested_close' | 'closed';

const STATE_OPEN = 'open';
const STATE_ENDING = 'ending';
const STATE_PEER_REQUESTED_CLOSE = 'peer_requested_close';
const STATE_CLOSED = 'closed';

/** Reported when the connection ends without the peer's close frame. */
const DROPPED_BY_PEER = 'Connection dropped by remote peer.';
/** Reported when the peer does not answer `close()` within `closeTimeout`. */
const CLOSE_TIMED_OUT = 'Close handshake timed out.';
const EMPTY = Buffer.alloc(0);

/** `extensions` of every connection: none are negotiated (one frozen array, rather than one per connection). */
export const NO_EXTENSIONS: readonly unknown[] = Object.freeze([]);

/** The request's mark for "the remote address list is the socket's address alone" (see `remoteAddresses`). */
export const SOCKET_ADDRESS_ONLY = Symbol('socket address only');

/**
 * The connection's listener table (EventEmitter's `_events`) as a fast-mode object with nothing to inherit: the one
 * EventEmitter makes, `{ __proto__: null }`, is a dictionary from the start, ~160 bytes more per connection. (Node's
 * own streams preset their `_events` for the same reason.)
 */
const ListenerTable = function ListenerTable(): void {} as unknown as new () => object;
ListenerTable.prototype = Object.create(null);

/** The connection that owns a socket, for the socket listeners every connection shares. */
const kConnection = Symbol('ferrosocket.connection');
type OwnedSocket = Socket & { [kConnection]: WebSocketConnection };

export interface WebSocketConnection {
  on(event: 'message', listener: (message: Message) => void): this;
  on(event: 'frame', listener: (frame: WebSocketFrame) => void): this;
  on(event: 'ping', listener: (cancel: () => void, data: Buffer) => void): this;
  on(event: 'pong', listener: (data: Buffer) => void): this;
  on(event: 'close', listener: (code: number, description: string | undefined) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'drain' | 'pause' | 'resume', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'message', listener: (message: Message) => void): this;
  once(event: 'frame', listener: (frame: WebSocketFrame) => void): this;
  once(event: 'ping', listener: (cancel: () => void, data: Buffer) => void): this;
  once(event: 'pong', listener: (data: Buffer) => void): this;
  once(event: 'close', listener: (code: number, description: string | undefined) => void): this;
  once(event: 'error', listener: (error: Error) => void): this;
  once(event: 'drain' | 'pause' | 'resume', listener: () => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/**
 * One WebSocket connection. Built by the server's request (`accept()`) and by the client.
 * What an idle connection does not need is made on first use: the receiver (and its parser) on the first received
 * bytes, the sender on the first write, the frame buffers on the first `frame` event; the socket listeners are
 * functions shared by all connections.
 */
export class WebSocketConnection extends EventEmitter implements ReceiverSink {
  static readonly CLOSE_REASON_NORMAL = CloseCode.NORMAL;
  static readonly CLOSE_REASON_GOING_AWAY = CloseCode.GOING_AWAY;
  static readonly CLOSE_REASON_PROTOCOL_ERROR = CloseCode.PROTOCOL_ERROR;
  static readonly CLOSE_REASON_UNPROCESSABLE_INPUT = CloseCode.UNPROCESSABLE_INPUT;
  static readonly CLOSE_REASON_RESERVED = CloseCode.RESERVED;
  static readonly CLOSE_REASON_NOT_PROVIDED = CloseCode.NOT_PROVIDED;
  static readonly CLOSE_REASON_ABNORMAL = CloseCode.ABNORMAL;
  static readonly CLOSE_REASON_INVALID_DATA = CloseCode.INVALID_DATA;
  static readonly CLOSE_REASON_POLICY_VIOLATION = CloseCode.POLICY_VIOLATION;
  static readonly CLOSE_REASON_MESSAGE_TOO_BIG = CloseCode.MESSAGE_TOO_BIG;
  static readonly CLOSE_REASON_EXTENSION_REQUIRED = CloseCode.EXTENSION_REQUIRED;
  static readonly CLOSE_REASON_INTERNAL_SERVER_ERROR = CloseCode.INTERNAL_SERVER_ERROR;
  static readonly CLOSE_REASON_TLS_HANDSHAKE_FAILED = CloseCode.TLS_HANDSHAKE_FAILED;
  static readonly CLOSE_DESCRIPTIONS = CLOSE_DESCRIPTIONS;

  config: ConnectionConfig;
  socket: Socket;
  /** The accepted subprotocol (server: as passed to `accept()`; client: the server's answer, if any was requested). */
  protocol: string | null | undefined;
  /** Negotiated extensions: always `[]`. */
  declare extensions: readonly unknown[];
  remoteAddress: string | undefined;
  /**
   * Server side only (set by the request): the X-Forwarded-For chain plus the socket address, or
   * {@link SOCKET_ADDRESS_ONLY} until {@link remoteAddresses} is first read.
   */
  declare _remoteAddresses: string[] | typeof SOCKET_ADDRESS_ONLY | undefined;
  /** 8 or 13 (set by the creator). */
  declare webSocketVersion?: number;
  /** The `hadError` flag of the socket's `'close'`. */
  declare socketHadError?: boolean;
  // The fields declared without a value here start from defaults on the prototype (see the end of this file): an
  // idle connection never writes them, so it does not carry them.
  /** -1 until the connection starts closing. */
  declare closeReasonCode: number;
  declare closeDescription: string | null | undefined;
  declare closeEventEmitted: boolean;
  maskOutgoingPackets: boolean;
  declare connected: boolean;
  declare state: ConnectionState;
  /** True from `close()` until the peer's close frame arrives. */
  declare waitingForCloseResponse: boolean;
  /** The socket's readable side has ended (the peer sent FIN). */
  declare receivedEnd: boolean;
  /** The config's value until assigned (as are `assembleFragments` and `maxReceivedMessageSize`). */
  declare closeTimeout: number;
  declare assembleFragments: boolean;
  declare maxReceivedMessageSize: number;
  /** The last write went over the socket's high-water mark; reset on `drain`. */
  declare outputBufferFull: boolean;
  declare inputPaused: boolean;
  /** Our close frame is written; nothing more may be. */
  private declare closeFrameSent: boolean;
  /** `_addSocketEventListeners()` has run. */
  private listening = false;
  private receiver: Receiver | null = null;
  private sender: Sender | null = null;
  private declare frameBuffers: { maskBytes: Buffer; frameHeader: Buffer } | null;
  /** Whether ping keepalive runs (keepalive on, not native); cleared once the connection starts closing. */
  private declare keepaliveActive: boolean;
  private declare keepaliveTimer: NodeJS.Timeout | null;
  private declare graceTimer: NodeJS.Timeout | null;
  private declare closeTimer: NodeJS.Timeout | null;

  /**
   * Takes over `socket` (removing its `error` listeners); `_addSocketEventListeners()` must be called to start
   * receiving. Throws when keepalive is on without a numeric `keepaliveInterval` (or `keepaliveGracePeriod`,
   * when `dropConnectionOnKeepaliveTimeout` is set).
   */
  constructor(
    socket: Socket,
    extensions: readonly unknown[],
    protocol: string | null | undefined,
    maskOutgoingPackets: boolean,
    config: ConnectionConfig,
  ) {
    super();
    (this as unknown as { _events: object })._events = new ListenerTable();
    this.config = config;
    this.socket = socket;
    this.protocol = protocol;
    if (extensions !== NO_EXTENSIONS) this.extensions = extensions;
    this.remoteAddress = socket.remoteAddress;
    this.maskOutgoingPackets = maskOutgoingPackets;

    socket.setNoDelay(config.disableNagleAlgorithm);
    socket.setTimeout(0);

    if (config.keepalive && !config.useNativeKeepalive) {
      this.keepaliveActive = true;
      if (typeof config.keepaliveInterval !== 'number') {
        throw new WebSocketError(
          ErrorCode.INVALID_CONFIG,
          0,
          'keepaliveInterval must be specified and numeric if keepalive is true.',
        );
      }
      // Deviation (class 3): both settings are checked before the timer starts, so a throw leaves no timer behind.
      if (config.dropConnectionOnKeepaliveTimeout && typeof config.keepaliveGracePeriod !== 'number') {
        throw new WebSocketError(
          ErrorCode.INVALID_CONFIG,
          0,
          'keepaliveGracePeriod  must be specified and numeric if dropConnectionOnKeepaliveTimeout is true.',
        );
      }
      this.setKeepaliveTimer();
    } else if (config.keepalive) {
      if (!('setKeepAlive' in socket)) {
        throw new WebSocketError(
          ErrorCode.INVALID_CONFIG,
          0,
          'Unable to use native keepalive: unsupported by this version of Node.',
        );
      }
      socket.setKeepAlive(true, config.keepaliveInterval);
    }

    // Other parties (the HTTP client) re-dispatch socket errors confusingly: the connection handles them alone.
    // Its own listener goes on first, so the socket's listener table never loses its 'error' entry (a deleted
    // entry turns that object into a slow dictionary several hundred bytes larger).
    (socket as OwnedSocket)[kConnection] = this;
    socket.on('error', WebSocketConnection.onSocketError);
    for (const listener of socket.listeners('error')) {
      if (listener !== WebSocketConnection.onSocketError) socket.removeListener('error', listener as () => void);
    }
  }

  /** Shared 4-byte buffer of this connection's {@link WebSocketFrame}s. */
  get maskBytes(): Buffer {
    return this.sharedFrameBuffers().maskBytes;
  }

  set maskBytes(value: Buffer) {
    this.sharedFrameBuffers().maskBytes = value;
  }

  /** Shared 10-byte buffer of this connection's {@link WebSocketFrame}s. */
  get frameHeader(): Buffer {
    return this.sharedFrameBuffers().frameHeader;
  }

  set frameHeader(value: Buffer) {
    this.sharedFrameBuffers().frameHeader = value;
  }

  /** Server side only: the X-Forwarded-For chain plus the socket address (set by the request). */
  get remoteAddresses(): string[] | undefined {
    // Most servers never read it: the list of just the socket's address is made on first read, not per connection.
    if (this._remoteAddresses === SOCKET_ADDRESS_ONLY) this._remoteAddresses = [this.socket.remoteAddress as string];
    return this._remoteAddresses;
  }

  set remoteAddresses(addresses: string[] | undefined) {
    this._remoteAddresses = addresses;
  }

  /** Bytes handed to the socket and not yet written out (`socket.writableLength`). */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /**
   * Starts listening to the socket: `end`, `close`, `drain`, `pause`, `resume`, `data`, in that order. Socket
   * errors, whose listener the constructor installed, are swallowed until then and handled from then on.
   */
  _addSocketEventListeners(): void {
    const socket = this.socket;
    this.listening = true;
    socket.on('end', WebSocketConnection.onSocketEnd);
    socket.on('close', WebSocketConnection.onSocketClose);
    socket.on('drain', WebSocketConnection.onSocketDrain);
    socket.on('pause', WebSocketConnection.onSocketPause);
    socket.on('resume', WebSocketConnection.onSocketResume);
    socket.on('data', WebSocketConnection.onSocketData);
  }

  /** Takes received bytes (the socket's `data`, or bytes that arrived with the handshake). */
  handleSocketData(data: Buffer): void {
    this.setKeepaliveTimer();
    this.reader()?.push(data);
  }

  /** Receiver callback: a complete message. */
  _receivedMessage(opcode: Opcode.Text | Opcode.Binary, payload: Buffer): void {
    this.emit('message', toMessage(opcode, payload));
  }

  /** Receiver callback: a complete frame (when fragments are not assembled). */
  _receivedFrame(frame: WebSocketFrame): void {
    this.emit('frame', frame);
  }

  /** Receiver callback: a ping. */
  _receivedPing(payload: Buffer): void {
    this.handlePing(payload);
  }

  /** Receiver callback: a pong. */
  _receivedPong(payload: Buffer): void {
    this.emit('pong', payload);
  }

  /** Receiver callback: the peer's close frame, and what is wrong with it, if anything. */
  _receivedClose(code: number, reason: Buffer, error: WebSocketError | null): void {
    this.handleCloseFrame(code, reason, error);
  }

  /** Receiver callback: a protocol violation, which fails the connection with the error's close status. */
  _receivedError(error: WebSocketError): void {
    this.drop(error.status, error.message);
  }

  /** Sends a Buffer as a binary message, anything else (via `toString()`) as a text message. */
  send(data: Buffer | { toString(): string }, cb?: WriteCallback): void {
    if (Buffer.isBuffer(data)) {
      this.sendBytes(data, cb);
    } else if (typeof (data as { toString: unknown }).toString === 'function') {
      this.sendUTF(data, cb);
    } else {
      throw new WebSocketError(
        ErrorCode.INVALID_ARGUMENT,
        0,
        'Data provided must either be a Node Buffer or implement toString()',
      );
    }
  }

  /** Sends `data.toString()` as a text message (fragmented per the config). */
  sendUTF(data: { toString(): string }, cb?: WriteCallback): void {
    this.sendMessage(Opcode.Text, encodeText(data.toString()), cb);
  }

  /** Sends a Buffer as a binary message (fragmented per the config). */
  sendBytes(data: Buffer, cb?: WriteCallback): void {
    if (!Buffer.isBuffer(data)) {
      throw new WebSocketError(
        ErrorCode.INVALID_ARGUMENT,
        0,
        'You must pass a Node Buffer object to WebSocketConnection.prototype.sendBytes()',
      );
    }
    this.sendMessage(Opcode.Binary, data, cb);
  }

  /**
   * Sends a ping. A falsy `data` sends an empty one; a non-Buffer is sent as its `toString()` in UTF-8.
   * Deviation (RFC 6455 §5.5): a payload over 125 bytes throws instead of being cut to 124.
   */
  ping(data?: unknown): void {
    this.sendControl(Opcode.Ping, controlPayload('Ping', data));
  }

  /**
   * Sends a pong (normally automatic: see the `ping` event). Deviation: a payload over 125 bytes throws instead of
   * being cut to 124, and a non-Buffer is sent as its `toString()` (1.0.35 threw a TypeError for strings).
   */
  pong(data?: unknown): void {
    this.sendControl(Opcode.Pong, controlPayload('Pong', data));
  }

  /**
   * Writes `frame` as it is (its `mask` set to this side's rule). Returns whether the socket took it below its
   * high-water mark; false when the connection is closing.
   */
  sendFrame(frame: WebSocketFrame, cb?: WriteCallback): boolean {
    frame.mask = this.maskOutgoingPackets;
    const bytes = frame.toBuffer();
    if (!this.canWrite()) {
      this.failSend(cb);
      return false;
    }
    const flushed = this.writer().write(bytes, cb);
    this.outputBufferFull = !flushed;
    return flushed;
  }

  /**
   * Writes bytes framed already (by the server's broadcast, which frames a message once for all its connections).
   * Fails like any send once the connection is closing.
   */
  _writePreparedFrame(bytes: Buffer, cb?: WriteCallback): void {
    if (!this.canWrite()) {
      this.failSend(cb);
      return;
    }
    this.outputBufferFull = !this.writer().write(bytes, cb);
  }

  /** Sends a data frame's opcode and payload as a message, fragmented per the config. */
  fragmentAndSend(frame: WebSocketFrame, cb?: WriteCallback): void {
    if (frame.opcode > 0x07) {
      throw new WebSocketError(ErrorCode.INVALID_ARGUMENT, 0, 'You cannot fragment control frames.');
    }
    this.sendMessage(frame.opcode, frame.binaryPayload as Buffer, cb);
  }

  /**
   * Starts the closing handshake: validates the code (default 1000), sends the close frame, and waits up to
   * `closeTimeout` for the peer's close frame, after which it ends the socket (deviation: 1.0.35 sent FIN with its
   * close frame). A no-op, without validation, unless connected.
   * Deviation: the peer's reply is still read. The `close` event reports this code and description when the
   * peer answers with a valid close frame (as 1.0.35 always did), the error's code when the peer breaks the
   * protocol first, and 1006 when the connection ends without the peer's close frame (`closeTimeout` destroys
   * the socket and reports 1006 'Close handshake timed out.').
   */
  close(reasonCode?: number, description?: string): void {
    if (!this.connected) return;
    const code = typeof reasonCode === 'number' ? reasonCode : CloseCode.NORMAL;
    if (!isValidCloseCode(code)) {
      throw new WebSocketError(ErrorCode.INVALID_CLOSE_CODE, 0, `Close code ${code} is not valid.`);
    }
    const text = typeof description === 'string' ? description : CLOSE_DESCRIPTIONS[code];
    this.closeReasonCode = code;
    this.closeDescription = text;
    this.setCloseTimer();
    this.waitingForCloseResponse = true;
    this.sendCloseFrame(code, text);
    this.state = STATE_ENDING;
    this.connected = false;
    this.stopKeepalive();
    this.receiver?.closing();
  }

  /**
   * Ends the connection at once: sets the code (default 1002, not validated) and description, sends a close frame
   * unless `skipCloseFrame` (and only while open or answering the peer's close), emits `close` synchronously if it
   * was not emitted yet, and destroys the socket.
   */
  drop(reasonCode?: number, description?: string, skipCloseFrame?: boolean): void {
    const code = typeof reasonCode === 'number' ? reasonCode : CloseCode.PROTOCOL_ERROR;
    const text = typeof description === 'string' ? description : CLOSE_DESCRIPTIONS[code];
    this.closeReasonCode = code;
    this.closeDescription = text;
    this.receiver?.stop();
    if (!skipCloseFrame) this.sendCloseFrame(code, text);
    this.connected = false;
    this.state = STATE_CLOSED;
    this.waitingForCloseResponse = false;
    this.clearTimers();
    this.emitClose();
    // The close frame may still be corked: hand it to the socket before destroying it.
    this.sender?.flush();
    this.socket.destroy();
  }

  /** Pauses the socket; its `pause` event stops delivery between messages. */
  pause(): void {
    this.socket.pause();
  }

  /** Resumes the socket; its `resume` event (on a later tick) restarts delivery. */
  resume(): void {
    this.socket.resume();
  }

  /**
   * Writes a close frame (code default 1000; a string description becomes the reason, cut to fit 123 bytes).
   * Does nothing unless the state is `open` or `peer_requested_close`. In reply to the peer's close it then ends
   * the socket. Deviation (RFC 6455 §7.1.1): a close we start keeps the socket open until the peer's close frame
   * (or `closeTimeout`), where 1.0.35 sent FIN at once: peers such as Python's `websockets` hang up on that FIN
   * without their reply, and TLS has no half-close at all.
   */
  sendCloseFrame(reasonCode?: number, description?: string | null, cb?: WriteCallback): void {
    const code = typeof reasonCode === 'number' ? reasonCode : CloseCode.NORMAL;
    if (this.state !== STATE_OPEN && this.state !== STATE_PEER_REQUESTED_CLOSE) return;
    const reason = typeof description === 'string' ? encodeCloseReason(description) : null;
    if (this.canWrite()) this.writer().close(code, reason, cb);
    else if (cb) this.failSend(cb);
    this.closeFrameSent = true;
    if (this.state === STATE_OPEN) return;
    this.socket.end();
  }

  /** A data message through the sender, or a failed send once closing. */
  private sendMessage(opcode: number, payload: Buffer, cb?: WriteCallback): void {
    if (!this.canWrite()) {
      this.failSend(cb);
      return;
    }
    this.outputBufferFull = !this.writer().message(opcode, payload, this.fragmentationThreshold(), cb);
  }

  /** A ping or pong from the API; fails like a data send once closing. */
  private sendControl(opcode: Opcode.Ping | Opcode.Pong, payload: Buffer): void {
    if (!this.canWrite()) {
      this.failSend();
      return;
    }
    this.outputBufferFull = !this.writer().frame(opcode, payload, true);
  }

  /**
   * The fragment size, or null to send every message as one frame: when fragmentation is off, or (deviation,
   * class 3) when the threshold is not a number of at least 1, on which 1.0.35 looped forever or sent nothing.
   */
  private fragmentationThreshold(): number | null {
    const threshold = this.config.fragmentationThreshold;
    if (!this.config.fragmentOutgoingMessages || typeof threshold !== 'number' || !(threshold >= 1)) return null;
    return Math.floor(threshold);
  }

  /**
   * The receiver, made on the first received bytes in the state the connection is in (paused, closing), or null
   * once nothing more is read (closed, or the peer's close frame has arrived).
   */
  private reader(): Receiver | null {
    if (this.receiver !== null) return this.receiver;
    if (this.state !== STATE_OPEN && this.state !== STATE_ENDING) return null;
    const receiver = new Receiver(this, {
      config: this.config,
      // Deviation (RFC 6455 §5.1): a server fails unmasked frames, a client fails masked ones.
      masking: this.maskOutgoingPackets ? Masking.Forbidden : Masking.Required,
    });
    if (this.inputPaused) receiver.pause();
    if (this.state === STATE_ENDING) receiver.closing();
    this.receiver = receiver;
    return receiver;
  }

  /** The sender, made on the first write. */
  private writer(): Sender {
    return (this.sender ??= new Sender(this.socket, this.maskOutgoingPackets));
  }

  /** The buffers behind {@link maskBytes} and {@link frameHeader}, made on first use. */
  private sharedFrameBuffers(): { maskBytes: Buffer; frameHeader: Buffer } {
    return (this.frameBuffers ??= { maskBytes: Buffer.alloc(4), frameHeader: Buffer.alloc(10) });
  }

  private static onSocketError(this: OwnedSocket, error: NodeJS.ErrnoException): void {
    this[kConnection].handleSocketError(error);
  }

  private static onSocketEnd(this: OwnedSocket): void {
    this[kConnection].handleSocketEnd();
  }

  private static onSocketClose(this: OwnedSocket, hadError: boolean): void {
    this[kConnection].handleSocketClose(hadError);
  }

  private static onSocketDrain(this: OwnedSocket): void {
    this[kConnection].handleSocketDrain();
  }

  private static onSocketPause(this: OwnedSocket): void {
    this[kConnection].handleSocketPause();
  }

  private static onSocketResume(this: OwnedSocket): void {
    this[kConnection].handleSocketResume();
  }

  private static onSocketData(this: OwnedSocket, data: Buffer): void {
    this[kConnection].handleSocketData(data);
  }

  /** Whether the socket still takes writes (no close frame sent, not ended, not destroyed). */
  private canWrite(): boolean {
    return !this.closeFrameSent && !this.socket.writableEnded && !this.socket.destroyed;
  }

  /**
   * Deviation (POLICY class 2): a send after the close began fails by itself, with the callback's error or, without
   * a callback, an `error` event (when someone listens), and never touches the close code already set.
   */
  private failSend(cb?: WriteCallback): void {
    const error = sendAfterCloseError();
    process.nextTick(() => {
      if (cb) cb(error);
      else if (this.listenerCount('error') > 0) this.emit('error', error);
    });
  }

  /** An incoming ping: the `ping` event (when listened to) with its cancel function, then the automatic pong. */
  private handlePing(payload: Buffer): void {
    let cancelled = false;
    if (this.listenerCount('ping') > 0) {
      this.emit('ping', () => {
        cancelled = true;
      }, payload);
    }
    if (!cancelled && this.canWrite()) this.outputBufferFull = !this.writer().frame(Opcode.Pong, payload, true);
  }

  /** The peer's close frame: the reply to our `close()`, or the peer starting the closing handshake. */
  private handleCloseFrame(code: number, reason: Buffer, error: WebSocketError | null): void {
    if (this.waitingForCloseResponse) {
      if (error) {
        this.drop(error.status, error.message);
        return;
      }
      // The handshake is complete; the close timer stays armed in case the peer never closes TCP.
      this.waitingForCloseResponse = false;
      this.state = STATE_CLOSED;
      this.socket.end();
      return;
    }
    this.state = STATE_PEER_REQUESTED_CLOSE;
    this.stopKeepalive();
    if (error && error.code === ErrorCode.INVALID_UTF8) {
      this.drop(error.status, error.message);
      return;
    }
    let reply: number = CloseCode.NORMAL;
    if (error && error.code === ErrorCode.INVALID_CLOSE_FRAME_LENGTH) {
      this.closeReasonCode = CloseCode.NOT_PROVIDED;
      this.closeDescription = CLOSE_DESCRIPTIONS[CloseCode.NOT_PROVIDED];
      reply = CloseCode.PROTOCOL_ERROR;
    } else {
      // An invalid code is reported as received (1.0.35), and answered with 1002.
      if (error) reply = CloseCode.PROTOCOL_ERROR;
      this.closeReasonCode = code;
      // 1.0.35 keeps a reason only when it is at least 2 bytes long.
      this.closeDescription = reason.length > 1 ? reason.toString('utf8') : CLOSE_DESCRIPTIONS[code];
    }
    this.sendCloseFrame(reply, null);
    this.connected = false;
    // Deviation: if the peer then keeps TCP open, closeTimeout destroys the socket (1.0.35 waited forever).
    this.setCloseTimer();
  }

  private handleSocketError(error: NodeJS.ErrnoException): void {
    // Before the listeners are added (the 101 still being written), the request or client reports the failure.
    if (!this.listening || this.state === STATE_CLOSED) return;
    this.closeReasonCode = CloseCode.ABNORMAL;
    this.closeDescription = `Socket Error: ${error.syscall} ${error.code}`;
    this.connected = false;
    this.state = STATE_CLOSED;
    this.waitingForCloseResponse = false;
    this.receiver?.stop();
    if (this.listenerCount('error') > 0) this.emit('error', error);
    this.socket.destroy();
  }

  private handleSocketEnd(): void {
    this.receivedEnd = true;
    if (this.state === STATE_CLOSED) return;
    if (this.state !== STATE_PEER_REQUESTED_CLOSE) this.socket.end();
  }

  private handleSocketClose(hadError: boolean): void {
    this.socketHadError = hadError;
    this.connected = false;
    this.state = STATE_CLOSED;
    this.receiver?.stop();
    if (this.closeReasonCode === -1 || this.waitingForCloseResponse) {
      this.closeReasonCode = CloseCode.ABNORMAL;
      this.closeDescription = DROPPED_BY_PEER;
    }
    this.waitingForCloseResponse = false;
    this.clearTimers();
    this.emitClose();
  }

  private handleSocketDrain(): void {
    this.outputBufferFull = false;
    this.emit('drain');
  }

  private handleSocketPause(): void {
    this.inputPaused = true;
    this.receiver?.pause();
    this.emit('pause');
  }

  private handleSocketResume(): void {
    if (this.inputPaused) this.inputPaused = false;
    // Before the event, so a listener that pauses again wins.
    this.receiver?.resume();
    this.emit('resume');
  }

  private emitClose(): void {
    if (this.closeEventEmitted) return;
    this.closeEventEmitted = true;
    this.emit('close', this.closeReasonCode, this.closeDescription);
  }

  /** (Re)starts the keepalive timer and cancels a pending grace period: called on every received chunk. */
  private setKeepaliveTimer(): void {
    if (!this.keepaliveActive) return;
    this.clearGraceTimer();
    if (this.keepaliveTimer) this.keepaliveTimer.refresh();
    else this.keepaliveTimer = setTimeout(() => this.handleKeepaliveTimer(), this.config.keepaliveInterval);
  }

  /** Idle for `keepaliveInterval`: ping, then wait `keepaliveGracePeriod` for any data, or ping again later. */
  private handleKeepaliveTimer(): void {
    if (this.canWrite()) this.outputBufferFull = !this.writer().frame(Opcode.Ping, EMPTY, true);
    if (this.config.dropConnectionOnKeepaliveTimeout) {
      this.graceTimer = setTimeout(() => this.handleGraceTimer(), this.config.keepaliveGracePeriod);
    } else {
      (this.keepaliveTimer as NodeJS.Timeout).refresh();
    }
  }

  private handleGraceTimer(): void {
    this.graceTimer = null;
    this.drop(CloseCode.ABNORMAL, 'Peer not responding.', true);
  }

  private clearGraceTimer(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }

  /** Deviation: keepalive ends once the connection starts closing (1.0.35's late pings failed on the ended socket). */
  private stopKeepalive(): void {
    this.keepaliveActive = false;
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = null;
    this.clearGraceTimer();
  }

  private setCloseTimer(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => this.handleCloseTimer(), this.closeTimeout);
  }

  /**
   * Deviation (POLICY class 2): the close timer destroys the socket (1.0.35 only ended it again). If the peer
   * never answered our close, the connection reports 1006.
   */
  private handleCloseTimer(): void {
    this.closeTimer = null;
    if (this.waitingForCloseResponse) {
      this.waitingForCloseResponse = false;
      this.closeReasonCode = CloseCode.ABNORMAL;
      this.closeDescription = CLOSE_TIMED_OUT;
    }
    this.state = STATE_CLOSED;
    this.receiver?.stop();
    this.socket.destroy();
  }

  private clearTimers(): void {
    this.stopKeepalive();
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
  }
}

/** The `message` event's object for a complete message. */
function toMessage(opcode: Opcode.Text | Opcode.Binary, payload: Buffer): Message {
  return opcode === Opcode.Text
    ? { type: 'utf8', utf8Data: decodeText(payload) }
    : { type: 'binary', binaryData: payload };
}

/** A ping or pong payload from the API's argument: falsy → empty, Buffer as is, anything else as UTF-8 text. */
function controlPayload(kind: 'Ping' | 'Pong', data: unknown): Buffer {
  if (!data) return EMPTY;
  const payload = Buffer.isBuffer(data) ? data : Buffer.from(String((data as { toString(): string }).toString()), 'utf8');
  if (payload.length > MAX_CONTROL_PAYLOAD) {
    throw new WebSocketError(
      ErrorCode.CONTROL_PAYLOAD_TOO_LONG,
      0,
      `${kind} payload is ${payload.length} bytes; a control frame carries at most ${MAX_CONTROL_PAYLOAD}.`,
    );
  }
  return payload;
}

/** Defaults of the fields an idle connection never writes (an own property appears on the first write). */
Object.assign(WebSocketConnection.prototype, {
  extensions: NO_EXTENSIONS,
  connected: true,
  state: STATE_OPEN,
  outputBufferFull: false,
  closeReasonCode: -1,
  closeDescription: null,
  closeEventEmitted: false,
  waitingForCloseResponse: false,
  receivedEnd: false,
  inputPaused: false,
  closeFrameSent: false,
  frameBuffers: null,
  keepaliveActive: false,
  keepaliveTimer: null,
  graceTimer: null,
  closeTimer: null,
  _remoteAddresses: undefined,
});

// The 1.0.35 fields that copy the config read it until assigned; an assignment makes an own property.
for (const key of ['closeTimeout', 'assembleFragments', 'maxReceivedMessageSize'] as const) {
  Object.defineProperty(WebSocketConnection.prototype, key, {
    configurable: true,
    get(this: WebSocketConnection) {
      return this.config[key];
    },
    set(this: WebSocketConnection, value: unknown) {
      Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
    },
  });
}
