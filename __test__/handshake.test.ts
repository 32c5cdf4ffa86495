import test from 'ava';
import { createRequire } from 'node:module';
import type * as http from 'node:http';
import {
  buildAcceptReply,
  buildRejectReply,
  computeAcceptKey,
  HandshakeError,
  statusText,
  validateRequestHeaders,
} from '../ts/handshake';
import { parseExtensions } from '../ts/extension';
import { findInvalidTokenCharacter, parseProtocolHeader } from '../ts/subprotocol';
import { WebSocketServer } from '../ts/server';
import { DEFAULT_ACCEPT, exchange, handshakeRequest, nextEvent, RawClient, startHttpServer } from './helpers/raw-http';

const requireCjs = createRequire(__filename);

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

test('the accept key is base64(SHA-1(key + GUID)), as in RFC 6455 §1.3', (t) => {
  t.is(computeAcceptKey(KEY), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  t.is(DEFAULT_ACCEPT, computeAcceptKey(KEY));
});

function headerError(headers: http.IncomingHttpHeaders): HandshakeError {
  const error = (() => {
    try {
      validateRequestHeaders(headers);
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  if (!(error instanceof HandshakeError)) throw new Error('expected a HandshakeError');
  return error;
}

test('header validation: Host, then key, then version, each with 1.0.35 text and status 400', (t) => {
  const missingHost = headerError({ 'sec-websocket-key': KEY, 'sec-websocket-version': '13' });
  t.is(missingHost.message, 'Client must provide a Host header.');
  t.is(missingHost.code, 'WS_ERR_MISSING_HOST');
  t.is(missingHost.status, 400);
  t.is(missingHost.httpCode, undefined);

  const missingKey = headerError({ host: 'h', 'sec-websocket-version': '13' });
  t.is(missingKey.message, 'Client must provide a value for Sec-WebSocket-Key.');
  t.is(missingKey.code, 'WS_ERR_MISSING_KEY');

  for (const version of [undefined, '', '0', 'abc']) {
    const error = headerError({ host: 'h', 'sec-websocket-key': KEY, 'sec-websocket-version': version });
    t.is(error.message, 'Client must provide a value for Sec-WebSocket-Version.', String(version));
    t.is(error.code, 'WS_ERR_MISSING_VERSION');
  }
  // Both missing: the Host check comes first.
  t.is(headerError({}).code, 'WS_ERR_MISSING_HOST');
});

test('an unsupported version is a 426 carrying Sec-WebSocket-Version: 13', (t) => {
  const error = headerError({ host: 'h', 'sec-websocket-key': KEY, 'sec-websocket-version': '14' });
  t.is(error.message, 'Unsupported websocket client version: 14Only versions 8 and 13 are supported.');
  t.is(error.code, 'WS_ERR_UNSUPPORTED_VERSION');
  t.is(error.status, 426);
  t.is(error.httpCode, 426);
  t.deepEqual(error.headers, { 'Sec-WebSocket-Version': '13' });
  // parseInt semantics: "13abc" is 13, "7" is refused.
  t.deepEqual(validateRequestHeaders({ host: 'h', 'sec-websocket-key': KEY, 'sec-websocket-version': '13abc' }), {
    host: 'h',
    key: KEY,
    webSocketVersion: 13,
  });
  t.is(headerError({ host: 'h', 'sec-websocket-key': KEY, 'sec-websocket-version': '7' }).status, 426);
  t.is(validateRequestHeaders({ host: 'h:81', 'sec-websocket-key': 'x', 'sec-websocket-version': '8' }).webSocketVersion, 8);
});

test('status texts: 1.0.35 table first, then Node, then an empty phrase', (t) => {
  t.is(statusText(404), 'Not Found');
  t.is(statusText(407), 'Proxy Authorization Required');
  t.is(statusText(413), 'Request Entity Too Long');
  t.is(statusText(405), 'Method Not Allowed');
  t.is(statusText(202), 'Accepted');
  t.is(statusText(499), '');
});

test('reject replies: status line, Connection: close, reason, extra headers, CR/LF stripped', (t) => {
  t.is(buildRejectReply(403), 'HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
  t.is(buildRejectReply(499, 'x'), 'HTTP/1.1 499 \r\nConnection: close\r\nX-WebSocket-Reject-Reason: x\r\n\r\n');
  t.is(
    buildRejectReply(401, 'bad\r\nInjected: 1', { 'WWW-Authenticate': 'Basic', 'X-N': 5, 'X-\nSplit': 'a\rb' }),
    'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nX-WebSocket-Reject-Reason: badInjected: 1\r\n' +
      'WWW-Authenticate: Basic\r\nX-N: 5\r\nX-Split: ab\r\n\r\n',
  );
  const inherited = Object.create({ 'X-Inherited': 'yes' }) as Record<string, string>;
  inherited['X-Own'] = 'own';
  t.is(buildRejectReply(400, '', inherited), 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nX-Own: own\r\nX-Inherited: yes\r\n\r\n');
});

test('accept replies: fixed lines, accept hash, then protocol, origin (by version) and cookies', (t) => {
  const head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${DEFAULT_ACCEPT}\r\n`;
  t.is(buildAcceptReply({ key: KEY, webSocketVersion: 13, setCookies: [] }), head + '\r\n');
  t.is(
    buildAcceptReply({ key: KEY, protocol: 'Chat', origin: 'http://o', webSocketVersion: 13, setCookies: ['a=1', 'b=2;Secure'] }),
    head + 'Sec-WebSocket-Protocol: Chat\r\nOrigin: http://o\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2;Secure\r\n\r\n',
  );
  t.is(
    buildAcceptReply({ key: KEY, origin: 'http://x\r\nInjected: 1', webSocketVersion: 8, setCookies: [] }),
    head + 'Sec-WebSocket-Origin: http://xInjected: 1\r\n\r\n',
  );
});

test('subprotocol list: split on commas, lowercased, the client spelling remembered', (t) => {
  t.deepEqual(parseProtocolHeader(undefined), { requestedProtocols: [], protocolFullCaseMap: {} });
  t.deepEqual(parseProtocolHeader(''), { requestedProtocols: [], protocolFullCaseMap: {} });
  t.deepEqual(parseProtocolHeader('Chat, superChat,,X'), {
    requestedProtocols: ['chat', 'superchat', '', 'x'],
    protocolFullCaseMap: { chat: 'Chat', superchat: 'superChat', '': '', x: 'X' },
  });
});

test('subprotocol tokens: controls, space, DEL, non-ASCII and separators are refused', (t) => {
  t.is(findInvalidTokenCharacter("chat.v2!#$%&'*+-^_`|~"), undefined);
  for (const bad of ['(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}', ' ', '\t', '\x00', '\x7f', 'é']) {
    t.is(findInvalidTokenCharacter(`a${bad}b`), bad, JSON.stringify(bad));
  }
});

test('extension offers are parsed as 1.0.35 exposes them', (t) => {
  t.deepEqual(parseExtensions(undefined), []);
  t.deepEqual(parseExtensions(''), []);
  t.deepEqual(parseExtensions('permessage-deflate; client_max_window_bits, X-Foo; a=1; B=Two'), [
    { name: 'permessage-deflate', params: [{ name: 'client_max_window_bits', value: undefined }] },
    { name: 'x-foo', params: [{ name: 'a', value: '1' }, { name: 'b', value: 'two' }] },
  ]);
  // Quotes are kept; only the text up to a second '=' is the value.
  t.deepEqual(parseExtensions('e;p="Q";r=a=b'), [
    { name: 'e', params: [{ name: 'p', value: '"q"' }, { name: 'r', value: 'a' }] },
  ]);
});

interface RejectionCase {
  title: string;
  request: string;
  reply: string;
}

const REJECTIONS: RejectionCase[] = [
  {
    title: 'missing Host',
    request: handshakeRequest({ Host: null }),
    reply: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nX-WebSocket-Reject-Reason: Client must provide a Host header.\r\n\r\n',
  },
  {
    title: 'missing key',
    request: handshakeRequest({ 'Sec-WebSocket-Key': null }),
    reply:
      'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nX-WebSocket-Reject-Reason: Client must provide a value for Sec-WebSocket-Key.\r\n\r\n',
  },
  {
    title: 'missing version',
    request: handshakeRequest({ 'Sec-WebSocket-Version': null }),
    reply:
      'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nX-WebSocket-Reject-Reason: Client must provide a value for Sec-WebSocket-Version.\r\n\r\n',
  },
  {
    title: 'version 14',
    request: handshakeRequest({ 'Sec-WebSocket-Version': '14' }),
    reply:
      'HTTP/1.1 426 Upgrade Required\r\nConnection: close\r\nX-WebSocket-Reject-Reason: Unsupported websocket client version: 14Only versions 8 and 13 are supported.\r\nSec-WebSocket-Version: 13\r\n\r\n',
  },
  {
    title: 'a malformed cookie escape',
    request: handshakeRequest({ Cookie: 'a=%' }),
    reply: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nX-WebSocket-Reject-Reason: URI malformed\r\n\r\n',
  },
];

for (const rejection of REJECTIONS) {
  test(`rejected on the wire: ${rejection.title}, then upgradeError`, async (t) => {
    const http = await startHttpServer();
    const server = new WebSocketServer({ httpServer: http.server });
    server.on('request', () => t.fail('no request event for an invalid handshake'));
    try {
      const upgradeError = nextEvent<[Error]>(server, 'upgradeError');
      t.is(await exchange(http.port, rejection.request), rejection.reply);
      const [error] = await upgradeError;
      t.is(error.message, (/Reject-Reason: (.*)\r\n/.exec(rejection.reply) as RegExpExecArray)[1]);
      t.is(server.pendingRequests.length, 0);
    } finally {
      server.shutDown();
      await http.close();
    }
  });
}

test('a valid handshake with no request listener is refused with 404', async (t) => {
  const http = await startHttpServer();
  const server = new WebSocketServer({ httpServer: http.server });
  try {
    t.is(
      await exchange(http.port, handshakeRequest()),
      'HTTP/1.1 404 Not Found\r\nConnection: close\r\nX-WebSocket-Reject-Reason: No handler is configured to accept the connection.\r\n\r\n',
    );
  } finally {
    server.shutDown();
    await http.close();
  }
});

/** The real `websocket` 1.0.35, to compare replies with. */
const reference = requireCjs('websocket') as {
  server: new (config: object) => { on(event: string, listener: (...args: never[]) => void): void; shutDown(): void };
};

/** Requests whose replies must be byte-identical to 1.0.35's (each answered by auto-accept or a rejection). */
const SAME_AS_REFERENCE: Array<{ title: string; request: string }> = [
  ...REJECTIONS.map(({ title, request }) => ({ title, request })),
  { title: 'auto-accept, no protocol', request: handshakeRequest() },
  { title: 'auto-accept, first protocol in client case, origin', request: handshakeRequest({ 'Sec-WebSocket-Protocol': 'Foo, bar', Origin: 'http://a.example' }) },
  { title: 'auto-accept, version 8 origin', request: handshakeRequest({ 'Sec-WebSocket-Version': '8', 'Sec-WebSocket-Origin': 'http://v8.example' }) },
  { title: 'auto-accept, Upgrade: foo is not checked', request: handshakeRequest({ Upgrade: 'foo' }) },
];

for (const { title, request } of SAME_AS_REFERENCE) {
  test(`same reply head as websocket 1.0.35: ${title}`, async (t) => {
    const replies: string[] = [];
    for (const Server of [reference.server, WebSocketServer as unknown as typeof reference.server]) {
      const http = await startHttpServer();
      const server = new Server({ httpServer: http.server, autoAcceptConnections: true, keepalive: false });
      server.on('upgradeError', () => undefined);
      const client = await RawClient.connect(http.port);
      try {
        client.write(request);
        replies.push(await client.readHead());
      } finally {
        client.destroy();
        server.shutDown();
        await http.close();
      }
    }
    t.is(replies[1], replies[0]);
  });
}
