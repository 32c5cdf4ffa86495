/**
 * The sending half of a connection: frame headers (plain TypeScript: a handful of byte writes), fragmentation,
 * masking through the codec, and socket writes.
 *
 * Each frame reaches the socket in ONE `write`: header and payload copied into one buffer when the payload is
 * small or must be masked anyway, or header and payload written back to back inside `cork()`/`uncork()` when
 * a large unmasked payload would otherwise be copied.
 *
 * The socket stays corked from a sender's first write until the end of this turn of the event loop (one
 * `setImmediate` flushes every sender corked in the turn), so that all the frames written in one turn (the echoes
 * of every chunk read in it, say) leave in one `writev` system call instead of one each. Flushing at the next
 * `process.nextTick` instead would end the batch with each chunk read: at 64 KiB that is one system call per
 * message, and on loopback each call also pays for waking the peer. {@link Sender.flush} uncorks at once (before a
 * `destroy()`, which would drop corked bytes).
 */

import { randomFillSync } from 'crypto';
import type { Socket } from 'net';
import { codec } from './codec';
import { Opcode } from './constants';
import { POOLED_OUTPUT_MIN, releaseOutput, takeOutput } from './output-pool';

/** Completion callback of a write: `null`/`undefined` on success, or the error. */
export type WriteCallback = (error?: Error | null) => void;

/**
 * Unmasked payloads up to this size are copied next to their header; larger ones are written after it, in the
 * same corked `writev`, since another write costs less than copying them.
 */
const COPY_LIMIT = 1024;

/** Random bytes that mask keys are drawn from, refilled when used up. */
const keyPool = Buffer.alloc(8192);
let keyPoolOffset = keyPool.length;

/** Header bytes a frame with a payload of `length` bytes needs. */
export function headerLength(length: number, masked: boolean): number {
  return 2 + (length > 0xffff ? 8 : length > 125 ? 2 : 0) + (masked ? 4 : 0);
}

/**
 * Writes a frame header at the start of `target`: `firstByte` (FIN, RSV bits and opcode), the shortest length
 * form, and `maskKey` when one is given (setting the MASK bit). Returns the header's length.
 */
export function writeHeader(
  target: Uint8Array,
  firstByte: number,
  length: number,
  maskKey: Uint8Array | null,
): number {
  const maskBit = maskKey ? 0x80 : 0;
  target[0] = firstByte;
  let at = 2;
  if (length <= 125) {
    target[1] = maskBit | length;
  } else if (length <= 0xffff) {
    target[1] = maskBit | 126;
    target[2] = length >>> 8;
    target[3] = length & 0xff;
    at = 4;
  } else {
    target[1] = maskBit | 127;
    const high = Math.floor(length / 0x100000000);
    target[2] = high >>> 24;
    target[3] = (high >>> 16) & 0xff;
    target[4] = (high >>> 8) & 0xff;
    target[5] = high & 0xff;
    target[6] = length >>> 24;
    target[7] = (length >>> 16) & 0xff;
    target[8] = (length >>> 8) & 0xff;
    target[9] = length & 0xff;
    at = 10;
  }
  if (maskKey) {
    target[at] = maskKey[0];
    target[at + 1] = maskKey[1];
    target[at + 2] = maskKey[2];
    target[at + 3] = maskKey[3];
    at += 4;
  }
  return at;
}

/** Fills `key` with 4 random bytes for masking (crypto-strength, drawn from a pool to avoid a call per frame). */
export function randomMaskKey(key: Uint8Array): void {
  if (keyPoolOffset + 4 > keyPool.length) {
    randomFillSync(keyPool);
    keyPoolOffset = 0;
  }
  key[0] = keyPool[keyPoolOffset];
  key[1] = keyPool[keyPoolOffset + 1];
  key[2] = keyPool[keyPoolOffset + 2];
  key[3] = keyPool[keyPoolOffset + 3];
  keyPoolOffset += 4;
}

/**
 * One whole frame as bytes: header and payload in one buffer, the payload masked with `maskKey` when one is given
 * (the source is left unchanged). Also used to frame a broadcast once for many connections. A masked frame's
 * buffer may be a spare from the output pool: {@link releaseOutput} it once written (see `Sender.writeMasked`).
 */
export function encodeFrame(opcode: number, payload: Uint8Array, fin: boolean, maskKey: Uint8Array | null): Buffer {
  const length = payload.length;
  const size = headerLength(length, maskKey !== null);
  const out = maskKey ? takeOutput(size + length) : Buffer.allocUnsafe(size + length);
  writeHeader(out, (fin ? 0x80 : 0) | opcode, length, maskKey);
  if (maskKey) codec.mask(payload, maskKey, out, size);
  else out.set(payload, size);
  return out;
}

/**
 * A fragmented message as one buffer of masked frames, each with a fresh key from `randomMaskKey`: `count` frames
 * of `threshold` payload bytes (the last one shorter), the first with `opcode`, the rest continuations, FIN on the
 * last. One buffer (possibly a spare from the output pool) and one write for the whole message.
 */
function encodeMaskedFragments(opcode: number, payload: Uint8Array, threshold: number, count: number, key: Uint8Array): Buffer {
  const length = payload.length;
  const lastLength = length - (count - 1) * threshold;
  const size = (count - 1) * (headerLength(threshold, true) + threshold) + headerLength(lastLength, true) + lastLength;
  const out = takeOutput(size);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const start = i * threshold;
    const last = i === count - 1;
    const fragment = payload.subarray(start, last ? length : start + threshold);
    randomMaskKey(key);
    at += writeHeader(out.subarray(at), (last ? 0x80 : 0) | (i === 0 ? opcode : Opcode.Continuation), fragment.length, key);
    codec.mask(fragment, key, out, at);
    at += fragment.length;
  }
  return out;
}

/**
 * A callback for the fragments of one message: calls `callback` once with no argument after the last fragment
 * is written, or once with the first error (1.0.35's rule).
 */
function fragmentCallback(count: number, callback: WriteCallback): WriteCallback {
  let written = 0;
  let failed = false;
  return (error) => {
    if (failed) return;
    if (error) {
      failed = true;
      callback(error);
      return;
    }
    if (++written === count) callback();
  };
}

/**
 * The senders corked in this turn of the event loop, and the other list, which the flush swaps in so that a sender
 * corking again while the turn's senders are flushed waits for the next turn.
 */
let corkedSenders: Sender[] = [];
let spareSenders: Sender[] = [];

/** The `setImmediate` callback that ends a turn: uncorks every sender corked in it. */
function flushCorkedSenders(): void {
  const senders = corkedSenders;
  corkedSenders = spareSenders;
  spareSenders = senders;
  for (let i = 0; i < senders.length; i++) senders[i].flush();
  senders.length = 0;
}

/** Writes frames to one socket, masked with a fresh random key each when `masked` (the client side). */
export class Sender {
  private readonly socket: Socket;
  /** The key of the frame being masked (client side only). */
  private readonly maskKey: Uint8Array | null;
  /** The socket is corked until the flush already scheduled for this turn of the event loop. */
  private corked = false;

  constructor(socket: Socket, masked: boolean) {
    this.socket = socket;
    this.maskKey = masked ? new Uint8Array(4) : null;
  }

  /**
   * Writes bytes (one or more whole frames) to the socket, corked until the end of this turn. Returns what
   * `socket.write` returned (false once the socket's buffer is over its high-water mark).
   */
  write(bytes: Uint8Array, callback?: WriteCallback): boolean {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      if (corkedSenders.push(this) === 1) setImmediate(flushCorkedSenders);
    }
    return this.socket.write(bytes, callback);
  }

  /** Writes masked frames; a buffer large enough to pool goes back to the output pool once the socket wrote it. */
  private writeMasked(frames: Buffer, callback?: WriteCallback): boolean {
    if (frames.length < POOLED_OUTPUT_MIN) return this.write(frames, callback);
    return this.write(frames, (error) => {
      // After a failed write the socket may still hold the buffer: leave it to the garbage collector.
      if (!error) releaseOutput(frames);
      callback?.(error);
    });
  }

  /** Hands corked frames to the socket now. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /**
   * Writes one frame. Returns what `socket.write` returned (false once the socket's buffer is over its
   * high-water mark). `callback` goes to the write of the payload.
   */
  frame(opcode: number, payload: Uint8Array, fin: boolean, callback?: WriteCallback): boolean {
    const length = payload.length;
    const maskKey = this.maskKey;
    if (maskKey) {
      randomMaskKey(maskKey);
      return this.writeMasked(encodeFrame(opcode, payload, fin, maskKey), callback);
    }
    if (length <= COPY_LIMIT) return this.write(encodeFrame(opcode, payload, fin, null), callback);
    const header = Buffer.allocUnsafe(headerLength(length, false));
    writeHeader(header, (fin ? 0x80 : 0) | opcode, length, null);
    this.write(header);
    return this.socket.write(payload, callback);
  }

  /**
   * Sends a text or binary message. When `threshold` is given (fragmentation on) and the payload is longer, it is
   * cut into frames of `threshold` bytes (the last one shorter), the first with `opcode`, the rest continuations,
   * FIN on the last only: masked, they are encoded into one buffer and written at once; unmasked, each is written
   * (corked together) and `callback` runs once per {@link fragmentCallback}. Otherwise the payload is one frame and
   * `callback` goes straight to the write. Returns the last write's result.
   */
  message(opcode: number, payload: Uint8Array, threshold: number | null, callback?: WriteCallback): boolean {
    const length = payload.length;
    if (threshold === null || length <= threshold) return this.frame(opcode, payload, true, callback);
    const count = Math.ceil(length / threshold);
    if (this.maskKey) {
      return this.writeMasked(encodeMaskedFragments(opcode, payload, threshold, count, this.maskKey), callback);
    }
    const done = callback ? fragmentCallback(count, callback) : undefined;
    let flushed = true;
    for (let i = 0; i < count; i++) {
      const start = i * threshold;
      const end = i === count - 1 ? length : start + threshold;
      flushed = this.frame(i === 0 ? opcode : Opcode.Continuation, payload.subarray(start, end), i === count - 1, done);
    }
    return flushed;
  }

  /** Writes a close frame carrying `code` and the already-encoded `reason` (which must fit in 123 bytes). */
  close(code: number, reason: Uint8Array | null, callback?: WriteCallback): boolean {
    const reasonLength = reason ? reason.length : 0;
    const payload = Buffer.allocUnsafe(2 + reasonLength);
    payload[0] = code >>> 8;
    payload[1] = code & 0xff;
    if (reason) payload.set(reason, 2);
    return this.frame(Opcode.Close, payload, true, callback);
  }
}

/** Room for a close reason: a control payload of 125 bytes, less the 2-byte code. */
const MAX_CLOSE_REASON = 123;

/**
 * A close description as the UTF-8 reason bytes of a close frame. A reason that would not fit is cut at the last
 * whole character within 123 bytes, so the frame stays a valid control frame.
 */
export function encodeCloseReason(description: string): Buffer {
  const bytes = Buffer.from(description, 'utf8');
  if (bytes.length <= MAX_CLOSE_REASON) return bytes;
  let end = MAX_CLOSE_REASON;
  // Back off continuation bytes (10xxxxxx) to the start of the character that straddles the limit.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
