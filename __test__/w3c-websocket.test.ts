/**
 * W3CWebSocket against ferrosocket's server on 127.0.0.1: readyState, the event order (on* before listeners),
 * event objects, send() of every data form, binaryType, close() in every state with its code rules and errors,
 * bufferedAmount, and the yaeti-like EventTarget underneath.
 */
import test from 'ava';
import * as http from 'node:http';
import type * as net from 'node:net';
import type { Message, WebSocketConnection } from '../ts/connection';
import { W3CCloseEvent, W3CEvent, W3CEventTarget, W3CMessageEvent } from '../ts/event-target';
import type { WebSocketRequest } from '../ts/request';
import { WebSocketServer, type ServerConfig } from '../ts/server';
import { W3CWebSocket } from '../ts/w3c-websocket';
import { nextEvent, WAIT_MS } from './helpers/raw-http';

interface TestServer {
  url: string;
  port: number;
  wsServer: WebSocketServer;
  /** Server-side connections in accept order. */
  connections: WebSocketConnection[];
  close(): Promise<void>;
}

/**
 * An http server with a ferrosocket server that accepts every request with its first protocol and echoes every
 * message, unless `onRequest` decides otherwise.
 */
async function startServer(
  onRequest?: (request: WebSocketRequest) => WebSocketConnection | void,
  config: Partial<ServerConfig> = {},
): Promise<TestServer> {
  const httpServer = http.createServer();
  const sockets = new Set<net.Socket>();
  httpServer.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = (httpServer.address() as net.AddressInfo).port;
  const wsServer = new WebSocketServer({ httpServer, keepalive: false, ...config });
  const connections: WebSocketConnection[] = [];
  wsServer.on('request', (request) => {
    if (onRequest) {
      const accepted = onRequest(request);
      if (accepted) connections.push(accepted);
      return;
    }
    const connection = request.accept((request.requestedProtocols as string[])[0] ?? null, request.origin);
    connections.push(connection);
    connection.on('message', (message: Message) => {
      if (message.type === 'utf8') connection.sendUTF(message.utf8Data);
      else connection.sendBytes(message.binaryData);
    });
  });
  return {
    url: `ws://127.0.0.1:${port}/`,
    port,
    wsServer,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        wsServer.shutDown();
        for (const socket of sockets) socket.destroy();
        httpServer.close(() => resolve());
      }),
  };
}

/** Resolves on the socket's next `type` event (through addEventListener), or rejects after {@link WAIT_MS}. */
function nextW3CEvent<E extends W3CEvent>(ws: W3CWebSocket, type: 'open' | 'message' | 'error' | 'close'): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for '${type}'`)), WAIT_MS);
    const listener = (event: W3CEvent): void => {
      clearTimeout(timer);
      ws.removeEventListener(type, listener);
      resolve(event as E);
    };
    ws.addEventListener(type, listener);
  });
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

/** The bytes of an ArrayBuffer, as an array (for deepEqual). */
function bytesOf(data: unknown): number[] {
  if (!(data instanceof ArrayBuffer)) throw new Error(`expected an ArrayBuffer, got ${Object.prototype.toString.call(data)}`);
  return [...new Uint8Array(data)];
}

test('on* handlers: open → message → close, no error, with the 1.0.35 event objects', async (t) => {
  const server = await startServer();
  try {
    const ws = new W3CWebSocket(server.url);
    const seen: W3CEvent[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), WAIT_MS);
      ws.onopen = (event) => {
        seen.push(event);
        ws.send('hello');
      };
      ws.onmessage = (event) => {
        seen.push(event);
        ws.close();
      };
      ws.onerror = (event) => seen.push(event);
      ws.onclose = (event) => {
        seen.push(event);
        clearTimeout(timer);
        resolve();
      };
    });
    await done;
    t.deepEqual(
      seen.map((event) => event.type),
      ['open', 'message', 'close'],
    );
    for (const event of seen) {
      t.is(event.target, ws);
      t.false(event.isTrusted);
      t.true(event.cancelable);
      t.is(typeof event.stopImmediatePropagation, 'function');
    }
    t.is((seen[1] as W3CMessageEvent).data, 'hello');
    const close = seen[2] as W3CCloseEvent;
    t.deepEqual([close.code, close.reason, close.wasClean], [1000, 'Normal connection closure', true]);
    t.true(close instanceof W3CCloseEvent);
  } finally {
    await server.close();
  }
});

test('listeners: on* first, then listeners in insertion order; both close listeners run', async (t) => {
  const server = await startServer();
  try {
    const ws = new W3CWebSocket(server.url);
    const order: string[] = [];
    const closed = new Promise<void>((resolve) => {
      ws.addEventListener('open', () => {
        order.push('listener open');
        ws.send('x');
      });
      ws.onopen = () => order.push('onopen');
      ws.addEventListener('message', () => {
        order.push('listener message');
        ws.close();
      });
      ws.onmessage = () => order.push('onmessage');
      ws.addEventListener('close', () => order.push('close 1'));
      ws.addEventListener('close', () => {
        order.push('close 2');
        resolve();
      });
      ws.onclose = () => order.push('onclose');
    });
    await closed;
    t.deepEqual(order, ['onopen', 'listener open', 'onmessage', 'listener message', 'onclose', 'close 1', 'close 2']);
  } finally {
    await server.close();
  }
});

test('readyState: 0, 1 on open, 2 right after close(), 3 on close; constants on the instance and the class', async (t) => {
  const server = await startServer();
  try {
    const ws = new W3CWebSocket(server.url);
    t.is(ws.readyState, 0);
    t.deepEqual([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED], [0, 1, 2, 3]);
    t.deepEqual([W3CWebSocket.CONNECTING, W3CWebSocket.OPEN, W3CWebSocket.CLOSING, W3CWebSocket.CLOSED], [0, 1, 2, 3]);
    await nextW3CEvent(ws, 'open');
    t.is(ws.readyState, 1);
    const closed = nextW3CEvent(ws, 'close');
    ws.close();
    t.is(ws.readyState, 2);
    ws.close();
    t.is(ws.readyState, 2);
    await closed;
    t.is(ws.readyState, 3);
    ws.close();
    t.is(ws.readyState, 3);
  } finally {
    await server.close();
  }
});

test('url, protocol and extensions: as given; undefined and "" until open; then the server’s choice and []', async (t) => {
  const server = await startServer();
  try {
    const ws = new W3CWebSocket(server.url, ['chat', 'other']);
    t.is(ws.url, server.url);
    t.is(ws.protocol, undefined);
    t.is(ws.extensions, '');
    t.is(ws.bufferedAmount, 0);
    await nextW3CEvent(ws, 'open');
    t.is(ws.protocol, 'chat');
    t.deepEqual(ws.extensions, []);
    ws.close();

    const whatwg = new URL(server.url + 'path');
    const plain = new W3CWebSocket(whatwg);
    t.is(plain.url, whatwg);
    await nextW3CEvent(plain, 'open');
    t.is(plain.protocol, undefined);
    plain.close();
  } finally {
    await server.close();
  }
});

test('send(): text, String, Buffer, ArrayBuffer, typed arrays (offsets kept) and DataView, echoed', async (t) => {
  const server = await startServer();
  try {
    const ws = new W3CWebSocket(server.url);
    await nextW3CEvent(ws, 'open');
    const backing = new Uint8Array([9, 1, 2, 3, 9]);
    const sent: unknown[] = [
      'text',
      new String('boxed'),
      Buffer.from([1, 2]),
      new Uint8Array([3, 4, 5]).buffer,
      backing.subarray(1, 4),
      new Uint16Array([0x0102]),
      new DataView(backing.buffer, 1, 2),
      '',
      new ArrayBuffer(0),
    ];
    const received: unknown[] = [];
    const all = new Promise<void>((resolve) => {
      ws.onmessage = (event) => {
        received.push(event.data);
        if (received.length === sent.length) resolve();
      };
    });
    for (const data of sent) ws.send(data as string);
    await all;
    t.is(received[0], 'text');
    t.is(received[1], 'boxed');
    t.deepEqual(bytesOf(received[2]), [1, 2]);
    t.deepEqual(bytesOf(received[3]), [3, 4, 5]);
    t.deepEqual(bytesOf(received[4]), [1, 2, 3]);
    t.deepEqual(bytesOf(received[5]), [...new Uint8Array(new Uint16Array([0x0102]).buffer)]);
    t.deepEqual(bytesOf(received[6]), [1, 2]);
    // An empty text message arrives as '' (1.0.35 dropped it); an empty binary one as ArrayBuffer(0).
    t.is(received[7], '');
    t.deepEqual(bytesOf(received[8]), []);
    ws.close();
  } finally {
    await server.close();
  }
});

test('send(): not while connecting or closing; unknown data types are refused', async (t) => {
  const server = await startServer();
  try {
    const ws = new W3CWebSocket(server.url);
    t.is(thrown(() => ws.send('early')).message, 'cannot call send() while not connected');
    await nextW3CEvent(ws, 'open');
    for (const bad of [{}, 123, true, Symbol.iterator, { byteLength: 3 }]) {
      t.is(thrown(() => ws.send(bad as string)).message, 'unknown binary data:');
    }
    t.is(ws.readyState, 1);
    const closed = nextW3CEvent(ws, 'close');
    ws.close();
    t.is(thrown(() => ws.send('late')).message, 'cannot call send() while not connected');
    await closed;
    t.is(thrown(() => ws.send('after')).message, 'cannot call send() while not connected');
  } finally {
    await server.close();
  }
});

test('binary messages arrive as fresh ArrayBuffer copies', async (t) => {
  const server = await startServer((request) => {
    const connection = request.accept();
    connection.on('message', () => connection.sendBytes(Buffer.from([1, 2, 3, 4, 5]).subarray(1, 4)));
    return connection;
  });
  try {
    const ws = new W3CWebSocket(server.url);
    t.is(ws.binaryType, 'arraybuffer');
    await nextW3CEvent(ws, 'open');
    const first = nextW3CEvent<W3CMessageEvent>(ws, 'message');
    ws.send('go');
    const a = (await first).data;
    const second = nextW3CEvent<W3CMessageEvent>(ws, 'message');
    ws.send('go');
    const b = (await second).data;
    t.deepEqual(bytesOf(a), [2, 3, 4]);
    t.is((a as ArrayBuffer).byteLength, 3);
    t.not(a, b);
    ws.close();
  } finally {
    await server.close();
  }
});

test('binaryType "blob" delivers Blobs (text stays a string); anything else is a SyntaxError', async (t) => {
  const server = await startServer();
  try {
    const ws = new W3CWebSocket(server.url);
    const error = thrown(() => {
      ws.binaryType = 'text' as 'blob';
    });
    t.true(error instanceof SyntaxError);
    t.is(error.message, 'just "arraybuffer" type allowed for "binaryType" attribute');
    t.is(ws.binaryType, 'arraybuffer');
    ws.binaryType = 'blob';
    t.is(ws.binaryType, 'blob');
    await nextW3CEvent(ws, 'open');
    const binary = nextW3CEvent<W3CMessageEvent>(ws, 'message');
    ws.send(new Uint8Array([7, 8, 9]));
    const blob = (await binary).data;
    t.true(blob instanceof Blob);
    t.deepEqual([...new Uint8Array(await (blob as Blob).arrayBuffer())], [7, 8, 9]);
    const text = nextW3CEvent<W3CMessageEvent>(ws, 'message');
    ws.send('still text');
    t.is((await text).data, 'still text');
    ws.binaryType = 'arraybuffer';
    const again = nextW3CEvent<W3CMessageEvent>(ws, 'message');
    ws.send(new Uint8Array([1]));
    t.deepEqual(bytesOf((await again).data), [1]);
    ws.close();
  } finally {
    await server.close();
  }
});

test('a refused connection: error (readyState already 3, no message), then close(1006, "connection failed")', async (t) => {
  const server = await startServer();
  const port = server.port;
  await server.close();
  const ws = new W3CWebSocket(`ws://127.0.0.1:${port}/`);
  const seen: Array<[string, number]> = [];
  ws.onerror = (event) => {
    seen.push([event.type, ws.readyState]);
    t.false('message' in event);
  };
  const close = await nextW3CEvent<W3CCloseEvent>(ws, 'close');
  t.deepEqual(seen, [['error', 3]]);
  t.deepEqual([close.code, close.reason, close.wasClean], [1006, 'connection failed', false]);
  t.is(ws._client.listenerCount('connect'), 0);
  t.is(ws._client.listenerCount('connectFailed'), 0);
});

test('close() while connecting: error and close inside the call; the late connection is closed with the code', async (t) => {
  const server = await startServer((request) => request.accept());
  try {
    for (const [code, reason, expected] of [
      [undefined, undefined, [1000, 'Normal connection closure']],
      [4000, 'bye', [4000, 'bye']],
      [1005, 'bad code', [1000, 'Normal connection closure']],
    ] as Array<[number | undefined, string | undefined, [number, string]]>) {
      const ws = new W3CWebSocket(server.url);
      const order: string[] = [];
      ws.onerror = () => order.push('error');
      ws.onclose = (event) => order.push(`close ${event.code} ${event.reason} ${event.wasClean}`);
      ws.onopen = () => order.push('open');
      const serverClose = nextEvent<[WebSocketConnection, number, string]>(server.wsServer, 'close');
      ws.close(code, reason);
      t.deepEqual(order, ['error', 'close 1006 connection failed false']);
      t.is(ws.readyState, 3);
      t.deepEqual((await serverClose).slice(1), expected);
      t.deepEqual(order, ['error', 'close 1006 connection failed false']);
    }
  } finally {
    await server.close();
  }
});

test('close is dispatched even when the error handler throws, and the exception still surfaces', async (t) => {
  const server = await startServer((request) => request.accept());
  try {
    const ws = new W3CWebSocket(server.url);
    const boom = new Error('boom');
    let closed = false;
    ws.onerror = () => {
      throw boom;
    };
    ws.onclose = () => {
      closed = true;
    };
    t.is(thrown(() => ws.close()), boom);
    t.true(closed);
  } finally {
    await server.close();
  }
});

test('close codes: 3000 and a server 4001 are not clean, a plain close is; 1012 is accepted', async (t) => {
  const server = await startServer((request) => {
    const connection = request.accept();
    connection.on('message', (message: Message) => {
      if (message.type === 'utf8' && message.utf8Data === 'close me') connection.close(4001, 'srv');
    });
    return connection;
  });
  try {
    const cases: Array<[(ws: W3CWebSocket) => void, [number, string, boolean]]> = [
      [(ws) => ws.close(3000, 'app'), [3000, 'app', false]],
      [(ws) => ws.send('close me'), [4001, 'srv', false]],
      [(ws) => ws.close(), [1000, 'Normal connection closure', true]],
      [(ws) => ws.close(1000, ''), [1000, '', true]],
      [(ws) => ws.close(1001), [1001, 'Remote peer is going away', false]],
      [(ws) => ws.close(1012), [1012, '', false]],
      [(ws) => ws.close(0, 'ignored without a code'), [1000, 'Normal connection closure', true]],
    ];
    for (const [act, expected] of cases) {
      const ws = new W3CWebSocket(server.url);
      await nextW3CEvent(ws, 'open');
      const closed = nextW3CEvent<W3CCloseEvent>(ws, 'close');
      act(ws);
      const event = await closed;
      t.deepEqual([event.code, event.reason, event.wasClean], expected);
    }
  } finally {
    await server.close();
  }
});

test('close() with an invalid code throws 1.0.35’s error after readyState became 2; the connection stays open', async (t) => {
  const server = await startServer();
  try {
    for (const code of [1005, 1004, 999, 2000, 5000]) {
      const ws = new W3CWebSocket(server.url);
      await nextW3CEvent(ws, 'open');
      t.is(thrown(() => ws.close(code)).message, `Close code ${code} is not valid.`);
      t.is(ws.readyState, 2);
      t.true(ws._connection?.connected);
      // CLOSING from now on: a second close() is a no-op, and send() is refused, as in 1.0.35.
      ws.close();
      t.true(ws._connection?.connected);
      t.is(thrown(() => ws.send('x')).message, 'cannot call send() while not connected');
      const closed = nextW3CEvent(ws, 'close');
      ws._connection?.close();
      await closed;
      t.is(ws.readyState, 3);
    }
  } finally {
    await server.close();
  }
});

test('a dropped server connection closes with 1006 and the connection’s description', async (t) => {
  const server = await startServer((request) => {
    const connection = request.accept();
    connection.on('message', () => connection.socket.destroy());
    return connection;
  });
  try {
    const ws = new W3CWebSocket(server.url);
    await nextW3CEvent(ws, 'open');
    const closed = nextW3CEvent<W3CCloseEvent>(ws, 'close');
    ws.send('drop');
    const event = await closed;
    t.deepEqual([event.code, event.reason, event.wasClean], [1006, 'Connection dropped by remote peer.', false]);
    t.is(ws.readyState, 3);
  } finally {
    await server.close();
  }
});

test('clientConfig: copied with assembleFragments forced to true; its other keys reach the client', async (t) => {
  const server = await startServer((request) => {
    const connection = request.accept();
    connection.on('message', () => connection.sendUTF('0123456789'));
    return connection;
  });
  try {
    const clientConfig = { assembleFragments: false, maxReceivedFrameSize: 5 };
    const ws = new W3CWebSocket(server.url, null, null, null, null, clientConfig);
    t.deepEqual(clientConfig, { assembleFragments: false, maxReceivedFrameSize: 5 });
    t.true(ws._client.config.assembleFragments);
    t.is(ws._client.config.maxReceivedFrameSize, 5);
    await nextW3CEvent(ws, 'open');
    const closed = nextW3CEvent<W3CCloseEvent>(ws, 'close');
    ws.send('too big a reply');
    const event = await closed;
    t.deepEqual([event.code, event.reason], [1009, 'Frame size of 10 bytes exceeds maximum accepted frame size']);
  } finally {
    await server.close();
  }
});

test('origin, headers and requestOptions reach the handshake; bad arguments throw from the constructor', async (t) => {
  let request: WebSocketRequest | undefined;
  const server = await startServer((received) => {
    request = received;
    return received.accept('p', received.origin);
  });
  try {
    const ws = new W3CWebSocket(server.url + 'r?q=1', 'p', 'http://origin.example', { 'X-Extra': 'yes' }, { headers: { 'X-Lost': 'no' } });
    await nextW3CEvent(ws, 'open');
    t.is(request?.resource, '/r?q=1');
    t.is(request?.origin, 'http://origin.example');
    t.is(request?.httpRequest.headers['x-extra'], 'yes');
    t.is(request?.httpRequest.headers['x-lost'], undefined);
    t.is(ws.protocol, 'p');
    ws.close();
  } finally {
    await server.close();
  }
  t.is(thrown(() => new W3CWebSocket('/relative')).message, 'You must specify a full WebSocket URL, including protocol.');
  t.is(thrown(() => new W3CWebSocket('ws://127.0.0.1:1/', 'a b')).message, 'Protocol list contains invalid character " "');
});

test('bufferedAmount: what the socket still holds, back to 0 once the peer reads', async (t) => {
  const server = await startServer(
    (request) => {
      const connection = request.accept();
      connection.pause();
      return connection;
    },
    { maxReceivedFrameSize: 0x4000000, maxReceivedMessageSize: 0x4000000 },
  );
  try {
    const ws = new W3CWebSocket(server.url);
    await nextW3CEvent(ws, 'open');
    t.is(ws.bufferedAmount, 0);
    ws.send(Buffer.alloc(16 * 1024 * 1024, 0x61));
    t.true(ws.bufferedAmount > 0, String(ws.bufferedAmount));
    server.connections[0].resume();
    const deadline = Date.now() + WAIT_MS;
    while (ws.bufferedAmount > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    t.is(ws.bufferedAmount, 0);
    ws.close();
  } finally {
    await server.close();
  }
});

/** A target with an `onping` handler, to exercise dispatch on its own. */
class PingTarget extends W3CEventTarget<{ ping: W3CEvent }> {
  declare onping: ((event: W3CEvent) => void) | undefined;
}

test('EventTarget: duplicates ignored, removal, stopImmediatePropagation, handleEvent, the return value', (t) => {
  const target = new PingTarget();
  const calls: string[] = [];
  const a = (): void => void calls.push('a');
  const b = (): void => void calls.push('b');
  target.addEventListener('ping', a);
  target.addEventListener('ping', a);
  target.addEventListener('ping', b);
  const event = new W3CEvent('ping');
  t.is(event.target, null);
  t.true(target.dispatchEvent(event));
  t.deepEqual(calls.splice(0), ['a', 'b']);
  t.is(event.target, target);

  target.removeEventListener('ping', a);
  target.removeEventListener('ping', a);
  target.dispatchEvent(new W3CEvent('ping'));
  t.deepEqual(calls.splice(0), ['b']);

  target.onping = (e) => {
    calls.push('onping');
    e.stopImmediatePropagation();
  };
  target.dispatchEvent(new W3CEvent('ping'));
  t.deepEqual(calls.splice(0), ['onping']);
  target.onping = undefined;

  const object = { handleEvent: (e: W3CEvent) => calls.push(`object ${e.type}`) };
  target.addEventListener('ping', object);
  target.dispatchEvent(new W3CEvent('ping'));
  t.deepEqual(calls.splice(0), ['b', 'object ping']);

  // A foreign event object works too; `this` in a listener is the target.
  let self: unknown;
  target.addEventListener('other', function (this: unknown) {
    self = this;
  });
  t.true(target.dispatchEvent({ type: 'other' }));
  t.is(self, target);
  t.false(target.dispatchEvent({ type: 'other', defaultPrevented: true }));

  t.is(thrown(() => target.dispatchEvent({} as W3CEvent)).message, '`event` must have a valid `type` property');
  target.addEventListener('', a);
  target.addEventListener('ping', null as unknown as typeof a);
  target.dispatchEvent(new W3CEvent('ping'));
  t.deepEqual(calls.splice(0), ['b', 'object ping']);
});

test('EventTarget: a listener removing itself does not make the next one be skipped (yaeti’s defect)', (t) => {
  const target = new PingTarget();
  const calls: string[] = [];
  const once = (): void => {
    calls.push('once');
    target.removeEventListener('ping', once);
  };
  const removed = (): void => void calls.push('removed');
  const second = (): void => {
    calls.push('second');
    target.removeEventListener('ping', removed);
    target.addEventListener('ping', () => calls.push('added during dispatch'));
  };
  target.addEventListener('ping', once);
  target.addEventListener('ping', second);
  target.addEventListener('ping', removed);
  target.dispatchEvent(new W3CEvent('ping'));
  t.deepEqual(calls.splice(0), ['once', 'second']);
  target.dispatchEvent(new W3CEvent('ping'));
  t.deepEqual(calls.splice(0), ['second', 'added during dispatch']);
});

test('event classes: close wasClean only for 1000 or no code; message data as given', (t) => {
  t.true(new W3CCloseEvent(1000, '').wasClean);
  t.true(new W3CCloseEvent(undefined, '').wasClean);
  t.false(new W3CCloseEvent(1001, '').wasClean);
  const message = new W3CMessageEvent('x');
  t.deepEqual([message.type, message.data, message.isTrusted, message.cancelable], ['message', 'x', false, false]);
});
