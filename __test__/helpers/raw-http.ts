/**
 * Raw HTTP peers for handshake tests: a real http server on 127.0.0.1 port 0 that tracks its sockets, and a `net`
 * client that writes handshake bytes verbatim and reads the reply byte for byte. Every wait is bounded.
 */
import * as http from 'node:http';
import * as net from 'node:net';

/** How long any single wait may take before the test fails. */
export const WAIT_MS = 3000;

/** A listening http server whose sockets are all destroyed by `close()`. */
export interface TestHttpServer {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

/** Starts an http server on 127.0.0.1, port 0. `onRequest` answers ordinary requests. */
export async function startHttpServer(onRequest?: http.RequestListener): Promise<TestHttpServer> {
  const server = http.createServer(onRequest);
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The request line and headers of a version-13 handshake, with `overrides` (a `null` value removes a header). */
export function handshakeRequest(
  overrides: Record<string, string | null> = {},
  path = '/',
  extraLines: string[] = [],
): string {
  const headers: Record<string, string | null> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...overrides,
  };
  const lines = [`GET ${path} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) {
    if (value !== null) lines.push(`${name}: ${value}`);
  }
  return [...lines, ...extraLines, '', ''].join('\r\n');
}

/** The accept hash of the key {@link handshakeRequest} sends by default (RFC 6455 §1.3's example). */
export const DEFAULT_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/** A raw TCP client that buffers everything it receives. */
export class RawClient {
  readonly socket: net.Socket;
  private received = Buffer.alloc(0);
  private ended = false;
  private waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** Connects to 127.0.0.1:`port`. The client stays writable after the server's FIN, until it ends itself. */
  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes bytes in one `write`. */
  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until `done()` holds; fails on timeout, and on the peer closing first unless `done` checks for that. */
  private async waitFor(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!done()) {
      const remaining = deadline - Date.now();
      if (this.ended || remaining <= 0) {
        const got = JSON.stringify(this.received.toString('latin1'));
        throw new Error(`${this.ended ? 'connection closed' : 'timed out'} while waiting for ${what}; got ${got}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Reads the HTTP reply head, up to and including the blank line; later bytes stay buffered. */
  async readHead(): Promise<string> {
    await this.waitFor(() => this.received.includes('\r\n\r\n'), 'the reply head');
    const end = this.received.indexOf('\r\n\r\n') + 4;
    const head = this.received.subarray(0, end).toString('latin1');
    this.received = this.received.subarray(end);
    return head;
  }

  /** Reads exactly `length` more bytes. */
  async readBytes(length: number): Promise<Buffer> {
    await this.waitFor(() => this.received.length >= length, `${length} bytes`);
    const bytes = this.received.subarray(0, length);
    this.received = this.received.subarray(length);
    return bytes;
  }

  /** Reads one unmasked frame (what a server sends) with a 7- or 16-bit length. */
  async readFrame(): Promise<{ fin: boolean; opcode: number; payload: Buffer }> {
    const [first, second] = await this.readBytes(2);
    if (second & 0x80) throw new Error('a server frame must not be masked');
    let length = second & 0x7f;
    if (length === 126) length = (await this.readBytes(2)).readUInt16BE(0);
    else if (length === 127) throw new Error('64-bit lengths are not used by these tests');
    return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload: Buffer.from(await this.readBytes(length)) };
  }

  /** Waits for the peer to end the connection and returns every byte not read yet. */
  async readToEnd(): Promise<string> {
    await this.waitFor(() => this.ended, 'the end of the connection');
    const rest = this.received.toString('latin1');
    this.received = Buffer.alloc(0);
    return rest;
  }

  /** Whether the peer has ended or closed the connection. */
  get hasEnded(): boolean {
    return this.ended;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Sends `request` on a fresh connection and returns everything the server sends before it ends the connection. */
export async function exchange(port: number, request: string | Buffer): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    client.write(request);
    return await client.readToEnd();
  } finally {
    client.destroy();
  }
}

/** Resolves with the arguments of the next `event` on `emitter`, or rejects after {@link WAIT_MS}. */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter: { once(event: string, listener: (...args: never[]) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for '${event}'`)), WAIT_MS);
    emitter.once(event, (...args: never[]) => {
      clearTimeout(timer);
      resolve(args as unknown as T);
    });
  });
}
