/**
 * The HTTP side of the opening handshake (RFC 6455 §4): the accept-key hash, validation of the headers a client
 * must send, and the reply builders. Everything here is pure string work so the server and the client share it.
 */
import * as crypto from 'crypto';
import { STATUS_CODES, type IncomingHttpHeaders } from 'http';

/** The GUID of RFC 6455 §1.3, appended to the client's key before hashing. */
export const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The protocol versions a server accepts: 13 (RFC 6455) and 8 (hybi-08, which differs only in the origin header). */
export const SUPPORTED_VERSIONS: readonly number[] = [8, 13];

/** Stable codes of {@link HandshakeError}. */
export type HandshakeErrorCode =
  | 'WS_ERR_MISSING_HOST'
  | 'WS_ERR_MISSING_KEY'
  | 'WS_ERR_MISSING_VERSION'
  | 'WS_ERR_UNSUPPORTED_VERSION'
  | 'WS_ERR_INVALID_SUBPROTOCOL'
  | 'WS_ERR_UNREQUESTED_SUBPROTOCOL'
  | 'WS_ERR_INVALID_COOKIE'
  | 'WS_ERR_REQUEST_ALREADY_RESOLVED';

/**
 * A failed handshake. `status` is the HTTP status the failure causes (400, 426 or 500), or 0 when no reply is
 * sent because of it (a second accept or reject). The message is the exact text `websocket` 1.0.35 uses.
 *
 * Only the 426 error carries `httpCode` and `headers`, as in 1.0.35, where the server reads `e.httpCode || 400`.
 */
export class HandshakeError extends Error {
  /** A stable identifier of the failure. */
  readonly code: HandshakeErrorCode;
  /** The HTTP status this failure replies with, or 0 if it sends none. */
  readonly status: number;
  /** Set only when the status is not the default 400 of a malformed request (the 426 reply). */
  httpCode?: number;
  /** Extra reply headers the rejection must carry (the 426 reply's `Sec-WebSocket-Version`). */
  headers?: Record<string, string>;

  constructor(code: HandshakeErrorCode, message: string, status: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** The three values every client handshake must carry. */
export interface RequiredHandshakeHeaders {
  /** The raw Host header, port included. */
  host: string;
  /** The raw Sec-WebSocket-Key (its form is not checked, as in 1.0.35). */
  key: string;
  /** 8 or 13. */
  webSocketVersion: number;
}

/**
 * Validates the headers every handshake must carry, in the order 1.0.35 checks them: Host, Sec-WebSocket-Key,
 * Sec-WebSocket-Version (a non-zero integer), then the version itself (8 or 13, else a 426 error telling the client
 * to use 13). The method, the HTTP version and the Upgrade/Connection values are not checked: Node has already
 * decided that this is an upgrade.
 */
export function validateRequestHeaders(headers: IncomingHttpHeaders): RequiredHandshakeHeaders {
  const host = headers.host;
  if (!host) {
    throw new HandshakeError('WS_ERR_MISSING_HOST', 'Client must provide a Host header.', 400);
  }
  const key = headers['sec-websocket-key'];
  if (!key) {
    throw new HandshakeError('WS_ERR_MISSING_KEY', 'Client must provide a value for Sec-WebSocket-Key.', 400);
  }
  const webSocketVersion = parseInt(headers['sec-websocket-version'] as string, 10);
  if (!webSocketVersion) {
    throw new HandshakeError(
      'WS_ERR_MISSING_VERSION',
      'Client must provide a value for Sec-WebSocket-Version.',
      400,
    );
  }
  if (!SUPPORTED_VERSIONS.includes(webSocketVersion)) {
    // No space before "Only": the exact 1.0.35 text, which clients may match on.
    const error = new HandshakeError(
      'WS_ERR_UNSUPPORTED_VERSION',
      `Unsupported websocket client version: ${webSocketVersion}Only versions 8 and 13 are supported.`,
      426,
    );
    error.httpCode = 426;
    error.headers = { 'Sec-WebSocket-Version': '13' };
    throw error;
  }
  return { host, key, webSocketVersion };
}

/** The Sec-WebSocket-Accept value for a client key: base64(SHA-1(key + GUID)). */
export function computeAcceptKey(key: string): string {
  return sha1Base64(key + HANDSHAKE_GUID);
}

/** SHA-1 as base64: the one-shot `crypto.hash` where Node has it (20.12+), which skips the Hash object. */
const sha1Base64: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha1', text, 'base64')
    : (text) => crypto.createHash('sha1').update(text).digest('base64');

const CR_LF = /[\r\n]/g;

/** Removes every CR and LF, so a value cannot end its header line early (1.0.35 strips rather than rejects). */
export function stripCrLf(value: string): string {
  return value.replace(CR_LF, '');
}

/**
 * The status texts `websocket` 1.0.35 puts on its reject lines. Several differ from Node's own table
 * (407, 413), so this one wins; a code it lacks falls back to Node's table (see {@link statusText}).
 */
const STATUS_TEXT: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  407: 'Proxy Authorization Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Request Entity Too Long',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  417: 'Expectation Failed',
  426: 'Upgrade Required',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

/**
 * The reason phrase of a reject line. 1.0.35's table first; then Node's (1.0.35 printed `undefined` for 202,
 * 405 and every other code it lacked); then an empty phrase, which HTTP/1.1 allows.
 */
export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? STATUS_CODES[status] ?? '';
}

const ACCEPT_REPLY_HEAD = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ';

/** What a 101 reply carries beyond the fixed lines. */
export interface AcceptReplyOptions {
  /** The client's key; the reply carries its hash. */
  key: string;
  /** The accepted subprotocol in the client's spelling, already validated, or nothing. */
  protocol?: string;
  /** The origin to echo, or nothing. */
  origin?: string;
  /** 13 echoes the origin as `Origin`, 8 as `Sec-WebSocket-Origin`. */
  webSocketVersion: number;
  /** Complete `Set-Cookie` values (see ts/cookies.ts), in order. */
  setCookies: readonly string[];
}

/**
 * The whole 101 reply as one string, in 1.0.35's header order: the fixed lines, Sec-WebSocket-Accept, then the
 * optional Sec-WebSocket-Protocol, origin and Set-Cookie lines. Never a Sec-WebSocket-Extensions line: no
 * extension is negotiated. CR/LF are stripped from the protocol and origin.
 */
export function buildAcceptReply(options: AcceptReplyOptions): string {
  let reply = ACCEPT_REPLY_HEAD + computeAcceptKey(options.key) + '\r\n';
  if (options.protocol) {
    reply += 'Sec-WebSocket-Protocol: ' + stripCrLf(options.protocol) + '\r\n';
  }
  if (options.origin) {
    const name = options.webSocketVersion === 8 ? 'Sec-WebSocket-Origin: ' : 'Origin: ';
    reply += name + stripCrLf(options.origin) + '\r\n';
  }
  for (const cookie of options.setCookies) {
    reply += 'Set-Cookie: ' + cookie + '\r\n';
  }
  return reply + '\r\n';
}

/**
 * A rejection reply: the status line, `Connection: close`, the optional `X-WebSocket-Reject-Reason`, then every
 * enumerable key of `extraHeaders` (own and inherited, as a `for…in` sees them) as `key: String(value)`, CR/LF
 * stripped from all of them. No body and no Content-Length: the socket is ended after it.
 */
export function buildRejectReply(status: number, reason?: string, extraHeaders?: object | null): string {
  let reply = `HTTP/1.1 ${status} ${statusText(status)}\r\nConnection: close\r\n`;
  if (reason) {
    reply += 'X-WebSocket-Reject-Reason: ' + stripCrLf(reason) + '\r\n';
  }
  if (extraHeaders) {
    for (const name in extraHeaders) {
      const value = String((extraHeaders as Record<string, unknown>)[name]);
      reply += stripCrLf(name) + ': ' + stripCrLf(value) + '\r\n';
    }
  }
  return reply + '\r\n';
}
