/**
 * Errors of the connection layer. Each carries a stable `code` string and the close `status` it causes, and the
 * message `websocket` 1.0.35 used for the same condition where there was one (callers match on those strings).
 */

import { PARSE_ERROR_STATUS, ParseError } from './codec/types';

/** Stable error codes. */
export const ErrorCode = {
  /** A control frame (ping, pong, close) longer than 125 bytes was received. */
  CONTROL_FRAME_TOO_LONG: 'WS_ERR_CONTROL_FRAME_TOO_LONG',
  /** A control frame without FIN was received. */
  CONTROL_FRAME_FRAGMENTED: 'WS_ERR_CONTROL_FRAME_FRAGMENTED',
  /** An RSV bit was set, and no extension was negotiated that allows it. */
  UNEXPECTED_RSV: 'WS_ERR_UNEXPECTED_RSV',
  /** A text or binary frame arrived while a fragmented message was still open. */
  DATA_FRAME_IN_FRAGMENTED_MESSAGE: 'WS_ERR_DATA_FRAME_IN_FRAGMENTED_MESSAGE',
  /** A continuation frame arrived with no fragmented message open. */
  UNEXPECTED_CONTINUATION: 'WS_ERR_UNEXPECTED_CONTINUATION',
  /** A reserved opcode (3-7, 0xB-0xF). */
  INVALID_OPCODE: 'WS_ERR_INVALID_OPCODE',
  /** A server received an unmasked frame. */
  EXPECTED_MASK: 'WS_ERR_EXPECTED_MASK',
  /** A client received a masked frame. */
  UNEXPECTED_MASK: 'WS_ERR_UNEXPECTED_MASK',
  /** A 64-bit payload length of 2^32 or more. */
  UNSUPPORTED_PAYLOAD_LENGTH: 'WS_ERR_UNSUPPORTED_PAYLOAD_LENGTH',
  /** A frame longer than `maxReceivedFrameSize`. */
  FRAME_TOO_LARGE: 'WS_ERR_FRAME_TOO_LARGE',
  /** A message longer than `maxReceivedMessageSize`. */
  MESSAGE_TOO_LARGE: 'WS_ERR_MESSAGE_TOO_LARGE',
  /** Invalid UTF-8 in a text message or a close reason. */
  INVALID_UTF8: 'WS_ERR_INVALID_UTF8',
  /** A close frame with a 1-byte payload. */
  INVALID_CLOSE_FRAME_LENGTH: 'WS_ERR_INVALID_CLOSE_FRAME_LENGTH',
  /** A received close frame carried a code that may not be sent on the wire. */
  RECEIVED_INVALID_CLOSE_CODE: 'WS_ERR_RECEIVED_INVALID_CLOSE_CODE',
  /** `close()` was called with a code that may not be sent. */
  INVALID_CLOSE_CODE: 'WS_ERR_INVALID_CLOSE_CODE',
  /** A ping or pong payload over 125 bytes was passed to `ping()` or `pong()`. */
  CONTROL_PAYLOAD_TOO_LONG: 'WS_ERR_CONTROL_PAYLOAD_TOO_LONG',
  /** A method was given an argument of the wrong type. */
  INVALID_ARGUMENT: 'WS_ERR_INVALID_ARGUMENT',
  /** The connection's config is unusable (keepalive settings). */
  INVALID_CONFIG: 'WS_ERR_INVALID_CONFIG',
  /**
   * A send after the connection began closing. The code is the one Node gives a write after `end()`, which is
   * what 1.0.35 callers saw in their send callbacks.
   */
  SEND_AFTER_CLOSE: 'ERR_STREAM_WRITE_AFTER_END',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error of the connection layer. */
export class WebSocketError extends Error {
  /** Stable identifier of the condition. */
  readonly code: ErrorCodeValue;
  /** The close status this error causes on the connection, or 0 when it closes nothing (a failed call). */
  readonly status: number;

  constructor(code: ErrorCodeValue, status: number, message: string) {
    super(message);
    this.name = 'WebSocketError';
    this.code = code;
    this.status = status;
  }
}

/** The description 1.0.35 used for an invalid UTF-8 drop (text messages and close reasons alike). */
const INVALID_UTF8_DESCRIPTION = 'Invalid UTF-8 Data Received';

/**
 * The error for a {@link ParseError} reported by the codec's parser. The message is the drop description
 * 1.0.35 used for the same condition (the masking and close-frame conditions, which 1.0.35 never checked, get
 * descriptions of their own). `opcode`, `frameLength` and `closeCode` are the error descriptor's slots.
 */
export function parseErrorToWebSocketError(
  error: ParseError,
  opcode: number,
  frameLength: number,
  closeCode: number,
): WebSocketError {
  const status = PARSE_ERROR_STATUS[error];
  switch (error) {
    case ParseError.ControlFrameTooLong:
      return new WebSocketError(ErrorCode.CONTROL_FRAME_TOO_LONG, status, 'Illegal control frame longer than 125 bytes.');
    case ParseError.ControlFrameFragmented:
      return new WebSocketError(ErrorCode.CONTROL_FRAME_FRAGMENTED, status, 'Control frames must not be fragmented.');
    case ParseError.ReservedBits:
      return new WebSocketError(
        ErrorCode.UNEXPECTED_RSV,
        status,
        'Unsupported usage of rsv bits without negotiated extension.',
      );
    case ParseError.DataFrameInFragmentedMessage:
      return new WebSocketError(
        ErrorCode.DATA_FRAME_IN_FRAGMENTED_MESSAGE,
        status,
        `Illegal frame opcode 0x${opcode.toString(16)} received in middle of fragmented message.`,
      );
    case ParseError.UnexpectedContinuation:
      return new WebSocketError(ErrorCode.UNEXPECTED_CONTINUATION, status, 'Unexpected Continuation Frame');
    case ParseError.ReservedOpcode:
      return new WebSocketError(ErrorCode.INVALID_OPCODE, status, `Unrecognized Opcode: 0x${opcode.toString(16)}`);
    case ParseError.MaskRequired:
      return new WebSocketError(ErrorCode.EXPECTED_MASK, status, 'Received an unmasked frame; client frames must be masked.');
    case ParseError.MaskUnexpected:
      return new WebSocketError(ErrorCode.UNEXPECTED_MASK, status, 'Received a masked frame; server frames must not be masked.');
    case ParseError.Unsupported64BitLength:
      return new WebSocketError(ErrorCode.UNSUPPORTED_PAYLOAD_LENGTH, status, 'Unsupported 64-bit length frame received');
    case ParseError.FrameTooLarge:
      return new WebSocketError(
        ErrorCode.FRAME_TOO_LARGE,
        status,
        `Frame size of ${frameLength} bytes exceeds maximum accepted frame size`,
      );
    case ParseError.MessageTooLarge:
      return new WebSocketError(ErrorCode.MESSAGE_TOO_LARGE, status, 'Maximum message size exceeded.');
    case ParseError.InvalidUtf8:
    case ParseError.InvalidCloseReason:
      return new WebSocketError(ErrorCode.INVALID_UTF8, status, INVALID_UTF8_DESCRIPTION);
    case ParseError.CloseFrameLength:
      return new WebSocketError(ErrorCode.INVALID_CLOSE_FRAME_LENGTH, status, 'Invalid close frame: a payload of 1 byte.');
    case ParseError.InvalidCloseCode:
      return new WebSocketError(ErrorCode.RECEIVED_INVALID_CLOSE_CODE, status, `Invalid close code received: ${closeCode}`);
  }
}

/** The error of a close reason that is not valid UTF-8 (checked by the receiver when the parser reported another problem first). */
export function invalidCloseReasonError(): WebSocketError {
  return new WebSocketError(ErrorCode.INVALID_UTF8, PARSE_ERROR_STATUS[ParseError.InvalidCloseReason], INVALID_UTF8_DESCRIPTION);
}

/** The error a send gets once the connection has begun closing. */
export function sendAfterCloseError(): WebSocketError {
  return new WebSocketError(
    ErrorCode.SEND_AFTER_CLOSE,
    0,
    'Cannot send: the connection is closing or closed (write after end)',
  );
}
