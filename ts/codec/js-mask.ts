/**
 * Masking and unmasking of frame payloads (RFC 6455 section 5.3) in plain JavaScript.
 *
 * Short ranges go through a byte loop unrolled by four with the key held in locals; ranges of
 * {@link WORD_THRESHOLD} bytes or more are XORed a 32-bit word at a time through a `Uint32Array` view of the
 * aligned middle part (measured on Node 20: the word loop is about twice as fast on large payloads, while the
 * view it needs costs more than it saves on small ones).
 */

/** Below this many bytes the unrolled byte loop beats creating a 32-bit view. */
const WORD_THRESHOLD = 256;

/** Scratch space to turn four key bytes into one 32-bit word in the platform's byte order. */
const keyBytes = new Uint8Array(4);
const keyWord = new Uint32Array(keyBytes.buffer);

/**
 * XORs `data[start, end)` in place with `key`, where `data[start]` meets key byte `phase` (0-3).
 * The parser uses this directly on a piece of a chunk, so no subarray is created per frame.
 */
export function unmaskRange(data: Uint8Array, start: number, end: number, key: Uint8Array, phase: number): void {
  if (end - start >= WORD_THRESHOLD) {
    xorWords(data, start, end, key, phase);
    return;
  }
  const k0 = key[phase & 3];
  const k1 = key[(phase + 1) & 3];
  const k2 = key[(phase + 2) & 3];
  const k3 = key[(phase + 3) & 3];
  let i = start;
  const last4 = end - 3;
  for (; i < last4; i += 4) {
    data[i] ^= k0;
    data[i + 1] ^= k1;
    data[i + 2] ^= k2;
    data[i + 3] ^= k3;
  }
  if (i < end) {
    data[i++] ^= k0;
    if (i < end) {
      data[i++] ^= k1;
      if (i < end) data[i] ^= k2;
    }
  }
}

/** The word-at-a-time path of {@link unmaskRange}: bytes up to 4-byte alignment, aligned words, then the tail. */
function xorWords(data: Uint8Array, start: number, end: number, key: Uint8Array, phase: number): void {
  let i = start;
  const head = (4 - ((data.byteOffset + start) & 3)) & 3;
  for (let h = 0; h < head; h++) data[i++] ^= key[(phase + h) & 3];
  const wordPhase = phase + head;
  keyBytes[0] = key[wordPhase & 3];
  keyBytes[1] = key[(wordPhase + 1) & 3];
  keyBytes[2] = key[(wordPhase + 2) & 3];
  keyBytes[3] = key[(wordPhase + 3) & 3];
  const word = keyWord[0];
  const count = (end - i) >>> 2;
  const words = new Uint32Array(data.buffer, data.byteOffset + i, count);
  for (let w = 0; w < count; w++) words[w] ^= word;
  i += count << 2;
  // Whole words keep the phase, so the tail starts at key byte `wordPhase` again.
  for (let t = 0; i < end; t++) data[i++] ^= keyBytes[t];
}

/** XORs `data` in place with the 4-byte `key`, starting at key byte `phase` (0-3) so split payloads line up. */
export function unmask(data: Uint8Array, key: Uint8Array, phase: number): void {
  unmaskRange(data, 0, data.length, key, phase);
}

/** Writes `source` XOR `key` into `output` at `offset`; `source` is left unchanged. */
export function mask(source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number): void {
  const length = source.length;
  if (length >= WORD_THRESHOLD) {
    output.set(source, offset);
    xorWords(output, offset, offset + length, key, 0);
    return;
  }
  const k0 = key[0];
  const k1 = key[1];
  const k2 = key[2];
  const k3 = key[3];
  let i = 0;
  const last4 = length - 3;
  for (; i < last4; i += 4) {
    output[offset + i] = source[i] ^ k0;
    output[offset + i + 1] = source[i + 1] ^ k1;
    output[offset + i + 2] = source[i + 2] ^ k2;
    output[offset + i + 3] = source[i + 3] ^ k3;
  }
  for (; i < length; i++) output[offset + i] = source[i] ^ key[i & 3];
}
