/**
 * The faye-websocket EventSource, against faye-websocket 0.11.4 itself: the same requests and the same calls give
 * the same bytes on the wire and the same events.
 */
import test from 'ava';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RawClient, startHttpServer } from './helpers/raw-http';
import { until } from './helpers/raw-peer';
import { IMPLEMENTATIONS, type FayeModule } from './helpers/faye-peers';
import Ferrosocket from '../ts/faye';

type EventSource = InstanceType<FayeModule['EventSource']>;

const REQUEST =
  'GET /stream?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html, text/event-stream\r\nLast-Event-ID: 41\r\n\r\n';

/** Serves one event source made by `Impl` and runs `use` on it; returns the bytes the client got and the events. */
async function serve(Impl: FayeModule, options: object, use: (source: EventSource) => void) {
  const log: unknown[][] = [];
  const http = await startHttpServer((request: IncomingMessage, response: ServerResponse) => {
    if (!Impl.EventSource.isEventSource(request)) return response.end('no');
    const source = new Impl.EventSource(request, response, options);
    log.push(['made', source.readyState, source.url, source.lastEventId]);
    source.on('open', () => log.push(['open', source.readyState]));
    source.on('close', () => log.push(['close', source.readyState]));
    use(source);
  });
  const client = await RawClient.connect(http.port);
  try {
    client.write(REQUEST);
    const bytes = await client.readToEnd();
    await until(() => log.some((entry) => entry[0] === 'close'), 3000, 'the close event');
    return { bytes, log };
  } finally {
    client.destroy();
    await http.close();
  }
}

test('the head, retry, events with types, ids and line breaks, then close', async (t) => {
  const outcomes = [];
  const returns: unknown[] = [];
  for (const [, Impl] of IMPLEMENTATIONS) {
    outcomes.push(
      await serve(Impl, { headers: { 'X-Origin': 'here' }, retry: 2.5, ping: 60 }, (source) => {
        source.on('open', () => {
          returns.push(source.send('one'));
          source.send('two\nlines\r\nand\rthree', { event: 'update', id: '42' });
          source.ping();
          returns.push(source.close(), source.close(), source.send('late'));
        });
      }),
    );
  }
  t.deepEqual(outcomes[1], outcomes[0]);
  t.deepEqual(returns, [true, true, false, false, true, true, false, false]);
  t.is(
    outcomes[1].bytes,
    'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache, no-store\r\nConnection: close\r\n' +
      'X-Origin: here\r\n\r\nretry: 2500\r\n\r\ndata: one\r\n\r\nevent: update\r\nid: 42\r\n' +
      'data: two\ndata: lines\r\ndata: and\rdata: three\r\n\r\n:\r\n\r\n',
  );
  t.deepEqual(outcomes[1].log, [['made', 0, 'http://127.0.0.1/stream?x=1', '41'], ['open', 1], ['close', 3]]);
});

test('isEventSource wants a GET that accepts text/event-stream', (t) => {
  const request = (method: string, accept?: string) => ({ method, headers: accept ? { accept } : {} }) as unknown as IncomingMessage;
  for (const [, Impl] of IMPLEMENTATIONS) {
    t.true(Impl.EventSource.isEventSource(request('GET', 'text/plain ,  text/event-stream')));
    t.false(Impl.EventSource.isEventSource(request('POST', 'text/event-stream')));
    t.false(Impl.EventSource.isEventSource(request('GET')));
  }
});

test('pings every `ping` seconds, and a line break in an event or id cannot start a field of its own', async (t) => {
  const { bytes } = await serve(Ferrosocket, { ping: 0.02 }, (source) => {
    source.on('open', () => {
      source.send('x', { event: 'a\r\nid: forged', id: '1\n2' });
      setTimeout(() => source.close(), 250);
    });
  });
  const body = bytes.slice(bytes.indexOf('retry: 5000\r\n\r\n') + 'retry: 5000\r\n\r\n'.length);
  t.true(body.startsWith('event: aid: forged\r\nid: 12\r\ndata: x\r\n\r\n:\r\n\r\n:\r\n\r\n'), JSON.stringify(body));
});

test('the socket ending closes the event source', async (t) => {
  const http = await startHttpServer((request: IncomingMessage, response: ServerResponse) => {
    const source = new Ferrosocket.EventSource(request, response);
    source.on('close', () => closed.push(source.readyState));
  });
  const closed: number[] = [];
  const client = await RawClient.connect(http.port);
  client.write(REQUEST);
  await client.readHead();
  client.socket.end();
  await until(() => closed.length === 1, 3000, 'close');
  client.destroy();
  await http.close();
  t.deepEqual(closed, [3]);
});
