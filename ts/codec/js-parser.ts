/**
 * The batch frame parser of the TypeScript codec, following the contract of {@link FrameParser} in ./types.ts
 * to the letter (the Rust parser in crates/codec follows the same text; the differential tests compare them).
 *
 * One call walks the chunk frame by frame: header bytes (kept in a fixed buffer when a header is split across
 * chunks), the staged checks, then the payload piece that lies in this chunk, unmasked in place and, for text,
 * validated as UTF-8. Nothing is allocated per frame; a close frame's payload is copied into a fixed 125-byte
 * buffer so it can be checked when its last piece arrives.
 */

import {
  DESCRIPTOR_SLOTS,
  DescriptorFlag,
  Masking,
  PARSE_ERROR_STATUS,
  ParseError,
  Slot,
  type FrameParser,
  type ParserOptions,
} from './types';
import { unmaskRange } from './js-mask';
import { isValidUtf8Range, JsUtf8Validator } from './js-utf8';

// The contract's enum members, read once: under a per-file transpiler (tsx, ts-node) `const enum` members imported
// from another module are property reads through getters, which the hot loop would otherwise pay for every frame.
const SLOTS = DESCRIPTOR_SLOTS;
const SLOT_FLAGS = Slot.Flags;
const SLOT_OFFSET = Slot.Offset;
const SLOT_LENGTH = Slot.Length;
const SLOT_FRAME_LENGTH = Slot.FrameLength;
const SLOT_ERROR = Slot.Error;
const SLOT_CLOSE_STATUS = Slot.CloseStatus;
const SLOT_CLOSE_CODE = Slot.CloseCode;
const OPCODE_MASK = DescriptorFlag.OpcodeMask;
const FIN = DescriptorFlag.Fin;
const RSV1 = DescriptorFlag.Rsv1;
const RSV2 = DescriptorFlag.Rsv2;
const RSV3 = DescriptorFlag.Rsv3;
const MASKED = DescriptorFlag.Masked;
const START = DescriptorFlag.Start;
const END = DescriptorFlag.End;
const ERROR = DescriptorFlag.Error;
const MASK_REQUIRED = Masking.Required;
const MASK_FORBIDDEN = Masking.Forbidden;

const OPCODE_CONTINUATION = 0x0;
const OPCODE_TEXT = 0x1;
const OPCODE_CLOSE = 0x8;

/** The close status reported for a close frame without a status code. */
const NO_STATUS_RECEIVED = 1005;

/** Whether a status code may appear in a received close frame (the rule of `websocket` 1.0.35). */
function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1015) || (code >= 3000 && code <= 4999)
  );
}

/** How far a header split across chunks has got: the stage whose bytes are awaited. */
const enum HeaderStage {
  FirstBytes,
  Length,
  Key,
}

/** Header bytes up to the end of the extended length, as implied by the second header byte. */
function lengthEnd(b1: number): number {
  const len7 = b1 & 0x7f;
  return len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
}

/** Header bytes implied by the second header byte: 2, plus the extended length, plus the mask key. */
function headerLength(b1: number): number {
  return lengthEnd(b1) + (b1 & 0x80 ? 4 : 0);
}

/** A stateful parser for one connection's incoming bytes; see {@link FrameParser}. */
export class JsFrameParser implements FrameParser {
  private readonly maxFrameSize: number;
  private readonly maxMessageSize: number;
  private readonly masking: Masking;
  private readonly allowedRsv: number;
  private readonly validateUtf8: boolean;

  /** Set by the first error: the parser never reads again. */
  private dead = false;

  /** Header bytes of a header split across chunks (made for the first such header). */
  private header: Uint8Array | null = null;
  /** How many of {@link header} are filled (0 when no header is in progress). */
  private headerHave = 0;
  /** Which checks a header carried in {@link header} has passed. */
  private headerStage = HeaderStage.FirstBytes;
  /** The second header byte of the frame being read. */
  private lengthByte = 0;

  /** Whether the payload of a frame is being read (its header has passed every check). */
  private inPayload = false;
  /** Descriptor flags of the current frame: opcode, Fin, Rsv1-3, Masked. */
  private flags = 0;
  private frameLength = 0;
  private remaining = 0;
  /** Whether a piece of the current frame was written already (so the next one is not Start). */
  private started = false;
  /** The mask key of the current frame (made for the first masked frame). */
  private key: Uint8Array | null = null;
  /** Key byte that the next payload byte meets. */
  private phase = 0;

  /** Whether a data message was begun without FIN and is still open. */
  private fragmented = false;
  /** Payload total of the current data message, its frames' declared lengths summed. */
  private messageTotal = 0;
  /** Whether the current data message is text to validate. */
  private validating = false;
  private readonly utf8 = new JsUtf8Validator();

  /** The payload of a close frame split across pieces (made for the first such frame). */
  private closePayload: Uint8Array | null = null;
  private closeHave = 0;
  /** Out-parameter of {@link checkClose}: the close code to report. */
  private closeCode = 0;

  constructor(options: ParserOptions) {
    this.maxFrameSize = options.maxFrameSize;
    this.maxMessageSize = options.maxMessageSize;
    this.masking = options.masking;
    this.allowedRsv = options.allowedRsv;
    this.validateUtf8 = options.validateUtf8;
  }

  /** {@inheritDoc FrameParser.parse} */
  parse(chunk: Uint8Array, out: Uint32Array): number {
    if (this.dead) {
      out[0] = 0;
      return 0;
    }
    const capacity = out.length > 0 ? Math.floor((out.length - 1) / SLOTS) : 0;
    const end = chunk.length;
    let pos = 0;
    let count = 0;
    while (pos < end && count < capacity) {
      if (this.inPayload) {
        const take = this.remaining < end - pos ? this.remaining : end - pos;
        if (!this.piece(chunk, pos, take, out, count)) return this.die(out, end, count);
        pos += take;
        count++;
        continue;
      }

      // A header: straight from the chunk when it is all there, else stage by stage through the carry buffer,
      // so that each stage's checks run as soon as its bytes are in.
      if (this.headerHave === 0 && end - pos >= 2 && end - pos >= headerLength(chunk[pos + 1])) {
        let error = this.checkFirstBytes(chunk[pos], chunk[pos + 1]);
        if (error === 0) error = this.checkLength(chunk, pos + 2);
        if (error !== 0) return this.fail(out, end, count, error, pos);
        this.readKey(chunk, pos + lengthEnd(this.lengthByte));
        pos += headerLength(this.lengthByte);
      } else {
        const headerOffset = this.headerHave === 0 ? pos : 0;
        const header = (this.header ??= new Uint8Array(14));
        if (this.headerStage === HeaderStage.FirstBytes) {
          while (this.headerHave < 2 && pos < end) header[this.headerHave++] = chunk[pos++];
          if (this.headerHave < 2) break;
          const error = this.checkFirstBytes(header[0], header[1]);
          if (error !== 0) return this.fail(out, end, count, error, headerOffset);
          this.headerStage = HeaderStage.Length;
        }
        const keyAt = lengthEnd(this.lengthByte);
        if (this.headerStage === HeaderStage.Length) {
          while (this.headerHave < keyAt && pos < end) header[this.headerHave++] = chunk[pos++];
          if (this.headerHave < keyAt) break;
          const error = this.checkLength(header, 2);
          if (error !== 0) return this.fail(out, end, count, error, headerOffset);
          this.headerStage = HeaderStage.Key;
        }
        const need = headerLength(this.lengthByte);
        while (this.headerHave < need && pos < end) header[this.headerHave++] = chunk[pos++];
        if (this.headerHave < need) break;
        this.readKey(header, keyAt);
        this.headerHave = 0;
        this.headerStage = HeaderStage.FirstBytes;
      }

      this.inPayload = true;
      this.started = false;
      this.phase = 0;
      this.closeHave = 0;
      this.remaining = this.frameLength;
      if (this.frameLength === 0) {
        if (!this.piece(chunk, pos, 0, out, count)) return this.die(out, end, count);
        count++;
      }
    }
    out[0] = pos;
    return count;
  }

  /**
   * Decodes the first two header bytes into {@link flags} and runs the checks they allow, in the contract's order.
   * Returns a {@link ParseError} or 0.
   */
  private checkFirstBytes(b0: number, b1: number): number {
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    const rsv = (b0 >> 4) & 0x7;
    // The wire order of the RSV bits (RSV1 highest) is the reverse of the descriptor's (Rsv1 lowest).
    this.flags =
      opcode |
      (fin ? FIN : 0) |
      (b0 & 0x40 ? RSV1 : 0) |
      (b0 & 0x20 ? RSV2 : 0) |
      (b0 & 0x10 ? RSV3 : 0) |
      (b1 & 0x80 ? MASKED : 0);
    this.frameLength = 0;
    this.lengthByte = b1;
    const control = opcode >= 0x8;
    const data = !control && opcode !== OPCODE_CONTINUATION;
    if (control && (b1 & 0x7f) > 125) return ParseError.ControlFrameTooLong;
    if (control && !fin) return ParseError.ControlFrameFragmented;
    if ((rsv & ~(data ? this.allowedRsv : 0)) !== 0) return ParseError.ReservedBits;
    if (data && this.fragmented) return ParseError.DataFrameInFragmentedMessage;
    if (opcode === OPCODE_CONTINUATION && !this.fragmented) return ParseError.UnexpectedContinuation;
    if ((opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xb) return ParseError.ReservedOpcode;
    if (this.masking === MASK_REQUIRED && (b1 & 0x80) === 0) return ParseError.MaskRequired;
    if (this.masking === MASK_FORBIDDEN && (b1 & 0x80) !== 0) return ParseError.MaskUnexpected;
    return 0;
  }

  /**
   * Reads the payload length from `source` at `at` (the extended length, if any) and runs the length checks; on
   * success the frame is taken into the message state. Returns a {@link ParseError} or 0.
   */
  private checkLength(source: Uint8Array, at: number): number {
    const len7 = this.lengthByte & 0x7f;
    let length = len7;
    if (len7 === 126) {
      length = (source[at] << 8) | source[at + 1];
    } else if (len7 === 127) {
      if ((source[at] | source[at + 1] | source[at + 2] | source[at + 3]) !== 0) {
        return ParseError.Unsupported64BitLength;
      }
      length = source[at + 4] * 0x1000000 + ((source[at + 5] << 16) | (source[at + 6] << 8) | source[at + 7]);
    }
    this.frameLength = length;
    if (this.maxFrameSize !== 0 && length > this.maxFrameSize) return ParseError.FrameTooLarge;
    const opcode = this.flags & OPCODE_MASK;
    if (opcode < 0x8) {
      const total = opcode === OPCODE_CONTINUATION ? this.messageTotal + length : length;
      if (this.maxMessageSize !== 0 && total > this.maxMessageSize) return ParseError.MessageTooLarge;
      this.messageTotal = total;
      this.fragmented = (this.flags & FIN) === 0;
      if (opcode !== OPCODE_CONTINUATION) {
        this.validating =
          this.validateUtf8 && opcode === OPCODE_TEXT && (this.flags & RSV1) === 0;
        if (this.validating) this.utf8.reset();
      }
    }
    return 0;
  }

  /** Takes the mask key (if the frame is masked) from `source` at `at`, and gets ready for the payload. */
  private readKey(source: Uint8Array, at: number): void {
    if (this.lengthByte & 0x80) {
      const key = (this.key ??= new Uint8Array(4));
      key[0] = source[at];
      key[1] = source[at + 1];
      key[2] = source[at + 2];
      key[3] = source[at + 3];
    }
  }

  /**
   * Takes the `take` payload bytes at `pos` as one piece of the current frame: unmasks them, validates them, and
   * writes descriptor `index`, or an error descriptor in its place. Returns false after an error.
   */
  private piece(chunk: Uint8Array, pos: number, take: number, out: Uint32Array, index: number): boolean {
    const pieceEnd = pos + take;
    const flags = this.flags;
    if (flags & MASKED) {
      unmaskRange(chunk, pos, pieceEnd, this.key as Uint8Array, this.phase);
      this.phase = (this.phase + take) & 3;
    }
    this.remaining -= take;
    const last = this.remaining === 0;
    const opcode = flags & OPCODE_MASK;
    let closeCode = 0;
    if (opcode < 0x8) {
      if (this.validating) {
        const invalidAt = this.utf8.validate(chunk, pos, pieceEnd, last && (flags & FIN) !== 0);
        if (invalidAt >= 0) {
          this.writeError(out, index, ParseError.InvalidUtf8, invalidAt, 0);
          return false;
        }
      }
    } else if (opcode === OPCODE_CLOSE) {
      let payload = chunk;
      let payloadStart = pos;
      if (last && this.closeHave === 0) {
        // The whole payload is in this piece: checked where it lies, without a copy.
        this.closeHave = take;
      } else {
        const closePayload = (this.closePayload ??= new Uint8Array(125));
        for (let i = pos; i < pieceEnd; i++) closePayload[this.closeHave++] = chunk[i];
        payload = closePayload;
        payloadStart = 0;
      }
      if (last) {
        const error = this.checkClose(payload, payloadStart);
        if (error !== 0) {
          this.writeError(out, index, error, pos, this.closeCode);
          return false;
        }
        closeCode = this.closeCode;
      }
    }
    const base = 1 + index * SLOTS;
    out[base + SLOT_FLAGS] =
      flags | (this.started ? 0 : START) | (last ? END : 0);
    out[base + SLOT_OFFSET] = pos;
    out[base + SLOT_LENGTH] = take;
    out[base + SLOT_FRAME_LENGTH] = this.frameLength;
    out[base + SLOT_ERROR] = 0;
    out[base + SLOT_CLOSE_STATUS] = 0;
    out[base + SLOT_CLOSE_CODE] = closeCode;
    this.started = true;
    if (last) this.inPayload = false;
    return true;
  }

  /** Checks a complete close payload of `closeHave` bytes at `payload[start]`; sets {@link closeCode} and returns a {@link ParseError} or 0. */
  private checkClose(payload: Uint8Array, start: number): number {
    const length = this.closeHave;
    if (length < 2) {
      this.closeCode = NO_STATUS_RECEIVED;
      return length === 1 ? ParseError.CloseFrameLength : 0;
    }
    const code = (payload[start] << 8) | payload[start + 1];
    this.closeCode = code;
    if (!isValidCloseCode(code)) return ParseError.InvalidCloseCode;
    if (!isValidUtf8Range(payload, start + 2, start + length)) return ParseError.InvalidCloseReason;
    return 0;
  }

  /** Writes descriptor `index` as the error `error` of the current frame. */
  private writeError(out: Uint32Array, index: number, error: ParseError, offset: number, closeCode: number): void {
    const base = 1 + index * SLOTS;
    out[base + SLOT_FLAGS] = this.flags | ERROR;
    out[base + SLOT_OFFSET] = offset;
    out[base + SLOT_LENGTH] = 0;
    out[base + SLOT_FRAME_LENGTH] = this.frameLength;
    out[base + SLOT_ERROR] = error;
    out[base + SLOT_CLOSE_STATUS] = PARSE_ERROR_STATUS[error];
    out[base + SLOT_CLOSE_CODE] = closeCode;
  }

  /** Reports a header error as descriptor `count` and ends the parser. */
  private fail(out: Uint32Array, end: number, count: number, error: ParseError, offset: number): number {
    this.writeError(out, count, error, offset, 0);
    return this.die(out, end, count);
  }

  /** Ends the parser after descriptor `count` reported an error; returns the descriptor count. */
  private die(out: Uint32Array, end: number, count: number): number {
    this.dead = true;
    out[0] = end;
    return count + 1;
  }
}
