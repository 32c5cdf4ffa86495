/**
 * Server-sent events, as faye-websocket's `EventSource` sends them: `new WebSocket.EventSource(request, response,
 * options)` takes over the response's socket, writes a `200 OK` `text/event-stream` head with the retry interval,
 * opens on the next tick, and pings with a comment line every `ping` seconds until `close()` or the socket ends.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import type { Socket } from 'net';
import { stripCrLf } from '../handshake';
import { FayeEvent, FayeEventStream } from './event';
import { HeaderLines } from './http';
import { isSecureRequest } from './server';

/** The options of an {@link FayeEventSource}. */
export interface FayeEventSourceOptions {
  /** Headers added to the response. */
  headers?: Record<string, unknown>;
  /** Seconds the browser waits before reconnecting (5 by default). */
  retry?: number;
  /** Seconds between comment pings (10 by default). */
  ping?: number;
}

/** What `send()` may label a message with. */
export interface FayeEventSourceMessageOptions {
  /** The `event:` field: the event type the browser dispatches. */
  event?: string;
  /** The `id:` field: what the browser sends back as `Last-Event-ID` when it reconnects. */
  id?: string;
}

const DEFAULT_PING = 10;
const DEFAULT_RETRY = 5;
const LINE_BREAK = /(\r\n|\r|\n)/g;
const ACCEPT_SEPARATOR = /\s*,\s*/;

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** A stream of server-sent events to one client. */
export class FayeEventSource extends FayeEventStream<FayeEvent> {
  /** True until closed. */
  writable = true;
  readyState: typeof CONNECTING | typeof OPEN | typeof CLOSED = CONNECTING;
  /** `http://` or `https://`, host and path. */
  readonly url: string;
  /** The `Last-Event-ID` the client sent, or `''`. */
  readonly lastEventId: string;
  private readonly socket: Socket | null;
  private pingTimer: NodeJS.Timeout | null = null;

  /** Whether `request` asks for an event stream: a GET whose `Accept` lists `text/event-stream`. */
  static isEventSource(request: IncomingMessage): boolean {
    if (request.method !== 'GET') return false;
    return (request.headers.accept ?? '').split(ACCEPT_SEPARATOR).includes('text/event-stream');
  }

  constructor(request: IncomingMessage, response: ServerResponse, options: FayeEventSourceOptions = {}) {
    super();
    this.socket = response.socket;
    this.url = `${isSecureRequest(request) ? 'https:' : 'http:'}//${request.headers.host}${request.url}`;
    const lastEventId = request.headers['last-event-id'];
    this.lastEventId = typeof lastEventId === 'string' ? lastEventId : '';
    const lines = new HeaderLines();
    if (options.headers) for (const name in options.headers) lines.set(name, options.headers[name]);
    if (this.socket === null || !this.socket.writable) return;
    const stream = this.socket;
    process.nextTick(() => this.open());
    stream.setTimeout(0);
    stream.setNoDelay(true);
    const retry = options.retry || DEFAULT_RETRY;
    this.writeText(
      'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache, no-store\r\nConnection: close\r\n' +
        `${lines}\r\nretry: ${Math.floor(retry * 1000)}\r\n\r\n`,
    );
    stream.on('drain', () => this.emit('drain'));
    const ping = options.ping || DEFAULT_PING;
    this.pingTimer = setInterval(() => this.ping(), ping * 1000);
    stream.on('error', () => this.close());
    stream.on('end', () => this.close());
  }

  /**
   * Sends `message` as one event (each line of it a `data:` line), labelled by `options`. Returns what the
   * socket's `write` returned, false once closed.
   */
  send(message: unknown, options: FayeEventSourceMessageOptions = {}): boolean {
    if (this.readyState > OPEN) return false;
    let frame = '';
    if (options.event) frame += `event: ${stripCrLf(String(options.event))}\r\n`;
    if (options.id) frame += `id: ${stripCrLf(String(options.id))}\r\n`;
    frame += `data: ${String(message).replace(LINE_BREAK, '$1data: ')}\r\n\r\n`;
    return this.writeText(frame);
  }

  /** Writes a comment line, which keeps proxies from timing the stream out. */
  ping(): boolean {
    return this.writeText(':\r\n\r\n');
  }

  /** Ends the stream and dispatches `close`. Returns true the first time, false after. */
  close(): boolean {
    if (this.readyState > OPEN) return false;
    this.readyState = CLOSED;
    this.writable = false;
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.socket?.end();
    this.dispatchEvent(new FayeEvent('close'));
    return true;
  }

  private open(): void {
    if (this.readyState !== CONNECTING) return;
    this.readyState = OPEN;
    this.dispatchEvent(new FayeEvent('open'));
  }

  private writeText(text: string): boolean {
    if (!this.writable || this.socket === null) return false;
    return this.socket.write(text, 'utf8');
  }
}

/** The events of an event source and what their listeners get. */
export interface FayeEventSource {
  on(event: 'open' | 'close', listener: (event: FayeEvent) => void): this;
  /** The socket drained after `send()` returned false. */
  on(event: 'drain', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}
