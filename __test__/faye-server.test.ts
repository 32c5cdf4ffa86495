/**
 * The faye-websocket server socket, against faye-websocket 0.11.4 itself: each scenario is one raw client's bytes
 * (handshake and frames in one write, optionally more once the reply came), run on both implementations; the
 * bytes the server wrote back (reply head and frames) and the socket's events must be the same, and each scenario
 * also pins what they are.
 */
import test from 'ava';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { DEFAULT_ACCEPT, handshakeRequest, RawClient, startHttpServer } from './helpers/raw-http';
import { decodeFrames, PEER_KEY, until } from './helpers/raw-peer';
import { encodeFrame } from './helpers/wire';
import { Random } from './helpers/random';
import { IMPLEMENTATIONS, recordFaye, type FayeLogEntry, type FayeModule } from './helpers/faye-peers';
import Ferrosocket from '../ts/faye';
import type { FayeSocketOptions } from '../ts/faye/socket';

type ServerSocket = InstanceType<FayeModule>;

/** A masked client frame. */
function clientFrame(opcode: number, payload: string | Buffer = '', extra: { fin?: boolean; rsv?: number; mask?: boolean } = {}): Buffer {
  return encodeFrame({
    opcode,
    payload: Buffer.from(payload),
    fin: extra.fin ?? true,
    rsv: extra.rsv ?? 0,
    mask: extra.mask === false ? null : PEER_KEY,
  });
}

/** A close payload: code and reason. */
function closeBody(code: number, reason = ''): Buffer {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return body;
}

interface Scenario {
  /** Bytes written at once after connecting: the handshake request and any frames. */
  bytes: Buffer;
  /** Where to cut `bytes` into writes of their own (each after the last was handed to the kernel). */
  cuts?: number[];
  protocols?: string[];
  options?: FayeSocketOptions;
  /** Runs on the server socket right after it is made. */
  onSocket?: (socket: ServerSocket) => void;
  /** Runs once the reply head arrived, with what the client received so far. */
  afterHead?: (client: RawClient, socket: ServerSocket) => Promise<void>;
}

interface Outcome {
  head: string;
  frames: string[];
  log: FayeLogEntry[];
}

/** Frames as `fin rsv opcode payload` strings (payload as text when it is printable, else hex). */
function describeFrames(bytes: Buffer): string[] {
  const { frames } = decodeFrames(bytes);
  return frames.map((frame) => {
    const printable = /^[\x20-\x7e]*$/.test(frame.payload.toString('latin1'));
    const payload = frame.opcode === 8 && frame.payload.length >= 2
      ? `${frame.payload.readUInt16BE(0)} ${frame.payload.subarray(2).toString('latin1')}`
      : printable ? frame.payload.toString('latin1') : frame.payload.toString('hex');
    return `${frame.fin ? 1 : 0} ${frame.rsv} ${frame.opcode} ${payload}`.trimEnd();
  });
}

async function run(Impl: FayeModule, scenario: Scenario): Promise<Outcome> {
  const http = await startHttpServer();
  let log: FayeLogEntry[] = [];
  let socket: ServerSocket | null = null;
  http.server.on('upgrade', (request: IncomingMessage, raw: Socket, body: Buffer) => {
    socket = new Impl(request, raw, body, scenario.protocols, scenario.options);
    log = recordFaye(socket);
    scenario.onSocket?.(socket);
  });
  const client = await RawClient.connect(http.port);
  try {
    client.socket.setNoDelay(true);
    let start = 0;
    for (const cut of [...(scenario.cuts ?? []), scenario.bytes.length]) {
      client.write(scenario.bytes.subarray(start, cut));
      start = cut;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const head = await client.readHead();
    if (scenario.afterHead) await scenario.afterHead(client, socket as unknown as ServerSocket);
    const rest = Buffer.from(await client.readToEnd(), 'latin1');
    await until(() => log.some((entry) => entry[0] === 'close'), 3000, 'the close event');
    // A refused handshake's body is the reason, as text.
    const frames = head.startsWith('HTTP/1.1 101') ? describeFrames(rest) : [rest.toString()];
    return { head, frames, log };
  } finally {
    client.destroy();
    await http.close();
  }
}

/** Runs `scenario` on both implementations, checks they agree, and returns ours. */
async function both(t: { deepEqual: (a: unknown, b: unknown, message?: string) => void }, scenario: Scenario): Promise<Outcome> {
  const [reference, ours] = [await run(IMPLEMENTATIONS[0][1], scenario), await run(IMPLEMENTATIONS[1][1], scenario)];
  t.deepEqual(ours, reference, 'ferrosocket and faye-websocket differ');
  return ours;
}

const REQUEST = Buffer.from(handshakeRequest());
const ACCEPT_HEAD = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${DEFAULT_ACCEPT}\r\n\r\n`;
const withFrames = (...frames: Buffer[]) => Buffer.concat([REQUEST, ...frames]);

test('echo of text and binary sent with the handshake, then the client closes', async (t) => {
  const outcome = await both(t, {
    bytes: withFrames(clientFrame(1, 'héllo'), clientFrame(2, Buffer.from([0, 1, 2, 255])), clientFrame(8, closeBody(4000, 'bye'))),
    onSocket: (socket) => socket.on('message', (event: { data: string | Buffer }) => socket.send(event.data)),
  });
  t.is(outcome.head, ACCEPT_HEAD);
  t.deepEqual(outcome.frames, ['1 0 1 68c3a96c6c6f', '1 0 2 000102ff', '1 0 8 4000 bye']);
  t.deepEqual(outcome.log, [
    ['open', ''],
    ['data', 'text:héllo'],
    ['message', 'text:héllo'],
    ['data', 'binary:000102ff'],
    ['message', 'binary:000102ff'],
    ['end'],
    ['close', 4000, 'bye', 3],
  ]);
});

test('the first of the client’s protocols that the server supports, and the headers option before the fixed lines', async (t) => {
  const outcome = await both(t, {
    bytes: Buffer.concat([Buffer.from(handshakeRequest({ 'Sec-WebSocket-Protocol': 'chat, echo' })), clientFrame(8)]),
    protocols: ['echo', 'chat'],
    options: { headers: { 'X-One': ' 1 ', 'Set-Cookie': 'a=1', 'set-cookie': 'b=2', 'x-one': 'dropped' } },
  });
  t.is(
    outcome.head,
    'HTTP/1.1 101 Switching Protocols\r\nX-One: 1\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nUpgrade: websocket\r\n' +
      `Connection: Upgrade\r\nSec-WebSocket-Accept: ${DEFAULT_ACCEPT}\r\nSec-WebSocket-Protocol: chat\r\n\r\n`,
  );
  t.deepEqual(outcome.log, [['open', 'chat'], ['end'], ['close', 1000, '', 3]]);
  t.deepEqual(outcome.frames, ['1 0 8 1000']);
});

for (const [name, overrides, problem] of [
  ['an unsupported version', { 'Sec-WebSocket-Version': '8' }, 'Unsupported WebSocket version: 8'],
  ['no version', { 'Sec-WebSocket-Version': null }, 'Unsupported WebSocket version: undefined'],
  ['no key', { 'Sec-WebSocket-Key': null }, 'Missing handshake request header: Sec-WebSocket-Key'],
  ['an Upgrade other than websocket', { Upgrade: 'h2c' }, 'Not a WebSocket request'],
] as const) {
  test(`a handshake with ${name} gets a 400 with the reason, then error and close 1002`, async (t) => {
    const outcome = await both(t, { bytes: Buffer.from(handshakeRequest(overrides)) });
    t.is(outcome.head, `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${problem.length}\r\n\r\n`);
    t.deepEqual(outcome.frames, [problem]);
    t.deepEqual(outcome.log, [['error', problem], ['end'], ['close', 1002, problem, 3]]);
  });
}

for (const [name, frame, code, message] of [
  ['an unmasked frame', clientFrame(1, 'x', { mask: false }), 1003, 'Received unmasked frame but masking is required'],
  ['an RSV bit', clientFrame(1, 'x', { rsv: 0b101 }), 1002, 'One or more reserved bits are on: reserved1 = 1, reserved2 = 0, reserved3 = 1'],
  ['a reserved opcode', clientFrame(3, 'x'), 1002, 'Unrecognized frame opcode: 3'],
  ['a fragmented ping', clientFrame(9, 'x', { fin: false }), 1002, 'Received fragmented control frame: opcode = 9'],
  ['a continuation out of the blue', clientFrame(0, 'x'), 1002, 'Received unexpected continuation frame'],
  [
    'a text frame inside a fragmented message',
    Buffer.concat([clientFrame(1, 'a', { fin: false }), clientFrame(1, 'b')]),
    1002,
    'Received new data frame but previous continuous frame is unfinished',
  ],
  ['invalid UTF-8', clientFrame(1, Buffer.from([0x61, 0xc3, 0x28])), 1007, 'Could not decode a text frame as UTF-8'],
  ['a message over maxLength', Buffer.concat([clientFrame(1, '12345', { fin: false }), clientFrame(0, '678')]), 1009, 'WebSocket frame length too large'],
  ['a frame over maxLength', clientFrame(2, '12345678'), 1009, 'WebSocket frame length too large'],
  ['a 64-bit length of 2^40', encodeFrame({ opcode: 2, length: 2n ** 40n, mask: PEER_KEY }), 1009, 'WebSocket frame length too large'],
] as const) {
  test(`${name} closes with ${code} and websocket-driver's message`, async (t) => {
    const outcome = await both(t, { bytes: withFrames(clientFrame(1, 'ok'), frame), options: { maxLength: 7 } });
    t.deepEqual(outcome.frames, [`1 0 8 ${code} ${message}`]);
    t.deepEqual(outcome.log, [
      ['open', ''],
      ['data', 'text:ok'],
      ['message', 'text:ok'],
      ['error', message],
      ['end'],
      ['close', code, message, 3],
    ]);
  });
}

for (const [name, payload, echo, reported] of [
  ['no payload', Buffer.alloc(0), '1 0 8 1000', [1000, '']],
  ['a 1-byte payload', Buffer.from([3]), '1 0 8 1002', [1002, '']],
  ['code 1005', closeBody(1005, 'r'), '1 0 8 1002 r', [1002, 'r']],
  ['code 1015', closeBody(1015, 'r'), '1 0 8 1002 r', [1002, 'r']],
  ['code 2999', closeBody(2999), '1 0 8 1002', [1002, '']],
  ['a reason that is not UTF-8', Buffer.concat([closeBody(1000), Buffer.from([0xff])]), '1 0 8 1002', [1002, '']],
  ['code 1011', closeBody(1011, 'oops'), '1 0 8 1011 oops', [1011, 'oops']],
] as const) {
  test(`a close frame with ${name} is echoed and reported as websocket-driver does`, async (t) => {
    const outcome = await both(t, { bytes: withFrames(clientFrame(8, payload)) });
    t.deepEqual(outcome.frames, [echo]);
    t.deepEqual(outcome.log.at(-1), ['close', ...reported, 3]);
  });
}

test('messages sent before the handshake are queued behind the 101; pings are answered with the same payload', async (t) => {
  const outcome = await both(t, {
    bytes: withFrames(clientFrame(9, 'are you there'), clientFrame(8, closeBody(1000))),
    onSocket: (socket) => {
      t.is(socket.readyState, 0);
      t.true(socket.send('early'));
      t.true(socket.send(Buffer.from('bin')));
    },
  });
  t.is(outcome.head, ACCEPT_HEAD);
  t.deepEqual(outcome.frames, ['1 0 1 early', '1 0 2 bin', '1 0 10 are you there', '1 0 8 1000']);
});

test('the server closes: its code and reason go out, and close reports the peer’s echo', async (t) => {
  const sends: unknown[] = [];
  const outcome = await both(t, {
    bytes: REQUEST,
    onSocket: (socket) =>
      socket.on('open', () => {
        t.throws(() => socket.close(1001), {
          message: "Failed to execute 'close' on WebSocket: The code must be either 1000, or between 3000 and 4999. 1001 is neither.",
        });
        socket.close(4000, 'srv-bye');
        sends.push(socket.readyState, socket.send('late'), socket.ping('p'));
      }),
    afterHead: async (client) => {
      const frame = await client.readFrame();
      t.deepEqual([frame.opcode, frame.payload], [8, closeBody(4000, 'srv-bye')]);
      client.write(clientFrame(8, closeBody(4001, 'echo')));
    },
  });
  t.deepEqual(sends, [2, false, false, 2, false, false]);
  t.deepEqual(outcome.log, [['open', ''], ['end'], ['close', 4001, 'echo', 3]]);
});

test('ping callbacks run when the pong with the same payload arrives', async (t) => {
  const pongs: string[] = [];
  const outcome = await both(t, {
    bytes: REQUEST,
    onSocket: (socket) =>
      socket.on('open', () => {
        t.true(socket.ping('one', () => pongs.push('one')));
        t.true(socket.ping('two', () => pongs.push('two')));
      }),
    afterHead: async (client) => {
      t.deepEqual((await client.readFrame()).payload.toString(), 'one');
      t.deepEqual((await client.readFrame()).payload.toString(), 'two');
      client.write(Buffer.concat([clientFrame(10, 'two'), clientFrame(10, 'zzz'), clientFrame(10, 'one'), clientFrame(8)]));
    },
  });
  t.deepEqual(pongs, ['two', 'one', 'two', 'one']);
  t.deepEqual(outcome.frames, ['1 0 8 1000']);
});

test('ws.pipe(ws) echoes through the stream interface', async (t) => {
  const outcome = await both(t, {
    bytes: withFrames(clientFrame(1, 'a'), clientFrame(1, 'b', { fin: false }), clientFrame(0, 'c'), clientFrame(8, closeBody(1000))),
    onSocket: (socket) => socket.pipe(socket as unknown as NodeJS.WritableStream),
  });
  t.deepEqual(outcome.frames, ['1 0 1 a', '1 0 1 bc', '1 0 8 1000']);
});

test('a connection dropped without a close frame reports 1006', async (t) => {
  const outcome = await both(t, {
    bytes: withFrames(clientFrame(1, 'x')),
    afterHead: async (client) => {
      await client.readBytes(0);
      client.socket.end();
    },
  });
  t.deepEqual(outcome.log, [['open', ''], ['data', 'text:x'], ['message', 'text:x'], ['end'], ['close', 1006, '', 3]]);
});

test('the export has faye-websocket’s shape; isWebSocket and validateOptions behave as its', (t) => {
  t.deepEqual(Object.keys(Ferrosocket), Object.keys(IMPLEMENTATIONS[0][1]));
  t.deepEqual(Object.keys(Ferrosocket), ['isWebSocket', 'validateOptions', 'WebSocket', 'Client', 'EventSource']);
  t.is(Ferrosocket.WebSocket, Ferrosocket);
  const request = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;
  for (const [, Impl] of IMPLEMENTATIONS) {
    t.true(Impl.isWebSocket(request('GET', { connection: 'keep-alive, Upgrade', upgrade: 'WebSocket' })));
    t.false(Impl.isWebSocket(request('POST', { connection: 'upgrade', upgrade: 'websocket' })));
    t.false(Impl.isWebSocket(request('GET', { connection: 'keep-alive', upgrade: 'websocket' })));
    t.throws(() => Impl.validateOptions({ maxLength: 1, bogus: 2 }, ['maxLength']), { message: 'Unrecognized option: bogus' });
    t.notThrows(() => Impl.validateOptions({ maxLength: 1 }, ['maxLength']));
  }
});

test('an unknown option throws from the constructor', async (t) => {
  const http = await startHttpServer();
  const thrown: string[] = [];
  http.server.on('upgrade', (request: IncomingMessage, socket: Socket, body: Buffer) => {
    for (const [, Impl] of IMPLEMENTATIONS) {
      try {
        new Impl(request, socket, body, [], { pingg: 1 } as never);
      } catch (error) {
        thrown.push((error as Error).message);
      }
    }
    socket.destroy();
  });
  const client = await RawClient.connect(http.port);
  client.write(REQUEST);
  await until(() => thrown.length === 2, 3000, 'both constructors');
  client.destroy();
  await http.close();
  t.deepEqual(thrown, ['Unrecognized option: pingg', 'Unrecognized option: pingg']);
});

test('CR and LF in a headers option value cannot add lines to the reply', async (t) => {
  const outcome = await run(Ferrosocket, {
    bytes: withFrames(clientFrame(8)),
    options: { headers: { 'X-A': 'one\r\nX-Injected: two' } },
  });
  t.is(
    outcome.head,
    `HTTP/1.1 101 Switching Protocols\r\nX-A: oneX-Injected: two\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${DEFAULT_ACCEPT}\r\n\r\n`,
  );
});

/** Random text of 1- to 4-byte characters. */
function randomText(random: Random, maxChars: number): string {
  const pools = ['abc xyz', 'éüß', '€ह中', '😀𝄞'];
  let text = '';
  for (let i = random.int(0, maxChars); i > 0; i--) text += [...random.pick(pools)][random.int(0, 1)];
  return text;
}

/** `payload` cut into 1-3 frames of `opcode` then continuations, with a ping between some of them. */
function fragments(random: Random, opcode: number, payload: Buffer): Buffer[] {
  const count = payload.length > 1 ? random.int(1, 3) : 1;
  const cuts = Array.from({ length: count - 1 }, () => random.int(0, payload.length)).sort((a, b) => a - b);
  const edges = [0, ...cuts, payload.length];
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    frames.push(clientFrame(i === 0 ? opcode : 0, payload.subarray(edges[i], edges[i + 1]), { fin: i === count - 1 }));
    if (i < count - 1 && random.next() < 0.3) frames.push(clientFrame(9, Buffer.from(random.bytes(random.int(0, 125)))));
  }
  return frames;
}

/** A random session: messages, pings and pongs, then a close frame or one of the violations faye-websocket shares. */
function randomSession(random: Random): Buffer[] {
  const frames: Buffer[] = [];
  for (let i = random.int(0, 6); i > 0; i--) {
    const kind = random.int(0, 3);
    if (kind === 0) frames.push(...fragments(random, 1, Buffer.from(randomText(random, 200))));
    else if (kind === 1) frames.push(...fragments(random, 2, Buffer.from(random.bytes(random.pick([0, 1, 125, 126, 3000, 65536, 70000])))));
    else frames.push(clientFrame(kind === 2 ? 9 : 10, Buffer.from(random.bytes(random.int(0, 125)))));
  }
  const ends = [
    () => clientFrame(8, closeBody(random.pick([1000, 1001, 1003, 1007, 1011, 3000, 4999]), randomText(random, 30))),
    () => clientFrame(8),
    () => clientFrame(1, 'x', { mask: false }),
    () => clientFrame(2, 'x', { rsv: random.int(1, 7) }),
    () => clientFrame(random.pick([3, 7, 11, 15]), 'x'),
    () => clientFrame(0, 'x'),
    () => clientFrame(1, Buffer.concat([Buffer.from(randomText(random, 20)), Buffer.from([0xc0, 0x80])])),
  ];
  frames.push(random.pick(ends)());
  return frames;
}

test('random sessions, cut into random writes, give the same bytes and events as faye-websocket', async (t) => {
  for (let seed = 1; seed <= 40; seed++) {
    const random = new Random(seed);
    const bytes = withFrames(...randomSession(random));
    const cuts = Array.from({ length: random.int(0, 6) }, () => random.int(1, bytes.length - 1)).sort((a, b) => a - b);
    const outcome = await both(t, {
      bytes,
      cuts,
      onSocket: (socket) => socket.on('message', (event: { data: string | Buffer }) => socket.send(event.data)),
    });
    t.is(outcome.log.at(-1)?.[0], 'close', `seed ${seed}`);
  }
});

test('url (ws: or wss:, by the socket or the forwarding headers), version and protocol, as faye-websocket gives them', async (t) => {
  const seen: unknown[][] = [];
  for (const [forwarded, path] of [[null, '/a?b=1'], ['https', '/secure']] as const) {
    const request = Buffer.from(handshakeRequest(forwarded === null ? {} : { 'X-Forwarded-Proto': forwarded }, path));
    for (const [, Impl] of IMPLEMENTATIONS) {
      await run(Impl, {
        bytes: Buffer.concat([request, clientFrame(8)]),
        onSocket: (socket) => seen.push([socket.url, socket.version, socket.protocol, socket.readyState]),
      });
    }
  }
  t.deepEqual(seen, [
    ['ws://127.0.0.1/a?b=1', 'hybi-13', '', 0],
    ['ws://127.0.0.1/a?b=1', 'hybi-13', '', 0],
    ['wss://127.0.0.1/secure', 'hybi-13', '', 0],
    ['wss://127.0.0.1/secure', 'hybi-13', '', 0],
  ]);
});
