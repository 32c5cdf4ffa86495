/**
 * WebSocketClient beyond the handshake bytes: its config (defaults, merge, every option reaching the connection),
 * real sessions against ferrosocket's own server, wss with a self-signed certificate made in the set-up, HTTP
 * CONNECT proxies used through agents, and the client usage examples of the seed documents, run verbatim.
 */
import test from 'ava';
import * as http from 'node:http';
import * as https from 'node:https';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { CLIENT_DEFAULTS, WebSocketClient, type ClientConfig } from '../ts/client';
import type { Message, WebSocketConnection } from '../ts/connection';
import type { WebSocketFrame } from '../ts/frame';
import type { WebSocketRequest } from '../ts/request';
import { WebSocketServer, type ServerConfig } from '../ts/server';
import { W3CWebSocket } from '../ts/w3c-websocket';
import { makeCertificate, type Certificate } from './helpers/certificate';
import { nextEvent, WAIT_MS } from './helpers/raw-http';

const requireCjs = createRequire(__filename);
const LegacyClient = requireCjs('websocket').client as new (config?: object) => WebSocketClient;

let certificate: Certificate;

test.before(() => {
  certificate = makeCertificate(WAIT_MS);
});

/** An http(s) server on 127.0.0.1 with a ferrosocket server mounted on it. */
interface TestServer {
  port: number;
  wsServer: WebSocketServer;
  /** Requests in arrival order. */
  requests: WebSocketRequest[];
  close(): Promise<void>;
}

/**
 * Starts a server whose requests are accepted with their first protocol and their origin, and whose
 * connections echo every message, unless `onRequest` decides otherwise.
 */
async function startServer(
  options: { tls?: boolean; config?: Partial<ServerConfig>; onRequest?: (request: WebSocketRequest) => void } = {},
): Promise<TestServer> {
  const httpServer = options.tls ? https.createServer(certificate) : http.createServer();
  const sockets = new Set<net.Socket>();
  httpServer.on(options.tls ? 'secureConnection' : 'connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const wsServer = new WebSocketServer({ httpServer, keepalive: false, ...options.config });
  const requests: WebSocketRequest[] = [];
  wsServer.on('request', (request) => {
    requests.push(request);
    if (options.onRequest) {
      options.onRequest(request);
      return;
    }
    const connection = request.accept((request.requestedProtocols as string[])[0] ?? null, request.origin);
    connection.on('message', (message: Message) => {
      if (message.type === 'utf8') connection.sendUTF(message.utf8Data);
      else connection.sendBytes(message.binaryData);
    });
  });
  return {
    port: (httpServer.address() as net.AddressInfo).port,
    wsServer,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        wsServer.shutDown();
        for (const socket of sockets) socket.destroy();
        httpServer.close(() => resolve());
      }),
  };
}

/** Connects `client` and resolves with the connection; rejects on connectFailed or after {@link WAIT_MS}. */
function connect(client: WebSocketClient, url: string, ...args: unknown[]): Promise<WebSocketConnection> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out connecting')), WAIT_MS);
    client.once('connect', (connection) => {
      clearTimeout(timer);
      resolve(connection);
    });
    client.once('connectFailed', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    (client.connect as (...a: unknown[]) => void)(url, ...args);
  });
}

/** The next `count` messages of `connection`. */
function messages(connection: WebSocketConnection, count: number): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} messages`)), WAIT_MS);
    const received: Message[] = [];
    const onMessage = (message: Message): void => {
      received.push(message);
      if (received.length < count) return;
      clearTimeout(timer);
      connection.removeListener('message', onMessage);
      resolve(received);
    };
    connection.on('message', onMessage);
  });
}

test('config defaults: 1.0.35 values in 1.0.35 key order, the same object 1.0.35 builds', (t) => {
  const client = new WebSocketClient();
  t.deepEqual(Object.keys(client.config), [
    'maxReceivedFrameSize',
    'maxReceivedMessageSize',
    'fragmentOutgoingMessages',
    'fragmentationThreshold',
    'webSocketVersion',
    'assembleFragments',
    'disableNagleAlgorithm',
    'closeTimeout',
    'tlsOptions',
  ]);
  t.deepEqual(client.config, {
    maxReceivedFrameSize: 0x100000,
    maxReceivedMessageSize: 0x800000,
    fragmentOutgoingMessages: true,
    fragmentationThreshold: 0x4000,
    webSocketVersion: 13,
    assembleFragments: true,
    disableNagleAlgorithm: true,
    closeTimeout: 5000,
    tlsOptions: {},
  });
  t.deepEqual({ ...client.config }, { ...new LegacyClient().config });
  t.is(client.config.keepalive, undefined);
  t.is(client._req, null);
  t.not(new WebSocketClient().config.tlsOptions, client.config.tlsOptions);
  t.deepEqual({ ...CLIENT_DEFAULTS, tlsOptions: {} }, client.config);
});

test('config merge: shallow, explicit undefined wins, unknown keys kept, the caller’s object untouched', (t) => {
  const tlsOptions = { rejectUnauthorized: false, headers: { 'X-A': '1' } };
  const config: ClientConfig = { maxReceivedFrameSize: 10, closeTimeout: undefined, custom: 'kept', tlsOptions };
  const before = JSON.stringify(config);
  const client = new WebSocketClient(config);
  t.is(JSON.stringify(config), before);
  t.is(config.tlsOptions, tlsOptions);
  t.is(client.config.maxReceivedFrameSize, 10);
  t.true('closeTimeout' in client.config);
  t.is(client.config.closeTimeout as number | undefined, undefined);
  t.is(client.config.custom, 'kept');
  t.deepEqual(client.config.tlsOptions, tlsOptions);
  t.not(client.config.tlsOptions, tlsOptions);
  t.is(client.config.tlsOptions.headers, tlsOptions.headers);

  // What 1.0.35 merges is the same, but it deletes tlsOptions from the caller's object.
  const legacyConfig = { ...config };
  const legacy = new LegacyClient(legacyConfig);
  t.deepEqual({ ...client.config }, { ...legacy.config });
  t.false('tlsOptions' in legacyConfig);

  const inherited = Object.create({ fragmentationThreshold: 7 }) as ClientConfig;
  t.is(new WebSocketClient(inherited).config.fragmentationThreshold, 7);
  t.deepEqual(new WebSocketClient({ tlsOptions: null as unknown as undefined }).config.tlsOptions, {});
});

test('a session with ferrosocket’s server: protocol, origin, text and binary echo, a clean close', async (t) => {
  const server = await startServer();
  try {
    const client = new WebSocketClient();
    const connection = await connect(client, `ws://127.0.0.1:${server.port}/echo`, 'echo-protocol', 'http://example.com');
    const request = server.requests[0];
    t.is(request.resource, '/echo');
    t.is(request.origin, 'http://example.com');
    t.is(request.httpRequest.headers['sec-websocket-protocol'], 'echo-protocol');
    t.is(connection.protocol, 'echo-protocol');
    t.true(connection.connected);

    const echoed = messages(connection, 3);
    connection.sendUTF('hello');
    connection.sendBytes(Buffer.from([0, 1, 2, 255]));
    connection.send('x'.repeat(40000));
    t.deepEqual(await echoed, [
      { type: 'utf8', utf8Data: 'hello' },
      { type: 'binary', binaryData: Buffer.from([0, 1, 2, 255]) },
      { type: 'utf8', utf8Data: 'x'.repeat(40000) },
    ]);

    const serverClose = nextEvent<[WebSocketConnection, number, string]>(server.wsServer, 'close');
    const clientClose = nextEvent<[number, string]>(connection, 'close');
    connection.close();
    t.deepEqual(await clientClose, [1000, 'Normal connection closure']);
    t.deepEqual((await serverClose).slice(1), [1000, 'Normal connection closure']);
  } finally {
    await server.close();
  }
});

test('maxReceivedFrameSize: a larger frame from the server drops the connection with 1009', async (t) => {
  const server = await startServer({
    onRequest: acceptThen((connection) => connection.sendUTF('x'.repeat(11))),
  });
  try {
    const connection = await connect(new WebSocketClient({ maxReceivedFrameSize: 10 }), `ws://127.0.0.1:${server.port}/`);
    connection.sendUTF('go');
    t.deepEqual(await nextEvent(connection, 'close'), [1009, 'Frame size of 11 bytes exceeds maximum accepted frame size']);
  } finally {
    await server.close();
  }
});

test('maxReceivedMessageSize: a larger fragmented message drops the connection with 1009', async (t) => {
  const server = await startServer({
    config: { fragmentationThreshold: 4 },
    onRequest: acceptThen((connection) => connection.sendUTF('y'.repeat(12))),
  });
  try {
    const connection = await connect(new WebSocketClient({ maxReceivedMessageSize: 10 }), `ws://127.0.0.1:${server.port}/`);
    connection.sendUTF('go');
    t.deepEqual(await nextEvent(connection, 'close'), [1009, 'Maximum message size exceeded.']);
  } finally {
    await server.close();
  }
});

/** A request handler that accepts, then answers the client's first message with `send(connection)`. */
function acceptThen(send: (connection: WebSocketConnection) => void): (request: WebSocketRequest) => void {
  return (request) => {
    const connection = request.accept();
    connection.once('message', () => send(connection));
  };
}

/** Frames as the server saw them: opcode, FIN, masked, payload text. */
type SeenFrame = [number, boolean, boolean, string];

test('fragmentOutgoingMessages/fragmentationThreshold shape what the client writes; frames are masked', async (t) => {
  const seen: SeenFrame[] = [];
  let frameSeen: (() => void) | undefined;
  const server = await startServer({
    config: { assembleFragments: false },
    onRequest: (request) => {
      request.accept().on('frame', (frame: WebSocketFrame) => {
        if (frame.opcode >= 0x8) return;
        seen.push([frame.opcode, frame.fin, frame.mask, (frame.binaryPayload as Buffer).toString()]);
        frameSeen?.();
      });
    },
  });
  const framesUntil = (count: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for frames')), WAIT_MS);
      frameSeen = () => {
        if (seen.length < count) return;
        clearTimeout(timer);
        resolve();
      };
    });
  try {
    const fragmenting = await connect(new WebSocketClient({ fragmentationThreshold: 4 }), `ws://127.0.0.1:${server.port}/`);
    let done = framesUntil(3);
    fragmenting.sendUTF('abcdefghij');
    await done;
    t.deepEqual(seen.splice(0), [
      [0x1, false, true, 'abcd'],
      [0x0, false, true, 'efgh'],
      [0x0, true, true, 'ij'],
    ]);
    done = framesUntil(1);
    fragmenting.sendUTF('abcd');
    await done;
    t.deepEqual(seen.splice(0), [[0x1, true, true, 'abcd']]);
    fragmenting.drop();

    const whole = await connect(
      new WebSocketClient({ fragmentationThreshold: 4, fragmentOutgoingMessages: false }),
      `ws://127.0.0.1:${server.port}/`,
    );
    done = framesUntil(1);
    whole.sendBytes(Buffer.from('abcdefghij'));
    await done;
    t.deepEqual(seen.splice(0), [[0x2, true, true, 'abcdefghij']]);
    whole.drop();
  } finally {
    await server.close();
  }
});

test('assembleFragments: false gives frame events and no message events', async (t) => {
  const server = await startServer({ onRequest: acceptThen((connection) => connection.sendUTF('hi')) });
  try {
    const connection = await connect(new WebSocketClient({ assembleFragments: false }), `ws://127.0.0.1:${server.port}/`);
    connection.sendUTF('go');
    const received: Message[] = [];
    connection.on('message', (message: Message) => received.push(message));
    const [frame] = await nextEvent<[WebSocketFrame]>(connection, 'frame');
    t.deepEqual([frame.opcode, frame.fin, (frame.binaryPayload as Buffer).toString()], [0x1, true, 'hi']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    t.deepEqual(received, []);
    connection.drop();
  } finally {
    await server.close();
  }
});

test('closeTimeout: a server that never answers the close is given up on after that many ms', async (t) => {
  const server = await startServer({ onRequest: (request) => request.accept().pause() });
  try {
    const connection = await connect(new WebSocketClient({ closeTimeout: 150 }), `ws://127.0.0.1:${server.port}/`);
    const started = Date.now();
    const closed = nextEvent<[number, string]>(connection, 'close');
    connection.close();
    const [code] = await closed;
    const elapsed = Date.now() - started;
    t.is(code, 1006);
    t.true(elapsed >= 140 && elapsed < 2000, `${elapsed} ms`);
  } finally {
    await server.close();
  }
});

test('disableNagleAlgorithm goes to socket.setNoDelay()', async (t) => {
  const server = await startServer();
  try {
    for (const disableNagleAlgorithm of [true, false]) {
      const calls: boolean[] = [];
      const spyingConnection = (): net.Socket => {
        const socket = net.connect(server.port, '127.0.0.1');
        const setNoDelay = socket.setNoDelay.bind(socket);
        socket.setNoDelay = (noDelay?: boolean) => {
          calls.push(noDelay as boolean);
          return setNoDelay(noDelay);
        };
        return socket;
      };
      const client = new WebSocketClient({ disableNagleAlgorithm });
      const connection = await connect(client, `ws://127.0.0.1:${server.port}/`, null, null, null, {
        agent: undefined,
        createConnection: spyingConnection,
      });
      t.is(calls[calls.length - 1], disableNagleAlgorithm);
      connection.drop();
    }
  } finally {
    await server.close();
  }
});

test('keepalive options, off by default on a client, work when given', async (t) => {
  const pinged: Promise<unknown>[] = [];
  const server = await startServer({
    onRequest: (request) => {
      const connection = request.accept();
      pinged.push(nextEvent(connection, 'ping'));
    },
  });
  try {
    const connection = await connect(
      new WebSocketClient({ keepalive: true, keepaliveInterval: 100, dropConnectionOnKeepaliveTimeout: false }),
      `ws://127.0.0.1:${server.port}/`,
    );
    const [, payload] = (await pinged[0]) as [() => void, Buffer];
    t.deepEqual(payload, Buffer.alloc(0));
    connection.drop();
  } finally {
    await server.close();
  }
});

test('wss: tlsOptions reach https.request; the self-signed certificate is trusted only through them', async (t) => {
  const server = await startServer({ tls: true });
  try {
    const url = `wss://127.0.0.1:${server.port}/secure`;
    const untrusted = new WebSocketClient();
    const refused = nextEvent<[NodeJS.ErrnoException]>(untrusted, 'connectFailed');
    untrusted.connect(url);
    t.is((await refused)[0].code, 'DEPTH_ZERO_SELF_SIGNED_CERT');

    const tlsOptions = { ca: certificate.cert, headers: { 'X-From-Tls': 'tls', 'X-Both': 'tls' }, path: '/ignored', method: 'POST' };
    const client = new WebSocketClient({ tlsOptions });
    const connection = await connect(client, url, null, null, { 'X-Both': 'argument' });
    t.true(client.secure);
    t.true((connection.socket as tls.TLSSocket).encrypted);
    const request = server.requests[server.requests.length - 1];
    t.is(request.resource, '/secure');
    t.is(request.httpRequest.method, 'GET');
    t.is(request.host, `127.0.0.1:${server.port}`);
    t.is(request.httpRequest.headers['x-from-tls'], 'tls');
    t.is(request.httpRequest.headers['x-both'], 'argument');
    t.deepEqual(tlsOptions.headers, { 'X-From-Tls': 'tls', 'X-Both': 'tls' });

    const echoed = messages(connection, 1);
    connection.sendUTF('over tls');
    t.deepEqual(await echoed, [{ type: 'utf8', utf8Data: 'over tls' }]);
    connection.drop();
  } finally {
    await server.close();
  }
});

test('ws: ignores tlsOptions, headers included', async (t) => {
  const server = await startServer();
  try {
    const client = new WebSocketClient({ tlsOptions: { headers: { 'X-From-Tls': 'tls' } } });
    const connection = await connect(client, `ws://127.0.0.1:${server.port}/`);
    t.false(client.secure);
    t.is(server.requests[0].httpRequest.headers['x-from-tls'], undefined);
    connection.drop();
  } finally {
    await server.close();
  }
});

/** An HTTP proxy on 127.0.0.1 that tunnels CONNECT requests to 127.0.0.1 ports, and records their targets. */
interface ConnectProxy {
  port: number;
  targets: string[];
  close(): Promise<void>;
}

async function startConnectProxy(): Promise<ConnectProxy> {
  const targets: string[] = [];
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const proxy = http.createServer((_request, response) => response.writeHead(405).end());
  proxy.on('connect', (request: http.IncomingMessage, clientSocket: net.Socket, head: Buffer) => {
    track(clientSocket);
    const target = request.url as string;
    targets.push(target);
    const separator = target.lastIndexOf(':');
    if (target.slice(0, separator) !== '127.0.0.1') {
      clientSocket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(target.slice(separator + 1)), '127.0.0.1', () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    track(upstream);
    upstream.on('close', () => clientSocket.destroy());
    clientSocket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}

/** Opens a CONNECT tunnel to `target` through the proxy on `proxyPort`. */
function openTunnel(proxyPort: number, target: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: target, agent: false });
    request.once('connect', (response, socket) => {
      if (response.statusCode === 200) resolve(socket);
      else reject(new Error(`proxy answered ${response.statusCode}`));
    });
    request.once('error', reject);
    request.end();
  });
}

type ConnectionCallback = (error: Error | null, stream: Duplex) => void;

/** An agent that reaches every host through the CONNECT proxy (plain TCP inside the tunnel). */
class TunnelAgent extends http.Agent {
  constructor(private readonly proxyPort: number) {
    super();
  }

  override createConnection(options: http.ClientRequestArgs, callback?: ConnectionCallback): undefined {
    openTunnel(this.proxyPort, `${options.host}:${options.port}`).then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }
}

/** The same for https: TLS to the target, inside the tunnel. */
class TlsTunnelAgent extends https.Agent {
  constructor(private readonly proxyPort: number) {
    super();
  }

  override createConnection(options: http.ClientRequestArgs, callback?: ConnectionCallback): undefined {
    openTunnel(this.proxyPort, `${options.host}:${options.port}`).then(
      (socket) => callback?.(null, tls.connect({ ...(options as tls.ConnectionOptions), socket })),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }
}

test('an HTTP CONNECT proxy, through an agent in extraRequestOptions (ws: and wss:)', async (t) => {
  const proxy = await startConnectProxy();
  const plain = await startServer();
  const secure = await startServer({ tls: true });
  try {
    const client = new WebSocketClient();
    const connection = await connect(client, `ws://127.0.0.1:${plain.port}/via-proxy`, null, null, null, {
      agent: new TunnelAgent(proxy.port),
    });
    t.deepEqual(proxy.targets, [`127.0.0.1:${plain.port}`]);
    t.is(plain.requests[0].resource, '/via-proxy');
    t.is(plain.requests[0].host, `127.0.0.1:${plain.port}`);
    let echoed = messages(connection, 1);
    connection.sendUTF('tunnelled');
    t.deepEqual(await echoed, [{ type: 'utf8', utf8Data: 'tunnelled' }]);
    connection.close();

    const secureClient = new WebSocketClient({ tlsOptions: { ca: certificate.cert } });
    const secureConnection = await connect(secureClient, `wss://127.0.0.1:${secure.port}/`, null, null, null, {
      agent: new TlsTunnelAgent(proxy.port),
    });
    t.deepEqual(proxy.targets, [`127.0.0.1:${plain.port}`, `127.0.0.1:${secure.port}`]);
    echoed = messages(secureConnection, 1);
    secureConnection.sendBytes(Buffer.from('tls in a tunnel'));
    t.deepEqual(await echoed, [{ type: 'binary', binaryData: Buffer.from('tls in a tunnel') }]);
    secureConnection.close();

    const w3c = new W3CWebSocket(`ws://127.0.0.1:${plain.port}/w3c`, null, null, null, { agent: new TunnelAgent(proxy.port) });
    const opened = new Promise<void>((resolve) => (w3c.onopen = () => resolve()));
    await opened;
    t.is(proxy.targets.length, 3);
    w3c.close();
  } finally {
    await Promise.all([proxy.close(), plain.close(), secure.close()]);
  }
});

test('a proxy that refuses the tunnel is a connectFailed with the agent’s error', async (t) => {
  const proxy = await startConnectProxy();
  try {
    const client = new WebSocketClient();
    const failed = nextEvent<[Error]>(client, 'connectFailed');
    client.connect('ws://example.test/', null, null, null, { agent: new TunnelAgent(proxy.port) });
    t.is((await failed)[0].message, 'proxy answered 403');
    t.deepEqual(proxy.targets, ['example.test:80']);
  } finally {
    await proxy.close();
  }
});

/** Runs a seed snippet as CommonJS, with `require('websocket')` served by ferrosocket's main entry. */
function runSnippet(source: string, scope: Record<string, unknown>): void {
  const requireShim = (name: string): unknown => requireCjs(name === 'websocket' ? '../ts/index' : name);
  const names = Object.keys(scope);
  new Function('require', ...names, source)(requireShim, ...names.map((name) => scope[name]));
}

/** A console whose `log` lines are collected. */
function capturingConsole(): { console: Pick<Console, 'log'>; lines: string[]; waitFor(count: number): Promise<void> } {
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  return {
    lines,
    console: {
      log: (...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
        wake?.();
      },
    },
    waitFor: (count) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; logged ${JSON.stringify(lines)}`)), WAIT_MS);
        wake = () => {
          if (lines.length < count) return;
          clearTimeout(timer);
          resolve();
        };
        wake();
      }),
  };
}

test('seed 002 "Quick Client Setup", verbatim but for the address', async (t) => {
  const server = await startServer({
    onRequest: (request) => {
      const connection = request.accept(null, request.origin);
      connection.on('message', (message: Message) => {
        if (message.type === 'utf8') connection.sendUTF('Echo: ' + message.utf8Data);
      });
    },
  });
  const seed = `const WebSocket = require('websocket');

const client = new WebSocket.client();

client.on('connect', function(connection) {
connection.sendUTF('Hello Server!');

connection.on('message', function(message) {
console.log('Received: ' + message.utf8Data);
});
});

client.connect('ws://localhost:8080/');`;
  try {
    const captured = capturingConsole();
    runSnippet(seed.replace('ws://localhost:8080/', `ws://127.0.0.1:${server.port}/`), { console: captured.console });
    await captured.waitFor(1);
    t.deepEqual(captured.lines, ['Received: Echo: Hello Server!']);
  } finally {
    await server.close();
  }
});

test('seed 000/001 "Client-side: handling connection", verbatim, with its 5 s timer run 50 times faster', async (t) => {
  const received: Message[] = [];
  const serverClosed: Promise<[number, string]>[] = [];
  const server = await startServer({
    onRequest: (request) => {
      const connection = request.accept();
      serverClosed.push(nextEvent(connection, 'close'));
      connection.on('message', (message: Message) => {
        received.push(message);
        if (message.type === 'utf8') connection.sendUTF('ack ' + message.utf8Data);
      });
    },
  });
  const seed = `// Client-side: handling connection
client.on('connect', function(connection) {
// Send different types of data
connection.sendUTF('Hello Server!');
connection.sendBytes(Buffer.from([0x01, 0x02, 0x03, 0x04]));
// Auto-detect send method
connection.send('Text message'); // Uses sendUTF
connection.send(Buffer.from('Binary data')); // Uses sendBytes
// Handle responses
connection.on('message', function(message) {
if (message.type === 'utf8') {
console.log('Server says: ' + message.utf8Data);
}
});
// Graceful close after 5 seconds
setTimeout(function() {
connection.close(1000, 'Normal closure');
}, 5000);
});`;
  try {
    const captured = capturingConsole();
    const client = new WebSocketClient();
    const fastSetTimeout = (callback: () => void, ms: number) => setTimeout(callback, ms / 50);
    runSnippet(seed, { client, console: captured.console, setTimeout: fastSetTimeout, Buffer });
    client.connect(`ws://127.0.0.1:${server.port}/`);
    await captured.waitFor(2);
    t.deepEqual(captured.lines, ['Server says: ack Hello Server!', 'Server says: ack Text message']);
    t.deepEqual(received, [
      { type: 'utf8', utf8Data: 'Hello Server!' },
      { type: 'binary', binaryData: Buffer.from([1, 2, 3, 4]) },
      { type: 'utf8', utf8Data: 'Text message' },
      { type: 'binary', binaryData: Buffer.from('Binary data') },
    ]);
    const [code, description] = await serverClosed[0];
    t.deepEqual([code, description], [1000, 'Normal closure']);
  } finally {
    await server.close();
  }
});
