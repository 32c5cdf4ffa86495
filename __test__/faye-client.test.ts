/**
 * The faye-websocket client, against faye-websocket 0.11.4 itself: a scripted raw server on 127.0.0.1 (plain,
 * TLS, or behind a CONNECT proxy written here) answers both clients the same way; the request each wrote (its
 * random key replaced), the frames it sent (unmasked), its events, `statusCode` and `headers` must agree.
 */
import test from 'ava';
import net from 'node:net';
import tls from 'node:tls';
import crypto from 'node:crypto';
import { makeCertificate } from './helpers/certificate';
import { decodeFrames, until } from './helpers/raw-peer';
import { encodeFrame } from './helpers/wire';
import { IMPLEMENTATIONS, recordFaye, type FayeLogEntry, type FayeModule } from './helpers/faye-peers';
import Ferrosocket from '../ts/faye';
import type { FayeClientOptions } from '../ts/faye/client';

type Client = InstanceType<FayeModule['Client']>;

const acceptFor = (key: string) => crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');

/** What the raw server does once a request head arrived: `reply` is written, then `after` may go on. */
interface ServerScript {
  reply: (key: string) => string | Buffer;
  /** Runs after the reply with the socket and the frames received so far (called again on every chunk). */
  onFrames?: (socket: net.Socket, frames: ReturnType<typeof decodeFrames>['frames']) => void;
}

interface RawServer {
  port: number;
  /** Each connection's request head, with its key shown as `<key>`. */
  requests: string[];
  /** Each connection's frames after the head, as `opcode payload` strings. */
  frames: string[][];
  /** Resolves once every connection so far has closed (fails after 3 s). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const describe = (frame: { opcode: number; payload: Buffer }) =>
  frame.opcode === 8 && frame.payload.length >= 2
    ? `8 ${frame.payload.readUInt16BE(0)} ${frame.payload.subarray(2).toString()}`.trimEnd()
    : `${frame.opcode} ${frame.payload.toString()}`.trimEnd();

/** A raw WebSocket server (over TLS with `certificate`) that follows `script` on every connection. */
async function startRawServer(script: ServerScript, certificate?: { key: Buffer; cert: Buffer }): Promise<RawServer> {
  const requests: string[] = [];
  const frames: string[][] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let closed = 0;
  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    connections++;
    socket.on('close', () => {
      closed++;
      sockets.delete(socket);
    });
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let headDone = false;
    const mine: string[] = [];
    frames.push(mine);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!headDone) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        headDone = true;
        const head = buffered.subarray(0, end + 4).toString('latin1');
        buffered = buffered.subarray(end + 4);
        const key = /\r\nSec-WebSocket-Key: (\S+)\r\n/.exec(head)?.[1] ?? '';
        requests.push(head.replace(key, '<key>'));
        socket.write(script.reply(key));
      }
      const decoded = decodeFrames(buffered);
      mine.length = 0;
      mine.push(...decoded.frames.map(describe));
      script.onFrames?.(socket, decoded.frames);
    });
  };
  const server = certificate ? tls.createServer(certificate, onConnection) : net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    frames,
    settled: () => until(() => closed === connections, 3000, 'the server side to close'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const okReply = (key: string, extra = '') =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n${extra}\r\n`;

interface Outcome {
  log: FayeLogEntry[];
  statusCode: number | undefined;
  headers: Record<string, string> | undefined;
}

/** Connects `Impl`'s client to `url`, runs `onClient` on it, and waits for its close event. */
async function connect(Impl: FayeModule, url: string, protocols: string[] | undefined, options: FayeClientOptions | undefined, onClient?: (client: Client) => void): Promise<Outcome> {
  const client = new Impl.Client(url, protocols, options);
  const log = recordFaye(client);
  onClient?.(client);
  await until(() => log.some((entry) => entry[0] === 'close'), 4000, 'the close event');
  // The accept key follows from the random request key.
  const headers = client.headers && { ...client.headers, 'sec-websocket-accept': '<accept>' };
  return { log, statusCode: client.statusCode, headers };
}

/** Runs a client of each implementation against a fresh raw server; checks they agree and returns ours. */
async function both(
  t: { deepEqual: (a: unknown, b: unknown, message?: string) => void },
  script: ServerScript,
  options: { protocols?: string[]; clientOptions?: FayeClientOptions; onClient?: (client: Client) => void; path?: string } = {},
) {
  const results = [];
  for (const [, Impl] of IMPLEMENTATIONS) {
    const server = await startRawServer(script);
    try {
      const outcome = await connect(Impl, `ws://127.0.0.1:${server.port}${options.path ?? '/'}`, options.protocols, options.clientOptions, options.onClient);
      await server.settled();
      results.push({ ...outcome, requests: server.requests.map((r) => r.replace(`:${server.port}`, ':<port>')), frames: server.frames });
    } finally {
      await server.close();
    }
  }
  t.deepEqual(results[1], results[0], 'ferrosocket and faye-websocket differ');
  return results[1];
}

test('the request, an open with the agreed protocol, frames both ways, and the server’s close echoed', async (t) => {
  const outcome = await both(
    t,
    {
      reply: (key) => Buffer.concat([Buffer.from(okReply(key, 'Sec-WebSocket-Protocol: echo\r\nX-Extra: a\r\n')), encodeFrame({ opcode: 1, payload: Buffer.from('hi') })]),
      onFrames: (socket, frames) => {
        if (frames.length === 2) socket.write(encodeFrame({ opcode: 8, payload: Buffer.from('\x0f\xa0bye', 'latin1') }));
      },
    },
    {
      protocols: ['chat', 'echo'],
      path: '/chat?room=1',
      clientOptions: { headers: { 'X-Token': 't', Host: 'ignored' } },
      onClient: (client) => {
        client.on('open', () => {
          client.send('hello');
          client.send(Buffer.from([1, 2]));
        });
      },
    },
  );
  t.deepEqual(outcome.requests, [
    'GET /chat?room=1 HTTP/1.1\r\nHost: 127.0.0.1:<port>\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: <key>\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, echo\r\nX-Token: t\r\n\r\n',
  ]);
  t.deepEqual(outcome.frames, [['1 hello', `2 ${Buffer.from([1, 2]).toString()}`, '8 4000 bye']]);
  t.deepEqual(outcome.log, [['open', 'echo'], ['data', 'text:hi'], ['message', 'text:hi'], ['end'], ['close', 4000, 'bye', 3]]);
  t.is(outcome.statusCode, 101);
  t.is(outcome.headers?.['x-extra'], 'a');
});

for (const [name, reply, problem] of [
  ['a 404', () => 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', 'Unexpected response code: 404'],
  ['a wrong accept key', () => okReply('other'), 'Sec-WebSocket-Accept mismatch'],
  ['no Upgrade header', (key: string) => okReply(key).replace('Upgrade: websocket\r\n', ''), "'Upgrade' header is missing"],
  ['Upgrade: h2c', (key: string) => okReply(key).replace('Upgrade: websocket', 'Upgrade: h2c'), "'Upgrade' header value is not 'WebSocket'"],
  ['no Connection header', (key: string) => okReply(key).replace('Connection: Upgrade\r\n', ''), "'Connection' header is missing"],
  ['Connection: close', (key: string) => okReply(key).replace('Connection: Upgrade', 'Connection: close'), "'Connection' header value is not 'Upgrade'"],
  ['a protocol not offered', (key: string) => okReply(key, 'Sec-WebSocket-Protocol: other\r\n'), 'Sec-WebSocket-Protocol mismatch'],
  ['an extension not offered', (key: string) => okReply(key, 'Sec-WebSocket-Extensions: x-foo\r\n'), 'Server sent an extension response for unknown extension "x-foo"'],
] as const) {
  test(`a reply with ${name} fails the handshake: error, then close 1002`, async (t) => {
    const outcome = await both(t, { reply }, { protocols: ['chat'] });
    const message = `Error during WebSocket handshake: ${problem}`;
    t.deepEqual(outcome.log, [['error', message], ['end'], ['close', 1002, message, 3]]);
  });
}

test('a refused connection: a network error, then close 1006', async (t) => {
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const outcomes = [];
  for (const [, Impl] of IMPLEMENTATIONS) outcomes.push(await connect(Impl, `ws://127.0.0.1:${port}/`, [], {}));
  t.deepEqual(outcomes[1], outcomes[0]);
  t.deepEqual(outcomes[1].log, [
    ['error', `Network error: ws://127.0.0.1:${port}/: connect ECONNREFUSED 127.0.0.1:${port}`],
    ['end'],
    ['close', 1006, '', 3],
  ]);
});

test('a URL that is not ws: or wss: throws, as does an unknown option (before connecting)', (t) => {
  for (const [, Impl] of IMPLEMENTATIONS) {
    t.throws(() => new Impl.Client('http://127.0.0.1/'), { message: 'http://127.0.0.1/ is not a valid WebSocket URL' });
    t.throws(() => new Impl.Client('not a url'), { message: 'not a url is not a valid WebSocket URL' });
  }
  // faye-websocket checks options only after it started connecting, and that socket's error is then uncaught.
  t.throws(() => new Ferrosocket.Client('ws://127.0.0.1:1/', [], { bogus: true } as never), { message: 'Unrecognized option: bogus' });
});

test('messages sent while connecting go out after the handshake; close() while connecting reports its code', async (t) => {
  const outcome = await both(
    t,
    { reply: (key) => okReply(key), onFrames: (socket, frames) => frames.length === 2 && socket.end(encodeFrame({ opcode: 8, payload: Buffer.from([3, 232]) })) },
    { onClient: (client) => t.true(client.send('queued') && client.ping('p')) },
  );
  t.deepEqual(outcome.frames, [['1 queued', '9 p', '8 1000']]);
  t.deepEqual(outcome.log.at(-1), ['close', 1000, '', 3]);

  const server = await startRawServer({ reply: (key) => okReply(key) });
  try {
    const early = await connect(Ferrosocket, `ws://127.0.0.1:${server.port}/`, [], {}, (client) => client.close(4001, 'never mind'));
    t.deepEqual(early.log, [['end'], ['close', 4001, 'never mind', 3]]);
  } finally {
    await server.close();
  }
});

/** A script that accepts the handshake and echoes the client's close frame once. */
function echoingClose(): ServerScript {
  const echoed = new WeakSet<net.Socket>();
  return {
    reply: (key) => okReply(key),
    onFrames: (socket, frames) => {
      const close = frames.find((frame) => frame.opcode === 8);
      if (close === undefined || echoed.has(socket)) return;
      echoed.add(socket);
      socket.write(encodeFrame({ opcode: 8, payload: close.payload }));
    },
  };
}

test('the net option goes to net.connect', async (t) => {
  const server = await startRawServer(echoingClose());
  try {
    let lookups = 0;
    const lookup: net.LookupFunction = (_hostname, options, callback) => {
      lookups++;
      // Node 20 asks for every address (to try each family in turn) unless autoSelectFamily is off.
      if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    };
    const outcome = await connect(Ferrosocket, `ws://localhost.test:${server.port}/`, [], { net: { lookup } }, (client) =>
      client.on('open', () => client.close()),
    );
    t.deepEqual(outcome.log, [['open', ''], ['end'], ['close', 1000, '', 3]]);
    t.is(lookups, 1);
  } finally {
    await server.close();
  }
});

test('wss: with the tls option’s CA; without it, a network error and 1006', async (t) => {
  const certificate = makeCertificate();
  for (const [, Impl] of IMPLEMENTATIONS) {
    const untrusted = await startRawServer(echoingClose(), certificate);
    try {
      const url = `wss://127.0.0.1:${untrusted.port}/`;
      const outcome = await connect(Impl, url, [], {});
      t.deepEqual(outcome.log, [['error', `Network error: ${url}: self-signed certificate`], ['end'], ['close', 1006, '', 3]]);
    } finally {
      await untrusted.close();
    }
    const server = await startRawServer(
      echoingClose(),
      certificate,
    );
    try {
      // The legacy `ca` option first, then `tls.ca`.
      const legacy = await connect(Impl, `wss://127.0.0.1:${server.port}/`, [], { ca: certificate.cert }, (client) =>
        client.on('open', () => client.close(4003, 'ca bye')),
      );
      t.deepEqual(legacy.log, [['open', ''], ['end'], ['close', 4003, 'ca bye', 3]]);
      const outcome = await connect(Impl, `wss://127.0.0.1:${server.port}/`, [], { tls: { ca: certificate.cert } }, (client) =>
        client.on('open', () => client.close(4002, 'tls bye')),
      );
      await server.settled();
      t.deepEqual(outcome.log, [['open', ''], ['end'], ['close', 4002, 'tls bye', 3]]);
      t.deepEqual(server.frames, [['8 4003 ca bye'], ['8 4002 tls bye']]);
    } finally {
      await server.close();
    }
  }
});

/** A CONNECT proxy that answers `status`; on 200 it tunnels to the requested port. It records the CONNECT heads. */
async function startProxy(status: number) {
  const heads: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', (chunk: Buffer) => {
      const head = chunk.toString('latin1');
      heads.push(head);
      if (status !== 200) {
        socket.end(`HTTP/1.1 ${status} Forbidden\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      const port = Number(/^CONNECT [^:]+:(\d+) /.exec(head)?.[1]);
      const upstream = net.connect({ host: '127.0.0.1', port }, () => {
        socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
        socket.pipe(upstream).pipe(socket);
      });
      sockets.add(upstream);
      upstream.on('error', () => socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    heads,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

test('through an HTTP proxy with CONNECT, to ws: and to wss:', async (t) => {
  const certificate = makeCertificate();
  for (const secure of [false, true]) {
    for (const [, Impl] of IMPLEMENTATIONS) {
      const server = await startRawServer(
        echoingClose(),
        secure ? certificate : undefined,
      );
      const proxy = await startProxy(200);
      try {
        const url = `${secure ? 'wss' : 'ws'}://127.0.0.1:${server.port}/p`;
        const options: FayeClientOptions = {
          proxy: { origin: `http://user:pass@127.0.0.1:${proxy.port}`, headers: { 'User-Agent': 'test' } },
          tls: { ca: certificate.cert },
        };
        const outcome = await connect(Impl, url, [], options, (client) => client.on('open', () => client.send('via proxy') && client.close()));
        await server.settled();
        t.deepEqual(outcome.log, [['open', ''], ['end'], ['close', 1000, '', 3]]);
        t.deepEqual(proxy.heads, [
          `CONNECT 127.0.0.1:${server.port} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: keep-alive\r\n` +
            `Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic ${Buffer.from('user:pass').toString('base64')}\r\nUser-Agent: test\r\n\r\n`,
        ]);
        t.deepEqual(server.frames, [['1 via proxy', '8 1000']]);
      } finally {
        await proxy.close();
        await server.close();
      }
    }
  }
});

test('a proxy that refuses CONNECT: an error, then (unlike faye-websocket, which leaves the socket open) close 1006', async (t) => {
  const proxy = await startProxy(403);
  try {
    const outcome = await connect(Ferrosocket, 'ws://127.0.0.1:9/', [], { proxy: { origin: `http://127.0.0.1:${proxy.port}` } });
    t.deepEqual(outcome.log, [['error', "Can't establish a connection to the server at ws://127.0.0.1:9/"], ['end'], ['close', 1006, '', 3]]);
  } finally {
    await proxy.close();
  }
});

test('a masked frame from the server fails the connection with 1002 (RFC 6455; faye-websocket unmasks it)', async (t) => {
  const server = await startRawServer({
    reply: (key) => Buffer.concat([Buffer.from(okReply(key)), encodeFrame({ opcode: 1, payload: Buffer.from('m'), mask: Buffer.from([1, 2, 3, 4]) })]),
  });
  try {
    const outcome = await connect(Ferrosocket, `ws://127.0.0.1:${server.port}/`, [], {});
    await server.settled();
    const message = 'Received masked frame but masking is forbidden';
    t.deepEqual(outcome.log, [['open', ''], ['error', message], ['end'], ['close', 1002, message, 3]]);
    t.deepEqual(server.frames, [[`8 1002 ${message}`]]);
  } finally {
    await server.close();
  }
});

for (const [name, reply, problem] of [
  ['a head that never ends', () => 'HTTP/1.1 101 Switching Protocols\r\nX-Long: ' + 'x'.repeat(100 * 1024), 'Parse Error: Header overflow'],
  ['a status line that is not HTTP', () => 'SSH-2.0-OpenSSH_9.2\r\n\r\n', 'Parse Error: Invalid response status'],
  ['a header line without a colon', (key: string) => okReply(key).replace('Upgrade: websocket', 'Upgrade websocket'), 'Parse Error: Invalid header line'],
] as const) {
  test(`a reply with ${name} fails the handshake with a parse error`, async (t) => {
    const server = await startRawServer({ reply });
    try {
      const outcome = await connect(Ferrosocket, `ws://127.0.0.1:${server.port}/`, [], {});
      const message = `Error during WebSocket handshake: ${problem}`;
      t.deepEqual(outcome.log, [['error', message], ['end'], ['close', 1002, message, 3]]);
    } finally {
      await server.close();
    }
  });
}
