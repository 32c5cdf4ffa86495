import test from 'ava';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { POOL_MAX_BYTES, POOLED_OUTPUT_MIN, pooledBytes, releaseOutput, takeOutput } from '../ts/output-pool';
import { Sender } from '../ts/sender';
import { makeCertificate } from './helpers/certificate';
import { decodeFrames, delay, openPair, until } from './helpers/raw-peer';

// The pool is shared by the whole process (this test file's): the tests run one at a time and leave it empty.

/** A socket stand-in that keeps each write's callback until the test completes it, and a copy of every chunk. */
class HeldWritesSocket extends Writable {
  readonly chunks: Buffer[] = [];
  readonly pending: ((error?: Error | null) => void)[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    this.pending.push(callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) this.chunks.push(Buffer.from(chunk));
    this.pending.push(callback);
  }
}

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A payload of `size` bytes that differs for every `seed`. */
function payloadOf(size: number, seed: number): Buffer {
  const payload = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + seed * 7) & 0xff;
  return payload;
}

test.serial('buffers below the minimum are never kept; a released one is taken again for the same size only', (t) => {
  const small = takeOutput(POOLED_OUTPUT_MIN - 1);
  t.is(small.length, POOLED_OUTPUT_MIN - 1);
  releaseOutput(small);
  t.is(pooledBytes(), 0);
  t.not(takeOutput(POOLED_OUTPUT_MIN - 1), small);

  const large = takeOutput(POOLED_OUTPUT_MIN);
  t.is(large.length, POOLED_OUTPUT_MIN);
  releaseOutput(large);
  t.is(pooledBytes(), POOLED_OUTPUT_MIN);
  t.not(takeOutput(POOLED_OUTPUT_MIN + 1), large, 'another size is a fresh buffer');
  t.is(takeOutput(POOLED_OUTPUT_MIN), large);
  t.is(pooledBytes(), 0);
  t.not(takeOutput(POOLED_OUTPUT_MIN), large, 'a spare is handed out once');
});

test.serial('the pool keeps at most POOL_MAX_BYTES', (t) => {
  const size = 1 << 20;
  const buffers = Array.from({ length: POOL_MAX_BYTES / size + 2 }, () => takeOutput(size));
  for (const buffer of buffers) releaseOutput(buffer);
  t.is(pooledBytes(), POOL_MAX_BYTES);
  const taken = new Set(Array.from({ length: POOL_MAX_BYTES / size }, () => takeOutput(size)));
  t.true([...taken].every((buffer) => buffers.slice(0, POOL_MAX_BYTES / size).includes(buffer)), 'the first ones kept');
  t.is(pooledBytes(), 0);
});

test.serial('a masked frame goes back to the pool only once its write completed, and a reused buffer frames anew', async (t) => {
  const socket = new HeldWritesSocket();
  const sender = new Sender(socket as unknown as Socket, true);
  const first = payloadOf(POOLED_OUTPUT_MIN, 1);
  const written: unknown[] = [];
  sender.frame(0x2, first, true, (error) => written.push(error ?? 'ok'));
  await endOfTurn();
  t.is(socket.chunks.length, 1);
  t.is(pooledBytes(), 0, 'still being written');
  socket.pending.shift()?.();
  await endOfTurn();
  t.deepEqual(written, ['ok']);
  const frameSize = socket.chunks[0].length;
  t.is(pooledBytes(), frameSize);

  const second = payloadOf(POOLED_OUTPUT_MIN, 2);
  sender.frame(0x2, second, true);
  t.is(pooledBytes(), 0, 'the next frame of that size took the spare');
  await endOfTurn();
  socket.pending.shift()?.();
  const frames = decodeFrames(Buffer.concat(socket.chunks)).frames;
  t.deepEqual(
    frames.map((frame) => [frame.opcode, frame.masked, frame.payload.equals(frame === frames[0] ? first : second)]),
    [
      [0x2, true, true],
      [0x2, true, true],
    ],
  );
  t.notDeepEqual(frames[0].key, frames[1].key, 'each frame has its own key');
  t.is(pooledBytes(), frameSize, 'back again after the second write');
  takeOutput(frameSize);
});

test.serial('a failed write does not give its buffer back', async (t) => {
  const socket = new HeldWritesSocket();
  socket.on('error', () => undefined);
  const sender = new Sender(socket as unknown as Socket, true);
  const errors: unknown[] = [];
  sender.message(0x2, payloadOf(4 * POOLED_OUTPUT_MIN, 3), POOLED_OUTPUT_MIN, (error) => errors.push(error?.message));
  await endOfTurn();
  socket.pending.shift()?.(new Error('write EPIPE'));
  await endOfTurn();
  t.deepEqual(errors, ['write EPIPE']);
  t.is(pooledBytes(), 0);
});

for (const transport of ['tcp', 'tls'] as const) {
  test.serial(`a client streaming 64 KiB messages into a peer that reads late gets every message intact (${transport})`, async (t) => {
    const pair = await openPair({ role: 'client', tls: transport === 'tls' ? makeCertificate() : undefined });
    try {
      pair.peer.socket.pause();
      const payloads = Array.from({ length: 48 }, (_, seed) => payloadOf(65536, seed));
      let sawSpares = false;
      for (let batch = 0; batch < payloads.length; batch += 8) {
        for (const payload of payloads.slice(batch, batch + 8)) pair.connection.sendBytes(payload);
        await delay(20);
        sawSpares ||= pooledBytes() > 0;
        if (batch === 16) pair.peer.socket.resume();
      }
      const finished = () => decodeFrames(pair.peer.received).frames.filter((frame) => frame.fin).length;
      await until(() => finished() === payloads.length, 5000, 'all messages');
      const messages: Buffer[] = [];
      let parts: Buffer[] = [];
      for (const frame of decodeFrames(pair.peer.received).frames) {
        t.true(frame.masked);
        parts.push(frame.payload);
        if (frame.fin) {
          messages.push(Buffer.concat(parts));
          parts = [];
        }
      }
      t.is(messages.length, payloads.length);
      t.true(messages.every((message, i) => message.equals(payloads[i])), 'every message arrives as sent, in order');
      t.true(sawSpares, 'written buffers came back to the pool');
    } finally {
      pair.dispose();
    }
  });
}
