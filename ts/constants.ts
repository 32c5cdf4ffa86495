/**
 * Protocol constants shared by the connection, its receiver and sender: close codes with the descriptions
 * `websocket` 1.0.35 reports for them, the close-code validity rule, and the opcodes of RFC 6455 §5.2.
 */

/** Close status codes, under the names 1.0.35 exposes as `WebSocketConnection.CLOSE_REASON_*`. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNPROCESSABLE_INPUT: 1003,
  /** Reserved by RFC 6455; never valid on the wire. */
  RESERVED: 1004,
  /** "No status received": reported for a close frame without a code; never valid on the wire. */
  NOT_PROVIDED: 1005,
  /** "Abnormal closure": reported when the connection ends without a close frame; never valid on the wire. */
  ABNORMAL: 1006,
  INVALID_DATA: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  EXTENSION_REQUIRED: 1010,
  INTERNAL_SERVER_ERROR: 1011,
  TLS_HANDSHAKE_FAILED: 1015,
} as const;

/**
 * The descriptions reported for close codes, exactly as 1.0.35 has them. Codes without an entry (1012-1014,
 * 3000-4999, ...) have no description: looking them up gives `undefined`. A plain mutable object, as in 1.0.35.
 */
export const CLOSE_DESCRIPTIONS: Readonly<Record<number, string | undefined>> = {
  1000: 'Normal connection closure',
  1001: 'Remote peer is going away',
  1002: 'Protocol error',
  1003: 'Unprocessable input',
  1004: 'Reserved',
  1005: 'Reason not provided',
  1006: 'Abnormal closure, no further detail available',
  1007: 'Invalid data received',
  1008: 'Policy violation',
  1009: 'Message too big',
  1010: 'Extension requested by client is required',
  1011: 'Internal Server Error',
  1015: 'TLS Handshake Failed',
};

/** Codes below 3000 that may be sent in a close frame (1.0.35's list, which includes 1015). */
const VALID_PROTOCOL_CODES: ReadonlySet<number> = new Set([
  1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015,
]);

/**
 * Whether `code` may be passed to `close()` (the rule of 1.0.35): the codes above, and 3000-3999 and 4000-4999.
 * The two upper ranges are tested separately, as 1.0.35 does, so a non-integer such as 3000.5 passes while 3999.5
 * does not.
 */
export function isValidCloseCode(code: number): boolean {
  if (code >= 1000 && code <= 2999) return VALID_PROTOCOL_CODES.has(code);
  return (code >= 3000 && code <= 3999) || (code >= 4000 && code <= 4999);
}

/** Frame opcodes (RFC 6455 §5.2). */
export const enum Opcode {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xa,
}

/** The largest payload of a control frame (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;
