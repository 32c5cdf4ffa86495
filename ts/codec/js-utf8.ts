/**
 * UTF-8 validation (RFC 3629 / Unicode "well-formed UTF-8") in plain JavaScript.
 *
 * Whole buffers go to Node's `buffer.isUtf8` (simdutf, exact for this purpose). The incremental validator runs a
 * small hand-written DFA so that a multi-byte sequence may be split between pieces, and so that it can tell where
 * the first invalid sequence starts; long pieces that carry no open sequence are still handed to `isUtf8` and the
 * DFA only looks at their incomplete tail, or rescans them to locate an error.
 */

import { isUtf8 } from 'node:buffer';

import type { Utf8Validator } from './types';

/**
 * Pieces at least this long are checked with `isUtf8` first: below it, the cost of the native call and of the
 * subarray it needs exceeds the JavaScript loop (measured on Node 20).
 */
const FAST_PATH_MIN = 128;

/*
 * Byte classes of the DFA:
 * 0: 00-7F, 1: 80-8F, 2: 90-9F, 3: A0-BF (continuation bytes split where the second byte of E0, ED, F0, F4 is
 * restricted), 4: C0-C1 and F5-FF (never valid), 5: C2-DF, 6: E0, 7: E1-EC and EE-EF, 8: ED, 9: F0,
 * 10: F1-F3, 11: F4.
 */
const CLASS_COUNT = 12;
const CLASSES = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  CLASSES[b] =
    b < 0x80 ? 0
    : b < 0x90 ? 1
    : b < 0xa0 ? 2
    : b < 0xc0 ? 3
    : b < 0xc2 ? 4
    : b < 0xe0 ? 5
    : b === 0xe0 ? 6
    : b === 0xed ? 8
    : b < 0xf0 ? 7
    : b === 0xf0 ? 9
    : b < 0xf4 ? 10
    : b === 0xf4 ? 11
    : 4;
}

/*
 * States, premultiplied by the class count so a transition is one table read. The restricted second bytes reject
 * overlongs (E0 80-9F, F0 80-8F), surrogates (ED A0-BF) and code points above U+10FFFF (F4 90-BF).
 */
const ACCEPT = 0;
const REJECT = 1 * CLASS_COUNT;
const NEED_1 = 2 * CLASS_COUNT;
const NEED_2 = 3 * CLASS_COUNT;
const AFTER_E0 = 4 * CLASS_COUNT;
const AFTER_ED = 5 * CLASS_COUNT;
const NEED_3 = 6 * CLASS_COUNT;
const AFTER_F0 = 7 * CLASS_COUNT;
const AFTER_F4 = 8 * CLASS_COUNT;

const TRANSITIONS = new Uint8Array(9 * CLASS_COUNT).fill(REJECT);
/** Sets the transitions of `state` for each listed byte class. */
function allow(state: number, classes: readonly number[], next: number): void {
  for (const byteClass of classes) TRANSITIONS[state + byteClass] = next;
}
allow(ACCEPT, [0], ACCEPT);
allow(ACCEPT, [5], NEED_1);
allow(ACCEPT, [6], AFTER_E0);
allow(ACCEPT, [7], NEED_2);
allow(ACCEPT, [8], AFTER_ED);
allow(ACCEPT, [9], AFTER_F0);
allow(ACCEPT, [10], NEED_3);
allow(ACCEPT, [11], AFTER_F4);
allow(NEED_1, [1, 2, 3], ACCEPT);
allow(NEED_2, [1, 2, 3], NEED_1);
allow(AFTER_E0, [3], NEED_1);
allow(AFTER_ED, [1, 2], NEED_1);
allow(NEED_3, [1, 2, 3], NEED_2);
allow(AFTER_F0, [2, 3], NEED_2);
allow(AFTER_F4, [1], NEED_2);

/** Out-parameter of {@link scan}: the DFA state after the last byte. */
let scanState = ACCEPT;

/**
 * Runs the DFA over `data[start, end)` from `state`. Returns the offset of the first byte of the sequence that
 * fails (clamped to `start` for a sequence opened before it), or -1 with the final state in {@link scanState}.
 */
function scan(data: Uint8Array, start: number, end: number, state: number): number {
  let sequenceStart = start;
  let i = start;
  while (i < end) {
    const byte = data[i];
    if (state === ACCEPT) {
      if (byte < 0x80) {
        i++;
        continue;
      }
      sequenceStart = i;
    }
    state = TRANSITIONS[state + CLASSES[byte]];
    if (state === REJECT) return sequenceStart;
    i++;
  }
  scanState = state;
  return -1;
}

/**
 * Where `data[start, end)` stops being complete: the offset of a trailing lead byte whose sequence would need
 * more bytes than remain, else `end`. Only lead bytes are judged, so the result is a safe place to cut.
 */
function completeEnd(data: Uint8Array, start: number, end: number): number {
  const stop = Math.max(start, end - 3);
  let i = end - 1;
  while (i >= stop && (data[i] & 0xc0) === 0x80) i--;
  if (i < stop) return end;
  const lead = data[i];
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - i < length ? i : end;
}

/** Whether `data` is, as a whole, valid UTF-8. */
export function isValidUtf8(data: Uint8Array): boolean {
  return isUtf8(data);
}

/** Whether `data[start, end)` is, as a whole, valid UTF-8 (no subarray is made for short ranges). */
export function isValidUtf8Range(data: Uint8Array, start: number, end: number): boolean {
  if (end - start >= FAST_PATH_MIN) return isUtf8(data.subarray(start, end));
  return scan(data, start, end, ACCEPT) < 0 && scanState === ACCEPT;
}

/**
 * Incremental validator of one message, carrying an open multi-byte sequence from one piece to the next and
 * failing at the first byte that cannot continue valid UTF-8.
 */
export class JsUtf8Validator implements Utf8Validator {
  /** DFA state after the last piece: {@link ACCEPT} unless a sequence is open. */
  private state = ACCEPT;
  private failed = false;

  /** {@inheritDoc Utf8Validator.push} */
  push(piece: Uint8Array, final: boolean): boolean {
    return this.validate(piece, 0, piece.length, final) < 0;
  }

  /** {@inheritDoc Utf8Validator.reset} */
  reset(): void {
    this.state = ACCEPT;
    this.failed = false;
  }

  /**
   * Validates the piece `data[start, end)`. Returns -1 if it is fine so far; otherwise the validator fails and this
   * returns: the offset of the first byte of the invalid sequence (what Rust's `Utf8Error::valid_up_to` gives for
   * the piece), or `start` if that sequence was opened by an earlier piece; with `final`, `end` when the message
   * ends inside a sequence. A validator that has already failed returns `start`.
   */
  validate(data: Uint8Array, start: number, end: number, final: boolean): number {
    if (this.failed) return start;
    let state = this.state;
    let i = start;
    while (state !== ACCEPT && i < end) {
      state = TRANSITIONS[state + CLASSES[data[i]]];
      if (state === REJECT) return this.fail(start);
      i++;
    }
    if (state === ACCEPT && end - i >= FAST_PATH_MIN) {
      const cut = completeEnd(data, i, end);
      if (isUtf8(i === 0 && cut === data.length ? data : data.subarray(i, cut))) i = cut;
    }
    const invalidAt = scan(data, i, end, state);
    if (invalidAt >= 0) return this.fail(invalidAt);
    this.state = scanState;
    if (final && scanState !== ACCEPT) return this.fail(end);
    return -1;
  }

  private fail(offset: number): number {
    this.failed = true;
    return offset;
  }
}
