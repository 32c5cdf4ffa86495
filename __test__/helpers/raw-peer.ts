/**
 * A WebSocketConnection on one end of a real 127.0.0.1 TCP connection and a raw peer on the other, which writes
 * frame bytes and decodes what the connection writes back. Used by the connection tests.
 */
import net from 'net';
import tls from 'tls';
import type { Certificate } from './certificate';
import { WebSocketConnection, type ConnectionConfig } from '../../ts/connection';
import { encodeFrame, type WireFrame } from './wire';

/** The connection keys of the server's defaults (websocket-api.md §3.2). */
export const SERVER_DEFAULTS: ConnectionConfig = {
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
  disableNagleAlgorithm: true,
  closeTimeout: 5000,
};

/** The connection keys of the client's defaults (websocket-api.md §7.1): no keepalive keys. */
export const CLIENT_DEFAULTS: ConnectionConfig = {
  maxReceivedFrameSize: 0x100000,
  maxReceivedMessageSize: 0x800000,
  fragmentOutgoingMessages: true,
  fragmentationThreshold: 0x4000,
  assembleFragments: true,
  disableNagleAlgorithm: true,
  closeTimeout: 5000,
};

/** The mask key the raw peer uses when it plays the client. */
export const PEER_KEY = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]);

/** One frame the connection wrote, decoded (payload unmasked). */
export interface DecodedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  key: Buffer | null;
  payload: Buffer;
}

/** Decodes complete frames from `bytes`; returns them and the number of bytes they took. */
export function decodeFrames(bytes: Buffer): { frames: DecodedFrame[]; used: number } {
  const frames: DecodedFrame[] = [];
  let at = 0;
  for (;;) {
    if (bytes.length - at < 2) break;
    const b0 = bytes[at];
    const b1 = bytes[at + 1];
    let length = b1 & 0x7f;
    let pos = at + 2;
    if (length === 126) {
      if (bytes.length - pos < 2) break;
      length = bytes.readUInt16BE(pos);
      pos += 2;
    } else if (length === 127) {
      if (bytes.length - pos < 8) break;
      length = Number(bytes.readBigUInt64BE(pos));
      pos += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    let key: Buffer | null = null;
    if (masked) {
      if (bytes.length - pos < 4) break;
      key = Buffer.from(bytes.subarray(pos, pos + 4));
      pos += 4;
    }
    if (bytes.length - pos < length) break;
    const payload = Buffer.from(bytes.subarray(pos, pos + length));
    if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    frames.push({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, key, payload });
    at = pos + length;
  }
  return { frames, used: at };
}

/** Waits for `predicate` to hold, polling every few milliseconds, failing after `timeout` ms. */
export async function until(predicate: () => boolean, timeout = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The raw end: writes bytes, collects what the connection sends. */
export class RawPeer {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  ended = false;
  closed = false;
  private readonly masking: boolean;

  constructor(socket: net.Socket, masking: boolean) {
    this.socket = socket;
    this.masking = masking;
    socket.on('data', (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
    });
    socket.on('end', () => {
      this.ended = true;
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {});
  }

  /** A frame as this peer would send it: masked with {@link PEER_KEY} when it plays the client. */
  frame(frame: WireFrame): Buffer {
    return encodeFrame({ mask: this.masking ? PEER_KEY : null, ...frame });
  }

  /** Writes frames (or raw bytes) in one write. */
  send(...parts: Array<WireFrame | Buffer>): void {
    this.socket.write(Buffer.concat(parts.map((part) => (Buffer.isBuffer(part) ? part : this.frame(part)))));
  }

  /** The frames received so far. */
  frames(): DecodedFrame[] {
    return decodeFrames(this.received).frames;
  }

  /** Waits until at least `count` frames have arrived, and returns all of them. */
  async waitFrames(count: number, timeout = 2000): Promise<DecodedFrame[]> {
    await until(() => this.frames().length >= count, timeout, `${count} frame(s)`);
    return this.frames();
  }

  async waitEnd(timeout = 2000): Promise<void> {
    await until(() => this.ended, timeout, 'peer end');
  }

  async waitClose(timeout = 2000): Promise<void> {
    await until(() => this.closed, timeout, 'peer socket close');
  }
}

/** Every event of a connection, in order, as `[name, ...args]`. */
export type EventLog = unknown[][];

const RECORDED = ['message', 'frame', 'ping', 'pong', 'close', 'error', 'drain', 'pause', 'resume'];

/** Records the events of `connection` (the ping event only when `ping` is true, since listening changes behaviour). */
export function record(connection: WebSocketConnection, options: { ping?: boolean; error?: boolean } = {}): EventLog {
  const log: EventLog = [];
  for (const name of RECORDED) {
    if (name === 'ping' && !options.ping) continue;
    if (name === 'error' && options.error === false) continue;
    connection.on(name, (...args: unknown[]) => log.push([name, ...args]));
  }
  return log;
}

/** A connection and its raw peer. */
export interface Pair {
  connection: WebSocketConnection;
  peer: RawPeer;
  /** The socket the connection owns. */
  socket: net.Socket;
  /** Destroys both sockets and the listening server. */
  dispose(): void;
}

/**
 * Opens a TCP connection on 127.0.0.1 and puts a WebSocketConnection on the accepted end. `role: 'server'`
 * (the default) builds it as 1.0.35's request does (maskOutgoingPackets false), so the peer masks its frames;
 * `role: 'client'` builds it masking, and the peer does not mask. `listen: false` leaves
 * `_addSocketEventListeners()` to the test (or lets it feed chunks through `handleSocketData` itself).
 * With `tls`, both ends speak TLS with that certificate (the peer does not verify it).
 */
export async function openPair(
  options: {
    role?: 'server' | 'client';
    config?: Partial<ConnectionConfig>;
    listen?: boolean;
    /** Runs on the connection's socket before the connection is built (to spy on socket methods). */
    prepare?: (socket: net.Socket) => void;
    tls?: Certificate;
  } = {},
): Promise<Pair> {
  const role = options.role ?? 'server';
  const base = role === 'server' ? SERVER_DEFAULTS : CLIENT_DEFAULTS;
  const config = { ...base, ...options.config } as ConnectionConfig;
  const server = options.tls
    ? tls.createServer({ ...options.tls, allowHalfOpen: true })
    : net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve) =>
    server.once(options.tls ? 'secureConnection' : 'connection', resolve),
  );
  const peerSocket = options.tls
    ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false })
    : net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((resolve) => peerSocket.once(options.tls ? 'secureConnect' : 'connect', () => resolve()));
  const socket = await accepted;
  server.close();
  options.prepare?.(socket);
  const connection = new WebSocketConnection(socket, [], null, role === 'client', config);
  if (options.listen !== false) connection._addSocketEventListeners();
  const peer = new RawPeer(peerSocket, role === 'server');
  return {
    connection,
    peer,
    socket,
    dispose() {
      socket.destroy();
      peerSocket.destroy();
      server.close();
    },
  };
}

/** A close frame's payload: the 2-byte code, then the reason. */
export function closePayload(code: number, reason: string | Buffer = ''): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, Buffer.isBuffer(reason) ? reason : Buffer.from(reason)]);
}

/** The events named `name` in `log`. */
export function eventsNamed(log: EventLog, name: string): unknown[][] {
  return log.filter((entry) => entry[0] === name);
}

/** Waits for the connection's `close` event to have been recorded in `log`. */
export async function waitClose(log: EventLog, timeout = 2000): Promise<unknown[]> {
  await until(() => eventsNamed(log, 'close').length > 0, timeout, 'close event');
  return eventsNamed(log, 'close')[0];
}
