/**
 * The browser entry (ts/browser.ts): `{w3cwebsocket, version}`, where `w3cwebsocket` wraps the platform's
 * WebSocket or is `null`. Checked on plain Node 20 (no WebSocket), with stand-in globals, and with Node's own
 * WebSocket (`--experimental-websocket`) against ferrosocket's server, where seed 002's browser example runs verbatim.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import type * as net from 'node:net';
import { join } from 'node:path';
import type * as browserEntry from '../ts/browser';
import type { Message } from '../ts/connection';
import { WebSocketServer } from '../ts/server';
import { WAIT_MS } from './helpers/raw-http';

const requireCjs = createRequire(__filename);
const ENTRY = requireCjs.resolve('../ts/browser');
const PACKAGE_VERSION = (requireCjs('../package.json') as { version: string }).version;

type BrowserEntry = typeof browserEntry;

/** Loads a fresh copy of the entry, so it looks at the globals as they are now. */
function loadEntry(): BrowserEntry {
  delete requireCjs.cache[ENTRY];
  return requireCjs(ENTRY) as BrowserEntry;
}

/** Runs `fn` with `globalThis[name]` set to `value`, then restores the global as it was. */
function withGlobal<T>(name: 'WebSocket' | 'MozWebSocket', value: unknown, fn: () => T): T {
  const scope = globalThis as Record<string, unknown>;
  const had = Object.prototype.hasOwnProperty.call(scope, name);
  const previous = scope[name];
  scope[name] = value;
  try {
    return fn();
  } finally {
    if (had) scope[name] = previous;
    else delete scope[name];
  }
}

/** A stand-in native class that records its constructor arguments. */
function fakeNativeClass(states: [number, number, number, number]) {
  return class FakeWebSocket {
    static get CONNECTING() {
      return states[0];
    }
    static get OPEN() {
      return states[1];
    }
    static get CLOSING() {
      return states[2];
    }
    static get CLOSED() {
      return states[3];
    }
    readonly args: unknown[];
    constructor(...args: unknown[]) {
      this.args = args;
    }
  };
}

test('plain Node 20: w3cwebsocket is null and version is the package version', (t) => {
  const entry = loadEntry();
  t.deepEqual(Object.keys(entry).sort(), ['version', 'w3cwebsocket']);
  t.is(typeof (globalThis as { WebSocket?: unknown }).WebSocket, 'undefined');
  t.is(entry.w3cwebsocket, null);
  t.is(entry.version, PACKAGE_VERSION);
});

test('a platform WebSocket: new w3cwebsocket() returns a native instance; falsy protocols and extra arguments are dropped', (t) => {
  const states: [number, number, number, number] = [0, 1, 2, 3];
  const Native = fakeNativeClass(states);
  const entry = withGlobal('WebSocket', Native, loadEntry);
  const W3C = entry.w3cwebsocket;
  if (W3C === null) throw new Error('expected a wrapper');
  t.not(W3C as unknown, Native);

  const plain = new W3C('ws://example.test/') as unknown as InstanceType<typeof Native>;
  t.true(plain instanceof Native);
  t.deepEqual(plain.args, ['ws://example.test/']);
  for (const falsy of [null, undefined, '']) {
    const made = new (W3C as unknown as new (...a: unknown[]) => InstanceType<typeof Native>)('ws://x/', falsy, 'origin', {});
    t.deepEqual(made.args, ['ws://x/']);
  }
  const withProtocols = new W3C('ws://x/', ['a', 'b']) as unknown as InstanceType<typeof Native>;
  t.deepEqual(withProtocols.args, ['ws://x/', ['a', 'b']]);
  t.deepEqual((new W3C('ws://x/', 'chat') as unknown as InstanceType<typeof Native>).args, ['ws://x/', 'chat']);

  t.deepEqual([W3C.CONNECTING, W3C.OPEN, W3C.CLOSING, W3C.CLOSED], [0, 1, 2, 3]);
  states[1] = 41;
  t.is(W3C.OPEN, 41, 'the constants are read from the native class each time');
  t.is(entry.version, PACKAGE_VERSION);
});

test('MozWebSocket is used when WebSocket is absent; WebSocket wins when both exist', (t) => {
  const Moz = fakeNativeClass([0, 1, 2, 3]);
  const Standard = fakeNativeClass([0, 1, 2, 3]);
  const mozOnly = withGlobal('MozWebSocket', Moz, loadEntry).w3cwebsocket;
  if (mozOnly === null) throw new Error('expected a wrapper');
  t.true((new mozOnly('ws://x/') as unknown) instanceof Moz);

  const both = withGlobal('MozWebSocket', Moz, () => withGlobal('WebSocket', Standard, loadEntry)).w3cwebsocket;
  if (both === null) throw new Error('expected a wrapper');
  t.true((new both('ws://x/') as unknown) instanceof Standard);
  t.is(loadEntry().w3cwebsocket, null);
});

/** The script the child runs: seed 002's browser example verbatim, then a session through the class it picked. */
const CHILD_SCRIPT = `
const entryPath = process.argv[1];
const url = process.argv[2];
const requireShim = (name) => (name === 'websocket/lib/browser' ? require(entryPath) : require(name));
const seed = \`const { w3cwebsocket: W3CWebSocket, version } = require('websocket/lib/browser');

// Use native WebSocket if available, fallback to library implementation
const WebSocketClass = W3CWebSocket || WebSocket;
return { W3CWebSocket, version, WebSocketClass };\`;
const picked = new Function('require', seed)(requireShim);
const lines = [];
const log = (line) => lines.push(line);
log('picked wrapper: ' + (picked.WebSocketClass === picked.W3CWebSocket && picked.W3CWebSocket !== WebSocket));
log('version: ' + picked.version);
const ws = new picked.WebSocketClass(url, 'chat');
log('native instance: ' + (ws instanceof WebSocket));
ws.binaryType = 'arraybuffer';
ws.onopen = () => { log('open ' + ws.protocol); ws.send('hello'); };
ws.onmessage = (event) => { log('message ' + event.data); ws.close(1000, 'done'); };
ws.onclose = (event) => { log('close ' + event.code + ' ' + JSON.stringify(event.reason) + ' ' + event.wasClean); console.log(JSON.stringify(lines)); };
setTimeout(() => { console.log(JSON.stringify(lines.concat('timed out'))); process.exit(1); }, ${WAIT_MS}).unref();
`;

test('Node’s own WebSocket (--experimental-websocket) through the entry, against ferrosocket’s server', async (t) => {
  const httpServer = http.createServer();
  const sockets = new Set<net.Socket>();
  httpServer.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const wsServer = new WebSocketServer({ httpServer, keepalive: false });
  const serverCloses: Array<[number, string | undefined]> = [];
  wsServer.on('request', (request) => {
    const connection = request.accept('chat', request.origin);
    connection.on('message', (message: Message) => {
      if (message.type === 'utf8') connection.sendUTF('echo ' + message.utf8Data);
    });
    connection.on('close', (code, description) => serverCloses.push([code, description]));
  });
  try {
    const url = `ws://127.0.0.1:${(httpServer.address() as net.AddressInfo).port}/`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--experimental-websocket', '--no-warnings', '--import', 'tsx', '-e', CHILD_SCRIPT, ENTRY, url],
        { cwd: join(__dirname, '..'), timeout: WAIT_MS * 3 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${out}\n${err}`)) : resolve(out)),
      );
    });
    t.deepEqual(JSON.parse(stdout.trim().split('\n').pop() as string), [
      'picked wrapper: true',
      `version: ${PACKAGE_VERSION}`,
      'native instance: true',
      'open chat',
      'message echo hello',
      // The server's reply carries only the code (1.0.35 behaviour), so the reason seen by the browser is empty.
      'close 1000 "" true',
    ]);
    t.deepEqual(serverCloses, [[1000, 'done']]);
  } finally {
    wsServer.shutDown();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  }
});
