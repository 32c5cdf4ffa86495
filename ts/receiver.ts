/**
 * The receiving half of a connection: drives the codec's batch parser over the socket's chunks, assembles payload
 * pieces into messages (or frames, when fragments are not assembled), and reports them to a {@link ReceiverSink}.
 *
 * Each chunk is parsed with one `parse` call (more only when the descriptor array fills up) and its descriptors
 * are walked in order from one `process.nextTick`, so every event is asynchronous relative to the socket's
 * `'data'` event. A message that lies in one piece is handed out as a zero-copy view of the chunk (which the
 * parser has unmasked in place); only a message in several pieces is concatenated. While paused, the walk stops
 * between descriptors and keeps the rest (descriptors and unparsed bytes) for `resume()`. After `stop()`, or once
 * a close frame or a parse error has been reported, nothing more is read.
 */

import { codec } from './codec';
import { DESCRIPTOR_SLOTS, DescriptorFlag, Masking, ParseError, Slot, type FrameParser } from './codec/types';
import { Opcode } from './constants';
import { invalidCloseReasonError, parseErrorToWebSocketError, ErrorCode, WebSocketError } from './errors';
import { FrameParseState, WebSocketFrame, type FrameConfig } from './frame';

/**
 * Where a receiver reports what it read (the connection itself, so that a connection costs no closures).
 */
export interface ReceiverSink {
  /** A complete text or binary message (assembled mode only). */
  _receivedMessage(opcode: Opcode.Text | Opcode.Binary, payload: Buffer): void;
  _receivedPing(payload: Buffer): void;
  _receivedPong(payload: Buffer): void;
  /**
   * A close frame: its code (1005 when it had none), its reason bytes, and the problem with it, if any
   * (a 1-byte payload, a code not allowed on the wire, a reason that is not UTF-8). Nothing is read after it.
   */
  _receivedClose(code: number, reason: Buffer, error: WebSocketError | null): void;
  /** A protocol violation; nothing is read after it. */
  _receivedError(error: WebSocketError): void;
}

/**
 * The sink of a receiver that does not assemble fragments: it also gets every frame, and lends the shared buffers
 * the {@link WebSocketFrame}s are built with.
 */
export interface FrameSink extends ReceiverSink {
  /** A complete frame of any kind, before its control handling. */
  _receivedFrame(frame: WebSocketFrame): void;
  /** The 4-byte and 10-byte buffers shared by the frames of `_receivedFrame`. */
  readonly maskBytes: Buffer;
  readonly frameHeader: Buffer;
}

/**
 * The error a protocol violation found by the parser is reported as: its {@link ParseError}, the flags of the
 * frame that caused it (opcode and FIN, RSV and MASK bits) and the frame's declared length (0 when the violation
 * lies in its first 2 header bytes).
 */
export type ParseErrorDescriber = (error: ParseError, flags: number, frameLength: number) => WebSocketError;

/** The errors of the `websocket` API: 1.0.35's descriptions and close statuses. */
function describeParseError(error: ParseError, flags: number, frameLength: number): WebSocketError {
  return parseErrorToWebSocketError(error, flags & DescriptorFlag.OpcodeMask, frameLength, 0);
}

/** What a receiver needs from the connection's config, plus its role. */
export interface ReceiverOptions {
  config: FrameConfig & {
    maxReceivedFrameSize?: number;
    maxReceivedMessageSize?: number;
    assembleFragments?: boolean;
  };
  /** `Required` on the server side, `Forbidden` on the client side. */
  masking: Masking;
  /** How parse errors (other than a bad close frame's) are reported; the `websocket` API's by default. */
  describeError?: ParseErrorDescriber;
}

/** Descriptors one `parse` call may write. */
const DESCRIPTOR_CAPACITY = 128;

/**
 * The descriptor array every receiver parses into. A walk over it always finishes within one `deliver()` (nothing
 * parses in between), so one array serves all connections; a receiver that pauses mid-walk keeps a copy of the
 * descriptors it has left.
 */
const sharedDescriptors = new Uint32Array(1 + DESCRIPTOR_CAPACITY * DESCRIPTOR_SLOTS);

/** The parser's form of a size limit: 0 ("none") for anything it cannot or need not enforce itself. */
function parserLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !(limit >= 1) || limit >= 0xffffffff) return 0;
  return Math.floor(limit);
}

/** A limit below 1 (which 1.0.35 applies as "longer than this" and the parser cannot express), or null. */
function smallLimit(limit: unknown): number | null {
  return typeof limit === 'number' && limit < 1 ? limit : null;
}

/** `pieces` as one buffer: the piece itself when there is one, a concatenation otherwise. */
function join(pieces: Buffer[], total: number): Buffer {
  if (pieces.length === 1) return pieces[0];
  if (pieces.length === 0) return Buffer.alloc(0);
  return Buffer.concat(pieces, total);
}

/** The nextTick callback of {@link Receiver}: one function for all receivers, rather than a closure each. */
function deliverLater(receiver: Receiver): void {
  receiver.deliver();
}

/** Reads one connection's incoming bytes. */
export class Receiver {
  private readonly sink: ReceiverSink;
  private readonly describeError: ParseErrorDescriber;
  private readonly parser: FrameParser;
  private readonly assemble: boolean;
  private readonly smallFrameLimit: number | null;
  private readonly smallMessageLimit: number | null;
  private readonly frameConfig: FrameConfig;
  /** The descriptors being walked: the shared array, or this receiver's copy of the rest after a pause. */
  private out: Uint32Array = sharedDescriptors;

  /** False once stopped: nothing more is parsed or reported. */
  private reading = true;
  private paused = false;
  /** Set once the local side sent its close: data, pings and pongs are parsed but no longer reported. */
  private closingMode = false;
  private scheduled = false;

  /** Chunks received and not yet parsed. */
  private readonly queue: Buffer[] = [];
  /** The chunk being parsed, and how many of its bytes the parser has consumed. */
  private chunk: Buffer | null = null;
  private chunkConsumed = 0;
  /** The bytes given to the last `parse` call (descriptor offsets point into it). */
  private view: Buffer | null = null;
  /** Descriptors of the last `parse` call, and the next one to walk. */
  private count = 0;
  private next = 0;

  /** Pieces of the data message being assembled (assembled mode) or of the frame being read (frame mode). */
  private readonly dataPieces: Buffer[] = [];
  private dataLength = 0;
  private messageOpcode: Opcode.Text | Opcode.Binary = Opcode.Text;
  /** Pieces of the control frame being read (assembled mode). */
  private readonly controlPieces: Buffer[] = [];
  private controlLength = 0;

  /** `sink` must be a {@link FrameSink} when `config.assembleFragments` is false. */
  constructor(sink: ReceiverSink | FrameSink, options: ReceiverOptions) {
    const { config } = options;
    this.sink = sink;
    this.describeError = options.describeError ?? describeParseError;
    this.assemble = Boolean(config.assembleFragments);
    this.frameConfig = config;
    this.smallFrameLimit = smallLimit(config.maxReceivedFrameSize);
    this.smallMessageLimit = this.assemble ? smallLimit(config.maxReceivedMessageSize) : null;
    this.parser = codec.createParser({
      maxFrameSize: parserLimit(config.maxReceivedFrameSize),
      maxMessageSize: this.assemble ? parserLimit(config.maxReceivedMessageSize) : 0,
      masking: options.masking,
      allowedRsv: 0,
      validateUtf8: this.assemble,
    });
  }

  /** Queues a received chunk; its events follow on a later tick. */
  push(chunk: Buffer): void {
    if (!this.reading || chunk.length === 0) return;
    this.queue.push(chunk);
    this.schedule();
  }

  /** Stops delivery after the current descriptor, keeping the rest for {@link resume}. */
  pause(): void {
    this.paused = true;
  }

  /** Resumes delivery (on the next tick). */
  resume(): void {
    this.paused = false;
    this.schedule();
  }

  /**
   * The local side has sent its close frame: from now on only the peer's close frame and protocol errors are
   * reported, and pausing no longer holds them back.
   */
  closing(): void {
    this.closingMode = true;
    // In assembled mode these are a data message's pieces, never reported now; in frame mode they may belong to
    // a close frame that is still arriving, so they stay.
    if (this.assemble) {
      this.dataPieces.length = 0;
      this.dataLength = 0;
    }
    this.schedule();
  }

  /** Stops reading for good and lets go of every buffered byte. */
  stop(): void {
    this.reading = false;
    this.queue.length = 0;
    this.chunk = null;
    this.view = null;
    this.count = 0;
    this.dataPieces.length = 0;
    this.controlPieces.length = 0;
  }

  private schedule(): void {
    if (this.scheduled || !this.reading) return;
    this.scheduled = true;
    process.nextTick(deliverLater, this);
  }

  /** Walks descriptors, parsing more input as needed, until input runs out, or delivery pauses or stops. */
  deliver(): void {
    this.scheduled = false;
    while (this.reading && (!this.paused || this.closingMode)) {
      if (this.next < this.count) this.handle(1 + this.next++ * DESCRIPTOR_SLOTS);
      else if (!this.parseMore()) break;
    }
    if (this.reading && this.next < this.count && this.out === sharedDescriptors) {
      this.out = sharedDescriptors.slice(0, 1 + this.count * DESCRIPTOR_SLOTS);
    }
  }

  /** Parses the rest of the current chunk, or the next queued one. Returns false when there is no input. */
  private parseMore(): boolean {
    let view: Buffer;
    if (this.chunk !== null && this.chunkConsumed < this.chunk.length) {
      view = this.chunk.subarray(this.chunkConsumed);
    } else {
      const next = this.queue.shift();
      this.chunk = next ?? null;
      this.chunkConsumed = 0;
      if (next === undefined) return false;
      view = next;
    }
    this.view = view;
    this.out = sharedDescriptors;
    this.count = this.parser.parse(view, this.out);
    this.next = 0;
    this.chunkConsumed += this.out[0];
    return true;
  }

  /** Handles the descriptor at `out[at]`. */
  private handle(at: number): void {
    const out = this.out;
    const flags = out[at + Slot.Flags];
    if (flags & DescriptorFlag.Error) {
      this.handleError(at, flags);
      return;
    }
    const opcode = flags & DescriptorFlag.OpcodeMask;
    const frameLength = out[at + Slot.FrameLength];
    if (flags & DescriptorFlag.Start && this.exceedsSmallLimit(flags, frameLength)) return;
    const length = out[at + Slot.Length];
    const end = (flags & DescriptorFlag.End) !== 0;

    if (!this.assemble) {
      if (length > 0) this.addDataPiece(this.piece(at, length));
      if (!end) return;
      const payload = join(this.dataPieces, this.dataLength);
      this.dataPieces.length = 0;
      this.dataLength = 0;
      this.frameDone(flags, frameLength, payload, out[at + Slot.CloseCode]);
      return;
    }

    if (opcode >= 0x8) {
      if (length > 0) this.addControlPiece(this.piece(at, length));
      if (!end) return;
      const payload = join(this.controlPieces, this.controlLength);
      this.controlPieces.length = 0;
      this.controlLength = 0;
      this.control(opcode, payload, out[at + Slot.CloseCode]);
      return;
    }

    if (this.closingMode) return;
    if (flags & DescriptorFlag.Start && opcode !== Opcode.Continuation) {
      this.messageOpcode = opcode as Opcode.Text | Opcode.Binary;
    }
    if (length > 0) this.addDataPiece(this.piece(at, length));
    if (!end || !(flags & DescriptorFlag.Fin)) return;
    const payload = join(this.dataPieces, this.dataLength);
    this.dataPieces.length = 0;
    this.dataLength = 0;
    this.sink._receivedMessage(this.messageOpcode, payload);
  }

  /** The `length` payload bytes of the descriptor at `out[at]`: a view of the chunk, unmasked in place. */
  private piece(at: number, length: number): Buffer {
    const offset = this.out[at + Slot.Offset];
    return (this.view as Buffer).subarray(offset, offset + length);
  }

  private addDataPiece(piece: Buffer): void {
    this.dataPieces.push(piece);
    this.dataLength += piece.length;
  }

  private addControlPiece(piece: Buffer): void {
    this.controlPieces.push(piece);
    this.controlLength += piece.length;
  }

  /** A complete frame in frame mode: the `frame` report, then the control handling every mode shares. */
  private frameDone(flags: number, frameLength: number, payload: Buffer, closeCode: number): void {
    const opcode = flags & DescriptorFlag.OpcodeMask;
    if (!this.closingMode) {
      (this.sink as FrameSink)._receivedFrame(this.buildFrame(flags, frameLength, payload));
      if (!this.reading) return;
    }
    if (opcode >= 0x8) this.control(opcode, payload, closeCode);
  }

  /** Reports a complete control frame; a close frame ends reading. */
  private control(opcode: number, payload: Buffer, closeCode: number): void {
    if (opcode === Opcode.Close) {
      this.stop();
      this.sink._receivedClose(closeCode, payload.length >= 2 ? payload.subarray(2) : Buffer.alloc(0), null);
    } else if (this.closingMode) {
      return;
    } else if (opcode === Opcode.Ping) {
      this.sink._receivedPing(payload);
    } else {
      this.sink._receivedPong(payload);
    }
  }

  /** Handles an error descriptor: a problem with a close frame is reported as that close, anything else as an error. */
  private handleError(at: number, flags: number): void {
    const out = this.out;
    const error = out[at + Slot.Error] as ParseError;
    const opcode = flags & DescriptorFlag.OpcodeMask;
    const frameLength = out[at + Slot.FrameLength];
    const closeCode = out[at + Slot.CloseCode];
    if (error !== ParseError.CloseFrameLength && error !== ParseError.InvalidCloseCode && error !== ParseError.InvalidCloseReason) {
      this.stop();
      this.sink._receivedError(this.describeError(error, flags, frameLength));
      return;
    }
    // The close frame's last piece was not reported on its own: it starts at Offset and holds the rest.
    const pieces = this.assemble ? this.controlPieces : this.dataPieces;
    const have = this.assemble ? this.controlLength : this.dataLength;
    const offset = out[at + Slot.Offset];
    if (frameLength > have) pieces.push((this.view as Buffer).subarray(offset, offset + frameLength - have));
    const payload = join(pieces, frameLength);
    if (!this.assemble && !this.closingMode) {
      (this.sink as FrameSink)._receivedFrame(this.buildFrame(flags, frameLength, payload));
      if (!this.reading) return;
    }
    this.stop();
    const reason = payload.length >= 2 ? payload.subarray(2) : Buffer.alloc(0);
    let problem = parseErrorToWebSocketError(error, opcode, frameLength, closeCode);
    // The parser checks the code before the reason, so a bad code hides a bad reason: check it here.
    if (problem.code === ErrorCode.RECEIVED_INVALID_CLOSE_CODE && reason.length > 0 && !codec.isValidUtf8(reason)) {
      problem = invalidCloseReasonError();
    }
    this.sink._receivedClose(closeCode, reason, problem);
  }

  /**
   * Applies a size limit below 1, which the parser cannot express, on a frame's first piece (1.0.35 rejects
   * every frame, or message, longer than the limit). Reports the error and returns true when it is exceeded.
   */
  private exceedsSmallLimit(flags: number, frameLength: number): boolean {
    const opcode = flags & DescriptorFlag.OpcodeMask;
    let error: ParseError | 0 = 0;
    if (this.smallFrameLimit !== null && frameLength > this.smallFrameLimit) error = ParseError.FrameTooLarge;
    else if (this.smallMessageLimit !== null && opcode < 0x8 && frameLength > this.smallMessageLimit) {
      error = ParseError.MessageTooLarge;
    }
    if (error === 0) return false;
    this.stop();
    this.sink._receivedError(this.describeError(error, flags, frameLength));
    return true;
  }

  /** A {@link WebSocketFrame} for a `frame` event, with the fields 1.0.35's parser would have set. */
  private buildFrame(flags: number, frameLength: number, payload: Buffer): WebSocketFrame {
    const sink = this.sink as FrameSink;
    const frame = new WebSocketFrame(sink.maskBytes, sink.frameHeader, this.frameConfig);
    frame.fin = (flags & DescriptorFlag.Fin) !== 0;
    frame.rsv1 = (flags & DescriptorFlag.Rsv1) !== 0;
    frame.rsv2 = (flags & DescriptorFlag.Rsv2) !== 0;
    frame.rsv3 = (flags & DescriptorFlag.Rsv3) !== 0;
    frame.mask = (flags & DescriptorFlag.Masked) !== 0;
    frame.opcode = flags & DescriptorFlag.OpcodeMask;
    frame.length = frameLength;
    frame.parseState = FrameParseState.Complete;
    frame.binaryPayload = payload;
    if (frame.opcode === Opcode.Close && frameLength === 1) {
      frame.invalidCloseFrameLength = true;
      frame.binaryPayload = Buffer.alloc(0);
    } else if (frame.opcode === Opcode.Close && frameLength >= 2) {
      frame.closeStatus = payload.readUInt16BE(0);
      frame.binaryPayload = payload.subarray(2);
    }
    return frame;
  }
}
