import test from 'ava';
import type * as http from 'node:http';
import type { WebSocketConnection } from '../ts/connection';
import { Deprecation } from '../ts/deprecation';
import { version } from '../ts/version';
import type { WebSocketRequest } from '../ts/request';
import { WebSocketServer, type ServerConfig } from '../ts/server';
import { encodeFrame as encodeClientFrame } from './helpers/wire';
import {
  DEFAULT_ACCEPT,
  exchange,
  handshakeRequest,
  nextEvent,
  RawClient,
  startHttpServer,
  type TestHttpServer,
  WAIT_MS,
} from './helpers/raw-http';

const SWITCHING = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${DEFAULT_ACCEPT}\r\n`;

/** A running WebSocket server on a fresh http server, and the raw clients a test opened. */
interface Harness {
  http: TestHttpServer;
  server: WebSocketServer;
  connect(request?: string): Promise<RawClient>;
}

/** Runs `body` against a mounted server (keepalive off unless `config` says otherwise) and cleans everything up. */
async function withServer(config: Partial<ServerConfig>, body: (harness: Harness) => Promise<void>): Promise<void> {
  const http = await startHttpServer();
  const server = new WebSocketServer({ keepalive: false, ...config, httpServer: http.server });
  const clients: RawClient[] = [];
  const connect = async (request?: string): Promise<RawClient> => {
    const client = await RawClient.connect(http.port);
    clients.push(client);
    if (request !== undefined) client.write(request);
    return client;
  };
  try {
    await body({ http, server, connect });
  } finally {
    for (const client of clients) client.destroy();
    for (const connection of server.connections) connection.drop(1006, 'test over', true);
    await http.close();
  }
}

/** The next `request` event's request. */
async function nextRequest(server: WebSocketServer): Promise<WebSocketRequest> {
  const [request] = await nextEvent<[WebSocketRequest]>(server, 'request');
  return request;
}

/** Throws unless `fn` throws an error with `message`; returns that error. */
function throwsMessage(t: { is(a: unknown, b: unknown): void }, fn: () => unknown, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  t.is((caught as Error | undefined)?.message, message);
}

// ---------------------------------------------------------------------------------------------------------------
// Configuration and mounting

test('mount merges the 1.0.35 defaults with a shallow copy of the caller config, leaving it untouched', async (t) => {
  const http = await startHttpServer();
  try {
    const inherited = Object.create({ inheritedKey: 'from prototype' }) as Record<string, unknown>;
    const config = Object.assign(inherited, { httpServer: http.server, closeTimeout: undefined, custom: 42 });
    const before = { ...config };
    const server = new WebSocketServer(config as unknown as ServerConfig);
    t.deepEqual({ ...server.config }, {
      httpServer: [http.server],
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
      autoAcceptConnections: false,
      ignoreXForwardedFor: false,
      parseCookies: true,
      parseExtensions: true,
      disableNagleAlgorithm: true,
      closeTimeout: undefined,
      custom: 42,
      inheritedKey: 'from prototype',
    });
    t.true('closeTimeout' in (server.config as object));
    t.deepEqual({ ...config }, before);
    t.is(config.httpServer, http.server, 'the caller keeps its non-array httpServer');
    t.deepEqual(server.connections, []);
    t.deepEqual(server.pendingRequests, []);
    server.unmount();
  } finally {
    await http.close();
  }
});

test('without a config nothing is mounted; mount needs an httpServer; unmount before mount is a TypeError', (t) => {
  const server = new WebSocketServer();
  t.is(server.config, undefined);
  t.throws(() => server.unmount(), { instanceOf: TypeError });
  throwsMessage(t, () => server.mount({} as ServerConfig), 'You must specify an httpServer on which to mount the WebSocket server.');
  throwsMessage(
    t,
    () => new WebSocketServer({ httpServer: null } as unknown as ServerConfig),
    'You must specify an httpServer on which to mount the WebSocket server.',
  );
});

test('mounting twice adds the upgrade listener twice; unmount removes it from every server', async (t) => {
  const a = await startHttpServer();
  const b = await startHttpServer();
  try {
    const server = new WebSocketServer({ httpServer: [a.server, b.server] });
    t.is(a.server.listenerCount('upgrade'), 1);
    t.is(b.server.listenerCount('upgrade'), 1);
    t.deepEqual(server.config?.httpServer, [a.server, b.server]);
    server.mount({ httpServer: a.server });
    t.is(a.server.listenerCount('upgrade'), 2);
    server.unmount();
    t.is(a.server.listenerCount('upgrade'), 1, 'only the current config is unmounted');
    t.is(b.server.listenerCount('upgrade'), 1);
    server.mount({ httpServer: [a.server, b.server] });
    server.unmount();
    t.is(a.server.listenerCount('upgrade'), 1, 'each unmount removes one registration');
    server.unmount();
    t.is(a.server.listenerCount('upgrade'), 0);
    t.is(b.server.listenerCount('upgrade'), 0);
  } finally {
    await a.close();
    await b.close();
  }
});

test('one server answers upgrades on several http servers', async (t) => {
  const a = await startHttpServer();
  const b = await startHttpServer();
  const server = new WebSocketServer({ httpServer: [a.server, b.server], autoAcceptConnections: true, keepalive: false });
  const clients: RawClient[] = [];
  try {
    for (const http of [a, b]) {
      const client = await RawClient.connect(http.port);
      clients.push(client);
      client.write(handshakeRequest());
      t.is(await client.readHead(), SWITCHING + '\r\n');
    }
    t.is(server.connections.length, 2);
  } finally {
    for (const client of clients) client.destroy();
    await a.close();
    await b.close();
  }
});

test('after unmount, Node handles an upgrade request as an ordinary request', async (t) => {
  const http = await startHttpServer((_request, response) => response.end('plain http'));
  try {
    const server = new WebSocketServer({ httpServer: http.server, autoAcceptConnections: true });
    server.unmount();
    const reply = await exchange(http.port, handshakeRequest({ Connection: 'Upgrade, close' }));
    t.regex(reply, /^HTTP\/1\.1 200 OK\r\n/);
    t.true(reply.endsWith('plain http'));
  } finally {
    await http.close();
  }
});

// ---------------------------------------------------------------------------------------------------------------
// The request object

test('a request exposes the parsed handshake', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    const pending = nextRequest(server);
    await connect(
      handshakeRequest(
        {
          Host: '127.0.0.1:8080',
          Origin: 'http://origin.example',
          'Sec-WebSocket-Origin': 'http://ignored-for-v13',
          'Sec-WebSocket-Protocol': 'Chat, superChat',
          'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
          Cookie: 'a=1; b="two"; c; d=%41',
        },
        '/path/to?x=1&x=2&y',
      ),
    );
    const request = await pending;
    t.is(request.resource, '/path/to?x=1&x=2&y');
    t.is(request.resourceURL.pathname, '/path/to');
    t.deepEqual({ ...request.resourceURL.query }, { x: ['1', '2'], y: '' });
    t.is(request.host, '127.0.0.1:8080');
    t.is(request.key, 'dGhlIHNhbXBsZSBub25jZQ==');
    t.is(request.webSocketVersion, 13);
    t.is(request.origin, 'http://origin.example');
    t.deepEqual(request.requestedProtocols, ['chat', 'superchat']);
    t.deepEqual(request.protocolFullCaseMap, { chat: 'Chat', superchat: 'superChat' });
    t.deepEqual(request.requestedExtensions, [
      { name: 'permessage-deflate', params: [{ name: 'client_max_window_bits', value: undefined }] },
    ]);
    t.deepEqual(request.cookies, [
      { name: 'a', value: '1' },
      { name: 'b', value: 'two' },
      { name: 'c', value: null },
      { name: 'd', value: 'A' },
    ]);
    t.is(request.remoteAddress, '127.0.0.1');
    t.deepEqual(request.remoteAddresses, ['127.0.0.1']);
    t.is(request.httpRequest.headers.host, '127.0.0.1:8080');
    t.deepEqual(server.pendingRequests, [request]);
    request.reject();
  });
});

test('version 8 reads Sec-WebSocket-Origin; a missing origin is undefined', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    let pending = nextRequest(server);
    await connect(handshakeRequest({ 'Sec-WebSocket-Version': '8', Origin: 'http://no', 'Sec-WebSocket-Origin': 'http://v8' }));
    let request = await pending;
    t.is(request.webSocketVersion, 8);
    t.is(request.origin, 'http://v8');
    request.reject();

    pending = nextRequest(server);
    await connect(handshakeRequest());
    request = await pending;
    t.is(request.origin, undefined);
    t.deepEqual(request.requestedProtocols, []);
    t.deepEqual(request.requestedExtensions, []);
    t.deepEqual(request.cookies, []);
    request.reject();
  });
});

test('X-Forwarded-For sets remoteAddress and remoteAddresses unless ignoreXForwardedFor', async (t) => {
  for (const ignoreXForwardedFor of [false, true]) {
    await withServer({ ignoreXForwardedFor }, async ({ server, connect }) => {
      const pending = nextRequest(server);
      await connect(handshakeRequest({ 'X-Forwarded-For': '10.0.0.1, 10.0.0.2,10.0.0.3' }));
      const request = await pending;
      if (ignoreXForwardedFor) {
        t.is(request.remoteAddress, '127.0.0.1');
        t.deepEqual(request.remoteAddresses, ['127.0.0.1']);
      } else {
        t.is(request.remoteAddress, '10.0.0.1');
        t.deepEqual(request.remoteAddresses, ['10.0.0.1', '10.0.0.2', '10.0.0.3', '127.0.0.1']);
      }
      const connection = request.accept();
      t.is(connection.remoteAddress, request.remoteAddress);
      t.is(connection.remoteAddresses, request.remoteAddresses);
      t.is(connection.webSocketVersion, 13);
    });
  }
});

test('without X-Forwarded-For, remoteAddresses is the socket address: one array for request and connection, kept after close', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    let pending = nextRequest(server);
    const client = await connect(handshakeRequest());
    let request = await pending;
    let connection = request.accept();
    client.destroy();
    await nextEvent(connection, 'close');
    t.deepEqual(connection.remoteAddresses, ['127.0.0.1']);
    t.is(connection.remoteAddresses, request.remoteAddresses);

    pending = nextRequest(server);
    await connect(handshakeRequest());
    request = await pending;
    const addresses = request.remoteAddresses;
    connection = request.accept();
    t.is(connection.remoteAddresses, addresses);
    t.deepEqual(addresses, ['127.0.0.1']);
  });
});

test('parseCookies and parseExtensions off leave empty lists (and a malformed cookie is not an error)', async (t) => {
  await withServer({ parseCookies: false, parseExtensions: false }, async ({ server, connect }) => {
    const pending = nextRequest(server);
    await connect(handshakeRequest({ Cookie: 'a=%', 'Sec-WebSocket-Extensions': 'x' }));
    const request = await pending;
    t.deepEqual(request.cookies, []);
    t.deepEqual(request.requestedExtensions, []);
    request.reject();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// accept()

interface AcceptCase {
  title: string;
  headers: Record<string, string>;
  accept: (request: WebSocketRequest) => WebSocketConnection;
  reply: string;
  protocol: string | null | undefined;
}

const ACCEPTS: AcceptCase[] = [
  { title: 'no arguments', headers: {}, accept: (r) => r.accept(), reply: SWITCHING + '\r\n', protocol: undefined },
  {
    title: 'a protocol, echoed in the client spelling',
    headers: { 'Sec-WebSocket-Protocol': 'Chat, Other' },
    accept: (r) => r.accept('chat'),
    reply: SWITCHING + 'Sec-WebSocket-Protocol: Chat\r\n\r\n',
    protocol: 'chat',
  },
  {
    title: 'a null protocol and a version-13 origin',
    headers: { 'Sec-WebSocket-Protocol': 'chat' },
    accept: (r) => r.accept(null, 'http://allowed.example'),
    reply: SWITCHING + 'Origin: http://allowed.example\r\n\r\n',
    protocol: null,
  },
  {
    title: 'a version-8 origin',
    headers: { 'Sec-WebSocket-Version': '8' },
    accept: (r) => r.accept(undefined, 'http://v8.example'),
    reply: SWITCHING + 'Sec-WebSocket-Origin: http://v8.example\r\n\r\n',
    protocol: undefined,
  },
  {
    title: 'an origin with CR/LF stripped',
    headers: {},
    accept: (r) => r.accept('', 'http://x\r\nInjected: 1'),
    reply: SWITCHING + 'Origin: http://xInjected: 1\r\n\r\n',
    protocol: '',
  },
  {
    title: 'protocol, origin and cookies together, in that order',
    headers: { 'Sec-WebSocket-Protocol': 'v2.Proto' },
    accept: (r) => r.accept('v2.proto', 'null', [{ name: 'sid', value: 'abc', httponly: true }, { name: 'n', value: '1' }]),
    reply: SWITCHING + 'Sec-WebSocket-Protocol: v2.Proto\r\nOrigin: null\r\nSet-Cookie: sid=abc;HttpOnly\r\nSet-Cookie: n=1\r\n\r\n',
    protocol: 'v2.proto',
  },
];

for (const acceptCase of ACCEPTS) {
  test(`accept with ${acceptCase.title}: the exact 101 reply`, async (t) => {
    await withServer({}, async ({ server, connect }) => {
      const pending = nextRequest(server);
      const client = await connect(handshakeRequest(acceptCase.headers));
      const connection = acceptCase.accept(await pending);
      t.is(await client.readHead(), acceptCase.reply);
      t.is(connection.protocol, acceptCase.protocol);
      t.deepEqual(connection.extensions, []);
    });
  });
}

test('accept events: requestResolved, then server connect, then requestAccepted, then accept returns', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    const pending = nextRequest(server);
    await connect(handshakeRequest());
    const request = await pending;
    const order: string[] = [];
    let connected: WebSocketConnection | undefined;
    request.on('requestResolved', (resolved) => {
      t.is(resolved, request);
      order.push('requestResolved');
    });
    server.on('connect', (connection) => {
      connected = connection;
      order.push('connect');
      t.true(server.connections.includes(connection));
      t.deepEqual(server.pendingRequests, []);
    });
    request.on('requestAccepted', (connection) => {
      t.is(connected, connection);
      order.push('requestAccepted');
    });
    const connection = request.accept();
    order.push('returned');
    t.is(connected, connection);
    t.deepEqual(order, ['requestResolved', 'connect', 'requestAccepted', 'returned']);
  });
});

test('sends made inside connect handlers follow the 101 on the wire', async (t) => {
  await withServer({ autoAcceptConnections: true }, async ({ server, connect }) => {
    server.on('connect', (connection) => connection.sendUTF('first'));
    const client = await connect(handshakeRequest());
    t.is(await client.readHead(), SWITCHING + '\r\n');
    t.deepEqual(await client.readFrame(), { fin: true, opcode: 1, payload: Buffer.from('first') });
  });
});

test('autoAcceptConnections takes the first protocol in client spelling, echoes the origin, and emits no request', async (t) => {
  await withServer({ autoAcceptConnections: true }, async ({ server, connect }) => {
    server.on('request', () => t.fail('request must not be emitted when auto-accepting'));
    const connected = nextEvent<[WebSocketConnection]>(server, 'connect');
    const client = await connect(handshakeRequest({ 'Sec-WebSocket-Protocol': 'Foo, bar', Origin: 'http://o.example' }));
    t.is(await client.readHead(), SWITCHING + 'Sec-WebSocket-Protocol: Foo\r\nOrigin: http://o.example\r\n\r\n');
    const [connection] = await connected;
    t.is(connection.protocol, 'foo');
  });
});

test("accept('Chat') for a client that asked for Chat: 500 and 'not requested' (arguments must be lowercase)", async (t) => {
  await withServer({}, async ({ server, connect }) => {
    const pending = nextRequest(server);
    const client = await connect(handshakeRequest({ 'Sec-WebSocket-Protocol': 'Chat' }));
    const request = await pending;
    const rejected = nextEvent(request, 'requestRejected');
    throwsMessage(t, () => request.accept('Chat'), 'Specified protocol was not requested by the client.');
    await rejected;
    t.is(await client.readToEnd(), 'HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n');
    throwsMessage(t, () => request.accept('chat'), 'WebSocketRequest may only be accepted or rejected one time.');
    t.deepEqual(server.connections, []);
  });
});

test('an illegal subprotocol character: 500 and the character in the message', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    const pending = nextRequest(server);
    const client = await connect(handshakeRequest());
    const request = await pending;
    throwsMessage(t, () => request.accept('a/b'), 'Illegal character "/" in subprotocol.');
    t.is(await client.readToEnd(), 'HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n');
  });
});

test('an unrequested but valid protocol is refused with 500', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    const pending = nextRequest(server);
    const client = await connect(handshakeRequest({ 'Sec-WebSocket-Protocol': 'a' }));
    const request = await pending;
    throwsMessage(t, () => request.accept('b'), 'Specified protocol was not requested by the client.');
    t.is(await client.readToEnd(), 'HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n');
  });
});

test('accept and reject may be called once in total', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    let pending = nextRequest(server);
    await connect(handshakeRequest());
    let request = await pending;
    request.accept();
    throwsMessage(t, () => request.accept(), 'WebSocketRequest may only be accepted or rejected one time.');
    throwsMessage(t, () => request.reject(), 'WebSocketRequest may only be accepted or rejected one time.');

    pending = nextRequest(server);
    await connect(handshakeRequest());
    request = await pending;
    request.reject();
    throwsMessage(t, () => request.reject(), 'WebSocketRequest may only be accepted or rejected one time.');
    throwsMessage(t, () => request.accept(), 'WebSocketRequest may only be accepted or rejected one time.');
  });
});

test('a keepalive config the connection refuses: accept throws and the client gets a 500', async (t) => {
  await withServer({ keepalive: true, keepaliveInterval: 'soon' as unknown as number }, async ({ server, connect }) => {
    const pending = nextRequest(server);
    const client = await connect(handshakeRequest());
    const request = await pending;
    throwsMessage(t, () => request.accept(), 'keepaliveInterval must be specified and numeric if keepalive is true.');
    t.is(await client.readToEnd(), 'HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n');
  });
});

test('bytes sent together with the handshake reach the connection as its first message', async (t) => {
  await withServer({}, async ({ http, server, connect }) => {
    const heads: number[] = [];
    http.server.prependListener('upgrade', (_request, _socket, head: Buffer) => heads.push(head.length));
    const mask = new Uint8Array([1, 2, 3, 4]);
    const frames = Buffer.concat([
      encodeClientFrame({ opcode: 1, mask, payload: Buffer.from('pipelined') }),
      encodeClientFrame({ opcode: 2, mask, payload: Buffer.from([7, 8]) }),
    ]);
    const pending = nextRequest(server);
    const client = await connect();
    client.write(Buffer.concat([Buffer.from(handshakeRequest(), 'latin1'), frames]));
    const request = await pending;
    t.deepEqual(heads, [frames.length], 'the frames arrived as the head of the upgrade');
    const connection = request.accept();
    const messages: unknown[] = [];
    connection.on('message', (message) => messages.push(message));
    t.is(await client.readHead(), SWITCHING + '\r\n');
    const deadline = Date.now() + WAIT_MS;
    while (messages.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    t.deepEqual(messages, [
      { type: 'utf8', utf8Data: 'pipelined' },
      { type: 'binary', binaryData: Buffer.from([7, 8]) },
    ]);
  });
});

test('the connection starts reading on the tick after the 101 is written, and leaves no write-callback slot behind', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    const pending = nextRequest(server);
    const client = await connect(handshakeRequest());
    const request = await pending;
    const socket = request.socket;
    request.accept();
    t.is(socket.listenerCount('data'), 0, 'not in the same tick (1.0.35 waits for the write)');
    await new Promise((resolve) => process.nextTick(resolve));
    t.is(socket.listenerCount('data'), 1);
    expectSwitching(await client.readHead());
    // Node adds this slot to a socket's WritableState for good when a write given a callback completes at once.
    const slots = Object.getOwnPropertySymbols((socket as unknown as { _writableState: object })._writableState);
    t.false(slots.some((slot) => slot.description === 'kAfterWriteTickInfoValue'));
  });
});

test('a 101 that has to queue: the connection starts reading once it is written, or closes 1006 if it never is', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    let pending = nextRequest(server);
    const client = await connect(handshakeRequest());
    let request = await pending;
    request.socket.cork();
    request.accept();
    await new Promise((resolve) => setImmediate(resolve));
    t.is(request.socket.listenerCount('data'), 0, 'the reply is still queued');
    request.socket.uncork();
    expectSwitching(await client.readHead());
    t.is(request.socket.listenerCount('data'), 1);

    pending = nextRequest(server);
    await connect(handshakeRequest());
    request = await pending;
    request.socket.cork();
    const connection = request.accept();
    const events: unknown[] = [];
    connection.on('error', () => events.push('error'));
    connection.on('close', (code, description) => events.push(['close', code, description]));
    request.socket.destroy();
    await nextEvent(connection, 'close');
    t.deepEqual(events, [['close', 1006, 'TCP connection lost before handshake completed.']]);
  });
});

test('a client that hangs up before accept: connect, then close 1006 on a later tick, and no error', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    const pending = nextRequest(server);
    const client = await connect(handshakeRequest());
    const request = await pending;
    const socketEnded = nextEvent(request.socket, 'end');
    client.destroy();
    await socketEnded;
    t.true(request._socketIsClosing);
    // The upgraded socket allows half-open connections, so it has not closed: the request is still pending (1.0.35).
    t.deepEqual(server.pendingRequests, [request]);
    const events: unknown[] = [];
    server.on('connect', () => events.push('server connect'));
    server.on('close', (_connection, code, description) => events.push(['server close', code, description]));
    const connection = request.accept();
    connection.on('error', () => events.push('error'));
    connection.on('close', (code, description) => events.push(['close', code, description]));
    t.deepEqual(events, ['server connect']);
    await nextEvent(connection, 'close');
    t.deepEqual(events, [
      'server connect',
      ['server close', 1006, 'TCP connection lost before handshake completed.'],
      ['close', 1006, 'TCP connection lost before handshake completed.'],
    ]);
  });
});

test('a reset while the request is pending does not crash, and the request is forgotten', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    const pending = nextRequest(server);
    const client = await connect(handshakeRequest());
    const request = await pending;
    const socketClosed = nextEvent(request.socket, 'close');
    client.socket.resetAndDestroy();
    await socketClosed;
    t.deepEqual(server.pendingRequests, []);
    t.true(request._socketIsClosing);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// reject()

interface RejectCase {
  title: string;
  reject: (request: WebSocketRequest) => void;
  reply: string;
}

const REJECTS: RejectCase[] = [
  { title: 'no arguments: 403', reject: (r) => r.reject(), reply: 'HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n' },
  {
    title: 'a non-number status: 403',
    reject: (r) => r.reject('404' as unknown as number, 'why'),
    reply: 'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nX-WebSocket-Reject-Reason: why\r\n\r\n',
  },
  {
    title: 'a status, reason and extra headers',
    reject: (r) => r.reject(401, 'Who are you?\r\n', { 'WWW-Authenticate': 'Basic realm="x"', 'Retry-After': 30 }),
    reply:
      'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nX-WebSocket-Reject-Reason: Who are you?\r\n' +
      'WWW-Authenticate: Basic realm="x"\r\nRetry-After: 30\r\n\r\n',
  },
  {
    title: 'a status 1.0.35 had no text for',
    reject: (r) => r.reject(499),
    reply: 'HTTP/1.1 499 \r\nConnection: close\r\n\r\n',
  },
];

for (const rejectCase of REJECTS) {
  test(`reject with ${rejectCase.title}`, async (t) => {
    await withServer({}, async ({ server, connect }) => {
      const pending = nextRequest(server);
      const client = await connect(handshakeRequest());
      const request = await pending;
      const order: string[] = [];
      request.on('requestResolved', () => order.push('requestResolved'));
      request.on('requestRejected', (rejected) => {
        t.is(rejected, request);
        order.push('requestRejected');
      });
      rejectCase.reject(request);
      t.deepEqual(order, ['requestResolved', 'requestRejected']);
      t.deepEqual(server.pendingRequests, []);
      t.is(await client.readToEnd(), rejectCase.reply);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Connections, close, shutDown

test("the server's close fires before the connection's own close listeners, after it left the list", async (t) => {
  await withServer({ autoAcceptConnections: true }, async ({ server, connect }) => {
    const connected = nextEvent<[WebSocketConnection]>(server, 'connect');
    const client = await connect(handshakeRequest());
    const [connection] = await connected;
    await client.readHead();
    const order: unknown[] = [];
    server.on('close', (closed, code, description) => {
      t.is(closed, connection);
      t.false(server.connections.includes(connection));
      order.push(['server', code, description]);
    });
    connection.on('close', (code, description) => order.push(['connection', code, description]));
    const closed = nextEvent(connection, 'close');
    client.socket.end();
    await closed;
    t.deepEqual(order, [
      ['server', 1006, 'Connection dropped by remote peer.'],
      ['connection', 1006, 'Connection dropped by remote peer.'],
    ]);
    t.deepEqual(server.connections, []);
  });
});

test('shutDown: listeners go at once, connections get a normal close, pending requests a 503 on the next tick', async (t) => {
  await withServer({}, async ({ http, server, connect }) => {
    let pending = nextRequest(server);
    const open = await connect(handshakeRequest());
    const connection = (await pending).accept();
    t.is(await open.readHead(), SWITCHING + '\r\n');

    pending = nextRequest(server);
    const waiting = await connect(handshakeRequest());
    const waitingRequest = await pending;
    let resolvedSynchronously = true;
    waitingRequest.on('requestResolved', () => t.false(resolvedSynchronously));

    const closed = nextEvent<[number, string]>(connection, 'close');
    server.shutDown();
    resolvedSynchronously = false;
    t.is(http.server.listenerCount('upgrade'), 0);
    t.true(http.server.listening);

    const reason = Buffer.from('Normal connection closure');
    t.deepEqual(await open.readFrame(), {
      fin: true,
      opcode: 8,
      payload: Buffer.concat([Buffer.from([0x03, 0xe8]), reason]),
    });
    open.write(encodeClientFrame({ opcode: 8, mask: new Uint8Array(4), payload: Buffer.from([0x03, 0xe8]) }));
    open.socket.end();
    t.deepEqual(await closed, [1000, 'Normal connection closure']);
    t.is(await waiting.readToEnd(), 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
  });
});

test('closeAllConnections skips a pending request the application resolved before the tick', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    const pending = nextRequest(server);
    const client = await connect(handshakeRequest());
    const request = await pending;
    server.closeAllConnections();
    request.reject(409);
    await new Promise((resolve) => setImmediate(resolve));
    t.is(await client.readToEnd(), 'HTTP/1.1 409 Conflict\r\nConnection: close\r\n\r\n');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Broadcast

/** Opens `count` auto-accepted connections and returns their clients, past the 101. */
async function openClients(harness: Harness, count: number): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  for (let i = 0; i < count; i++) {
    const client = await harness.connect(handshakeRequest());
    expectSwitching(await client.readHead());
    clients.push(client);
  }
  return clients;
}

function expectSwitching(head: string): void {
  if (head !== SWITCHING + '\r\n') throw new Error(`unexpected handshake reply ${JSON.stringify(head)}`);
}

test('broadcast sends text and binary to every connection', async (t) => {
  await withServer({ autoAcceptConnections: true }, async (harness) => {
    const clients = await openClients(harness, 2);
    const { server } = harness;
    server.broadcastUTF('hello');
    server.broadcastBytes(Buffer.from([1, 2, 3]));
    server.broadcast(Buffer.from([9]));
    server.broadcast('text');
    server.broadcast({ toString: () => 'object' });
    server.broadcast(12345 as unknown as string);
    for (const client of clients) {
      t.deepEqual(await client.readFrame(), { fin: true, opcode: 1, payload: Buffer.from('hello') });
      t.deepEqual(await client.readFrame(), { fin: true, opcode: 2, payload: Buffer.from([1, 2, 3]) });
      t.deepEqual(await client.readFrame(), { fin: true, opcode: 2, payload: Buffer.from([9]) });
      t.deepEqual(await client.readFrame(), { fin: true, opcode: 1, payload: Buffer.from('text') });
      t.deepEqual(await client.readFrame(), { fin: true, opcode: 1, payload: Buffer.from('object') });
      t.deepEqual(await client.readFrame(), { fin: true, opcode: 1, payload: Buffer.from('12345') });
    }
  });
});

test('broadcast fragments as the connections do', async (t) => {
  await withServer({ autoAcceptConnections: true, fragmentationThreshold: 4 }, async (harness) => {
    const [client] = await openClients(harness, 1);
    harness.server.broadcastUTF('abcdefghij');
    harness.server.broadcastUTF('abcd');
    t.deepEqual(await client.readFrame(), { fin: false, opcode: 1, payload: Buffer.from('abcd') });
    t.deepEqual(await client.readFrame(), { fin: false, opcode: 0, payload: Buffer.from('efgh') });
    t.deepEqual(await client.readFrame(), { fin: true, opcode: 0, payload: Buffer.from('ij') });
    t.deepEqual(await client.readFrame(), { fin: true, opcode: 1, payload: Buffer.from('abcd') });
  });
});

test('broadcast argument errors match 1.0.35', async (t) => {
  await withServer({ autoAcceptConnections: true }, async (harness) => {
    const { server } = harness;
    // With nobody connected, nothing is sent and nothing is checked.
    server.broadcastBytes('x' as unknown as Buffer);
    await openClients(harness, 1);
    throwsMessage(
      t,
      () => server.broadcastBytes('x' as unknown as Buffer),
      'You must pass a Node Buffer object to WebSocketConnection.prototype.sendBytes()',
    );
    t.throws(() => server.broadcast(null as unknown as string), { instanceOf: TypeError });
    t.notThrows(() => server.broadcast(Object.create(null) as string));
  });
});

test('a request listener added by the application keeps the server from answering 404', async (t) => {
  await withServer({}, async ({ server, connect }) => {
    const seen: http.IncomingMessage[] = [];
    server.on('request', (request) => {
      seen.push(request.httpRequest);
      request.reject(418);
    });
    const client = await connect(handshakeRequest());
    t.is(await client.readToEnd(), "HTTP/1.1 418 I'm a Teapot\r\nConnection: close\r\n\r\n");
    t.is(seen.length, 1);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Module utilities

test('version is the package.json version', (t) => {
  t.is(version, (require('../package.json') as { version: string }).version);
  t.regex(version, /^\d+\.\d+\.\d+/);
});

test('Deprecation warns once per name, never for unknown names, and not at all when disabled', (t) => {
  const printed: unknown[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => printed.push(args);
  try {
    t.false(Deprecation.disableWarnings);
    t.deepEqual(Deprecation.deprecationWarningMap, {});
    Deprecation.warn('unknown');
    Deprecation.deprecationWarningMap.old = 'old() is deprecated';
    Deprecation.warn('old');
    Deprecation.warn('old');
    t.deepEqual(printed, [['DEPRECATION WARNING: old() is deprecated']]);
    t.deepEqual(Deprecation.deprecationWarningMap, { old: false });
    Deprecation.deprecationWarningMap.quiet = 'quiet() is deprecated';
    Deprecation.disableWarnings = true;
    Deprecation.warn('quiet');
    t.is(printed.length, 1);
    t.is(Deprecation.deprecationWarningMap.quiet, 'quiet() is deprecated');
  } finally {
    console.warn = original;
    Deprecation.disableWarnings = false;
    delete Deprecation.deprecationWarningMap.old;
    delete Deprecation.deprecationWarningMap.quiet;
  }
});
