/**
 * The client socket of the faye-websocket API: `new WebSocket.Client(url, protocols, options)`. It connects (over
 * TLS for `wss:`, or through an HTTP proxy with `CONNECT`), writes its own handshake request and checks the reply
 * as websocket-driver does: a failed check is an `error` (`Error during WebSocket handshake: …`) and a `close`
 * with 1002; a network error is an `error` (`Network error: <url>: …`) and a `close` with 1006.
 */
import crypto from 'crypto';
import net, { type Socket, type NetConnectOpts } from 'net';
import tls, { type ConnectionOptions } from 'tls';
import { computeAcceptKey } from '../handshake';
import { parseExtensions } from '../extension';
import { HeaderLines, ResponseHeadReader, type ResponseHead } from './http';
import { protocolArray, type ProtocolList } from './server';
import { FayeSocket, SOCKET_OPTION_NAMES, validateOptions, type FayeProxyOptions, type FayeSocketOptions } from './socket';

/** The options of a client socket. */
export interface FayeClientOptions extends FayeSocketOptions {
  /** Options added to `net.connect` (a plain `ws:` connection). */
  net?: Partial<NetConnectOpts>;
}

/** The option names a client accepts. */
const CLIENT_OPTION_NAMES: readonly string[] = [...SOCKET_OPTION_NAMES, 'net'];

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };
const SECURE_PROTOCOLS = new Set(['https:', 'wss:']);

/** `url` parsed, or null when it is not a URL. */
function parseUrl(url: unknown): URL | null {
  try {
    return new URL(String(url));
  } catch {
    return null;
  }
}

/** The `Basic` credentials of a URL's user and password, or undefined when it has not both. */
function basicAuthorization(url: URL): string | undefined {
  if (!url.username || !url.password) return undefined;
  return `Basic ${Buffer.from(`${url.username}:${url.password}`).toString('base64')}`;
}

/** A URL's host name as `net.connect` takes it (an IPv6 address without its brackets). */
function connectHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** The TLS server name for `host`: none for an IP address, which a server name may not be (RFC 6066). */
function serverName(host: string): string | undefined {
  return net.isIP(host) ? undefined : host;
}

/** Where the client is in its handshake. */
const enum Stage {
  /** Waiting for the proxy's reply to CONNECT. */
  Proxy,
  /** Waiting for the server's reply to the WebSocket request. */
  Handshake,
  /** Open (or closed): bytes are frames. */
  Frames,
}

/** A WebSocket client. */
export class FayeClient extends FayeSocket {
  /** The response's headers (names lowercased), once it arrived (or the handshake failed on it). */
  headers: Record<string, string> | undefined = undefined;
  /** The response's status code, likewise. */
  statusCode: number | undefined = undefined;

  private readonly target: URL;
  private readonly protocols: string[];
  private readonly key: string;
  private readonly originTls: ConnectionOptions;
  private stage: Stage;
  private reader = new ResponseHeadReader();

  /**
   * Connects to `url` (`ws:` or `wss:`, else it throws `<url> is not a valid WebSocket URL`), offering
   * `protocols`. Throws `Unrecognized option: <name>` for an option it does not know.
   */
  constructor(url: string, protocols?: ProtocolList, options?: FayeClientOptions) {
    const target = parseUrl(url);
    if (target === null || (target.protocol !== 'ws:' && target.protocol !== 'wss:')) {
      throw new Error(`${url} is not a valid WebSocket URL`);
    }
    validateOptions(options, CLIENT_OPTION_NAMES);
    const config = options ?? {};
    const offered = protocolArray(protocols);
    const lines = new HeaderLines();
    lines.set('Host', target.host);
    lines.set('Upgrade', 'websocket');
    lines.set('Connection', 'Upgrade');
    const key = crypto.randomBytes(16).toString('base64');
    lines.set('Sec-WebSocket-Key', key);
    lines.set('Sec-WebSocket-Version', '13');
    if (offered.length > 0) lines.set('Sec-WebSocket-Protocol', offered.join(', '));
    lines.set('Authorization', basicAuthorization(target));
    super(String(url), true, config, lines);
    this.key = key;
    this.target = target;
    this.protocols = offered;
    this.originTls = { ...config.tls, ca: config.tls?.ca ?? config.ca };

    const proxy: FayeProxyOptions = config.proxy ?? {};
    const proxyUrl = proxy.origin === undefined ? null : parseUrl(proxy.origin);
    if (proxy.origin !== undefined && proxyUrl === null) throw new Error(`${proxy.origin} is not a valid proxy URL`);
    const endpoint = proxyUrl ?? target;
    const port = Number(endpoint.port) || DEFAULT_PORTS[endpoint.protocol];
    const host = connectHost(endpoint);
    this.stage = proxyUrl === null ? Stage.Handshake : Stage.Proxy;
    let socket: Socket;
    if (SECURE_PROTOCOLS.has(endpoint.protocol)) {
      const socketTls = proxyUrl === null ? this.originTls : (proxy.tls ?? {});
      const servername = socketTls.servername ?? serverName(host);
      socket = tls.connect({ ...socketTls, host, port, servername }, () => this.connected(proxyUrl, proxy.headers));
    } else {
      socket = net.connect({ ...config.net, host, port } as NetConnectOpts, () => this.connected(proxyUrl, proxy.headers));
    }
    this.attach(socket);
  }

  protected receivedBytes(chunk: Buffer): void {
    if (this.stage === Stage.Frames) {
      super.receivedBytes(chunk);
      return;
    }
    let reply: { head: ResponseHead; rest: Buffer } | null;
    try {
      reply = this.reader.push(chunk);
    } catch (error) {
      this.rejected(null, (error as Error).message);
      return;
    }
    if (reply === null) return;
    if (this.stage === Stage.Proxy) this.proxyReplied(reply.head, reply.rest);
    else this.serverReplied(reply.head, reply.rest);
  }

  /** The TCP (or TLS) connection is up: sends CONNECT to the proxy (with `proxyHeaders`), or the WebSocket request. */
  private connected(proxyUrl: URL | null, proxyHeaders: FayeProxyOptions['headers']): void {
    if (this.readyState !== FayeSocket.CONNECTING) return;
    if (proxyUrl === null) {
      this.sendRequest();
      return;
    }
    const port = this.target.port || DEFAULT_PORTS[this.target.protocol];
    const lines = new HeaderLines();
    lines.set('Host', this.target.host);
    lines.set('Connection', 'keep-alive');
    lines.set('Proxy-Connection', 'keep-alive');
    lines.set('Proxy-Authorization', basicAuthorization(proxyUrl));
    if (proxyHeaders) for (const name in proxyHeaders) lines.set(name, proxyHeaders[name]);
    (this.socket as Socket).write(`CONNECT ${this.target.hostname}:${port} HTTP/1.1\r\n${lines}\r\n`);
  }

  private sendRequest(): void {
    const path = this.target.pathname + this.target.search;
    (this.socket as Socket).write(`GET ${path} HTTP/1.1\r\n${this.headerLines as HeaderLines}\r\n`);
  }

  /** The proxy answered CONNECT: 200 opens the tunnel (with TLS inside it for `wss:`), anything else fails. */
  private proxyReplied(head: ResponseHead, rest: Buffer): void {
    if (head.statusCode !== 200) {
      this.emitError(`Can't establish a connection to the server at ${this.target.href}`);
      this.beginClose('', 1006);
      return;
    }
    this.stage = Stage.Handshake;
    this.reader = new ResponseHeadReader();
    if (this.target.protocol !== 'wss:') {
      this.sendRequest();
      if (rest.length > 0) this.receivedBytes(rest);
      return;
    }
    const tunnel = this.socket as Socket;
    tunnel.removeAllListeners('data');
    const host = connectHost(this.target);
    // `host` is what the certificate is checked against (a servername may not be an IP address).
    const secure = tls.connect({ host, servername: serverName(host), ...this.originTls, socket: tunnel }, () =>
      this.sendRequest(),
    );
    this.attach(secure);
  }

  /** The server answered the WebSocket request: checks it as websocket-driver does, then opens. */
  private serverReplied(head: ResponseHead, rest: Buffer): void {
    const headers = head.headers;
    this.statusCode = head.statusCode;
    this.headers = headers;
    const upgrade = headers['upgrade'] ?? '';
    const connection = headers['connection'] ?? '';
    const protocol = headers['sec-websocket-protocol'] ?? '';
    const extensions = parseExtensions(headers['sec-websocket-extensions']).filter((offer) => offer.name !== '');
    let problem: string | null = null;
    if (head.statusCode !== 101) problem = `Unexpected response code: ${head.statusCode}`;
    else if (upgrade === '') problem = "'Upgrade' header is missing";
    else if (upgrade.toLowerCase() !== 'websocket') problem = "'Upgrade' header value is not 'WebSocket'";
    else if (connection === '') problem = "'Connection' header is missing";
    else if (connection.toLowerCase() !== 'upgrade') problem = "'Connection' header value is not 'Upgrade'";
    else if (headers['sec-websocket-accept'] !== computeAcceptKey(this.key)) problem = 'Sec-WebSocket-Accept mismatch';
    else if (protocol !== '' && !this.protocols.includes(protocol)) problem = 'Sec-WebSocket-Protocol mismatch';
    else if (extensions.length > 0) {
      problem = `Server sent an extension response for unknown extension "${extensions[0].name}"`;
    }
    if (problem !== null) {
      this.rejected(head, problem);
      return;
    }
    this.stage = Stage.Frames;
    this.open(protocol, rest);
  }

  /** The handshake failed: `error` and `close` (1002) with `Error during WebSocket handshake: <problem>`. */
  private rejected(head: ResponseHead | null, problem: string): void {
    if (head !== null) {
      this.statusCode = head.statusCode;
      this.headers = head.headers;
    }
    this.stage = Stage.Frames;
    this.failHandshake(`Error during WebSocket handshake: ${problem}`);
  }
}
