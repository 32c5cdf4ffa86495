/**
 * The ceiling: a plain `net` client that does the load generator's opening handshake, then writes one pre-masked
 * frame over and over with the socket's own flow control (no per-message framing or masking work at all), and
 * reads nothing but the sink's "done" frame.
 */
import * as crypto from 'node:crypto';
import { connect, encodeFrame } from '../loadgen';
import { HIGH_WATER_BYTES, serveSendRequests } from './common';

const DONE_FRAME = Buffer.from([0x81, 0x04, ...Buffer.from('done')]);
const CLOSE_FRAME = encodeFrame(8, Buffer.from([0x03, 0xe8]), crypto.randomBytes(4));

serveSendRequests(async (url, payload, messages) => {
  const frame = encodeFrame(2, payload, crypto.randomBytes(4));
  const { socket, rest } = await connect(Number(new URL(url).port));
  return new Promise((resolve, reject) => {
    let received = rest;
    let sent = 0;
    const pump = () => {
      while (sent < messages && socket.writableLength < HIGH_WATER_BYTES) {
        socket.write(frame);
        sent++;
      }
    };
    let answered = false;
    const onData = (chunk: Buffer) => {
      if (answered) return;
      received = Buffer.concat([received, chunk]);
      if (received.length < DONE_FRAME.length) return;
      answered = true;
      if (received.subarray(0, DONE_FRAME.length).equals(DONE_FRAME)) resolve(() => socket.end(CLOSE_FRAME));
      else reject(new Error(`unexpected bytes from the sink: ${received.subarray(0, 16).toString('hex')}`));
    };
    socket.on('error', reject);
    // After "done" this rejection is a no-op: the promise has settled.
    socket.on('close', () => reject(new Error('connection closed before "done"')));
    socket.on('drain', pump);
    socket.on('data', onData);
    if (rest.length > 0) onData(Buffer.alloc(0));
    pump();
  });
});
