/**
 * Reusable buffers for the masked frames a client writes.
 *
 * A masked frame is a copy (the caller's payload stays unchanged), and a fresh buffer of many kilobytes is fresh
 * memory: V8 frees such buffers only when it collects garbage, and a sender that makes as little garbage as ours
 * lets it collect rarely, so between collections malloc hands out new pages and the kernel faults each one in
 * (about 8 page faults per 64 KiB message, a sixth of a client's CPU when it streams large messages). So buffers
 * from {@link POOLED_OUTPUT_MIN} bytes up come back here once the socket has written them, and the next frame of
 * the same size takes one. The pool is shared by every connection of the process and holds at most
 * {@link POOL_MAX_BYTES}; what does not fit is left to the garbage collector, as before.
 */

/** Smallest buffer worth pooling: below it `Buffer.allocUnsafe` carves from Node's own pool or malloc reuses. */
export const POOLED_OUTPUT_MIN = 16 * 1024;

/** Most bytes the pool keeps for the whole process. */
export const POOL_MAX_BYTES = 4 * 1024 * 1024;

/** Spare buffers by exact length. */
const spares = new Map<number, Buffer[]>();
let spareBytes = 0;

/** A buffer of exactly `size` bytes (contents unspecified): a spare of that size when there is one. */
export function takeOutput(size: number): Buffer {
  if (size >= POOLED_OUTPUT_MIN) {
    const sameSize = spares.get(size);
    if (sameSize !== undefined) {
      const spare = sameSize.pop() as Buffer;
      if (sameSize.length === 0) spares.delete(size);
      spareBytes -= size;
      return spare;
    }
  }
  return Buffer.allocUnsafe(size);
}

/**
 * Gives back a buffer from {@link takeOutput} that nothing reads any more (the socket has written it). Kept when
 * it is large enough to pool and there is room, else left to the garbage collector.
 */
export function releaseOutput(buffer: Buffer): void {
  const size = buffer.length;
  if (size < POOLED_OUTPUT_MIN || spareBytes + size > POOL_MAX_BYTES) return;
  const sameSize = spares.get(size);
  if (sameSize === undefined) spares.set(size, [buffer]);
  else sameSize.push(buffer);
  spareBytes += size;
}

/** Bytes the pool holds now (for tests). */
export function pooledBytes(): number {
  return spareBytes;
}
