/**
 * The codec contract: what both codecs (native Rust behind N-API, and pure TypeScript) implement.
 *
 * Everything a connection needs on its hot path goes through this interface: the batch frame parser,
 * masking, and UTF-8 validation. Header encoding for outgoing frames is plain TypeScript (ts/sender.ts),
 * because it is a handful of byte writes that a native call would only slow down.
 *
 * Both implementations must give identical results for identical input; __test__/codec-differential.test.ts
 * proves it on random and adversarial input.
 */

/** Which codec is in use. */
export type CodecKind = 'native' | 'js';

/** Number of `Uint32Array` slots one frame descriptor takes. */
export const DESCRIPTOR_SLOTS = 7;

/**
 * Slot indices inside one descriptor. Descriptor `i` starts at `out[1 + i * DESCRIPTOR_SLOTS]`;
 * `out[0]` receives the number of chunk bytes consumed by the call.
 */
export const enum Slot {
  /** Bit set of {@link DescriptorFlag}, with the frame's opcode in the low 4 bits. */
  Flags = 0,
  /** Offset of this piece of payload in the chunk passed to `parse` (for an error: see {@link FrameParser.parse}). */
  Offset = 1,
  /** Bytes of payload in this piece (0 for an empty frame, and for an error descriptor). */
  Length = 2,
  /** The frame's whole payload length, as its header declared it. */
  FrameLength = 3,
  /** A {@link ParseError} code, or 0. */
  Error = 4,
  /** For an error: the close status it causes (1002, 1007, 1009). Otherwise 0. */
  CloseStatus = 5,
  /** On the END piece of a close frame: the status code it carries, or 1005 when its payload is empty. Otherwise 0. */
  CloseCode = 6,
}

/** Bits of the {@link Slot.Flags} slot above the opcode. */
export const enum DescriptorFlag {
  OpcodeMask = 0x0f,
  Fin = 0x10,
  Rsv1 = 0x20,
  Rsv2 = 0x40,
  Rsv3 = 0x80,
  /** The frame was masked on the wire (its payload has been unmasked in place). */
  Masked = 0x100,
  /** The first piece of a frame's payload: the header has just been parsed. */
  Start = 0x200,
  /** The last piece of a frame's payload: the frame is complete. */
  End = 0x400,
  /** This descriptor reports an error; it is the last the parser will ever write. */
  Error = 0x800,
}

/**
 * Stable error codes of the parser. Each causes the close status given by {@link PARSE_ERROR_STATUS}.
 * The numbering is part of the native ABI: never renumber.
 */
export const enum ParseError {
  /** A control frame (opcode >= 8) declared a payload over 125 bytes. */
  ControlFrameTooLong = 1,
  /** A control frame without FIN. */
  ControlFrameFragmented = 2,
  /** An RSV bit that no negotiated extension allows (see {@link ParserOptions.allowedRsv}). */
  ReservedBits = 3,
  /** A data frame (text or binary, opcode 1-7) while a fragmented message is still open. */
  DataFrameInFragmentedMessage = 4,
  /** A continuation frame with no fragmented message open. */
  UnexpectedContinuation = 5,
  /** A reserved opcode (3-7, 0xB-0xF). */
  ReservedOpcode = 6,
  /** An unmasked frame where masked ones are required (a server receiving), see {@link ParserOptions.masking}. */
  MaskRequired = 7,
  /** A masked frame where unmasked ones are required (a client receiving). */
  MaskUnexpected = 8,
  /** A 64-bit length whose high 32 bits are not zero (this includes the forbidden top bit). */
  Unsupported64BitLength = 9,
  /** The frame's payload length exceeds {@link ParserOptions.maxFrameSize}. */
  FrameTooLarge = 10,
  /** The message's running payload total exceeds {@link ParserOptions.maxMessageSize}. */
  MessageTooLarge = 11,
  /** Invalid UTF-8 in a text message, or a text message that ends inside a multi-byte sequence. */
  InvalidUtf8 = 12,
  /** A close frame with a 1-byte payload. */
  CloseFrameLength = 13,
  /** A close frame whose status code may not be sent on the wire. */
  InvalidCloseCode = 14,
  /** A close frame whose reason is not valid UTF-8. */
  InvalidCloseReason = 15,
}

/** The close status each {@link ParseError} causes. */
export const PARSE_ERROR_STATUS: Readonly<Record<ParseError, number>> = {
  [ParseError.ControlFrameTooLong]: 1002,
  [ParseError.ControlFrameFragmented]: 1002,
  [ParseError.ReservedBits]: 1002,
  [ParseError.DataFrameInFragmentedMessage]: 1002,
  [ParseError.UnexpectedContinuation]: 1002,
  [ParseError.ReservedOpcode]: 1002,
  [ParseError.MaskRequired]: 1002,
  [ParseError.MaskUnexpected]: 1002,
  [ParseError.Unsupported64BitLength]: 1002,
  [ParseError.FrameTooLarge]: 1009,
  [ParseError.MessageTooLarge]: 1009,
  [ParseError.InvalidUtf8]: 1007,
  [ParseError.CloseFrameLength]: 1002,
  [ParseError.InvalidCloseCode]: 1002,
  [ParseError.InvalidCloseReason]: 1007,
};

/** What the parser requires of the MASK bit. */
export const enum Masking {
  /** Accept masked and unmasked frames. */
  Any = 0,
  /** Every frame must be masked (a server receiving from a client). */
  Required = 1,
  /** No frame may be masked (a client receiving from a server). */
  Forbidden = 2,
}

/** Configuration of a {@link FrameParser}. All fields are plain integers so they cross N-API cheaply. */
export interface ParserOptions {
  /** Largest payload accepted in one frame; 0 means no limit (frames are still capped at 2^32 - 1). */
  maxFrameSize: number;
  /** Largest payload total of one message (all its fragments); 0 means no limit. */
  maxMessageSize: number;
  /** See {@link Masking}. */
  masking: Masking;
  /**
   * RSV bits (0x4 = RSV1, 0x2 = RSV2, 0x1 = RSV3) allowed on the first frame of a data message.
   * permessage-deflate allows RSV1. RSV bits are never allowed on control or continuation frames.
   */
  allowedRsv: number;
  /**
   * Validate text messages as UTF-8 (incrementally, failing at the first bad byte). A message whose first frame
   * has RSV1 set (compressed) is never validated here: its inflated payload must be validated by the caller.
   * Close reasons are always validated.
   */
  validateUtf8: boolean;
}

/**
 * A stateful, incremental frame parser: one per connection.
 *
 * Check order, failing as early as the bytes allow:
 * after the first 2 header bytes: ControlFrameTooLong, ControlFrameFragmented, ReservedBits,
 * DataFrameInFragmentedMessage, UnexpectedContinuation, ReservedOpcode, MaskRequired/MaskUnexpected;
 * after the extended length: Unsupported64BitLength, FrameTooLarge, MessageTooLarge (the running total of the
 * message including this frame's declared length); while reading payload: InvalidUtf8 as soon as an invalid byte is
 * seen, and at the END of a text message's final frame if a sequence is left incomplete; at the END of a close frame:
 * CloseFrameLength, InvalidCloseCode, InvalidCloseReason.
 *
 * Details of the checks (resolved while writing the TypeScript codec; both codecs follow them):
 * - A "data frame" is opcode 1-7 and a control frame opcode 8-15, reserved ones included. So ControlFrameTooLong
 *   (7-bit length field > 125, i.e. 126 and 127 too) and ControlFrameFragmented also hit opcodes 0xB-0xF, and
 *   `allowedRsv` and DataFrameInFragmentedMessage also apply to opcodes 3-7, all before ReservedOpcode.
 * - MessageTooLarge applies to data frames only: a first frame (opcode 1-7) starts the total at its own length, a
 *   continuation adds to it; control frames neither count towards it nor are checked against it (FrameTooLarge
 *   applies to every frame). The fragmented-message state and the total are updated when a header passes its checks.
 * - Non-minimal length encodings (126 with a length under 126, and so on) are accepted.
 * - Valid close codes on a received close frame are those of `websocket` 1.0.35: 1000-1003, 1007-1015 and
 *   3000-4999. Close reasons are validated even when `validateUtf8` is false.
 */
export interface FrameParser {
  /**
   * Parses as much of `chunk` as fits, unmasking payloads in place, and writes descriptors into `out`.
   *
   * Frames are reported as payload pieces: a frame whose payload lies wholly in the chunk gives one descriptor
   * flagged Start|End; one split across chunks gives a Start piece, maybe middle pieces, then an End piece, each
   * covering only the bytes of that chunk. A piece is written only when it holds at least one byte, except for an
   * empty frame, which gives one Start|End descriptor of length 0. Header bytes split across chunks are kept
   * inside the parser. Every piece repeats the frame's flags (opcode, FIN, RSV, Masked) and FrameLength.
   *
   * An error gives a descriptor flagged Error (with the opcode, FIN, RSV and Masked bits of the frame that caused
   * it, Start/End clear), Length 0, and Offset: for a header error, the offset of that frame's first header byte in
   * this chunk (0 if the header began in an earlier chunk); for InvalidUtf8, the offset in this chunk of the first
   * byte of the invalid sequence, or of this piece's first byte if that sequence began in an earlier chunk, or the
   * piece's end offset for a message ending inside a sequence; for a close-frame error, the offset of the close
   * frame's payload piece in this chunk. A close-frame error also fills CloseCode as an End piece would
   * (the code as received, 1005 when the payload is empty or 1 byte long), and
   * its payload piece is not written separately. A piece is unmasked in place before it is validated, so the piece
   * that fails (all of its bytes in this chunk) is unmasked too; bytes after it are left as they came. After an error
   * the parser is dead: later calls write nothing, consume nothing (`out[0] = 0`) and return 0.
   *
   * Returns the number of descriptors written. `out[0]` receives the number of bytes of `chunk` consumed: all of
   * it, unless `out` filled up (capacity `floor((out.length - 1) / DESCRIPTOR_SLOTS)`), in which case the caller
   * passes the unconsumed rest again.
   *
   * Details (resolved while writing the TypeScript codec; both codecs follow them):
   * - Start marks the first piece written for a frame: when a header ends exactly at the end of a chunk, no piece
   *   is written for it there, and the first piece in a later chunk carries Start.
   * - An InvalidUtf8 or close-frame error descriptor takes the place of the piece it was found in: that piece is
   *   not written. "An earlier chunk" in the InvalidUtf8 offset rule means any earlier piece (a sequence opened in
   *   one fragment and broken in the next gives that next piece's first byte even within one chunk); for a message
   *   ending inside a sequence the offset is the replaced piece's Offset + Length (its payload offset when empty).
   * - An error descriptor's FrameLength is 0 for the errors found in the first 2 header bytes and for
   *   Unsupported64BitLength, and the frame's declared length for every later error.
   * - Once `out` is full the parser stops and consumes nothing more, not even header bytes. As each frame gives at
   *   most one piece per call, this only happens between frames, so the unconsumed rest starts with a header.
   *   A capacity of 0 consumes nothing.
   * - On the call that reports an error, `out[0]` is `chunk.length`: the parser is done with the chunk.
   */
  parse(chunk: Uint8Array, out: Uint32Array): number;
}

/** Incremental UTF-8 validation across pieces of one message. */
export interface Utf8Validator {
  /**
   * Validates the next piece. Returns false as soon as the bytes seen so far cannot start valid UTF-8 (the
   * validator then stays failed). With `final`, the message ends here, so an incomplete trailing sequence fails.
   * Starting a new message needs a new validator, or `reset()`.
   */
  push(piece: Uint8Array, final: boolean): boolean;
  /** Forgets all state, ready for a new message. */
  reset(): void;
}

/** One codec: the hot path of receiving and sending. */
export interface Codec {
  readonly kind: CodecKind;
  /** XORs `data` in place with the 4-byte `key`, starting at key byte `phase` (0-3) so split payloads line up. */
  unmask(data: Uint8Array, key: Uint8Array, phase: number): void;
  /** Writes `source` XOR `key` into `output` at `offset` (the source is left unchanged). */
  mask(source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number): void;
  /** Whether `data` is, as a whole, valid UTF-8. */
  isValidUtf8(data: Uint8Array): boolean;
  /** A new incremental validator. */
  createUtf8Validator(): Utf8Validator;
  /** A new frame parser. */
  createParser(options: ParserOptions): FrameParser;
}
