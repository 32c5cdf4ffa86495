/** Test-side frame encoding and parser drivers, independent of the product's sender. */
import { DESCRIPTOR_SLOTS, type FrameParser } from '../../ts/codec/types';

/** A frame to put on the wire; `length` overrides the declared length (for lying headers). */
export interface WireFrame {
  opcode: number;
  fin?: boolean;
  rsv?: number;
  mask?: Uint8Array | null;
  payload?: Uint8Array;
  length?: number | bigint;
}

/** Encodes one frame with the shortest length form (or the 64-bit form when `length` is a bigint). */
export function encodeFrame(frame: WireFrame): Buffer {
  const payload = Buffer.from(frame.payload ?? new Uint8Array(0));
  const declared = frame.length ?? payload.length;
  const header: number[] = [((frame.fin ?? true) ? 0x80 : 0) | ((frame.rsv ?? 0) << 4) | (frame.opcode & 0x0f)];
  const maskBit = frame.mask ? 0x80 : 0;
  if (typeof declared === 'bigint') {
    header.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) header.push(Number((declared >> shift) & 0xffn));
  } else if (declared < 126) {
    header.push(maskBit | declared);
  } else if (declared < 0x10000) {
    header.push(maskBit | 126, declared >> 8, declared & 0xff);
  } else {
    header.push(maskBit | 127, 0, 0, 0, 0, (declared >>> 24) & 0xff, (declared >> 16) & 0xff, (declared >> 8) & 0xff, declared & 0xff);
  }
  const body = Buffer.from(payload);
  if (frame.mask) {
    header.push(...frame.mask);
    for (let i = 0; i < body.length; i++) body[i] ^= frame.mask[i & 3];
  }
  return Buffer.concat([Buffer.from(header), body]);
}

/** Everything a parser reported for a sequence of chunks: descriptors (offsets made absolute) and bytes after parsing. */
export interface ParseTrace {
  descriptors: number[][];
  bytes: Buffer;
}

/**
 * Feeds `chunks` to `parser` with an output array of `capacity` descriptors, passing unconsumed rests again, and
 * returns what it reported. Offsets are rebased onto the concatenation of the chunks so traces of different splits
 * compare directly.
 */
export function traceParse(parser: FrameParser, chunks: Uint8Array[], capacity = 64): ParseTrace {
  const out = new Uint32Array(1 + capacity * DESCRIPTOR_SLOTS);
  const descriptors: number[][] = [];
  let base = 0;
  for (const chunk of chunks) {
    let start = 0;
    for (let guard = 0; guard <= chunk.length + 1; guard++) {
      const view = chunk.subarray(start);
      const count = parser.parse(view, out);
      for (let i = 0; i < count; i++) {
        const d = Array.from(out.subarray(1 + i * DESCRIPTOR_SLOTS, 1 + (i + 1) * DESCRIPTOR_SLOTS));
        d[1] += base + start;
        descriptors.push(d);
      }
      start += out[0];
      if (start >= chunk.length || count === 0) break;
    }
    base += chunk.length;
  }
  return { descriptors, bytes: Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.length))) };
}

/** Splits `data` into copies of consecutive pieces at the given cut offsets. */
export function splitAt(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let previous = 0;
  for (const cut of [...cuts, data.length]) {
    pieces.push(Uint8Array.from(data.subarray(previous, cut)));
    previous = cut;
  }
  return pieces;
}
