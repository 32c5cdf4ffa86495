/** The seeds' server-side usage examples run verbatim (__test__/fixtures/seed-server-handlers.js) against a `ws` client. */
import test from 'ava';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import WebSocketClient from 'ws';
import * as ferrosocket from '../ts/index';

const require = createRequire(__filename);
const seeds = require('./fixtures/seed-server-handlers.js') as {
  connectionExample: (wsServer: unknown, console: unknown, setIntervalFn: unknown, clearIntervalFn: unknown) => void;
  quickServerSetup: (requireFn: (id: string) => unknown, console: unknown) => { server: http.Server; wsServer: InstanceType<typeof ferrosocket.server> };
};

function recorder(): { lines: string[]; console: { log: (...args: unknown[]) => void } } {
  const lines: string[] = [];
  return { lines, console: { log: (...args: unknown[]) => lines.push(args.map(String).join(' ')) } };
}

function nextEvent<T extends unknown[]>(emitter: WebSocketClient, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 3 s`)), 3000);
    emitter.once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    });
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('seed 000/001 server-side handler: echo text and binary, pings, close, and its ping interval', async (t) => {
  const httpServer = http.createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const wsServer = new ferrosocket.server({ httpServer, autoAcceptConnections: false });
  const { lines, console } = recorder();
  const intervals: number[] = [];
  let cleared = 0;
  const fastInterval = (fn: () => void, ms: number) => {
    intervals.push(ms);
    return setInterval(fn, 50);
  };
  const countingClear = (handle: NodeJS.Timeout) => {
    cleared++;
    clearInterval(handle);
  };
  seeds.connectionExample(wsServer, console, fastInterval, countingClear);

  const port = (httpServer.address() as AddressInfo).port;
  const client = new WebSocketClient(`ws://127.0.0.1:${port}/`, 'echo-protocol');
  await nextEvent(client, 'open');
  t.is(client.protocol, 'echo-protocol');

  client.send('hello');
  const [text, textIsBinary] = await nextEvent<[Buffer, boolean]>(client, 'message');
  t.is(text.toString(), 'Echo: hello');
  t.false(textIsBinary);

  client.send(Buffer.from([1, 2, 3, 4]));
  const [bytes, bytesIsBinary] = await nextEvent<[Buffer, boolean]>(client, 'message');
  t.deepEqual([...bytes], [1, 2, 3, 4]);
  t.true(bytesIsBinary);

  const [pingData] = await nextEvent<[Buffer]>(client, 'ping');
  t.is(pingData.toString(), 'ping-data');
  t.deepEqual(intervals, [30000]);

  client.ping(Buffer.from('from-client'));
  const [pongData] = await nextEvent<[Buffer]>(client, 'pong');
  t.is(pongData.toString(), 'from-client');

  client.close(1000, 'bye');
  const [code, reason] = await nextEvent<[number, Buffer]>(client, 'close');
  t.is(code, 1000);
  t.is(reason.toString(), '');
  await until(() => cleared === 1 && lines.includes('Connection closed: 1000 - bye'));
  t.is(cleared, 1);
  t.deepEqual(
    lines.filter((line) => !line.startsWith('Received pong')),
    [
      'Received Message: utf8',
      'UTF-8 Data: hello',
      'Received Message: binary',
      'Binary Data: 4 bytes',
      'Received ping',
      'Connection closed: 1000 - bye',
    ],
  );
  wsServer.shutDown();
  httpServer.close();
});

test('seed 002 "Quick Server Setup" echoes with the Echo: prefix', async (t) => {
  const { lines, console } = recorder();
  const realRequire = createRequire(__filename);
  const { server, wsServer } = seeds.quickServerSetup((id) => (id === 'websocket' ? ferrosocket : realRequire(id)), console);
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  const port = (server.address() as AddressInfo).port;
  const client = new WebSocketClient(`ws://127.0.0.1:${port}/`);
  await nextEvent(client, 'open');
  client.send('Hello Server!');
  const [reply] = await nextEvent<[Buffer]>(client, 'message');
  t.is(reply.toString(), 'Echo: Hello Server!');
  t.deepEqual(lines, ['Received: Hello Server!']);
  client.close();
  await nextEvent(client, 'close');
  wsServer.shutDown();
  server.close();
});
