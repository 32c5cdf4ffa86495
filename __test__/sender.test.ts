import test from 'ava';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Sender } from '../ts/sender';

/** A socket stand-in that records each batch it is handed: the bytes of every chunk of one `_write`/`_writev`. */
class RecordingSocket extends Writable {
  readonly batches: string[][] = [];
  /** Runs inside the next batch, once. */
  duringNextBatch: (() => void) | null = null;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.record([chunk]);
    callback();
  }

  override _writev(chunks: { chunk: Buffer }[], callback: () => void): void {
    this.record(chunks.map(({ chunk }) => chunk));
    callback();
  }

  private record(chunks: Buffer[]): void {
    this.batches.push(chunks.map((chunk) => chunk.toString('hex')));
    const hook = this.duringNextBatch;
    this.duringNextBatch = null;
    hook?.();
  }
}

function senderOn(socket: RecordingSocket): Sender {
  return new Sender(socket as unknown as Socket, false);
}

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

test('senders corked in one turn are all flushed at its end, each in one writev', async (t) => {
  const first = new RecordingSocket();
  const second = new RecordingSocket();
  senderOn(first).frame(0x1, Buffer.from('a'), true);
  const secondSender = senderOn(second);
  secondSender.frame(0x1, Buffer.from('b'), true);
  await Promise.resolve();
  secondSender.frame(0x9, Buffer.alloc(0), true);
  t.deepEqual([first.batches, second.batches], [[], []]);
  await endOfTurn();
  t.deepEqual(first.batches, [['810161']]);
  t.deepEqual(second.batches, [['810162', '8900']]);
});

test('a sender that writes while the turn is being flushed is flushed in the next turn', async (t) => {
  const first = new RecordingSocket();
  const second = new RecordingSocket();
  const firstSender = senderOn(first);
  const secondSender = senderOn(second);
  firstSender.frame(0x1, Buffer.from('a'), true);
  first.duringNextBatch = () => secondSender.frame(0x1, Buffer.from('b'), true);
  await endOfTurn();
  t.deepEqual(first.batches, [['810161']]);
  t.deepEqual(second.batches, [], 'not yet: it corked after the flush began');
  await endOfTurn();
  t.deepEqual(second.batches, [['810162']]);
});

test('flush() hands the corked frames over at once, and the end of the turn then has nothing left to do', async (t) => {
  const socket = new RecordingSocket();
  const sender = senderOn(socket);
  sender.frame(0x1, Buffer.from('a'), true);
  sender.frame(0x1, Buffer.from('b'), true);
  sender.flush();
  t.deepEqual(socket.batches, [['810161', '810162']]);
  await endOfTurn();
  t.deepEqual(socket.batches, [['810161', '810162']]);
});
