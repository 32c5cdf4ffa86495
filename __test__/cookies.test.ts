import test from 'ava';
import { buildSetCookies, parseCookies, type Cookie } from '../ts/cookies';
import { HandshakeError } from '../ts/handshake';
import type { WebSocketRequest } from '../ts/request';
import { WebSocketServer } from '../ts/server';
import { DEFAULT_ACCEPT, handshakeRequest, nextEvent, RawClient, startHttpServer } from './helpers/raw-http';

test('parseCookies: pieces on ; or , with trimmed names and values, quotes dropped, URI-decoded', (t) => {
  t.deepEqual(parseCookies('a=1; b="two"; c; d=%41'), [
    { name: 'a', value: '1' },
    { name: 'b', value: 'two' },
    { name: 'c', value: null },
    { name: 'd', value: 'A' },
  ]);
  t.deepEqual(parseCookies(' x = y ,z=1;; w'), [
    { name: 'x', value: 'y' },
    { name: 'z', value: '1' },
    { name: '', value: null },
    { name: 'w', value: null },
  ]);
  // A value starting with a quote loses its first and last characters, whatever they are.
  t.deepEqual(parseCookies('q="abc'), [{ name: 'q', value: 'ab' }]);
  t.deepEqual(parseCookies('e=a=b'), [{ name: 'e', value: 'a=b' }]);
  t.deepEqual(parseCookies(''), []);
  t.deepEqual(parseCookies(undefined), []);
  t.deepEqual(parseCookies(['a=1']), []);
  t.throws(() => parseCookies('a=%'), { instanceOf: URIError, message: 'URI malformed' });
});

test('Set-Cookie values: every attribute, joined with ; and no space, in 1.0.35 order', (t) => {
  const cookie: Cookie = {
    name: 'a',
    value: '1',
    path: '/p',
    domain: 'EX.com',
    expires: new Date(0),
    maxage: 10,
    secure: true,
    httponly: true,
  };
  t.deepEqual(buildSetCookies([cookie]), [
    'a=1;Path=/p;Domain=ex.com;Expires=Thu, 01 Jan 1970 00:00:00 GMT;Max-Age=10;Secure;HttpOnly',
  ]);
  t.deepEqual(buildSetCookies([{ name: 'q', value: '"quoted"' }, { name: 'm', value: 'x', maxage: '7.9' }]), [
    'q="quoted"',
    'm=x;Max-Age=7',
  ]);
  t.deepEqual(buildSetCookies([{ name: 'r', value: 'x', maxage: 2.5 }]), ['r=x;Max-Age=3']);
  // Falsy attributes are skipped, including maxage 0 and secure false.
  t.deepEqual(buildSetCookies([{ name: 'f', value: 'x', maxage: 0, secure: false, path: '', domain: '' }]), ['f=x']);
  t.deepEqual(buildSetCookies(undefined), []);
  t.deepEqual(buildSetCookies(null), []);
  t.deepEqual(buildSetCookies([]), []);
});

test('control characters, spaces and ; are removed from names and values, without touching the caller', (t) => {
  const cookie = { name: 'se ss;ion\r\n', value: 'ab\tc;d' };
  t.deepEqual(buildSetCookies([cookie]), ['session=abcd']);
  t.deepEqual(cookie, { name: 'se ss;ion\r\n', value: 'ab\tc;d' });
});

const INVALID: Array<[string, unknown, string]> = [
  ['not an array', { name: 'a', value: 'b' }, 'Value supplied for "cookies" argument must be an array.'],
  ['no name', [{ value: 'b' }], 'Each cookie to set must at least provide a "name" and "value"'],
  ['an empty value', [{ name: 'a', value: '' }], 'Each cookie to set must at least provide a "name" and "value"'],
  ['a repeated name (after stripping)', [{ name: 'a', value: '1' }, { name: 'a ', value: '2' }], 'You may not specify the same cookie name twice.'],
  ['a separator in the name', [{ name: 'a@b', value: '1' }], 'Illegal character @ in cookie name'],
  ['DEL in the name', [{ name: 'a\x7f', value: '1' }], 'Illegal character \x7f in cookie name'],
  ['a comma in the value', [{ name: 'a', value: 'x,y' }], 'Illegal character , in cookie value'],
  ['a backslash in a quoted value', [{ name: 'a', value: '"x\\y"' }], 'Illegal character \\ in cookie value'],
  ['a lone quote in the value', [{ name: 'a', value: 'x"' }], 'Illegal character " in cookie value'],
  ['a space in the path', [{ name: 'a', value: '1', path: '/a b' }], 'Illegal character   in cookie path'],
  ['a non-string domain', [{ name: 'a', value: '1', domain: 5 }], 'Domain must be specified and must be a string.'],
  ['a ; in the domain', [{ name: 'a', value: '1', domain: 'a;b' }], 'Illegal character ; in cookie domain'],
  ['expires not a Date', [{ name: 'a', value: '1', expires: 'tomorrow' }], 'Value supplied for cookie "expires" must be a valid date object'],
  ['a negative maxage', [{ name: 'a', value: '1', maxage: -1 }], 'Value supplied for cookie "maxage" must be a non-zero number'],
  ['a non-numeric maxage', [{ name: 'a', value: '1', maxage: 'soon' }], 'Value supplied for cookie "maxage" must be a non-zero number'],
  ['a non-boolean secure', [{ name: 'a', value: '1', secure: 'yes' }], 'Value supplied for cookie "secure" must be of type boolean'],
  ['a non-boolean httponly', [{ name: 'a', value: '1', httponly: 1 }], 'Value supplied for cookie "httponly" must be of type boolean'],
  ['a non-string value', [{ name: 'a', value: 42 }], 'Value supplied for cookie "value" must be a string'],
  ['a non-string path', [{ name: 'a', value: '1', path: ['/'] }], 'Value supplied for cookie "path" must be a string'],
];

for (const [title, cookies, message] of INVALID) {
  test(`invalid cookies: ${title}`, (t) => {
    const error = t.throws(() => buildSetCookies(cookies), { instanceOf: HandshakeError, message });
    t.is(error?.code, 'WS_ERR_INVALID_COOKIE');
    t.is(error?.status, 500);
  });
}

test('accept with cookies: Set-Cookie lines in the 101; a bad cookie rejects with 500 and throws', async (t) => {
  const http = await startHttpServer();
  const server = new WebSocketServer({ httpServer: http.server, keepalive: false });
  const clients: RawClient[] = [];
  try {
    for (const [cookies, expected] of [
      [[{ name: 'sid', value: 'x1', path: '/', secure: true }], 'Set-Cookie: sid=x1;Path=/;Secure\r\n\r\n'],
      [[{ name: 'bad', value: 'a b c', domain: 'x;y' }], null],
    ] as Array<[Cookie[], string | null]>) {
      const pending = nextEvent<[WebSocketRequest]>(server, 'request');
      const client = await RawClient.connect(http.port);
      clients.push(client);
      client.write(handshakeRequest());
      const [request] = await pending;
      if (expected !== null) {
        request.accept(null, null, cookies);
        t.is(
          await client.readHead(),
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${DEFAULT_ACCEPT}\r\n` +
            expected,
        );
      } else {
        t.throws(() => request.accept(null, null, cookies), { message: 'Illegal character ; in cookie domain' });
        t.is(await client.readToEnd(), 'HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n');
        t.throws(() => request.reject(), { message: 'WebSocketRequest may only be accepted or rejected one time.' });
        t.deepEqual(server.connections.length, 1);
      }
    }
  } finally {
    for (const client of clients) client.destroy();
    for (const connection of server.connections) connection.drop(1006, 'test over', true);
    await http.close();
  }
});
