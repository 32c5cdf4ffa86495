/**
 * WebSocketConnection, sending: the send family's argument rules and return values, exact frames on the wire
 * (lengths, fragmentation, masking), callbacks, ping/pong limits, sendFrame, and backpressure
 * (websocket-edge-cases.md §D).
 */
import test from 'ava';
import { WebSocketFrame } from '../ts/frame';
import { delay, openPair, record, until, type Pair } from './helpers/raw-peer';

const NO_KEEPALIVE = { keepalive: false };

async function withPair(options: Parameters<typeof openPair>[0], body: (pair: Pair) => Promise<void>): Promise<void> {
  const pair = await openPair(options);
  try {
    await body(pair);
  } finally {
    pair.dispose();
  }
}

/** [opcode, fin, payload as string] of each frame the peer received. */
function summary(pair: Pair): Array<[number, boolean, string]> {
  return pair.peer.frames().map((frame) => [frame.opcode, frame.fin, frame.payload.toString()]);
}

test('D.1: send(12345) sends text "12345"; send(Buffer) sends binary', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async (pair) => {
    t.is(pair.connection.send(12345 as never), undefined);
    pair.connection.send(Buffer.from([1, 2]));
    await pair.peer.waitFrames(2);
    t.deepEqual(
      pair.peer.frames().map((frame) => [frame.opcode, frame.payload]),
      [
        [1, Buffer.from('12345')],
        [2, Buffer.from([1, 2])],
      ],
    );
  });
});

test('D.1/D.2: argument errors', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection }) => {
    t.throws(() => connection.send(null as never), {
      instanceOf: TypeError,
      message: "Cannot read properties of null (reading 'toString')",
    });
    t.throws(() => connection.send(undefined as never), { instanceOf: TypeError });
    t.throws(() => connection.send({ toString: 5 } as never), {
      message: 'Data provided must either be a Node Buffer or implement toString()',
    });
    t.throws(() => connection.sendBytes('x' as never), {
      message: 'You must pass a Node Buffer object to WebSocketConnection.prototype.sendBytes()',
    });
    const frame = new WebSocketFrame(Buffer.alloc(4), Buffer.alloc(10), {});
    frame.opcode = 9;
    t.throws(() => connection.fragmentAndSend(frame), { message: 'You cannot fragment control frames.' });
  });
});

test('D.3/D.4: empty text and binary frames; the send family returns undefined', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async (pair) => {
    const { connection } = pair;
    t.is(connection.sendUTF(''), undefined);
    t.is(connection.sendBytes(Buffer.alloc(0)), undefined);
    t.is(connection.ping(), undefined);
    t.is(connection.pong(Buffer.from('x')), undefined);
    await pair.peer.waitFrames(4);
    t.deepEqual(pair.peer.received, Buffer.from([0x81, 0x00, 0x82, 0x00, 0x89, 0x00, 0x8a, 0x01, 0x78]));
  });
});

test('D.5 (deviation): ping/pong payloads over 125 bytes throw; 125 is sent whole', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async (pair) => {
    const { connection } = pair;
    t.throws(() => connection.ping(Buffer.alloc(200)), {
      message: 'Ping payload is 200 bytes; a control frame carries at most 125.',
    });
    t.throws(() => connection.pong(Buffer.alloc(126)), {
      message: 'Pong payload is 126 bytes; a control frame carries at most 125.',
    });
    t.throws(() => connection.ping('x'.repeat(126)), { instanceOf: Error });
    const error = t.throws(() => connection.ping(Buffer.alloc(126))) as unknown as { code: string; status: number };
    t.is(error.code, 'WS_ERR_CONTROL_PAYLOAD_TOO_LONG');
    t.is(error.status, 0);
    connection.ping(Buffer.alloc(125, 1));
    const [frame] = await pair.peer.waitFrames(1);
    t.deepEqual([frame.opcode, frame.payload], [9, Buffer.alloc(125, 1)]);
  });
});

test('D.5: ping("str") carries "str"; ping() and ping(0) are empty; pong("x") (fixed) sends "x"', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async (pair) => {
    const { connection } = pair;
    connection.ping('str');
    connection.ping();
    connection.ping(0);
    connection.ping(42);
    connection.pong('x');
    connection.pong();
    await pair.peer.waitFrames(6);
    t.deepEqual(summary(pair), [
      [9, true, 'str'],
      [9, true, ''],
      [9, true, ''],
      [9, true, '42'],
      [10, true, 'x'],
      [10, true, ''],
    ]);
  });
});

test('frames written in one turn of the event loop leave in one writev (the socket is corked until setImmediate)', async (t) => {
  const writes: { writev: number[]; write: number } = { writev: [], write: 0 };
  await withPair(
    {
      config: NO_KEEPALIVE,
      prepare(socket) {
        const writev = (socket as unknown as { _writev: (chunks: unknown[], cb: () => void) => void })._writev.bind(socket);
        const write = (socket as unknown as { _write: (...args: unknown[]) => void })._write.bind(socket);
        Object.assign(socket, {
          _writev(chunks: unknown[], cb: () => void) {
            writes.writev.push(chunks.length);
            writev(chunks, cb);
          },
          _write(...args: unknown[]) {
            writes.write++;
            write(...args);
          },
        });
      },
    },
    async ({ connection, peer }) => {
      connection.sendUTF('one');
      await new Promise((resolve) => process.nextTick(resolve));
      connection.sendBytes(Buffer.alloc(2000, 7));
      await Promise.resolve();
      connection.ping('p');
      t.deepEqual(writes, { writev: [], write: 0 }, 'nothing reaches the socket within the turn, across ticks and microtasks');
      const frames = await peer.waitFrames(3);
      t.deepEqual(frames.map((frame) => [frame.opcode, frame.payload.length]), [[1, 3], [2, 2000], [9, 1]]);
      t.deepEqual(writes, { writev: [4], write: 0 }, 'one writev: text frame, binary header, binary payload, ping');
      connection.sendUTF('two');
      await peer.waitFrames(4);
      t.deepEqual(writes, { writev: [4], write: 1 }, 'a frame of a later turn is a write of its own');
    },
  );
});

test('D.6: fragmentationThreshold 4 splits "abcdefghij" into 3 frames; the callback runs once with no argument', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, fragmentationThreshold: 4 } }, async (pair) => {
    const calls: unknown[][] = [];
    pair.connection.sendUTF('abcdefghij', (...args) => calls.push(args));
    await pair.peer.waitFrames(3);
    await until(() => calls.length > 0);
    await delay(10);
    t.deepEqual(summary(pair), [
      [1, false, 'abcd'],
      [0, false, 'efgh'],
      [0, true, 'ij'],
    ]);
    t.deepEqual(calls, [[]]);
  });
});

test('D.6: a payload of exactly the threshold is one frame, and a single-frame callback gets null', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, fragmentationThreshold: 4 } }, async (pair) => {
    const calls: unknown[][] = [];
    pair.connection.sendUTF('abcd', (...args) => calls.push(args));
    pair.connection.sendBytes(Buffer.from('12345678'), (...args) => calls.push(['bytes', ...args]));
    await pair.peer.waitFrames(3);
    await until(() => calls.length === 2);
    t.deepEqual(summary(pair), [
      [1, true, 'abcd'],
      [2, false, '1234'],
      [0, true, '5678'],
    ]);
    t.deepEqual(calls, [[null], ['bytes']]);
  });
});

test('fragmentOutgoingMessages false sends one frame whatever the size', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, fragmentOutgoingMessages: false, fragmentationThreshold: 4 } }, async (pair) => {
    pair.connection.sendUTF('abcdefghij');
    await pair.peer.waitFrames(1);
    t.deepEqual(summary(pair), [[1, true, 'abcdefghij']]);
  });
});

test('a fragmentationThreshold below 1 sends one frame (1.0.35 looped forever)', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, fragmentationThreshold: 0 } }, async (pair) => {
    pair.connection.sendUTF('abc');
    await pair.peer.waitFrames(1);
    t.deepEqual(summary(pair), [[1, true, 'abc']]);
  });
});

test('default threshold: 16 KiB is one frame, 16 KiB + 1 is two', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async (pair) => {
    pair.connection.sendBytes(Buffer.alloc(0x4000, 1));
    pair.connection.sendBytes(Buffer.alloc(0x4001, 2));
    const frames = await pair.peer.waitFrames(3);
    t.deepEqual(
      frames.map((frame) => [frame.opcode, frame.fin, frame.payload.length]),
      [
        [2, true, 0x4000],
        [2, false, 0x4000],
        [0, true, 1],
      ],
    );
    t.deepEqual(frames[2].payload, Buffer.from([2]));
  });
});

test('length encodings at 125, 126, 65535 and 65536 bytes, exact header bytes', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, fragmentOutgoingMessages: false } }, async (pair) => {
    const sizes = [125, 126, 65535, 65536, 100_000];
    for (const size of sizes) pair.connection.sendBytes(Buffer.alloc(size, size & 0xff));
    await pair.peer.waitFrames(sizes.length);
    const bytes = pair.peer.received;
    t.deepEqual([...bytes.subarray(0, 2)], [0x82, 125]);
    let at = 2 + 125;
    t.deepEqual([...bytes.subarray(at, at + 4)], [0x82, 126, 0x00, 0x7e]);
    at += 4 + 126;
    t.deepEqual([...bytes.subarray(at, at + 4)], [0x82, 126, 0xff, 0xff]);
    at += 4 + 65535;
    t.deepEqual([...bytes.subarray(at, at + 10)], [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    at += 10 + 65536;
    t.deepEqual([...bytes.subarray(at, at + 10)], [0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x86, 0xa0]);
    t.deepEqual(
      pair.peer.frames().map((frame) => frame.payload),
      sizes.map((size) => Buffer.alloc(size, size & 0xff)),
    );
  });
});

test('D.7: server frames are never masked; client frames are masked with a random key each', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async (pair) => {
    pair.connection.sendUTF('plain');
    const [frame] = await pair.peer.waitFrames(1);
    t.false(frame.masked);
  });
  await withPair({ role: 'client', config: { fragmentationThreshold: 4 } }, async (pair) => {
    pair.connection.sendUTF('hello world');
    pair.connection.ping('p');
    pair.connection.close(4000, 'x');
    const frames = await pair.peer.waitFrames(5);
    t.true(frames.every((frame) => frame.masked && frame.key !== null));
    const keys = new Set(frames.map((frame) => frame.key!.toString('hex')));
    t.true(keys.size > 2, 'keys vary from frame to frame');
    t.deepEqual(
      frames.map((frame) => [frame.opcode, frame.fin, frame.payload.toString('hex')]),
      [
        [1, false, Buffer.from('hell').toString('hex')],
        [0, false, Buffer.from('o wo').toString('hex')],
        [0, true, Buffer.from('rld').toString('hex')],
        [9, true, Buffer.from('p').toString('hex')],
        [8, true, '0fa078'],
      ],
    );
  });
  await withPair({ role: 'client', config: { fragmentOutgoingMessages: false } }, async (pair) => {
    const payload = Buffer.alloc(70_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 13) & 0xff;
    pair.connection.sendBytes(payload);
    const [frame] = await pair.peer.waitFrames(1);
    t.deepEqual([...pair.peer.received.subarray(0, 10)], [0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    t.true(frame.masked);
    t.deepEqual(frame.payload, payload);
  });
});

test('client side: a fragmented message is masked into one buffer and handed to the socket in one write', async (t) => {
  const writes: number[] = [];
  await withPair(
    {
      role: 'client',
      config: { fragmentationThreshold: 16384 },
      prepare(socket) {
        const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
        socket.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
          writes.push(chunk.length);
          return write(chunk, ...rest);
        }) as typeof socket.write;
      },
    },
    async (pair) => {
      const payload = Buffer.alloc(70_000);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
      let calls = 0;
      const done = new Promise<unknown[]>((resolve) =>
        pair.connection.sendBytes(payload, (...args) => {
          calls++;
          resolve(args);
        }),
      );
      const [error] = await done;
      t.falsy(error, 'the callback runs without an error');
      const frames = await pair.peer.waitFrames(5);
      t.deepEqual(frames.map((frame) => [frame.opcode, frame.fin, frame.payload.length]), [
        [2, false, 16384], [0, false, 16384], [0, false, 16384], [0, false, 16384], [0, true, 4464],
      ]);
      t.deepEqual(Buffer.concat(frames.map((frame) => frame.payload)), payload);
      t.is(new Set(frames.map((frame) => frame.key!.toString('hex'))).size, 5, 'a fresh key per frame');
      t.deepEqual(writes, [5 * 8 + 70_000], 'one write: 5 headers of 8 bytes (length 126 form + key) and the payload');
      t.is(calls, 1, 'the callback ran once');
    },
  );
});

test('sendFrame writes the frame with this side\'s mask rule and returns a boolean; fragmentAndSend fragments a data frame', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, fragmentationThreshold: 2 } }, async (pair) => {
    const frame = new WebSocketFrame(Buffer.alloc(4), Buffer.alloc(10), {});
    frame.opcode = 1;
    frame.fin = true;
    frame.mask = true;
    frame.binaryPayload = Buffer.from('raw');
    const callback = new Promise<unknown[]>((resolve) => t.is(pair.connection.sendFrame(frame, (...args) => resolve(args)), true));
    t.false(frame.mask, 'server side: mask forced off');
    t.deepEqual(await callback, [null]);
    const data = new WebSocketFrame(Buffer.alloc(4), Buffer.alloc(10), {});
    data.opcode = 2;
    data.binaryPayload = Buffer.from('wxyz');
    pair.connection.fragmentAndSend(data);
    await pair.peer.waitFrames(3);
    t.deepEqual(summary(pair), [
      [1, true, 'raw'],
      [2, false, 'wx'],
      [0, true, 'yz'],
    ]);
    t.false(pair.peer.frames()[0].masked);
  });
});

test('sendFrame after close fails its callback and returns false', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async (pair) => {
    pair.connection.close();
    const frame = new WebSocketFrame(Buffer.alloc(4), Buffer.alloc(10), {});
    frame.opcode = 1;
    frame.fin = true;
    frame.binaryPayload = Buffer.from('late');
    let result: boolean | undefined;
    const error = await new Promise<unknown>((resolve) => {
      result = pair.connection.sendFrame(frame, resolve);
    });
    t.false(result);
    t.is((error as { code: string }).code, 'ERR_STREAM_WRITE_AFTER_END');
  });
});

test('backpressure: outputBufferFull, bufferedAmount and the drain event', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, fragmentOutgoingMessages: false } }, async (pair) => {
    const { connection, peer } = pair;
    const log = record(connection);
    peer.socket.pause();
    const chunk = Buffer.alloc(256 * 1024, 5);
    let sent = 0;
    // A write over the high-water mark reports "full" at once (as in 1.0.35); keep going until the kernel's
    // buffers are full too and bytes stay queued in the socket.
    for (let i = 0; i < 200 && connection.bufferedAmount === 0; i++) {
      connection.sendBytes(chunk);
      sent++;
    }
    t.true(connection.outputBufferFull);
    t.true(connection.bufferedAmount > 0);
    t.is(connection.bufferedAmount, connection.socket.writableLength);
    peer.socket.resume();
    await until(() => log.some((entry) => entry[0] === 'drain'), 5000, 'drain');
    t.false(connection.outputBufferFull);
    t.is(connection.bufferedAmount, 0);
    await until(() => peer.received.length >= sent * (chunk.length + 10), 5000, 'all bytes');
    t.is(peer.frames().length, sent);
  });
});

test('a large unmasked payload is written as is (no copy): header then payload', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, fragmentOutgoingMessages: false } }, async (pair) => {
    const payload = Buffer.alloc(50_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
    const done = new Promise<unknown[]>((resolve) => pair.connection.sendBytes(payload, (...args) => resolve(args)));
    t.deepEqual(await done, [null]);
    const [frame] = await pair.peer.waitFrames(1);
    t.deepEqual(frame.payload, payload);
  });
});
