import test from 'ava';
import type { WebSocketRequest } from '../ts/request';
import { WebSocketRouter } from '../ts/router';
import { WebSocketRouterRequest } from '../ts/router-request';
import { WebSocketServer } from '../ts/server';
import { DEFAULT_ACCEPT, handshakeRequest, nextEvent, RawClient, startHttpServer, type TestHttpServer } from './helpers/raw-http';

const SWITCHING = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${DEFAULT_ACCEPT}\r\n`;
const NO_ROUTE =
  'HTTP/1.1 404 Not Found\r\nConnection: close\r\nX-WebSocket-Reject-Reason: No handler is available for the given request.\r\n\r\n';

interface RouterHarness {
  http: TestHttpServer;
  server: WebSocketServer;
  router: WebSocketRouter;
  /** Sends a handshake for `path` (with `protocols`, if any) and returns the client. */
  open(path: string, protocols?: string): Promise<RawClient>;
}

async function withRouter(body: (harness: RouterHarness) => Promise<void>): Promise<void> {
  const http = await startHttpServer();
  const server = new WebSocketServer({ httpServer: http.server, keepalive: false });
  const router = new WebSocketRouter({ server });
  const clients: RawClient[] = [];
  const open = async (path: string, protocols?: string): Promise<RawClient> => {
    const client = await RawClient.connect(http.port);
    clients.push(client);
    client.write(handshakeRequest(protocols === undefined ? {} : { 'Sec-WebSocket-Protocol': protocols }, path));
    return client;
  };
  try {
    await body({ http, server, router, open });
  } finally {
    for (const client of clients) client.destroy();
    for (const connection of server.connections) connection.drop(1006, 'test over', true);
    await http.close();
  }
}

/** Mounts handlers that record which route took the request (and with which protocol), then reject it with 409. */
function recordRoutes(router: WebSocketRouter, routes: Array<[string | RegExp, string | null]>): string[] {
  const taken: string[] = [];
  for (const [path, protocol] of routes) {
    router.mount(path, protocol, (request) => {
      taken.push(`${String(path)}|${String(protocol)} -> ${String(request.protocol)}`);
      request.reject(409);
    });
  }
  return taken;
}

const CONFLICT = 'HTTP/1.1 409 Conflict\r\nConnection: close\r\n\r\n';

test('a router makes its server emit request; no matching route is a 404', async (t) => {
  await withRouter(async ({ router, server, open }) => {
    t.is(server.listenerCount('request'), 1);
    const taken = recordRoutes(router, [['/chat', 'chat']]);
    t.is(await (await open('/other', 'chat')).readToEnd(), NO_ROUTE);
    t.is(await (await open('/chat', 'echo')).readToEnd(), NO_ROUTE);
    t.is(await (await open('/chat')).readToEnd(), NO_ROUTE);
    t.deepEqual(taken, []);
  });
});

test('string paths match exactly and case-sensitively, on the pathname only', async (t) => {
  await withRouter(async ({ router, open }) => {
    const taken = recordRoutes(router, [['/a.b', null]]);
    t.is(await (await open('/a.b?x=1')).readToEnd(), CONFLICT);
    t.is(await (await open('/aXb')).readToEnd(), NO_ROUTE);
    t.is(await (await open('/A.b')).readToEnd(), NO_ROUTE);
    t.is(await (await open('/a.b/more')).readToEnd(), NO_ROUTE);
    t.deepEqual(taken, ['/a.b|null -> null']);
  });
});

test("RegExp paths are used as given, and '*' matches every path", async (t) => {
  await withRouter(async ({ router, open }) => {
    const taken = recordRoutes(router, [[/^\/rooms\/\d+$/, 'chat'], ['*', 'echo']]);
    t.is(await (await open('/rooms/42', 'chat')).readToEnd(), CONFLICT);
    t.is(await (await open('/rooms/x', 'chat')).readToEnd(), NO_ROUTE);
    t.is(await (await open('/anything/at/all', 'echo')).readToEnd(), CONFLICT);
    t.deepEqual(taken, ['/^\\/rooms\\/\\d+$/|chat -> chat', '*|echo -> echo']);
  });
});

test('protocols match case-insensitively; the router request carries the lowercase protocol', async (t) => {
  await withRouter(async ({ router, open }) => {
    const taken = recordRoutes(router, [['/p', 'Chat']]);
    t.is(router.handlers[0].protocol, 'chat');
    t.is(await (await open('/p', 'CHAT')).readToEnd(), CONFLICT);
    t.deepEqual(taken, ['/p|Chat -> chat']);
  });
});

test("client protocol order comes first, then mount order: an earlier '*' route wins", async (t) => {
  await withRouter(async ({ router, open }) => {
    const taken = recordRoutes(router, [['/chat', 'chat'], ['*', '*']]);
    t.is(await (await open('/chat', 'x, CHAT')).readToEnd(), CONFLICT);
    t.is(await (await open('/chat', 'chat, x')).readToEnd(), CONFLICT);
    t.is(await (await open('/chat')).readToEnd(), CONFLICT);
    t.deepEqual(taken, ['*|* -> x', '/chat|chat -> chat', '*|* -> null']);
  });
});

test("a '*' route mounted before a specific one takes its requests", async (t) => {
  await withRouter(async ({ router, open }) => {
    const taken = recordRoutes(router, [['*', '*'], ['/regex', null]]);
    t.is(await (await open('/regex')).readToEnd(), CONFLICT);
    t.deepEqual(taken, ['*|* -> null']);
  });
});

test('a router request exposes the request and accepts with the matched protocol', async (t) => {
  await withRouter(async ({ router, server, open }) => {
    const routed = new Promise<WebSocketRouterRequest>((resolve) => router.mount('/chat', 'chat', resolve));
    const client = await open('/chat?room=1', 'Chat, other');
    const request = await routed;
    const underlying = request.webSocketRequest as WebSocketRequest;
    t.true(request instanceof WebSocketRouterRequest);
    t.is(request.protocol, 'chat');
    t.is(request.origin, undefined);
    t.is(request.resource, '/chat?room=1');
    t.is(request.resourceURL, underlying.resourceURL);
    t.is(request.httpRequest, underlying.httpRequest);
    t.is(request.remoteAddress, '127.0.0.1');
    t.is(request.webSocketVersion, 13);
    t.is(request.requestedExtensions, underlying.requestedExtensions);
    t.is(request.cookies, underlying.cookies);
    t.false('host' in request);
    t.false('requestedProtocols' in request);

    const accepted = nextEvent(request, 'requestAccepted');
    const connection = request.accept('http://origin.example');
    t.deepEqual(await accepted, [connection]);
    t.deepEqual(server.connections, [connection]);
    t.is(connection.protocol, 'chat');
    t.is(await client.readHead(), SWITCHING + 'Sec-WebSocket-Protocol: Chat\r\nOrigin: http://origin.example\r\n\r\n');
  });
});

test('a router request rejects through the request and emits requestRejected with itself', async (t) => {
  await withRouter(async ({ router, open }) => {
    const routed = new Promise<WebSocketRouterRequest>((resolve) => router.mount('/x', null, resolve));
    const client = await open('/x');
    const request = await routed;
    t.is(request.protocol, null);
    const rejected = nextEvent(request, 'requestRejected');
    request.reject(401, 'no', { 'X-A': 'b' });
    t.deepEqual(await rejected, [request]);
    t.is(await client.readToEnd(), 'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nX-WebSocket-Reject-Reason: no\r\nX-A: b\r\n\r\n');
  });
});

test('mount validation and duplicate routes', (t) => {
  const router = new WebSocketRouter();
  const callback = (): void => undefined;
  t.throws(() => router.mount('', 'p', callback), { message: 'You must specify a path for this handler.' });
  t.throws(() => router.mount('/x', 'p', undefined as never), { message: 'You must specify a callback for this handler.' });
  t.throws(() => router.mount(5 as never, 'p', callback), { message: 'Path must be specified as either a string or a RegExp.' });
  router.mount('/x', 'Proto', callback);
  t.throws(() => router.mount('/x', 'proto', callback), {
    message: 'You may only mount one handler per path/protocol combination.',
  });
  t.throws(() => router.mount(/^\/x$/, 'PROTO', callback), {
    message: 'You may only mount one handler per path/protocol combination.',
  });
  router.mount('/x', undefined, callback);
  t.deepEqual(
    router.handlers.map(({ pathString, protocol }) => [pathString, protocol]),
    [
      ['/^\\/x$/', 'proto'],
      ['/^\\/x$/', '____no_protocol____'],
    ],
  );
});

test('unmount by path and protocol; a missing protocol is a TypeError', async (t) => {
  await withRouter(async ({ router, open }) => {
    const callback = (): void => undefined;
    router.mount('/a', 'chat', callback);
    router.mount(/^\/b/, null, callback);
    router.mount('*', '*', callback);
    t.throws(() => router.unmount('/a', undefined as never), { instanceOf: TypeError });
    t.throws(() => router.unmount('/a', 'other'), { message: 'Unable to find a route matching the specified path and protocol.' });
    router.unmount('/a', 'CHAT');
    router.unmount(/^\/b/, '____no_protocol____');
    router.unmount('*', '*');
    t.deepEqual(router.handlers, []);
    t.is(await (await open('/a', 'chat')).readToEnd(), NO_ROUTE);
  });
});

test('attachServer and detachServer', async (t) => {
  const http = await startHttpServer();
  try {
    const server = new WebSocketServer({ httpServer: http.server });
    const router = new WebSocketRouter();
    t.is(router.server, undefined);
    t.deepEqual(router.config, { server: null });
    t.throws(() => router.detachServer(), { message: 'Cannot detach from server: not attached.' });
    t.throws(() => router.attachServer(null as never), { message: 'You must specify a WebSocketServer instance to attach to.' });
    router.attachServer(server);
    t.is(router.server, server);
    t.is(server.listenerCount('request'), 1);
    router.detachServer();
    t.is(router.server, null);
    t.is(server.listenerCount('request'), 0);
    // Detached: the server is back to answering 404 by itself.
    const client = await RawClient.connect(http.port);
    try {
      client.write(handshakeRequest());
      t.is(
        await client.readToEnd(),
        'HTTP/1.1 404 Not Found\r\nConnection: close\r\nX-WebSocket-Reject-Reason: No handler is configured to accept the connection.\r\n\r\n',
      );
    } finally {
      client.destroy();
    }
    server.unmount();
  } finally {
    await http.close();
  }
});
