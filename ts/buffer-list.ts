/**
 * A queue of received chunks read as one byte stream: the input of {@link WebSocketFrame.addData}, with the
 * members that method uses in 1.0.35 (`length`, `joinInto`, `advance`, `take`) plus `write` to fill it.
 * The connection does not use it: its receiver drives the codec's parser over the socket's chunks directly.
 */

/** The part of a buffer list that `WebSocketFrame.addData` reads. */
export interface FrameInput {
  readonly length: number;
  joinInto(target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number): Uint8Array;
  advance(count: number): void;
  take(count: number): Buffer;
}

/** A queue of chunks read from the front. */
export class BufferList implements FrameInput {
  private readonly chunks: Buffer[] = [];
  /** Bytes of `chunks[0]` already consumed. */
  private headOffset = 0;
  private total = 0;

  /** Bytes buffered and not yet consumed. */
  get length(): number {
    return this.total;
  }

  /** Appends a chunk (kept by reference, not copied). */
  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /**
   * Copies the buffered bytes `[sourceStart, sourceEnd)` (relative to the front) into `target` at `targetStart`,
   * without consuming them, and returns `target`. Throws when `target` has too little room.
   */
  joinInto(target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number): Uint8Array {
    if (target.length - targetStart < sourceEnd - sourceStart) {
      throw new RangeError('Insufficient space available in target Buffer.');
    }
    let skip = sourceStart + this.headOffset;
    let want = Math.min(sourceEnd, this.total) - sourceStart;
    let at = targetStart;
    for (let i = 0; i < this.chunks.length && want > 0; i++) {
      const chunk = this.chunks[i];
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const count = Math.min(chunk.length - skip, want);
      target.set(chunk.subarray(skip, skip + count), at);
      at += count;
      want -= count;
      skip = 0;
    }
    return target;
  }

  /** Consumes `count` bytes from the front (all of them if fewer are buffered). */
  advance(count: number): void {
    let left = Math.min(count, this.total);
    this.total -= left;
    while (left > 0) {
      const rest = this.chunks[0].length - this.headOffset;
      if (left < rest) {
        this.headOffset += left;
        return;
      }
      left -= rest;
      this.chunks.shift();
      this.headOffset = 0;
    }
  }

  /** A copy of the first `count` buffered bytes (fewer if fewer are buffered), without consuming them. */
  take(count: number): Buffer {
    const size = Math.min(count, this.total);
    const out = Buffer.allocUnsafe(size);
    this.joinInto(out, 0, 0, size);
    return out;
  }
}
