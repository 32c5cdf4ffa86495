/**
 * `WebSocketFrame` (`require('websocket').frame`): the standalone frame of 1.0.35, a plain object that parses one
 * frame incrementally from a buffer list (`addData`) and serialises itself (`toBuffer`).
 *
 * Connections do not parse with it (their receiver drives the codec's batch parser); they build instances from
 * parsed frames for `frame` events, and `sendFrame` serialises one with `toBuffer`.
 */

import { codec } from './codec';
import type { FrameInput } from './buffer-list';
import { Opcode } from './constants';
import { headerLength, randomMaskKey, writeHeader } from './sender';

/** States of {@link WebSocketFrame.parseState}, numbered as in 1.0.35. */
export const enum FrameParseState {
  DecodeHeader = 1,
  WaitingFor16BitLength = 2,
  WaitingFor64BitLength = 3,
  WaitingForMaskKey = 4,
  WaitingForPayload = 5,
  Complete = 6,
}

/** The config keys a frame reads. */
export interface FrameConfig {
  /** Largest payload accepted by `addData`; absent means no limit. */
  maxReceivedFrameSize?: number;
  [key: string]: unknown;
}

/** One WebSocket frame, compatible with 1.0.35's `WebSocketFrame`. */
export class WebSocketFrame {
  /** A 4-byte buffer for the mask key, shared by all frames of a connection. */
  maskBytes: Buffer;
  /** A buffer of at least 10 bytes for header bytes, shared by all frames of a connection. */
  frameHeader: Buffer;
  config: FrameConfig;
  maxReceivedFrameSize: number | undefined;
  protocolError = false;
  frameTooLarge = false;
  invalidCloseFrameLength = false;
  parseState: FrameParseState = FrameParseState.DecodeHeader;
  /** The close status of a close frame; -1 when it has none. */
  closeStatus = -1;
  fin = false;
  rsv1 = false;
  rsv2 = false;
  rsv3 = false;
  mask = false;
  opcode = 0;
  /** The payload length (for a close frame: including the 2 status bytes). */
  length = 0;
  /** The payload (for a close frame: the reason, after the status code). */
  binaryPayload: Buffer | undefined = undefined;
  /** Why parsing failed, when `protocolError` or `frameTooLarge` is set. */
  dropReason: string | undefined = undefined;

  /** Throws a TypeError when `config` is missing, as 1.0.35 does (`{}` means "no size limit"). */
  constructor(maskBytes: Buffer, frameHeader: Buffer, config: FrameConfig) {
    this.maskBytes = maskBytes;
    this.frameHeader = frameHeader;
    this.config = config;
    this.maxReceivedFrameSize = config.maxReceivedFrameSize;
  }

  /**
   * Parses as much of the frame as `input` holds, consuming what it uses. Returns true when the frame is complete
   * or an error flag (`protocolError`, `frameTooLarge`) was set, false when more bytes are needed.
   */
  addData(input: FrameInput): boolean {
    if (this.parseState === FrameParseState.DecodeHeader && input.length >= 2) {
      input.joinInto(this.frameHeader, 0, 0, 2);
      input.advance(2);
      const first = this.frameHeader[0];
      const second = this.frameHeader[1];
      this.fin = (first & 0x80) !== 0;
      this.rsv1 = (first & 0x40) !== 0;
      this.rsv2 = (first & 0x20) !== 0;
      this.rsv3 = (first & 0x10) !== 0;
      this.mask = (second & 0x80) !== 0;
      this.opcode = first & 0x0f;
      this.length = second & 0x7f;
      if (this.opcode >= 0x08) {
        if (this.length > 125) return this.fail('Illegal control frame longer than 125 bytes.');
        if (!this.fin) return this.fail('Control frames must not be fragmented.');
      }
      this.parseState =
        this.length === 126
          ? FrameParseState.WaitingFor16BitLength
          : this.length === 127
            ? FrameParseState.WaitingFor64BitLength
            : FrameParseState.WaitingForMaskKey;
    }
    if (this.parseState === FrameParseState.WaitingFor16BitLength && input.length >= 2) {
      input.joinInto(this.frameHeader, 2, 0, 2);
      input.advance(2);
      this.length = this.frameHeader.readUInt16BE(2);
      this.parseState = FrameParseState.WaitingForMaskKey;
    } else if (this.parseState === FrameParseState.WaitingFor64BitLength && input.length >= 8) {
      input.joinInto(this.frameHeader, 2, 0, 8);
      input.advance(8);
      if (this.frameHeader.readUInt32BE(2) !== 0) return this.fail('Unsupported 64-bit length frame received');
      this.length = this.frameHeader.readUInt32BE(6);
      this.parseState = FrameParseState.WaitingForMaskKey;
    }
    if (this.parseState === FrameParseState.WaitingForMaskKey) {
      if (!this.mask) {
        this.parseState = FrameParseState.WaitingForPayload;
      } else if (input.length >= 4) {
        input.joinInto(this.maskBytes, 0, 0, 4);
        input.advance(4);
        this.parseState = FrameParseState.WaitingForPayload;
      }
    }
    if (this.parseState === FrameParseState.WaitingForPayload) {
      const limit = this.maxReceivedFrameSize;
      if (typeof limit === 'number' && this.length > limit) {
        this.frameTooLarge = true;
        this.dropReason = `Frame size of ${this.length} bytes exceeds maximum accepted frame size`;
        return true;
      }
      if (this.length === 0) {
        this.binaryPayload = Buffer.alloc(0);
        this.parseState = FrameParseState.Complete;
        return true;
      }
      if (input.length >= this.length) {
        const payload = input.take(this.length);
        input.advance(this.length);
        if (this.mask) codec.unmask(payload, this.maskBytes, 0);
        this.binaryPayload = payload;
        if (this.opcode === Opcode.Close) {
          if (this.length === 1) {
            this.binaryPayload = Buffer.alloc(0);
            this.invalidCloseFrameLength = true;
          } else {
            this.closeStatus = payload.readUInt16BE(0);
            this.binaryPayload = payload.subarray(2);
          }
        }
        this.parseState = FrameParseState.Complete;
        return true;
      }
    }
    return false;
  }

  /** Skips this frame's payload once `length` bytes are buffered; returns whether it did. */
  throwAwayPayload(input: FrameInput): boolean {
    if (input.length < this.length) return false;
    input.advance(this.length);
    this.parseState = FrameParseState.Complete;
    return true;
  }

  /**
   * The frame's wire bytes, from `fin`, `rsv1-3`, `mask`, `opcode` and `binaryPayload` (a close frame's payload is
   * `closeStatus` followed by the reason; a `closeStatus` of -1 throws a RangeError). Updates `length`. When
   * masked, the key is 0 with `nullMask`, otherwise random; it is also stored in `maskBytes`.
   */
  toBuffer(nullMask?: boolean): Buffer {
    let data: Buffer | undefined = this.binaryPayload;
    if (this.opcode === Opcode.Close) {
      const reasonLength = this.binaryPayload ? this.binaryPayload.length : 0;
      data = Buffer.allocUnsafe(2 + reasonLength);
      data.writeUInt16BE(this.closeStatus, 0);
      if (this.binaryPayload) this.binaryPayload.copy(data, 2);
    }
    this.length = data ? data.length : 0;
    const firstByte =
      (this.fin ? 0x80 : 0) |
      (this.rsv1 ? 0x40 : 0) |
      (this.rsv2 ? 0x20 : 0) |
      (this.rsv3 ? 0x10 : 0) |
      (this.opcode & 0x0f);
    let maskKey: Buffer | null = null;
    if (this.mask) {
      maskKey = this.maskBytes;
      if (nullMask) maskKey.fill(0, 0, 4);
      else randomMaskKey(maskKey);
    }
    const size = headerLength(this.length, this.mask);
    const output = Buffer.allocUnsafe(size + this.length);
    writeHeader(output, firstByte, this.length, maskKey);
    if (data) {
      if (maskKey) codec.mask(data, maskKey, output, size);
      else data.copy(output, size);
    }
    return output;
  }

  /** `'Opcode: <op>, fin: <fin>, length: <len>, hasPayload: <bool>, masked: <mask>'`. */
  toString(): string {
    return `Opcode: ${this.opcode}, fin: ${this.fin}, length: ${this.length}, hasPayload: ${Boolean(
      this.binaryPayload,
    )}, masked: ${this.mask}`;
  }

  /** Flags a protocol error with `reason`; returns true (the frame is "done"). */
  private fail(reason: string): true {
    this.protocolError = true;
    this.dropReason = reason;
    return true;
  }
}
