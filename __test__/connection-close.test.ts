/**
 * WebSocketConnection, closing: received close frames (websocket-edge-cases.md §B), local close and drop (§C),
 * the close timer, reading the peer's reply after close(), socket errors and FIN (§E.5, E.6), and keepalive (§E.7).
 */
import test from 'ava';
import {
  closePayload,
  delay,
  eventsNamed,
  openPair,
  record,
  until,
  waitClose,
  type Pair,
} from './helpers/raw-peer';
import { makeCertificate, type Certificate } from './helpers/certificate';

const NO_KEEPALIVE = { keepalive: false };

let certificate: Certificate;

test.before(() => {
  certificate = makeCertificate();
});

async function withPair(options: Parameters<typeof openPair>[0], body: (pair: Pair) => Promise<void>): Promise<void> {
  const pair = await openPair(options);
  try {
    await body(pair);
  } finally {
    pair.dispose();
  }
}

/** The peer sends a close frame with `payload`; checks the reply on the wire and the close event once TCP closes. */
async function peerCloses(
  t: import('ava').ExecutionContext,
  payload: Buffer,
  reply: number,
  event: [number, string | undefined],
  role: 'server' | 'client' = 'server',
): Promise<void> {
  await withPair({ role, config: role === 'server' ? NO_KEEPALIVE : {} }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send({ opcode: 8, payload });
    const [frame] = await peer.waitFrames(1);
    t.deepEqual(
      { opcode: frame.opcode, fin: frame.fin, masked: frame.masked, payload: frame.payload },
      { opcode: 8, fin: true, masked: role === 'client', payload: closePayload(reply) },
      'the reply carries only the code',
    );
    await peer.waitEnd();
    t.is(connection.state, 'peer_requested_close');
    t.false(connection.connected);
    t.deepEqual(eventsNamed(log, 'close'), [], 'close waits for TCP to close');
    peer.socket.end();
    t.deepEqual(await waitClose(log), ['close', ...event]);
    t.deepEqual(log, [['resume'], ['close', ...event]]);
    t.is(connection.state, 'closed');
  });
}

test('B (deviation): an empty close frame → reply 1000, close(1005, Reason not provided)', (t) =>
  peerCloses(t, Buffer.alloc(0), 1000, [1005, 'Reason not provided']));

test('B: a 1-byte close payload → reply 1002, close(1005, Reason not provided)', (t) =>
  peerCloses(t, Buffer.from([0x03]), 1002, [1005, 'Reason not provided']));

test('B: code 1005 on the wire → reply 1002, the code still reported', (t) =>
  peerCloses(t, closePayload(1005), 1002, [1005, 'Reason not provided']));

test('B: code 1006 + "gone" → reply 1002, close(1006, gone)', (t) =>
  peerCloses(t, closePayload(1006, 'gone'), 1002, [1006, 'gone']));

test('B: code 999 → reply 1002, close(999, undefined)', (t) => peerCloses(t, closePayload(999), 1002, [999, undefined]));

test('B: codes 1004, 2000 and 5000 → reply 1002, reported as received', async (t) => {
  await peerCloses(t, closePayload(1004), 1002, [1004, 'Reserved']);
  await peerCloses(t, closePayload(2000, 'xy'), 1002, [2000, 'xy']);
  await peerCloses(t, closePayload(5000), 1002, [5000, undefined]);
});

test('B: code 4000 without reason → reply 1000, close(4000, undefined)', (t) =>
  peerCloses(t, closePayload(4000), 1000, [4000, undefined]));

test('B: code 4000 + a 1-byte reason → reply 1000, close(4000, undefined)', (t) =>
  peerCloses(t, closePayload(4000, 'a'), 1000, [4000, undefined]));

test('B: code 1000 + reason → reply 1000, close(1000, reason)', (t) =>
  peerCloses(t, closePayload(1000, 'all done'), 1000, [1000, 'all done']));

test('B: code 1001 without reason → the table description', (t) =>
  peerCloses(t, closePayload(1001), 1000, [1001, 'Remote peer is going away']));

test('B: a client receiving 4001 "srvbye" → masked reply 1000, close(4001, srvbye)', (t) =>
  peerCloses(t, closePayload(4001, 'srvbye'), 1000, [4001, 'srvbye'], 'client'));

for (const [name, payload] of [
  ['code 1000', closePayload(1000, Buffer.from([0xc3, 0x28, 0x41]))],
  ['an invalid code', closePayload(999, Buffer.from([0xff, 0xfe]))],
] as const) {
  test(`B: ${name} + an invalid UTF-8 reason → drop 1007 Invalid UTF-8 Data Received`, async (t) => {
    await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
      const log = record(connection);
      peer.send({ opcode: 8, payload });
      t.deepEqual(await waitClose(log), ['close', 1007, 'Invalid UTF-8 Data Received']);
      const [frame] = await peer.waitFrames(1);
      t.deepEqual(frame.payload, closePayload(1007, 'Invalid UTF-8 Data Received'));
      t.is(connection.state, 'closed');
    });
  });
}

test('bytes after the peer close frame are not read', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send({ opcode: 8, payload: closePayload(1000) }, { opcode: 1, payload: Buffer.from('late') }, { opcode: 4 });
    await peer.waitEnd();
    await delay(20);
    peer.socket.end();
    t.deepEqual(await waitClose(log), ['close', 1000, 'Normal connection closure']);
    t.deepEqual(log, [['resume'], ['close', 1000, 'Normal connection closure']]);
    t.is(peer.frames().length, 1);
  });
});

/** close(4000, 'bye'): the close frame, no FIN until the peer's reply, then FIN; the event reports our code. */
async function closeHoldsFin(t: import('ava').ExecutionContext, tlsCertificate?: Certificate): Promise<void> {
  await withPair({ config: NO_KEEPALIVE, tls: tlsCertificate }, async ({ connection, peer }) => {
    const log = record(connection);
    t.is(connection.close(4000, 'bye'), undefined);
    t.is(connection.state, 'ending');
    t.false(connection.connected);
    t.true(connection.waitingForCloseResponse);
    t.is(connection.closeReasonCode, 4000);
    t.is(connection.closeDescription, 'bye');
    const [frame] = await peer.waitFrames(1);
    t.deepEqual([frame.opcode, frame.payload], [8, closePayload(4000, 'bye')]);
    await delay(150);
    t.false(peer.ended, 'no FIN (or close_notify) before the reply');
    const failed = await new Promise<Error | null | undefined>((resolve) => connection.sendUTF('late', resolve));
    t.is((failed as { code?: string } | null | undefined)?.code, 'ERR_STREAM_WRITE_AFTER_END');
    peer.send({ opcode: 8, payload: closePayload(1000) });
    await peer.waitEnd();
    t.is(peer.frames().length, 1, 'nothing written after the close frame');
    peer.socket.end();
    t.deepEqual(await waitClose(log), ['close', 4000, 'bye']);
    t.deepEqual(log.filter(([name]) => name !== 'resume'), [['close', 4000, 'bye']]);
    t.false(connection.waitingForCloseResponse);
  });
}

test('C.1 (deviation, RFC 6455 §7.1.1): close(4000, bye) → wire 4000 "bye"; FIN only after the peer replies; the close event reports our code', (t) =>
  closeHoldsFin(t));

test('C.1 over TLS: the same (TLS has no half-close, so FIN waiting for the reply matters even more)', (t) =>
  closeHoldsFin(t, certificate));

test('C.1: a peer that never replies (over TLS) gets FIN and destroy at closeTimeout; close reports 1006', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, closeTimeout: 200 }, tls: certificate }, async ({ connection, peer }) => {
    const log = record(connection);
    connection.close(1000);
    await peer.waitFrames(1);
    t.false(peer.ended);
    t.deepEqual(await waitClose(log), ['close', 1006, 'Close handshake timed out.']);
    await peer.waitEnd();
  });
});

test('closeTimeout reads the config until assigned; an assigned value is this connection\'s alone and times the close', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, closeTimeout: 60_000 } }, async ({ connection }) => {
    const log = record(connection);
    t.is(connection.closeTimeout, 60_000);
    connection.closeTimeout = 150;
    t.is(connection.closeTimeout, 150);
    t.is(connection.config.closeTimeout, 60_000, 'the shared config is untouched');
    const started = Date.now();
    connection.close(1000);
    t.deepEqual(await waitClose(log), ['close', 1006, 'Close handshake timed out.']);
    t.true(Date.now() - started < 5000);
  });
});

test('C.2: close() → wire 1000 "Normal connection closure"; close(3000) and close(1000, "") → no reason text', async (t) => {
  const wire = async (call: (pair: Pair) => void) => {
    let payload: Buffer = Buffer.alloc(0);
    await withPair({ config: NO_KEEPALIVE }, async (pair) => {
      call(pair);
      payload = (await pair.peer.waitFrames(1))[0].payload;
    });
    return payload;
  };
  t.deepEqual(await wire(({ connection }) => connection.close()), closePayload(1000, 'Normal connection closure'));
  t.deepEqual(await wire(({ connection }) => connection.close(3000)), closePayload(3000));
  t.deepEqual(await wire(({ connection }) => connection.close(1000, '')), closePayload(1000));
  t.deepEqual(await wire(({ connection }) => connection.close('x' as never, 'why')), closePayload(1000, 'why'));
});

test('C.3: invalid codes throw while connected; after close any code is a silent no-op', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    for (const code of [1004, 1005, 1006, 999, 1016, 2999, 5000, 0, -1, NaN, 4999.5]) {
      t.throws(() => connection.close(code), { message: `Close code ${code} is not valid.` });
    }
    t.true(connection.connected);
    t.is(connection.state, 'open');
    connection.close(3000.5);
    t.is(connection.closeReasonCode, 3000.5);
    t.notThrows(() => connection.close(1005));
    t.notThrows(() => connection.close(4000));
    t.is(connection.closeReasonCode, 3000.5);
    const frames = await peer.waitFrames(1);
    t.deepEqual(frames.map((frame) => frame.payload), [closePayload(3000)]);
  });
});

test('C.3: every valid code is accepted by close()', async (t) => {
  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015, 3000, 3999, 4000, 4999]) {
    await withPair({ config: NO_KEEPALIVE }, async ({ connection }) => {
      t.notThrows(() => connection.close(code));
      t.is(connection.closeReasonCode, code);
    });
  }
});

test('a close description that does not fit a control frame is cut at a character boundary on the wire only', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const long = 'a'.repeat(122) + '€€';
    connection.close(4000, long);
    t.is(connection.closeDescription, long);
    const [frame] = await peer.waitFrames(1);
    t.deepEqual(frame.payload, closePayload(4000, 'a'.repeat(122)));
  });
});

test('C.4 (deviation): closeTimeout destroys the socket when the peer never answers → close(1006, Close handshake timed out.)', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, closeTimeout: 100 } }, async ({ connection, peer }) => {
    const log = record(connection);
    const started = Date.now();
    connection.close(4000, 'bye');
    await peer.waitEnd();
    t.deepEqual(await waitClose(log), ['close', 1006, 'Close handshake timed out.']);
    const elapsed = Date.now() - started;
    t.true(elapsed >= 90 && elapsed < 1000, `closed after ${elapsed} ms`);
    t.is(connection.state, 'closed');
    t.true(connection.socket.destroyed);
    t.false(connection.waitingForCloseResponse);
  });
});

test('after the reply, the close timer still destroys a socket the peer keeps open, reporting our code', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, closeTimeout: 400 } }, async ({ connection, peer }) => {
    const log = record(connection);
    connection.close(4000, 'bye');
    await peer.waitFrames(1);
    peer.send({ opcode: 8, payload: closePayload(4000) });
    await until(() => connection.state === 'closed');
    t.false(connection.waitingForCloseResponse);
    t.deepEqual(eventsNamed(log, 'close'), []);
    t.deepEqual(await waitClose(log), ['close', 4000, 'bye']);
    t.true(connection.socket.destroyed);
  });
});

test('after a peer-initiated close, the close timer destroys a socket the peer keeps open', async (t) => {
  await withPair({ config: { ...NO_KEEPALIVE, closeTimeout: 100 } }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send({ opcode: 8, payload: closePayload(4003, 'later') });
    t.deepEqual(await waitClose(log), ['close', 4003, 'later']);
    t.true(connection.socket.destroyed);
  });
});

test('after close(), data from the peer is not delivered and a protocol error is reported as what happened', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection, { ping: true });
    connection.close(4000, 'bye');
    peer.send({ opcode: 1, payload: Buffer.from('late') }, { opcode: 9 }, { opcode: 1, rsv: 4 });
    t.deepEqual(await waitClose(log), ['close', 1002, 'Unsupported usage of rsv bits without negotiated extension.']);
    t.deepEqual(log, [['resume'], ['close', 1002, 'Unsupported usage of rsv bits without negotiated extension.']]);
    const frames = await peer.waitFrames(1);
    await delay(20);
    t.deepEqual(
      peer.frames().map((frame) => frame.payload),
      [closePayload(4000, 'bye')],
      'no pong and no second close frame',
    );
    t.is(frames.length, 1);
  });
});

test('after close(), messages before the reply are dropped and the reply completes the handshake', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    connection.close();
    peer.send({ opcode: 1, payload: Buffer.from('late') }, { opcode: 8, payload: closePayload(1000) });
    await until(() => connection.state === 'closed');
    peer.socket.end();
    t.deepEqual(await waitClose(log), ['close', 1000, 'Normal connection closure']);
    t.deepEqual(log, [['resume'], ['close', 1000, 'Normal connection closure']]);
  });
});

test('after close(), a malformed close reply is a protocol error', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    connection.close(4000);
    peer.send({ opcode: 8, payload: closePayload(1005) });
    t.deepEqual(await waitClose(log), ['close', 1002, 'Invalid close code received: 1005']);
  });
});

test('after close(), the peer ending TCP without a close frame → we end too, close(1006, Connection dropped by remote peer.)', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    connection.close(4000, 'bye');
    await peer.waitFrames(1);
    peer.socket.end();
    await peer.waitEnd();
    t.deepEqual(await waitClose(log), ['close', 1006, 'Connection dropped by remote peer.']);
  });
});

test('C.5 (deviation): a send after close() fails its callback without rewriting the close code', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    connection.close(4000, 'bye');
    const errors = await new Promise<unknown[]>((resolve) => {
      const seen: unknown[] = [];
      connection.sendUTF('late', (error) => {
        seen.push(error);
        connection.sendBytes(Buffer.from('x'), (second) => {
          seen.push(second);
          resolve(seen);
        });
      });
    });
    for (const error of errors) {
      t.true(error instanceof Error);
      t.is((error as { code: string }).code, 'ERR_STREAM_WRITE_AFTER_END');
    }
    t.is(connection.closeReasonCode, 4000);
    t.is(connection.closeDescription, 'bye');
    t.deepEqual(eventsNamed(log, 'error'), []);
    peer.send({ opcode: 8, payload: closePayload(1000) });
    peer.socket.end();
    t.deepEqual(await waitClose(log), ['close', 4000, 'bye']);
    t.deepEqual(peer.frames().length, 1, 'nothing written after the close frame');
  });
});

test('C.5 (deviation): a send after close() without a callback emits error (when listened to), and the code stays', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    connection.close(4000, 'bye');
    connection.send('late');
    connection.ping('p');
    await until(() => eventsNamed(log, 'error').length === 2);
    for (const [, error] of eventsNamed(log, 'error')) {
      t.is((error as { code: string }).code, 'ERR_STREAM_WRITE_AFTER_END');
    }
    t.is(connection.closeReasonCode, 4000);
    peer.send({ opcode: 8, payload: closePayload(1000) });
    peer.socket.end();
    t.deepEqual(await waitClose(log), ['close', 4000, 'bye']);
  });
});

test('a send after close() with no error listener does not throw', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection }) => {
    connection.close();
    connection.sendUTF('late');
    await delay(20);
    t.is(connection.closeReasonCode, 1000);
  });
});

test('C.6: drop() → wire 1002 "Protocol error", close emitted synchronously, state closed, socket destroyed', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    await until(() => log.length === 1);
    const result = connection.drop();
    t.is(result, undefined);
    t.deepEqual(log, [['resume'], ['close', 1002, 'Protocol error']]);
    t.is(connection.state, 'closed');
    t.false(connection.connected);
    t.true(connection.socket.destroyed);
    const [frame] = await peer.waitFrames(1);
    t.deepEqual([frame.opcode, frame.payload], [8, closePayload(1002, 'Protocol error')]);
    const error = await new Promise<Error | null | undefined>((resolve) => connection.sendUTF('x', resolve));
    t.is((error as unknown as { code: string }).code, 'ERR_STREAM_WRITE_AFTER_END');
    await delay(10);
    t.deepEqual(log, [['resume'], ['close', 1002, 'Protocol error']], 'no error event, no second close');
    t.is(connection.closeReasonCode, 1002);
  });
});

test('C.7: drop(code, desc, true) sends no close frame; drop() does not validate; a second drop overwrites the code silently', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    connection.drop(1006, 'gone', true);
    t.deepEqual(eventsNamed(log, 'close'), [['close', 1006, 'gone']]);
    await peer.waitEnd();
    t.deepEqual(peer.frames(), []);
    connection.drop(4005, 'again');
    t.is(connection.closeReasonCode, 4005);
    t.is(connection.closeDescription, 'again');
    t.deepEqual(eventsNamed(log, 'close'), [['close', 1006, 'gone']]);
    t.true(connection.closeEventEmitted);
  });
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    connection.drop(1006);
    const [frame] = await peer.waitFrames(1);
    t.deepEqual(frame.payload, closePayload(1006, 'Abnormal closure, no further detail available'));
  });
});

test('E.5: a socket error (RST) → error(ECONNRESET) with state closed and code 1006, then close(1006, Socket Error: read ECONNRESET)', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection, { error: false });
    const states: unknown[] = [];
    connection.on('error', (error: NodeJS.ErrnoException) => {
      log.push(['error', error.code]);
      states.push(connection.state, connection.closeReasonCode, connection.connected);
    });
    await until(() => log.length === 1);
    peer.socket.resetAndDestroy();
    t.deepEqual(await waitClose(log), ['close', 1006, 'Socket Error: read ECONNRESET']);
    t.deepEqual(log, [['resume'], ['error', 'ECONNRESET'], ['close', 1006, 'Socket Error: read ECONNRESET']]);
    t.deepEqual(states, ['closed', 1006, false]);
  });
});

test('E.5: without an error listener a socket error only closes', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection, { error: false });
    await until(() => log.length === 1);
    peer.socket.resetAndDestroy();
    t.deepEqual(await waitClose(log), ['close', 1006, 'Socket Error: read ECONNRESET']);
    t.deepEqual(log, [['resume'], ['close', 1006, 'Socket Error: read ECONNRESET']]);
  });
});

test('E.6: the peer sends FIN without a close frame → we end too, close(1006, Connection dropped by remote peer.)', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.send({ opcode: 1, payload: Buffer.from('last words') });
    peer.socket.end();
    await peer.waitEnd();
    t.deepEqual(await waitClose(log), ['close', 1006, 'Connection dropped by remote peer.']);
    t.deepEqual(log, [
      ['resume'],
      ['message', { type: 'utf8', utf8Data: 'last words' }],
      ['close', 1006, 'Connection dropped by remote peer.'],
    ]);
    t.true(connection.receivedEnd);
    t.false(connection.socketHadError);
  });
});

test('a send after the peer ended TCP fails by itself and the close still reports the peer dropping', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const log = record(connection);
    peer.socket.end();
    await peer.waitEnd();
    const error = await new Promise<Error | null | undefined>((resolve) => connection.sendUTF('x', resolve));
    t.is((error as unknown as { code: string }).code, 'ERR_STREAM_WRITE_AFTER_END');
    t.deepEqual(await waitClose(log), ['close', 1006, 'Connection dropped by remote peer.']);
  });
});

test('the close event fires once and the server-style listener attached first runs first', async (t) => {
  await withPair({ config: NO_KEEPALIVE }, async ({ connection, peer }) => {
    const order: string[] = [];
    connection.once('close', () => order.push('first'));
    connection.on('close', () => order.push('second'));
    peer.send({ opcode: 8, payload: closePayload(1000) });
    await peer.waitEnd();
    peer.socket.end();
    await until(() => order.length === 2);
    connection.drop();
    await delay(10);
    t.deepEqual(order, ['first', 'second']);
  });
});

test('E.7: keepalive pings an idle peer after the interval and drops it after the grace period, with no close frame', async (t) => {
  await withPair(
    { config: { keepalive: true, keepaliveInterval: 100, keepaliveGracePeriod: 100, dropConnectionOnKeepaliveTimeout: true } },
    async ({ connection, peer }) => {
      const log = record(connection);
      const started = Date.now();
      const [ping] = await peer.waitFrames(1);
      const pingAt = Date.now() - started;
      t.deepEqual([ping.opcode, ping.fin, ping.payload], [9, true, Buffer.alloc(0)]);
      t.true(pingAt >= 90, `ping after ${pingAt} ms`);
      t.deepEqual(await waitClose(log), ['close', 1006, 'Peer not responding.']);
      const closedAt = Date.now() - started;
      t.true(closedAt >= 190 && closedAt < 1500, `dropped after ${closedAt} ms`);
      await peer.waitEnd();
      t.is(peer.frames().length, 1, 'no close frame');
      t.true(connection.socket.destroyed);
    },
  );
});

test('E.7: any received bytes reset the keepalive and grace timers', async (t) => {
  await withPair(
    { config: { keepalive: true, keepaliveInterval: 300, keepaliveGracePeriod: 300, dropConnectionOnKeepaliveTimeout: true } },
    async ({ connection, peer }) => {
      const log = record(connection);
      for (let i = 0; i < 8; i++) {
        await delay(50);
        peer.send({ opcode: 0xa });
      }
      t.deepEqual(peer.frames(), [], 'no ping while the peer keeps talking');
      const [ping] = await peer.waitFrames(1);
      t.is(ping.opcode, 9);
      // Answer within the grace period: the connection stays.
      peer.send({ opcode: 0xa });
      await delay(200);
      t.deepEqual(eventsNamed(log, 'close'), []);
      t.true(connection.connected);
    },
  );
});

test('E.7: with dropConnectionOnKeepaliveTimeout false, pings repeat every interval and nothing is dropped', async (t) => {
  await withPair(
    { config: { keepalive: true, keepaliveInterval: 50, dropConnectionOnKeepaliveTimeout: false, keepaliveGracePeriod: undefined } },
    async ({ connection, peer }) => {
      const log = record(connection);
      const frames = await peer.waitFrames(3, 1000);
      t.true(frames.every((frame) => frame.opcode === 9 && frame.payload.length === 0));
      t.deepEqual(eventsNamed(log, 'close'), []);
    },
  );
});

test('keepalive stops once the connection starts closing', async (t) => {
  await withPair(
    { config: { keepalive: true, keepaliveInterval: 50, keepaliveGracePeriod: 50, dropConnectionOnKeepaliveTimeout: true, closeTimeout: 2000 } },
    async ({ connection, peer }) => {
      const log = record(connection);
      connection.close(4000);
      await delay(200);
      t.deepEqual(peer.frames().map((frame) => frame.opcode), [8]);
      t.deepEqual(eventsNamed(log, 'close'), []);
      t.deepEqual(eventsNamed(log, 'error'), []);
    },
  );
});
