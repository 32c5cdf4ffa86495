/**
 * The client's opening handshake against raw TCP servers on 127.0.0.1 that read the request byte for byte and
 * write exact replies: the request it sends, each `connectFailed` cause with its exact text, `httpResponse`,
 * `abort()`, the synchronous argument errors, and bytes that arrive with the 101. Where 1.0.35 and ferrosocket
 * must agree, the real `websocket` 1.0.35 client is run against the same server as an oracle.
 */
import test from 'ava';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { WebSocketClient, WebSocketClientError, type ClientConfig } from '../ts/client';
import type { WebSocketConnection } from '../ts/connection';
import { computeAcceptKey } from '../ts/handshake';
import { WAIT_MS } from './helpers/raw-http';

const requireCjs = createRequire(__filename);
/** The published `websocket` 1.0.35 client, used as the oracle. */
const LegacyClient = requireCjs('websocket').client as new (config?: ClientConfig) => WebSocketClient;

/** A request as a raw server read it, with the socket to answer on. */
interface ReceivedRequest {
  head: string;
  socket: net.Socket;
}

/** A TCP server that hands each complete request head to `reply`, and records them all. */
interface RawServer {
  port: number;
  requests: ReceivedRequest[];
  nextRequest(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

async function startRawServer(reply: (request: ReceivedRequest) => void = () => undefined): Promise<RawServer> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<(request: ReceivedRequest) => void> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.removeListener('data', onData);
      const request = { head: received.subarray(0, end + 4).toString('latin1'), socket };
      requests.push(request);
      reply(request);
      waiters.shift()?.(request);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    nextRequest: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for a request')), WAIT_MS);
        waiters.push((request) => {
          clearTimeout(timer);
          resolve(request);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The value of header `name` (case-insensitive) in a raw request head. */
function headerValue(head: string, name: string): string | undefined {
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'));
  return line?.slice(name.length + 1).trim();
}

/** A correct 101 for `head`, with `extraLines` (complete header lines) after the accept line. */
function acceptReply(head: string, extraLines: string[] = []): string {
  const accept = computeAcceptKey(headerValue(head, 'Sec-WebSocket-Key') as string);
  return [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${accept}`,
    ...extraLines,
    '',
    '',
  ].join('\r\n');
}

type Outcome =
  | { event: 'connect'; connection: WebSocketConnection }
  | { event: 'connectFailed'; error: Error }
  | { event: 'timeout' };

/** The first outcome event of `client` within `waitMs` (a `timeout` outcome if none). */
function outcome(client: WebSocketClient, waitMs = WAIT_MS): Promise<Outcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ event: 'timeout' }), waitMs);
    client.once('connect', (connection) => {
      clearTimeout(timer);
      resolve({ event: 'connect', connection });
    });
    client.once('connectFailed', (error) => {
      clearTimeout(timer);
      resolve({ event: 'connectFailed', error });
    });
  });
}

/** The message of a `connectFailed`, failing the test on any other outcome. */
async function failureOf(client: WebSocketClient): Promise<Error> {
  const result = await outcome(client);
  if (result.event !== 'connectFailed') throw new Error(`expected connectFailed, got ${result.event}`);
  return result.error;
}

/** What `fn` throws. */
function thrown(fn: () => void): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-Y: z\r\n\r\n';

test('the request: exact bytes, in 1.0.35 header order, with a fresh 16-byte key', async (t) => {
  const server = await startRawServer(({ socket }) => socket.end(NOT_FOUND));
  try {
    const client = new WebSocketClient();
    const failed = failureOf(client);
    client.connect(`ws://127.0.0.1:${server.port}/chat/room?x=1&y=2`, ['chat', 'superchat'], 'http://example.com', {
      'X-Custom': 'v',
    });
    const { head } = await server.nextRequest();
    t.is(
      head,
      'GET /chat/room?x=1&y=2 HTTP/1.1\r\n' +
        'X-Custom: v\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        'Sec-WebSocket-Version: 13\r\n' +
        `Sec-WebSocket-Key: ${client.base64nonce}\r\n` +
        `Host: 127.0.0.1:${server.port}\r\n` +
        'Sec-WebSocket-Protocol: chat, superchat\r\n' +
        'Origin: http://example.com\r\n\r\n',
    );
    t.is(Buffer.from(client.base64nonce, 'base64').length, 16);
    t.regex(client.base64nonce, /^[A-Za-z0-9+/]{22}==$/);
    await failed;

    const second = new WebSocketClient();
    const secondFailed = failureOf(second);
    second.connect(`ws://127.0.0.1:${server.port}/`);
    t.not(headerValue((await server.nextRequest()).head, 'Sec-WebSocket-Key'), client.base64nonce);
    await secondFailed;
  } finally {
    await server.close();
  }
});

test('version 8 sends Sec-WebSocket-Origin; a Host header overrides the computed host in place', async (t) => {
  const server = await startRawServer(({ socket }) => socket.end(NOT_FOUND));
  try {
    const client = new WebSocketClient({ webSocketVersion: 8 });
    const failed = failureOf(client);
    client.connect(`ws://127.0.0.1:${server.port}`, ['a', 'b'], 'http://o', { Foo: 'bar', Host: 'custom.host' });
    t.is(
      (await server.nextRequest()).head,
      'GET / HTTP/1.1\r\nFoo: bar\r\nHost: custom.host\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: ${client.base64nonce}\r\n` +
        'Sec-WebSocket-Protocol: a, b\r\nSec-WebSocket-Origin: http://o\r\n\r\n',
    );
    await failed;
  } finally {
    await server.close();
  }
});

/** Replaces the key value, which is random, so two heads can be compared. */
function withoutKey(head: string): string {
  return head.replace(/^(Sec-WebSocket-Key: ).*$/m, '$1<key>');
}

test('the request matches what websocket 1.0.35 writes, for every argument shape', async (t) => {
  const server = await startRawServer(({ socket }) => socket.end(NOT_FOUND));
  const cases: Array<[string, ClientConfig | undefined, unknown[]]> = [
    ['/', undefined, []],
    ['', undefined, [null]],
    ['?only=query', undefined, ['']],
    ['/p', { webSocketVersion: 8 }, ['x', 'http://origin.example']],
    ['/p', undefined, [['a', 'b', 'c'], 'http://o', { 'X-One': '1', Host: 'h.example:1234' }]],
    ['/p', { webSocketVersion: 8 }, [[], undefined, { 'x-lower': 'y' }]],
    ['/p', undefined, [undefined, 'http://o', { Upgrade: 'ignored', 'Sec-WebSocket-Version': 'ignored' }]],
  ];
  try {
    for (const [path, config, args] of cases) {
      const heads: string[] = [];
      for (const Client of [LegacyClient, WebSocketClient]) {
        const client = new Client(config);
        const failed = failureOf(client);
        (client.connect as (...a: unknown[]) => void)(`ws://127.0.0.1:${server.port}${path}`, ...args);
        heads.push(withoutKey((await server.nextRequest()).head));
        await failed;
      }
      t.is(heads[1], heads[0], JSON.stringify([path, config, args]));
    }
  } finally {
    await server.close();
  }
});

test('Host: the default port is left out, another is kept, and an IPv6 host is bracketed', async (t) => {
  const server = await startRawServer(({ socket }) => socket.end(NOT_FOUND));
  // The URL names hosts and ports nothing listens on; the connection itself goes to the test server.
  const toTestServer = { agent: undefined, createConnection: () => net.connect(server.port, '127.0.0.1') };
  const cases: Array<[url: string, host: string, port: string]> = [
    ['ws://localhost/', 'localhost', '80'],
    ['ws://localhost:80/', 'localhost', '80'],
    ['ws://localhost:443/', 'localhost:443', '443'],
    ['ws://[::1]/', '[::1]', '80'],
    ['ws://[::1]:8080/x', '[::1]:8080', '8080'],
    ['ws://[2001:db8::7]:81/', '[2001:db8::7]:81', '81'],
  ];
  try {
    for (const [url, host, port] of cases) {
      const client = new WebSocketClient();
      const failed = failureOf(client);
      client.connect(url, null, null, null, toTestServer);
      t.is(headerValue((await server.nextRequest()).head, 'Host'), host, url);
      await failed;
      t.is(client.url.port, port, url);
    }
  } finally {
    await server.close();
  }
});

test('the URL: scheme default ports are written back; a WHATWG URL or a parsed object is not modified', async (t) => {
  const server = await startRawServer(({ socket }) => socket.end(NOT_FOUND));
  const toTestServer = { agent: undefined, createConnection: () => net.connect(server.port, '127.0.0.1') };
  try {
    const client = new WebSocketClient();
    let failed = failureOf(client);
    client.connect('ws://example.test/a?b=c', null, null, null, toTestServer);
    t.is((await server.nextRequest()).head.split('\r\n')[0], 'GET /a?b=c HTTP/1.1');
    await failed;
    t.is(client.url.port, '80');
    t.is(client.url.hostname, 'example.test');

    const whatwg = new URL('ws://example.test/w?q=1');
    failed = failureOf(client);
    client.connect(whatwg, null, null, null, toTestServer);
    const head = (await server.nextRequest()).head;
    t.is(head.split('\r\n')[0], 'GET /w?q=1 HTTP/1.1');
    t.is(headerValue(head, 'Host'), 'example.test');
    await failed;
    t.is(whatwg.port, '');

    const parsed = { protocol: 'ws:', host: 'example.test', hostname: 'example.test', port: null, pathname: '/p', path: '/p' };
    failed = failureOf(client);
    client.connect(parsed, null, null, null, toTestServer);
    t.is((await server.nextRequest()).head.split('\r\n')[0], 'GET /p HTTP/1.1');
    await failed;
    t.is(parsed.port, null);
  } finally {
    await server.close();
  }
});

test('connect() throws before any I/O for a bad URL or subprotocol, with 1.0.35 texts', (t) => {
  const client = new WebSocketClient();
  const cases: Array<[string, unknown, string]> = [
    ['/relative', undefined, 'You must specify a full WebSocket URL, including protocol.'],
    ['ws:///x', undefined, 'You must specify a full WebSocket URL, including hostname. Relative URLs are not supported.'],
    ['ws://127.0.0.1:1/', 'a b', 'Protocol list contains invalid character " "'],
    ['ws://127.0.0.1:1/', ['ok', 'a,b'], 'Protocol list contains invalid character ","'],
    ['ws://127.0.0.1:1/', ['tab\there'], 'Protocol list contains invalid character "\t"'],
    ['ws://127.0.0.1:1/', ['caf\u00e9'], 'Protocol list contains invalid character "\u00e9"'],
    ['ws://127.0.0.1:1/', ['x/y'], 'Protocol list contains invalid character "/"'],
  ];
  for (const [url, protocols, message] of cases) {
    const error = thrown(() => client.connect(url, protocols as string[]));
    t.is(error.message, message, url);
    t.true(error instanceof WebSocketClientError);
    t.is((error as WebSocketClientError).status, 0);
    t.is(client._req, null);
    const legacy = thrown(() => new LegacyClient().connect(url, protocols as string[]));
    t.is(legacy.message, message);
  }
  t.is(thrown(() => client.connect('ws:///x')).name, 'Error');
  t.is((thrown(() => client.connect('/x')) as WebSocketClientError).code, 'WS_ERR_INVALID_URL');
});

test('the constructor refuses a webSocketVersion other than 8 or 13', (t) => {
  for (const version of [7, 12, '13', null]) {
    const error = thrown(() => new WebSocketClient({ webSocketVersion: version as 13 }));
    t.is(error.message, 'Requested webSocketVersion is not supported. Allowed values are 8 and 13.');
    t.is((error as WebSocketClientError).code, 'WS_ERR_UNSUPPORTED_VERSION');
  }
  t.is(new WebSocketClient({ webSocketVersion: 8 }).config.webSocketVersion, 8);
});

test('a refused connection is connectFailed with Node’s own error', async (t) => {
  const server = await startRawServer();
  const port = server.port;
  await server.close();
  const client = new WebSocketClient();
  const failed = failureOf(client);
  client.connect(`ws://127.0.0.1:${port}/`);
  t.not(client._req, null);
  const error = (await failed) as NodeJS.ErrnoException;
  t.is(error.code, 'ECONNREFUSED');
  t.is(client._req, null);
});

interface FailureCase {
  title: string;
  protocols?: string[];
  reply: (head: string) => string;
  message: (client: WebSocketClient) => string;
  /** Whether the failure is decided on an upgraded socket (which the client must then end). */
  upgraded: boolean;
}

const FAILURES: FailureCase[] = [
  {
    title: 'a 404',
    reply: () => NOT_FOUND,
    message: () => 'Server responded with a non-101 status: 404 Not Found\nResponse Headers Follow:\ncontent-length: 0\nx-y: z\n',
    upgraded: false,
  },
  {
    title: 'a 101 without Upgrade (Node reads it as an ordinary response)',
    reply: (head) => acceptReply(head).replace('Upgrade: websocket\r\n', ''),
    message: (client) =>
      'Server responded with a non-101 status: 101 Switching Protocols\nResponse Headers Follow:\n' +
      `connection: Upgrade\nsec-websocket-accept: ${computeAcceptKey(client.base64nonce)}\n`,
    upgraded: false,
  },
  {
    title: 'a 101 whose Connection header is not exactly "upgrade"',
    reply: (head) => acceptReply(head).replace('Connection: Upgrade', 'Connection: Upgrade, keep-alive'),
    message: () => 'Expected a Connection: Upgrade header from the server',
    upgraded: true,
  },
  {
    title: 'a 101 upgrading to something else',
    reply: (head) => acceptReply(head).replace('Upgrade: websocket', 'Upgrade: h2c'),
    message: () => 'Expected an Upgrade: websocket header from the server',
    upgraded: true,
  },
  {
    title: 'a 101 without Sec-WebSocket-Accept',
    reply: (head) => acceptReply(head).replace(/Sec-WebSocket-Accept: .*\r\n/, ''),
    message: () => 'Expected Sec-WebSocket-Accept header from server',
    upgraded: true,
  },
  {
    title: 'a 101 with a wrong Sec-WebSocket-Accept',
    reply: (head) => acceptReply(head).replace(/Sec-WebSocket-Accept: .*\r\n/, 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n'),
    message: (client) =>
      `Sec-WebSocket-Accept header from server didn't match expected value of ${computeAcceptKey(client.base64nonce)}`,
    upgraded: true,
  },
  {
    title: 'protocols offered and none answered',
    protocols: ['a'],
    reply: (head) => acceptReply(head),
    message: () => 'Expected a Sec-WebSocket-Protocol header.',
    upgraded: true,
  },
  {
    title: 'an answered protocol in another case than offered',
    protocols: ['a'],
    reply: (head) => acceptReply(head, ['Sec-WebSocket-Protocol: A']),
    message: () => 'Server did not respond with a requested protocol.',
    upgraded: true,
  },
  {
    title: 'an answered protocol that was not offered',
    protocols: ['a', 'b'],
    reply: (head) => acceptReply(head, ['Sec-WebSocket-Protocol: c']),
    message: () => 'Server did not respond with a requested protocol.',
    upgraded: true,
  },
  {
    title: 'a bad protocol checked before a bad accept',
    protocols: ['a'],
    reply: (head) => acceptReply(head, ['Sec-WebSocket-Protocol: z']).replace(/Sec-WebSocket-Accept: .*\r\n/, ''),
    message: () => 'Server did not respond with a requested protocol.',
    upgraded: true,
  },
];

for (const failure of FAILURES) {
  test(`connectFailed: ${failure.title}`, async (t) => {
    const ended: Promise<void>[] = [];
    const server = await startRawServer(({ head, socket }) => {
      ended.push(new Promise((resolve) => socket.once('end', () => resolve())));
      socket.write(failure.reply(head));
    });
    try {
      for (const Client of [WebSocketClient, LegacyClient]) {
        const client = new Client();
        const failed = failureOf(client);
        client.connect(`ws://127.0.0.1:${server.port}/`, failure.protocols);
        const error = await failed;
        t.is(error.message, failure.message(client), Client === LegacyClient ? '1.0.35' : 'ferrosocket');
        t.is(client._req, null);
      }
      const ours = new WebSocketClient();
      const failed = failureOf(ours);
      ours.connect(`ws://127.0.0.1:${server.port}/`, failure.protocols);
      const error = (await failed) as WebSocketClientError;
      t.true(error instanceof WebSocketClientError);
      t.is(error.status, 1006);
      t.is(ours.socket !== undefined, failure.upgraded);
      // The client hangs up on a failed handshake (ours always; 1.0.35 only once upgraded).
      await ended[2];
      t.pass();
    } finally {
      await server.close();
    }
  });
}

test('no protocol offered: any answered protocol is ignored and connection.protocol is undefined', async (t) => {
  const server = await startRawServer(({ head, socket }) => socket.write(acceptReply(head, ['Sec-WebSocket-Protocol: zz'])));
  try {
    const client = new WebSocketClient();
    const connected = outcome(client);
    client.connect(`ws://127.0.0.1:${server.port}/`);
    const result = await connected;
    if (result.event !== 'connect') throw new Error(result.event);
    t.is(result.connection.protocol, undefined);
    t.is(client.protocol, undefined);
    result.connection.drop();
  } finally {
    await server.close();
  }
});

test('connect: the connection carries the answered protocol, version, masking and the client config', async (t) => {
  const server = await startRawServer(({ head, socket }) => socket.write(acceptReply(head, ['Sec-WebSocket-Protocol: Chat'])));
  try {
    for (const webSocketVersion of [13, 8] as const) {
      const client = new WebSocketClient({ webSocketVersion });
      const connected = outcome(client);
      client.connect(`ws://127.0.0.1:${server.port}/`, ['x', 'Chat']);
      const result = await connected;
      if (result.event !== 'connect') throw new Error(result.event);
      const connection = result.connection;
      t.is(connection.protocol, 'Chat');
      t.is(client.protocol, 'Chat');
      t.is(connection.webSocketVersion, webSocketVersion);
      t.true(connection.maskOutgoingPackets);
      t.is(connection.config, client.config);
      t.deepEqual(connection.extensions, []);
      t.is(connection.remoteAddress, '127.0.0.1');
      t.is(connection.remoteAddresses, undefined);
      t.is(client.socket, connection.socket);
      t.is(client.response?.statusCode, 101);
      t.is(client.firstDataChunk, null);
      t.is(client._req, null);
      connection.drop();
    }
  } finally {
    await server.close();
  }
});

test('state from an earlier connect() does not leak into the next one', async (t) => {
  const server = await startRawServer(({ head, socket }) => socket.write(acceptReply(head, ['Sec-WebSocket-Protocol: a'])));
  try {
    const client = new WebSocketClient();
    let connected = outcome(client);
    client.connect(`ws://127.0.0.1:${server.port}/`, 'a');
    let result = await connected;
    if (result.event !== 'connect') throw new Error(result.event);
    t.is(result.connection.protocol, 'a');
    result.connection.drop();

    connected = outcome(client);
    client.connect(`ws://127.0.0.1:${server.port}/`);
    result = await connected;
    if (result.event !== 'connect') throw new Error(result.event);
    t.is(result.connection.protocol, undefined);
    result.connection.drop();
  } finally {
    await server.close();
  }
});

test('frames sent with the 101 reach the connection after connect, even for listeners added in the handler', async (t) => {
  const frames = Buffer.from([0x81, 0x05, ...Buffer.from('hello'), 0x82, 0x02, 0xca, 0xfe]);
  const server = await startRawServer(({ head, socket }) =>
    socket.write(Buffer.concat([Buffer.from(acceptReply(head), 'latin1'), frames])),
  );
  try {
    const client = new WebSocketClient();
    const order: string[] = [];
    const messages = new Promise<unknown[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), WAIT_MS);
      client.on('connect', (connection) => {
        order.push('connect');
        const received: unknown[] = [];
        connection.on('message', (message) => {
          received.push(message);
          if (received.length === 2) {
            clearTimeout(timer);
            connection.drop();
            resolve(received);
          }
        });
      });
    });
    client.connect(`ws://127.0.0.1:${server.port}/`);
    t.deepEqual(await messages, [
      { type: 'utf8', utf8Data: 'hello' },
      { type: 'binary', binaryData: Buffer.from([0xca, 0xfe]) },
    ]);
    t.deepEqual(order, ['connect']);
  } finally {
    await server.close();
  }
});

test('httpResponse: emitted with (response, client) instead of connectFailed, the body still readable', async (t) => {
  const server = await startRawServer(({ socket }) =>
    socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\nX-Reason: no\r\n\r\nnope'),
  );
  try {
    const client = new WebSocketClient();
    const failures: Error[] = [];
    client.on('connectFailed', (error) => failures.push(error));
    const response = new Promise<[number, string | undefined, string, boolean]>((resolve) => {
      client.on('httpResponse', (res, emitter) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve([res.statusCode as number, res.headers['x-reason'] as string, body, emitter === client]));
      });
    });
    client.connect(`ws://127.0.0.1:${server.port}/`);
    t.deepEqual(await response, [403, 'no', 'nope', true]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    t.deepEqual(failures, []);
    t.is(client._req, null);
  } finally {
    await server.close();
  }
});

test('abort(): after TCP connect it is connectFailed("socket hang up"); after connect it does nothing', async (t) => {
  const server = await startRawServer();
  try {
    const client = new WebSocketClient();
    const failed = failureOf(client);
    client.connect(`ws://127.0.0.1:${server.port}/`);
    await server.nextRequest();
    client.abort();
    const error = (await failed) as NodeJS.ErrnoException;
    t.is(error.message, 'socket hang up');
    t.is(error.code, 'ECONNRESET');
    t.is(client._req, null);
  } finally {
    await server.close();
  }

  const upgrading = await startRawServer(({ head, socket }) => socket.write(acceptReply(head)));
  try {
    const client = new WebSocketClient();
    const connected = outcome(client);
    client.connect(`ws://127.0.0.1:${upgrading.port}/`);
    const result = await connected;
    if (result.event !== 'connect') throw new Error(result.event);
    const later = outcome(client, 200);
    client.abort();
    t.is((await later).event, 'timeout');
    t.true(result.connection.connected);
    result.connection.drop();
  } finally {
    await upgrading.close();
  }
});

test('abort() before TCP connects reports nothing, as in 1.0.35', async (t) => {
  const server = await startRawServer();
  try {
    for (const Client of [WebSocketClient, LegacyClient]) {
      const client = new Client();
      const result = outcome(client, 300);
      client.connect(`ws://127.0.0.1:${server.port}/`);
      client.abort();
      t.is((await result).event, 'timeout');
    }
    t.is(server.requests.length, 0);
  } finally {
    await server.close();
  }
});

test('a keepalive config the connection refuses is a connectFailed, and the socket is ended', async (t) => {
  let ended: Promise<void> | undefined;
  const server = await startRawServer(({ head, socket }) => {
    ended = new Promise((resolve) => socket.once('end', () => resolve()));
    socket.write(acceptReply(head));
  });
  try {
    const client = new WebSocketClient({ keepalive: true });
    const failed = failureOf(client);
    client.connect(`ws://127.0.0.1:${server.port}/`);
    t.is((await failed).message, 'keepaliveInterval must be specified and numeric if keepalive is true.');
    await ended;
  } finally {
    await server.close();
  }
});
