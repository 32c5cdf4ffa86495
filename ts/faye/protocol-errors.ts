/**
 * Protocol violations as the faye-websocket API reports them: websocket-driver 0.8's close codes (1002 protocol
 * error, 1003 an unmasked frame to a server, 1007 invalid UTF-8, 1009 too large) and its messages, which become
 * the `error` event's `message`, the close frame's reason and the `close` event's `reason`.
 */
import { DescriptorFlag, ParseError } from '../codec/types';
import { ErrorCode, parseErrorToWebSocketError, WebSocketError, type ErrorCodeValue } from '../errors';

const PROTOCOL_ERROR = 1002;
const UNACCEPTABLE = 1003;
const ENCODING_ERROR = 1007;
const TOO_LARGE = 1009;

/** websocket-driver's message for a frame, or message, over `maxLength`. */
const TOO_LARGE_MESSAGE = 'WebSocket frame length too large';

/** The error for a violation the parser found, in websocket-driver's words where it has the same facts. */
export function describeFayeParseError(error: ParseError, flags: number, frameLength: number): WebSocketError {
  const opcode = flags & DescriptorFlag.OpcodeMask;
  const fail = (code: ErrorCodeValue, status: number, message: string) => new WebSocketError(code, status, message);
  switch (error) {
    case ParseError.ReservedBits: {
      const bit = (flag: DescriptorFlag) => ((flags & flag) !== 0 ? 1 : 0);
      return fail(
        ErrorCode.UNEXPECTED_RSV,
        PROTOCOL_ERROR,
        `One or more reserved bits are on: reserved1 = ${bit(DescriptorFlag.Rsv1)}, reserved2 = ${bit(DescriptorFlag.Rsv2)}, reserved3 = ${bit(DescriptorFlag.Rsv3)}`,
      );
    }
    case ParseError.ReservedOpcode:
      return fail(ErrorCode.INVALID_OPCODE, PROTOCOL_ERROR, `Unrecognized frame opcode: ${opcode}`);
    case ParseError.ControlFrameFragmented:
      return fail(ErrorCode.CONTROL_FRAME_FRAGMENTED, PROTOCOL_ERROR, `Received fragmented control frame: opcode = ${opcode}`);
    case ParseError.ControlFrameTooLong:
      return fail(ErrorCode.CONTROL_FRAME_TOO_LONG, PROTOCOL_ERROR, 'Received control frame having too long payload');
    case ParseError.DataFrameInFragmentedMessage:
      return fail(
        ErrorCode.DATA_FRAME_IN_FRAGMENTED_MESSAGE,
        PROTOCOL_ERROR,
        'Received new data frame but previous continuous frame is unfinished',
      );
    case ParseError.UnexpectedContinuation:
      return fail(ErrorCode.UNEXPECTED_CONTINUATION, PROTOCOL_ERROR, 'Received unexpected continuation frame');
    case ParseError.MaskRequired:
      return fail(ErrorCode.EXPECTED_MASK, UNACCEPTABLE, 'Received unmasked frame but masking is required');
    case ParseError.MaskUnexpected:
      return fail(ErrorCode.UNEXPECTED_MASK, PROTOCOL_ERROR, 'Received masked frame but masking is forbidden');
    case ParseError.Unsupported64BitLength:
    case ParseError.FrameTooLarge:
      return fail(ErrorCode.FRAME_TOO_LARGE, TOO_LARGE, TOO_LARGE_MESSAGE);
    case ParseError.MessageTooLarge:
      return fail(ErrorCode.MESSAGE_TOO_LARGE, TOO_LARGE, TOO_LARGE_MESSAGE);
    case ParseError.InvalidUtf8:
      return fail(ErrorCode.INVALID_UTF8, ENCODING_ERROR, 'Could not decode a text frame as UTF-8');
    default:
      // The close-frame errors: the receiver reports a bad close frame as a close, not through here.
      return parseErrorToWebSocketError(error, opcode, frameLength, 0);
  }
}

/**
 * The close codes websocket-driver accepts in a received close frame: 1000-1003, 1007-1011 and 3000-4999. A close
 * frame with any other code is answered, and reported, as 1002 (the parser also accepts 1012-1015).
 */
export function isAcceptedCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
}
