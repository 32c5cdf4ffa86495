/**
 * The faye API end to end: each client (faye-websocket's and ours) against each server (faye-websocket's and ours)
 * over 127.0.0.1, messages of every length form echoed intact; then what only ours is asked here: flow control
 * (`send()` false and `drain`, `pause()`/`resume()`), the `ping` option, and the close timeout.
 */
import test from 'ava';
import type { IncomingMessage } from 'node:http';
import crypto from 'node:crypto';
import net, { type Socket } from 'node:net';
import { handshakeRequest, RawClient, startHttpServer } from './helpers/raw-http';
import { decodeFrames, PEER_KEY, until } from './helpers/raw-peer';
import { encodeFrame } from './helpers/wire';
import { IMPLEMENTATIONS, recordFaye, type FayeModule } from './helpers/faye-peers';
import Ferrosocket from '../ts/faye';
import { FayeSocket } from '../ts/faye/socket';

type ServerSocket = InstanceType<FayeModule>;

/** An http server whose upgrades become `Server` sockets, handed to `onSocket`. */
async function fayeServer(Server: FayeModule, onSocket: (socket: ServerSocket) => void, options: object = {}) {
  const http = await startHttpServer();
  http.server.on('upgrade', (request: IncomingMessage, socket: Socket, body: Buffer) => {
    onSocket(new Server(request, socket, body, [], options));
  });
  return http;
}

const MESSAGES: Array<string | Buffer> = [
  '',
  'a'.repeat(125),
  'ü'.repeat(63),
  Buffer.alloc(126, 7),
  Buffer.alloc(65535, 1),
  'x'.repeat(65536),
  Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) & 0xff)),
];

for (const [clientName, ClientImpl] of IMPLEMENTATIONS) {
  for (const [serverName, ServerImpl] of IMPLEMENTATIONS) {
    test(`${clientName} client ↔ ${serverName} server: every length form echoed, then a client close`, async (t) => {
      const http = await fayeServer(ServerImpl, (socket) => {
        socket.on('message', (event: { data: string | Buffer }) => socket.send(event.data));
      });
      try {
        const client = new ClientImpl.Client(`ws://127.0.0.1:${http.port}/`);
        const log = recordFaye(client);
        const received: Array<string | Buffer> = [];
        client.on('message', (event: { data: string | Buffer }) => {
          received.push(event.data);
          if (received.length === MESSAGES.length) client.close(3000, 'done');
        });
        client.on('open', () => MESSAGES.forEach((message) => client.send(message)));
        await until(() => log.some((entry) => entry[0] === 'close'), 5000, 'the close event');
        t.deepEqual(received, MESSAGES);
        t.deepEqual(log.at(-1), ['close', 3000, 'done', 3]);
      } finally {
        await http.close();
      }
    });
  }
}

test('send() returns false once the socket is full, and drain follows when the peer reads again', async (t) => {
  const peer = net.createServer();
  let accepted: Socket | null = null;
  peer.on('connection', (socket) => {
    accepted = socket;
    socket.once('data', (head: Buffer) => {
      const key = /Sec-WebSocket-Key: (\S+)/.exec(head.toString())?.[1] ?? '';
      const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.pause();
    });
  });
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  const client = new Ferrosocket.Client(`ws://127.0.0.1:${(peer.address() as net.AddressInfo).port}/`);
  try {
    await new Promise((resolve) => client.on('open', resolve));
    const chunk = Buffer.alloc(256 * 1024);
    let sent = 1;
    while (client.send(chunk) && sent < 4000) sent++;
    t.true(sent < 4000, 'send() never returned false');
    const drained = new Promise((resolve) => client.on('drain', resolve));
    let bytes = 0;
    const socket = accepted as unknown as Socket;
    socket.on('data', (data: Buffer) => (bytes += data.length));
    socket.resume();
    await drained;
    t.true(client.send('after drain'));
    // Every message arrives: 64-bit length frames (14-byte masked headers), then the short one (6 + 11).
    const expected = sent * (chunk.length + 14) + 17;
    await until(() => bytes >= expected, 5000, 'every byte at the peer');
    t.is(bytes, expected);
  } finally {
    (accepted as Socket | null)?.destroy();
    await until(() => client.readyState === 3, 3000, 'close');
    await new Promise<void>((resolve) => peer.close(() => resolve()));
  }
});

test('pause() holds messages back, resume() delivers them in order', async (t) => {
  const received: string[] = [];
  let server: ServerSocket | null = null;
  const http = await fayeServer(Ferrosocket, (socket) => {
    server = socket;
    socket.pause();
    socket.on('message', (event: { data: string }) => received.push(event.data));
  });
  try {
    const client = await RawClient.connect(http.port);
    const frames = ['1', '2', '3'].map((text) => encodeFrame({ opcode: 1, payload: Buffer.from(text), mask: PEER_KEY }));
    client.write(Buffer.concat([Buffer.from(handshakeRequest()), ...frames]));
    await client.readHead();
    await new Promise((resolve) => setTimeout(resolve, 50));
    t.deepEqual(received, []);
    (server as unknown as ServerSocket).resume();
    await until(() => received.length === 3, 2000, 'the messages');
    t.deepEqual(received, ['1', '2', '3']);
    client.destroy();
  } finally {
    await http.close();
  }
});

test('the ping option pings every `ping` seconds with payloads 1, 2, …', async (t) => {
  const http = await fayeServer(Ferrosocket, () => undefined, { ping: 0.03 });
  try {
    const client = await RawClient.connect(http.port);
    client.write(handshakeRequest());
    await client.readHead();
    const pings = [await client.readFrame(), await client.readFrame(), await client.readFrame()];
    t.deepEqual(
      pings.map((frame) => [frame.opcode, frame.payload.toString()]),
      [[9, '1'], [9, '2'], [9, '3']],
    );
    client.destroy();
  } finally {
    await http.close();
  }
});

test.serial('a close the peer never answers ends with 1006 after CLOSE_TIMEOUT, the close frame sent', async (t) => {
  const saved = FayeSocket.CLOSE_TIMEOUT;
  FayeSocket.CLOSE_TIMEOUT = 100;
  let log: unknown[][] = [];
  let closeCalledAt = 0;
  let closedAt = 0;
  const http = await fayeServer(Ferrosocket, (socket) => {
    log = recordFaye(socket);
    socket.on('open', () => {
      closeCalledAt = performance.now();
      socket.close(4000, 'bye');
    });
    socket.on('close', () => (closedAt = performance.now()));
  });
  try {
    const client = await RawClient.connect(http.port);
    client.write(handshakeRequest());
    await client.readHead();
    const frame = await client.readFrame();
    t.deepEqual([frame.opcode, frame.payload.subarray(2).toString()], [8, 'bye']);
    await until(() => log.some((entry) => entry[0] === 'close'), 3000, 'the close event');
    t.true(closedAt - closeCalledAt >= 95, `closed after ${closedAt - closeCalledAt} ms`);
    t.deepEqual(log, [['open', ''], ['end'], ['close', 1006, '', 3]]);
    t.is(decodeFrames(Buffer.from(await client.readToEnd(), 'latin1')).frames.length, 0);
    client.destroy();
  } finally {
    FayeSocket.CLOSE_TIMEOUT = saved;
    await http.close();
  }
});

test('ping() with a payload over 125 bytes throws; after close it returns false', async (t) => {
  let server: ServerSocket | null = null;
  const http = await fayeServer(Ferrosocket, (socket) => (server = socket));
  try {
    const client = await RawClient.connect(http.port);
    client.write(handshakeRequest());
    await client.readHead();
    await until(() => server?.readyState === 1, 2000, 'open');
    const socket = server as unknown as ServerSocket;
    t.throws(() => socket.ping('p'.repeat(126)), { instanceOf: RangeError, message: /at most 125 bytes; this one has 126/ });
    t.true(socket.ping('p'.repeat(125)));
    socket.close();
    t.false(socket.ping('x'));
    client.destroy();
  } finally {
    await http.close();
  }
});

test.serial('a peer that stops reading cannot hold a closed connection open: it is destroyed after CLOSE_TIMEOUT', async (t) => {
  const saved = FayeSocket.CLOSE_TIMEOUT;
  FayeSocket.CLOSE_TIMEOUT = 100;
  let log: unknown[][] = [];
  let server: ServerSocket | null = null;
  const http = await fayeServer(Ferrosocket, (socket) => {
    server = socket;
    log = recordFaye(socket);
  });
  try {
    const client = await RawClient.connect(http.port);
    client.write(handshakeRequest());
    await client.readHead();
    client.socket.pause();
    await until(() => server?.readyState === 1, 2000, 'open');
    const socket = server as unknown as ServerSocket;
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 64; i++) socket.send(chunk);
    // The peer's close frame arrives; the echo waits behind megabytes the peer will never read.
    client.write(encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8]), mask: PEER_KEY }));
    await until(() => log.some((entry) => entry[0] === 'close'), 3000, 'the close event');
    t.deepEqual(log.filter((entry) => entry[0] !== 'data' && entry[0] !== 'message'), [['open', ''], ['end'], ['close', 1000, '', 3]]);
    client.destroy();
  } finally {
    FayeSocket.CLOSE_TIMEOUT = saved;
    await http.close();
  }
});
