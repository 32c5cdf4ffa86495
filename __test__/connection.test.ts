/**
 * WebSocketConnection, receiving side: construction and config, message assembly, event order and timing,
 * pause/resume, ping/pong, frame mode, and every received-frame error of websocket-edge-cases.md §A with its exact
 * close frame on the wire and its `close` event.
 */
import test from 'ava';
import { WebSocketConnection } from '../ts/connection';
import { CLOSE_DESCRIPTIONS } from '../ts/constants';
import { WebSocketFrame } from '../ts/frame';
import {
  closePayload,
  delay,
  eventsNamed,
  openPair,
  PEER_KEY,
  record,
  until,
  waitClose,
  type Pair,
} from './helpers/raw-peer';
import { encodeFrame, splitAt, type WireFrame } from './helpers/wire';

const NO_KEEPALIVE = { keepalive: false };

async function withPair(
  options: Parameters<typeof openPair>[0],
  body: (pair: Pair) => Promise<void>,
): Promise<void> {
  const pair = await openPair(options);
  try {
    await body(pair);
  } finally {
    pair.dispose();
  }
}

test('static constants and CLOSE_DESCRIPTIONS match 1.0.35', (t) => {
  t.is(WebSocketConnection.CLOSE_REASON_NORMAL, 1000);
  t.is(WebSocketConnection.CLOSE_REASON_GOING_AWAY, 1001);
  t.is(WebSocketConnection.CLOSE_REASON_PROTOCOL_ERROR, 1002);
  t.is(WebSocketConnection.CLOSE_REASON_UNPROCESSABLE_INPUT, 1003);
  t.is(WebSocketConnection.CLOSE_REASON_RESERVED, 1004);
  t.is(WebSocketConnection.CLOSE_REASON_NOT_PROVIDED, 1005);
  t.is(WebSocketConnection.CLOSE_REASON_ABNORMAL, 1006);
  t.is(WebSocketConnection.CLOSE_REASON_INVALID_DATA, 1007);
  t.is(WebSocketConnection.CLOSE_REASON_POLICY_VIOLATION, 1008);
  t.is(WebSocketConnection.CLOSE_REASON_MESSAGE_TOO_BIG, 1009);
  t.is(WebSocketConnection.CLOSE_REASON_EXTENSION_REQUIRED, 1010);
  t.is(WebSocketConnection.CLOSE_REASON_INTERNAL_SERVER_ERROR, 1011);
  t.is(WebSocketConnection.CLOSE_REASON_TLS_HANDSHAKE_FAILED, 1015);
  t.is(WebSocketConnection.CLOSE_DESCRIPTIONS, CLOSE_DESCRIPTIONS);
  t.deepEqual(WebSocketConnection.CLOSE_DESCRIPTIONS, {
    1000: 'Normal connection closure',
    1001: 'Remote peer is going away',
    1002: 'Protocol error',
    1003: 'Unprocessable input',
    1004: 'Reserved',
    1005: 'Reason not provided',
    1006: 'Abnormal closure, no further detail available',
    1007: 'Invalid data received',
    1008: 'Policy violation',
    1009: 'Message too big',
    1010: 'Extension requested by client is required',
    1011: 'Internal Server Error',
    1015: 'TLS Handshake Failed',
  });
  t.is(WebSocketConnection.CLOSE_DESCRIPTIONS[1012], undefined);
  t.is(WebSocketConnection.CLOSE_DESCRIPTIONS[4000], undefined);
});

test('the constructor sets the 1.0.35 fields and configures the socket', async (t) => {
  const calls: unknown[][] = [];
  const otherErrorListener = (): void => {};
  await withPair(
    {
      config: NO_KEEPALIVE,
      listen: false,
      prepare(socket) {
        socket.on('error', otherErrorListener);
        const setNoDelay = socket.setNoDelay.bind(socket);
        const setTimeout = socket.setTimeout.bind(socket);
        socket.setNoDelay = (value?: boolean) => {
          calls.push(['setNoDelay', value]);
          return setNoDelay(value);
        };
        socket.setTimeout = ((ms: number) => {
          calls.push(['setTimeout', ms]);
          return setTimeout(ms);
        }) as typeof socket.setTimeout;
      },
    },
    async ({ connection, socket }) => {
      t.deepEqual(calls, [
        ['setNoDelay', true],
        ['setTimeout', 0],
      ]);
      t.false(socket.listeners('error').includes(otherErrorListener), "other parties' error listeners are removed");
      t.is(socket.listenerCount('error'), 1, "the connection's own, which swallows errors until it listens");
      t.is(connection.socket, socket);
      t.is(connection.protocol, null);
      t.deepEqual(connection.extensions, []);
      t.is(connection.remoteAddress, socket.remoteAddress);
      t.is(connection.closeReasonCode, -1);
      t.is(connection.closeDescription, null);
      t.false(connection.closeEventEmitted);
      t.false(connection.maskOutgoingPackets);
      t.true(connection.connected);
      t.is(connection.state, 'open');
      t.false(connection.waitingForCloseResponse);
      t.false(connection.receivedEnd);
      t.is(connection.closeTimeout, 5000);
      t.true(connection.assembleFragments);
      t.is(connection.maxReceivedMessageSize, 0x100000);
      t.false(connection.outputBufferFull);
      t.false(connection.inputPaused);
      t.is(connection.remoteAddresses, undefined, 'only the server-side creator sets remoteAddresses');
      t.is(connection.webSocketVersion, undefined);
      t.is(connection.bufferedAmount, 0);
      t.is(socket.listenerCount('data'), 0, 'no socket listeners before _addSocketEventListeners()');
      const names = ['error', 'end', 'close', 'drain', 'pause', 'resume', 'data'];
      const before = names.map((name) => socket.listenerCount(name));
      connection._addSocketEventListeners();
      t.deepEqual(
        names.map((name, i) => socket.listenerCount(name) - before[i]),
        [0, 1, 1, 1, 1, 1, 1],
        'every event but error (whose listener the constructor added) gains one listener',
      );
    },
  );
});

test('(deviation) a socket error before _addSocketEventListeners() is swallowed: no error event, the state stays open', async (t) => {
  await withPair({ config: NO_KEEPALIVE, listen: false }, async ({ connection, socket }) => {
    const log = record(connection);
    t.notThrows(() => socket.emit('error', Object.assign(new Error('early'), { code: 'ECONNRESET', syscall: 'read' })));
    t.deepEqual(log, []);
    t.is(connection.state, 'open');
    t.is(connection.closeReasonCode, -1);
  });
});

test('disableNagleAlgorithm is passed to setNoDelay as given', async (t) => {
  const values: unknown[] = [];
  await withPair(
    {
      config: { ...NO_KEEPALIVE, disableNagleAlgorithm: false },
      prepare(socket) {
        const original = socket.setNoDelay.bind(socket);
        socket.setNoDelay = (value?: boolean) => {
          values.push(value);
          return original(value);
        };
      },
    },
    async () => {
      t.deepEqual(values, [false]);
    },
  );
});

test('keepalive config errors throw with the 1.0.35 messages', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ socket }) => {
    const make = (config: object) =>
      new WebSocketConnection(socket, [], null, false, { ...openConfig(), ...config } as never);
    t.throws(() => make({ keepalive: true, keepaliveInterval: 'x' }), {
      message: 'keepaliveInterval must be specified and numeric if keepalive is true.',
    });
    t.throws(() => make({ keepalive: true, keepaliveInterval: 100, dropConnectionOnKeepaliveTimeout: true, keepaliveGracePeriod: undefined }), {
      message: 'keepaliveGracePeriod  must be specified and numeric if dropConnectionOnKeepaliveTimeout is true.',
    });
    t.notThrows(() => make({ keepalive: true, keepaliveInterval: 100, dropConnectionOnKeepaliveTimeout: false }).drop(1000, '', true));
  });
});

function openConfig() {
  return {
    maxReceivedFrameSize: 0x10000,
    maxReceivedMessageSize: 0x100000,
    fragmentOutgoingMessages: true,
    fragmentationThreshold: 0x4000,
    assembleFragments: true,
    disableNagleAlgorithm: true,
    closeTimeout: 5000,
  };
}

test('useNativeKeepalive calls socket.setKeepAlive(true, keepaliveInterval) and sends no pings', async (t) => {
  const calls: unknown[][] = [];
  await withPair(
    {
      config: { keepalive: true, useNativeKeepalive: true, keepaliveInterval: 30, keepaliveGracePeriod: 30 },
      prepare(socket) {
        const original = socket.setKeepAlive.bind(socket);
        socket.setKeepAlive = (enable?: boolean, delayMs?: number) => {
          calls.push([enable, delayMs]);
          return original(enable, delayMs);
        };
      },
    },
    async ({ connection, peer }) => {
      const log = record(connection);
      t.deepEqual(calls, [[true, 30]]);
      await delay(150);
      t.deepEqual(peer.frames(), []);
      t.deepEqual(log, [['resume']]);
    },
  );
});

test('resume fires once right after setup, asynchronously', async (t) => {
  await withPair({ config: NO_KEEPALIVE, listen: false }, async ({ connection }) => {
    const log = record(connection);
    connection._addSocketEventListeners();
    t.deepEqual(log, []);
    await delay(20);
    t.deepEqual(log, [['resume']]);
  });
});

test('text, binary and empty messages, as the 1.0.35 message objects', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send(
      { opcode: 1, payload: Buffer.from('héllo') },
      { opcode: 2, payload: Buffer.from([0, 1, 2, 255]) },
      { opcode: 1 },
      { opcode: 2 },
    );
    await until(() => eventsNamed(log, 'message').length === 4);
    t.deepEqual(eventsNamed(log, 'message'), [
      ['message', { type: 'utf8', utf8Data: 'héllo' }],
      ['message', { type: 'binary', binaryData: Buffer.from([0, 1, 2, 255]) }],
      ['message', { type: 'utf8', utf8Data: '' }],
      ['message', { type: 'binary', binaryData: Buffer.alloc(0) }],
    ]);
  });
});

test('fragmented messages are reassembled, with a ping interleaved answered in between', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send(
      { opcode: 1, fin: false, payload: Buffer.from('ab') },
      { opcode: 9, payload: Buffer.from('mid') },
      { opcode: 0, fin: false, payload: Buffer.from('c') },
      { opcode: 0, fin: false },
      { opcode: 0, payload: Buffer.from('€') },
      { opcode: 2, fin: false, payload: Buffer.from([1]) },
      { opcode: 0, payload: Buffer.from([2, 3]) },
    );
    await until(() => eventsNamed(log, 'message').length === 2);
    t.deepEqual(log, [
      ['resume'],
      ['message', { type: 'utf8', utf8Data: 'abc€' }],
      ['message', { type: 'binary', binaryData: Buffer.from([1, 2, 3]) }],
    ]);
    const [pong] = await peer.waitFrames(1);
    t.deepEqual(pong, { fin: true, rsv: 0, opcode: 0xa, masked: false, key: null, payload: Buffer.from('mid') });
  });
});

test('events are asynchronous relative to the socket data event; one chunk is delivered from one tick, in order', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer, socket }) => {
    const log = record(connection);
    const seenAtData: number[] = [];
    socket.on('data', () => seenAtData.push(log.length));
    connection.on('message', (message: { utf8Data?: string }) => {
      if (message.utf8Data === 'one') process.nextTick(() => log.push(['tick after first message']));
    });
    peer.send({ opcode: 1, payload: Buffer.from('one') }, { opcode: 1, payload: Buffer.from('two') });
    await until(() => log.length >= 4);
    t.deepEqual(seenAtData, [1], 'nothing but resume was emitted inside the data event');
    t.deepEqual(log, [
      ['resume'],
      ['message', { type: 'utf8', utf8Data: 'one' }],
      ['message', { type: 'utf8', utf8Data: 'two' }],
      ['tick after first message'],
    ]);
  });
});

test('one-piece messages are zero-copy views of the received chunk', async (t) => {
  await withPair({ config: NO_KEEPALIVE, listen: false }, async ({ connection }) => {
    const messages: Buffer[] = [];
    connection.on('message', (message: { binaryData: Buffer }) => messages.push(message.binaryData));
    const chunk = Buffer.concat([
      clientBytes({ opcode: 2, payload: Buffer.from([1, 2, 3]) }),
      clientBytes({ opcode: 2, payload: Buffer.from([4, 5]) }),
    ]);
    connection.handleSocketData(chunk);
    await delay(5);
    t.deepEqual(messages, [Buffer.from([1, 2, 3]), Buffer.from([4, 5])]);
    t.is(messages[0].buffer, chunk.buffer);
    t.is(messages[1].buffer, chunk.buffer);
    connection.drop(1000, '', true);
  });
});

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A frame as a client sends it (masked with the peer key), for feeding `handleSocketData` directly. */
function clientBytes(frame: WireFrame): Buffer {
  return encodeFrame({ mask: PEER_KEY, ...frame });
}

/**
 * Feeds `chunks` to `connection` (one per event-loop turn, or all at once with `together`) and records message,
 * ping and pong events.
 */
async function feed(connection: WebSocketConnection, chunks: Uint8Array[], together = false): Promise<unknown[][]> {
  const log: unknown[][] = [];
  connection.on('message', (message) => log.push(['message', message]));
  connection.on('ping', (_cancel, data) => log.push(['ping', data]));
  connection.on('pong', (data) => log.push(['pong', data]));
  for (const chunk of chunks) {
    connection.handleSocketData(Buffer.from(chunk));
    if (!together) await nextTurn();
  }
  await nextTurn();
  return log;
}

test('input split at every position, in two or three chunks, gives the same events', async (t) => {
  const stream = Buffer.concat([
    clientBytes({ opcode: 1, payload: Buffer.from('snowman \u2603 and more') }),
    clientBytes({ opcode: 2, fin: false, payload: Buffer.alloc(126, 7) }),
    clientBytes({ opcode: 9, payload: Buffer.from('p') }),
    clientBytes({ opcode: 0, payload: Buffer.from([9, 8]) }),
    clientBytes({ opcode: 0xa, payload: Buffer.from('q') }),
    clientBytes({ opcode: 1, payload: Buffer.from('end') }),
  ]);
  const expected = [
    ['message', { type: 'utf8', utf8Data: 'snowman \u2603 and more' }],
    ['ping', Buffer.from('p')],
    ['message', { type: 'binary', binaryData: Buffer.concat([Buffer.alloc(126, 7), Buffer.from([9, 8])]) }],
    ['pong', Buffer.from('q')],
    ['message', { type: 'utf8', utf8Data: 'end' }],
  ];
  await withPair({ config: NO_KEEPALIVE, listen: false }, async ({ socket }) => {
    for (let cut = 1; cut < stream.length; cut++) {
      for (const cuts of [[cut], [cut, Math.min(stream.length, cut + 1)], [cut, Math.min(stream.length, cut + 7)]]) {
        const connection = new WebSocketConnection(socket, [], null, false, { ...openConfig(), keepalive: false });
        // Two chunks arrive on separate turns; three are queued together (the parser still sees them apart).
        const log = await feed(connection, splitAt(stream, cuts), cuts.length > 1);
        t.deepEqual(log, expected, `split at ${cuts}`);
      }
    }
  });
});

test('a close frame split at every position is still read whole', async (t) => {
  const bytes = clientBytes({ opcode: 8, payload: closePayload(4001, 'bye') });
  for (let cut = 1; cut < bytes.length; cut++) {
    await withPair({ config: NO_KEEPALIVE, listen: false }, async ({ connection, peer }) => {
      await feed(connection, splitAt(bytes, [cut]));
      t.is(connection.state, 'peer_requested_close', `split at ${cut}`);
      t.is(connection.closeReasonCode, 4001);
      t.is(connection.closeDescription, 'bye');
      const [reply] = await peer.waitFrames(1);
      t.deepEqual([reply.opcode, reply.payload], [8, closePayload(1000)]);
    });
  }
});

test('pause() emits pause synchronously and holds later messages until resume(), whose event is asynchronous', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    await until(() => log.length === 1);
    connection.once('message', () => {
      connection.pause();
      log.push(['pause() returned', connection.inputPaused]);
    });
    peer.send(
      { opcode: 1, payload: Buffer.from('a') },
      { opcode: 1, payload: Buffer.from('b') },
      { opcode: 9, payload: Buffer.from('c') },
    );
    await until(() => log.length >= 4);
    await delay(50);
    peer.send({ opcode: 1, payload: Buffer.from('while paused') });
    await delay(50);
    t.deepEqual(log, [
      ['resume'],
      ['message', { type: 'utf8', utf8Data: 'a' }],
      ['pause'],
      ['pause() returned', true],
    ]);
    t.deepEqual(peer.frames(), [], 'the ping is not answered while paused');
    connection.resume();
    log.push(['resume() returned']);
    await until(() => log.length >= 8);
    t.deepEqual(log.slice(4), [
      ['resume() returned'],
      ['resume'],
      ['message', { type: 'utf8', utf8Data: 'b' }],
      ['message', { type: 'utf8', utf8Data: 'while paused' }],
    ]);
    t.false(connection.inputPaused);
    const [pong] = await peer.waitFrames(1);
    t.deepEqual([pong.opcode, pong.payload], [0xa, Buffer.from('c')]);
  });
});

test('a connection paused mid-chunk keeps its undelivered messages while other connections parse (descriptors are shared)', async (t) => {
  const first = await openPair({ config: NO_KEEPALIVE });
  const second = await openPair({ config: NO_KEEPALIVE });
  try {
    const firstLog = record(first.connection);
    const secondLog = record(second.connection);
    first.connection.once('message', () => first.connection.pause());
    first.peer.send(...['a', 'b', 'c', 'd'].map((text) => ({ opcode: 1, payload: Buffer.from(text) })));
    await until(() => firstLog.some(([name]) => name === 'pause'));
    second.peer.send(...['w', 'x', 'y', 'z'].map((text) => ({ opcode: 2, payload: Buffer.from(text) })));
    await until(() => secondLog.filter(([name]) => name === 'message').length === 4);
    first.connection.resume();
    await until(() => firstLog.filter(([name]) => name === 'message').length === 4);
    const texts = (log: unknown[][]) =>
      log.filter(([name]) => name === 'message').map(([, message]) => {
        const m = message as { utf8Data?: string; binaryData?: Buffer };
        return m.utf8Data ?? m.binaryData?.toString();
      });
    t.deepEqual(texts(firstLog), ['a', 'b', 'c', 'd']);
    t.deepEqual(texts(secondLog), ['w', 'x', 'y', 'z']);
  } finally {
    first.dispose();
    second.dispose();
  }
});

test('pause() before any data arrives holds the first messages until resume()', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    await until(() => log.length === 1);
    connection.pause();
    peer.send({ opcode: 1, payload: Buffer.from('first') });
    await delay(80);
    t.deepEqual(log, [['resume'], ['pause']]);
    connection.resume();
    await until(() => log.length === 4);
    t.deepEqual(log.slice(2), [['resume'], ['message', { type: 'utf8', utf8Data: 'first' }]]);
  });
});

test('close() before any data arrives: data that follows is not delivered, and the reply is still read', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    connection.close(4000, 'early');
    await peer.waitFrames(1);
    peer.send({ opcode: 1, payload: Buffer.from('late') }, { opcode: 8, payload: closePayload(1000) });
    await peer.waitEnd();
    peer.socket.end();
    t.deepEqual(await waitClose(log), ['close', 4000, 'early']);
    t.deepEqual(eventsNamed(log, 'message'), []);
  });
});

test('ping: without listeners a pong echoes the payload; with one, the listener gets (cancel, data) and cancel() suppresses the pong', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    peer.send({ opcode: 9, payload: Buffer.from('one') });
    const [first] = await peer.waitFrames(1);
    t.deepEqual(first, { fin: true, rsv: 0, opcode: 0xa, masked: false, key: null, payload: Buffer.from('one') });

    const seen: unknown[][] = [];
    const listener = (cancel: () => void, data: Buffer) => {
      seen.push([typeof cancel, data]);
      if (data.toString() === 'cancel me') cancel();
    };
    connection.on('ping', listener);
    peer.send({ opcode: 9, payload: Buffer.from('cancel me') }, { opcode: 9, payload: Buffer.from('answer me') }, { opcode: 9 });
    await peer.waitFrames(3);
    connection.removeListener('ping', listener);
    peer.send({ opcode: 9, payload: Buffer.from('no listener again') });
    const frames = await peer.waitFrames(4);
    t.deepEqual(seen, [
      ['function', Buffer.from('cancel me')],
      ['function', Buffer.from('answer me')],
      ['function', Buffer.alloc(0)],
    ]);
    t.deepEqual(
      frames.map((frame) => [frame.opcode, frame.payload.toString()]),
      [
        [0xa, 'one'],
        [0xa, 'answer me'],
        [0xa, ''],
        [0xa, 'no listener again'],
      ],
    );
  });
});

test('pong frames are emitted as pong(data)', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send({ opcode: 0xa, payload: Buffer.from('pp') }, { opcode: 0xa });
    await until(() => log.length === 3);
    t.deepEqual(log, [['resume'], ['pong', Buffer.from('pp')], ['pong', Buffer.alloc(0)]]);
  });
});

test('assembleFragments false: every frame is a frame event (data and control), no message; pings still answered, UTF-8 and message size unchecked', async (t) => {
  await withPair(
    { config: { ...NO_KEEPALIVE, assembleFragments: false, maxReceivedMessageSize: 4 } },
    async ({ connection, peer }) => {
      const log = record(connection);
      peer.send(
        { opcode: 1, fin: false, payload: Buffer.from([0xff, 0xfe]) },
        { opcode: 9, payload: Buffer.from('pi') },
        { opcode: 0, payload: Buffer.from('abcdef') },
        { opcode: 0xa, payload: Buffer.from('po') },
        { opcode: 2, payload: Buffer.alloc(0) },
        { opcode: 8, payload: closePayload(4002, 'done') },
      );
      await until(() => connection.state === 'peer_requested_close');
      const frames = log.filter((entry) => entry[0] === 'frame').map((entry) => entry[1] as WebSocketFrame);
      t.true(frames.every((frame) => frame instanceof WebSocketFrame));
      t.deepEqual(
        frames.map((f) => [f.opcode, f.fin, f.mask, f.length, f.binaryPayload, f.closeStatus, f.parseState]),
        [
          [1, false, true, 2, Buffer.from([0xff, 0xfe]), -1, 6],
          [9, true, true, 2, Buffer.from('pi'), -1, 6],
          [0, true, true, 6, Buffer.from('abcdef'), -1, 6],
          [0xa, true, true, 2, Buffer.from('po'), -1, 6],
          [2, true, true, 0, Buffer.alloc(0), -1, 6],
          [8, true, true, 6, Buffer.from('done'), 4002, 6],
        ],
      );
      t.deepEqual(
        log.map((entry) => entry[0]),
        ['resume', 'frame', 'frame', 'frame', 'frame', 'pong', 'frame', 'frame'],
      );
      t.is(frames[0].toString(), 'Opcode: 1, fin: false, length: 2, hasPayload: true, masked: true');
      const replies = await peer.waitFrames(2);
      t.deepEqual(
        replies.map((frame) => [frame.opcode, frame.payload]),
        [
          [0xa, Buffer.from('pi')],
          [8, closePayload(1000)],
        ],
      );
      t.is(connection.closeReasonCode, 4002);
      t.is(connection.closeDescription, 'done');
    },
  );
});

test('assembleFragments false: a 1-byte close frame is a frame with invalidCloseFrameLength', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, assembleFragments: false } }, async ({ connection, peer }) => {
    const frames: WebSocketFrame[] = [];
    connection.on('frame', (frame: WebSocketFrame) => frames.push(frame));
    const log = record(connection);
    peer.send({ opcode: 8, payload: Buffer.from([3]) });
    const [reply] = await peer.waitFrames(1);
    t.deepEqual(reply.payload, closePayload(1002));
    t.is(frames.length, 1);
    t.true(frames[0].invalidCloseFrameLength);
    t.deepEqual(frames[0].binaryPayload, Buffer.alloc(0));
    t.is(frames[0].closeStatus, -1);
    peer.socket.end();
    t.deepEqual(await waitClose(log), ['close', 1005, 'Reason not provided']);
  });
});

/** Sends `frames` from the peer and checks the connection's close frame on the wire and its close event. */
async function expectDrop(
  t: import('ava').ExecutionContext,
  options: Parameters<typeof openPair>[0],
  frames: Array<WireFrame | Buffer>,
  code: number,
  description: string,
  before: unknown[][] = [],
): Promise<void> {
  await withPair(options, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send(...frames);
    t.deepEqual(await waitClose(log), ['close', code, description]);
    t.deepEqual(log, [['resume'], ...before, ['close', code, description]]);
    t.is(connection.state, 'closed');
    t.false(connection.connected);
    const replies = await peer.waitFrames(1);
    t.deepEqual(
      replies.map((frame) => [frame.opcode, frame.fin, frame.masked, frame.payload]),
      [[8, true, options?.role === 'client', closePayload(code, description)]],
    );
    await peer.waitEnd();
    t.true(connection.socket.destroyed);
  });
}

const INVALID_UTF8 = Buffer.from([0x61, 0xc3, 0x28]);

test('A: invalid UTF-8 in a text frame → 1007 Invalid UTF-8 Data Received', (t) =>
  expectDrop(t, { config: NO_KEEPALIVE }, [{ opcode: 1, payload: INVALID_UTF8 }], 1007, 'Invalid UTF-8 Data Received'));

test('A: invalid UTF-8 in a fragmented text message → 1007', (t) =>
  expectDrop(
    t,
    { config: NO_KEEPALIVE },
    [
      { opcode: 1, fin: false, payload: Buffer.from([0x61, 0xe2, 0x82]) },
      { opcode: 0, payload: Buffer.from([0x41]) },
    ],
    1007,
    'Invalid UTF-8 Data Received',
  ));

test('A: a text message ending inside a multi-byte sequence → 1007', (t) =>
  expectDrop(t, { config: NO_KEEPALIVE }, [{ opcode: 1, payload: Buffer.from([0x61, 0xe2, 0x82]) }], 1007, 'Invalid UTF-8 Data Received'));

for (const rsv of [4, 2, 1]) {
  test(`A: RSV bits ${rsv} set → 1002 Unsupported usage of rsv bits without negotiated extension.`, (t) =>
    expectDrop(
      t,
      { config: NO_KEEPALIVE },
      [{ opcode: 1, rsv, payload: Buffer.from('x') }],
      1002,
      'Unsupported usage of rsv bits without negotiated extension.',
    ));
}

test('A: ping without FIN → 1002 Control frames must not be fragmented.', (t) =>
  expectDrop(t, { config: NO_KEEPALIVE }, [{ opcode: 9, fin: false }], 1002, 'Control frames must not be fragmented.'));

test('A: control frame longer than 125 bytes → 1002 Illegal control frame longer than 125 bytes.', (t) =>
  expectDrop(
    t,
    { config: NO_KEEPALIVE },
    [{ opcode: 9, payload: Buffer.alloc(126) }],
    1002,
    'Illegal control frame longer than 125 bytes.',
  ));

for (const opcode of [3, 7, 0xb, 0xf]) {
  test(`A: reserved opcode 0x${opcode.toString(16)} → 1002 Unrecognized Opcode: 0x${opcode.toString(16)}`, (t) =>
    expectDrop(t, { config: NO_KEEPALIVE }, [{ opcode }], 1002, `Unrecognized Opcode: 0x${opcode.toString(16)}`));
}

test('A: continuation with nothing started → 1002 Unexpected Continuation Frame', (t) =>
  expectDrop(t, { config: NO_KEEPALIVE }, [{ opcode: 0, payload: Buffer.from('x') }], 1002, 'Unexpected Continuation Frame'));

test('A: a new text frame during a fragmented message → 1002 Illegal frame opcode 0x1 ...', (t) =>
  expectDrop(
    t,
    { config: NO_KEEPALIVE },
    [
      { opcode: 2, fin: false, payload: Buffer.from('x') },
      { opcode: 1, payload: Buffer.from('y') },
    ],
    1002,
    'Illegal frame opcode 0x1 received in middle of fragmented message.',
  ));

test('A: a new binary frame during a fragmented message → 1002 Illegal frame opcode 0x2 ...', (t) =>
  expectDrop(
    t,
    { config: NO_KEEPALIVE },
    [
      { opcode: 1, fin: false, payload: Buffer.from('x') },
      { opcode: 2, payload: Buffer.from('y') },
    ],
    1002,
    'Illegal frame opcode 0x2 received in middle of fragmented message.',
  ));

test('A: 64-bit length with the high word set → 1002 Unsupported 64-bit length frame received', (t) =>
  expectDrop(
    t,
    { config: NO_KEEPALIVE },
    [{ opcode: 2, length: 0x100000000n }],
    1002,
    'Unsupported 64-bit length frame received',
  ));

test('A: frame payload over maxReceivedFrameSize → 1009 before the payload arrives', (t) =>
  expectDrop(
    t,
    { config: { ...NO_KEEPALIVE, maxReceivedFrameSize: 256 } },
    [Buffer.from([0x82, 0x80 | 126, 0x01, 0x2c, ...PEER_KEY])],
    1009,
    'Frame size of 300 bytes exceeds maximum accepted frame size',
  ));

test('A: fragmented total over maxReceivedMessageSize → 1009 Maximum message size exceeded.', (t) =>
  expectDrop(
    t,
    { config: { ...NO_KEEPALIVE, maxReceivedMessageSize: 10 } },
    [
      { opcode: 1, fin: false, payload: Buffer.from('123456') },
      { opcode: 0, payload: Buffer.from('789012') },
    ],
    1009,
    'Maximum message size exceeded.',
  ));

test('A (deviation): one unfragmented frame over maxReceivedMessageSize → 1009 too', (t) =>
  expectDrop(
    t,
    { config: { ...NO_KEEPALIVE, maxReceivedMessageSize: 10, maxReceivedFrameSize: 100 } },
    [{ opcode: 2, payload: Buffer.alloc(11) }],
    1009,
    'Maximum message size exceeded.',
  ));

test('A: a message of exactly maxReceivedMessageSize and a frame of exactly maxReceivedFrameSize are accepted', async (t) => {
  await withPair(
    { config: { ...NO_KEEPALIVE, maxReceivedMessageSize: 10, maxReceivedFrameSize: 6 } },
    async ({ connection, peer }) => {
      const log = record(connection);
      peer.send({ opcode: 1, fin: false, payload: Buffer.from('123456') }, { opcode: 0, payload: Buffer.from('7890') });
      await until(() => log.length === 2);
      t.deepEqual(log[1], ['message', { type: 'utf8', utf8Data: '1234567890' }]);
    },
  );
});

test('A: a ping in the middle of a fragmented message is answered and the message completes', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send(
      { opcode: 1, fin: false, payload: Buffer.from('he') },
      { opcode: 9, payload: Buffer.from('!') },
      { opcode: 0, payload: Buffer.from('llo') },
    );
    await until(() => log.length === 2);
    t.deepEqual(log, [['resume'], ['message', { type: 'utf8', utf8Data: 'hello' }]]);
    const [pong] = await peer.waitFrames(1);
    t.deepEqual([pong.opcode, pong.payload], [0xa, Buffer.from('!')]);
  });
});

test('A (deviation): an unmasked frame sent to a server → 1002', (t) =>
  expectDrop(
    t,
    { config: NO_KEEPALIVE },
    [encodeFrame({ opcode: 1, payload: Buffer.from('x') })],
    1002,
    'Received an unmasked frame; client frames must be masked.',
  ));

test('A (deviation): a masked frame sent to a client → 1002, answered with a masked close frame', (t) =>
  expectDrop(
    t,
    { role: 'client', config: {} },
    [encodeFrame({ opcode: 1, mask: PEER_KEY, payload: Buffer.from('x') })],
    1002,
    'Received a masked frame; server frames must not be masked.',
  ));

test('the client side reads unmasked server frames', async (t) => {
  await withPair({ role: 'client', config: {} }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send({ opcode: 1, payload: Buffer.from('from server') });
    await until(() => log.length === 2);
    t.deepEqual(log[1], ['message', { type: 'utf8', utf8Data: 'from server' }]);
  });
});

test('messages before a protocol error are delivered, then the drop happens', (t) =>
  expectDrop(
    t,
    { config: NO_KEEPALIVE },
    [{ opcode: 1, payload: Buffer.from('first') }, { opcode: 4 }],
    1002,
    'Unrecognized Opcode: 0x4',
    [['message', { type: 'utf8', utf8Data: 'first' }]],
  ));

test('server defaults: a 64 KiB frame is accepted, one byte more is 1009', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send({ opcode: 2, payload: Buffer.alloc(0x10000, 1) });
    await until(() => log.length === 2);
    t.is((log[1][1] as { binaryData: Buffer }).binaryData.length, 0x10000);
  });
  await expectDrop(
    t,
    { config: NO_KEEPALIVE },
    [Buffer.from([0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 1, ...PEER_KEY])],
    1009,
    'Frame size of 65537 bytes exceeds maximum accepted frame size',
  );
});

test('a maxReceivedFrameSize of 0 rejects every non-empty frame, as 1.0.35 does', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, maxReceivedFrameSize: 0 } }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send({ opcode: 1 }, { opcode: 1, payload: Buffer.from('x') });
    t.deepEqual(await waitClose(log), ['close', 1009, 'Frame size of 1 bytes exceeds maximum accepted frame size']);
    t.deepEqual(log[1], ['message', { type: 'utf8', utf8Data: '' }]);
  });
});

test('a config without size limits accepts large frames', async (t) => {
  await withPair(
    { config: { ...NO_KEEPALIVE, maxReceivedFrameSize: undefined, maxReceivedMessageSize: undefined } as never },
    async ({ connection, peer }) => {
      const log = record(connection);
      peer.send({ opcode: 2, payload: Buffer.alloc(200_000, 3) });
      await until(() => log.length === 2);
      t.is((log[1][1] as { binaryData: Buffer }).binaryData.length, 200_000);
    },
  );
});

test('server defaults: a message of 1 MiB is accepted, one byte more is 1009', async (t) => {
  const fragments = (extra: number): WireFrame[] => [
    ...Array.from({ length: 16 }, (_, i): WireFrame => ({ opcode: i === 0 ? 2 : 0, fin: false, payload: Buffer.alloc(0x10000, i) })),
    { opcode: 0, payload: Buffer.alloc(extra) },
  ];
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send(...fragments(0));
    await until(() => log.length === 2, 5000);
    t.is((log[1][1] as { binaryData: Buffer }).binaryData.length, 0x100000);
  });
  await expectDrop(t, { config: NO_KEEPALIVE }, fragments(1), 1009, 'Maximum message size exceeded.');
});

test('client defaults: frames up to 1 MiB, messages up to 8 MiB (checked from the headers)', async (t) => {
  await expectDrop(
    t,
    { role: 'client', config: {} },
    [Buffer.from([0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 1])],
    1009,
    'Frame size of 1048577 bytes exceeds maximum accepted frame size',
  );
  const megabyte = Buffer.alloc(0x100000);
  await expectDrop(
    t,
    { role: 'client', config: {} },
    [
      ...Array.from({ length: 8 }, (_, i): WireFrame => ({ opcode: i === 0 ? 1 : 0, fin: false, payload: megabyte })),
      Buffer.from([0x80, 1]),
    ],
    1009,
    'Maximum message size exceeded.',
  );
});
