/**
 * The server socket of the faye-websocket API: `new WebSocket(request, socket, body, protocols, options)` in an
 * `http.Server`'s `'upgrade'` handler. The handshake runs on the next tick: a 101 reply with the `headers`
 * option's lines first, or a `400 Bad Request` whose text/plain body is the reason (then `error` and `close` with
 * 1002). Bytes that came with the request (`body`, and any read before the reply) are read as frames after `open`.
 */
import type { IncomingMessage } from 'http';
import type { Socket } from 'net';
import { computeAcceptKey } from '../handshake';
import { HeaderLines } from './http';
import { FayeSocket, SOCKET_OPTION_NAMES, validateOptions, type FayeSocketOptions } from './socket';

/** A list of subprotocols: an array, or a string of names separated by commas. */
export type ProtocolList = string | readonly string[] | null | undefined;

const LIST_SEPARATOR = / *, */;
const EMPTY = Buffer.alloc(0);

/** `protocols` as an array. */
export function protocolArray(protocols: ProtocolList): string[] {
  if (typeof protocols === 'string') return protocols.split(LIST_SEPARATOR);
  return protocols ? [...protocols] : [];
}

/** Whether `request` asks for a WebSocket: a GET with `Connection` listing `upgrade` and `Upgrade: websocket`. */
export function isWebSocket(request: IncomingMessage): boolean {
  const connection = request.headers.connection ?? '';
  const upgrade = request.headers.upgrade ?? '';
  return (
    request.method === 'GET' &&
    connection.toLowerCase().split(LIST_SEPARATOR).includes('upgrade') &&
    upgrade.toLowerCase() === 'websocket'
  );
}

/** Whether the request came over TLS, directly or (by the usual headers) through a proxy. */
export function isSecureRequest(request: IncomingMessage): boolean {
  const socket = request.socket as Socket & { authorized?: boolean; secure?: boolean };
  if (socket && (socket.authorized !== undefined || socket.secure)) return true;
  const headers = request.headers;
  return (
    headers['https'] === 'on' ||
    headers['x-forwarded-ssl'] === 'on' ||
    headers['x-forwarded-scheme'] === 'https' ||
    headers['x-forwarded-proto'] === 'https'
  );
}

/** The request's WebSocket URL: scheme, `Host` and path. */
function requestUrl(request: IncomingMessage): string {
  return `${isSecureRequest(request) ? 'wss:' : 'ws:'}//${request.headers.host}${request.url}`;
}

/** A WebSocket on the server side of an upgraded HTTP request. */
export class FayeServerSocket extends FayeSocket {
  /** Kept until the handshake is answered. */
  private request: IncomingMessage | null;
  /** The subprotocol the reply agrees on: the first of the client's that the server supports. */
  private readonly agreedProtocol: string | undefined;
  /** Bytes read before the handshake completed: the upgrade's head, then anything the socket read. */
  private early: Buffer[] | null = null;

  /**
   * Takes over `socket` for `request`. `protocols` are the subprotocols the server supports. Throws
   * `Unrecognized option: <name>` for an option it does not know.
   */
  constructor(request: IncomingMessage, socket: Socket, body?: Buffer, protocols?: ProtocolList, options?: FayeSocketOptions) {
    validateOptions(options, SOCKET_OPTION_NAMES);
    super(requestUrl(request), false, options ?? {}, new HeaderLines());
    this.request = request;
    const offered = request.headers['sec-websocket-protocol'];
    const supported = protocolArray(protocols);
    this.agreedProtocol = offered === undefined ? undefined : offered.split(LIST_SEPARATOR).find((name) => supported.includes(name));
    if (!socket || !socket.writable || !socket.readable) {
      // faye-websocket gives such a socket no events at all (and ends one that can no longer read).
      if (socket && socket.writable) socket.end();
      this.readyState = FayeSocket.CLOSED;
      this.readable = this.writable = false;
      return;
    }
    if (body && body.length > 0) this.early = [body];
    this.attach(socket);
    process.nextTick(() => this.start());
  }

  protected receivedBytes(chunk: Buffer): void {
    if (this.readyState === FayeSocket.CONNECTING) (this.early ??= []).push(chunk);
    else super.receivedBytes(chunk);
  }

  /** Validates the request and replies: 101 and open, or 400 and close. */
  private start(): void {
    const request = this.request as IncomingMessage;
    this.request = null;
    if (this.readyState !== FayeSocket.CONNECTING) return;
    const headers = request.headers;
    const version = headers['sec-websocket-version'];
    const key = headers['sec-websocket-key'];
    let problem: string | null = null;
    if (!isWebSocket(request)) problem = 'Not a WebSocket request';
    else if (version !== '13') problem = `Unsupported WebSocket version: ${version}`;
    else if (typeof key !== 'string') problem = 'Missing handshake request header: Sec-WebSocket-Key';
    const socket = this.socket as Socket;
    if (problem !== null) {
      socket.write(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(problem)}\r\n\r\n${problem}`,
      );
      this.failHandshake(problem);
      return;
    }
    const lines = this.headerLines as HeaderLines;
    lines.set('Upgrade', 'websocket');
    lines.set('Connection', 'Upgrade');
    lines.set('Sec-WebSocket-Accept', computeAcceptKey(key as string));
    if (this.agreedProtocol) lines.set('Sec-WebSocket-Protocol', this.agreedProtocol);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\n${lines}\r\n`);
    const early = this.early;
    this.early = null;
    this.open(this.agreedProtocol ?? '', early === null ? EMPTY : early.length === 1 ? early[0] : Buffer.concat(early));
  }
}
