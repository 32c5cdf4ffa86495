/**
 * The HTTP pieces of the faye-websocket API's own handshakes: header lines built the way websocket-driver builds
 * them, and a reader for the head of an HTTP response (the server's 101, a proxy's reply to CONNECT).
 */
import { stripCrLf } from '../handshake';

/** Header names that may appear more than once in a head; any other name is kept from its first `set` only. */
const REPEATABLE = new Set(['set-cookie', 'set-cookie2', 'warning', 'www-authenticate']);

/** Spaces around a name or value, which websocket-driver strips. */
const OUTER_SPACES = /^ +| +$/g;

/** The header lines of one request or reply, in the order they were set. */
export class HeaderLines {
  private readonly seen = new Set<string>();
  private lines = '';

  /**
   * Adds `name: value` unless the name (in any case) is already there and may not repeat. An `undefined` value
   * is skipped. CR and LF are removed, so a value cannot add lines of its own.
   */
  set(name: string, value: unknown): void {
    if (value === undefined) return;
    const cleanName = stripCrLf(String(name)).replace(OUTER_SPACES, '');
    const key = cleanName.toLowerCase();
    if (this.seen.has(key) && !REPEATABLE.has(key)) return;
    this.seen.add(key);
    this.lines += `${cleanName}: ${stripCrLf(String(value)).replace(OUTER_SPACES, '')}\r\n`;
  }

  /** Every line added, each ending in CRLF. */
  toString(): string {
    return this.lines;
  }
}

/** The head of an HTTP response: its status code and its headers (names lowercased, repeats joined by `, `). */
export interface ResponseHead {
  statusCode: number;
  headers: Record<string, string>;
}

/** The most bytes a response head may take before the reader gives up. */
const MAX_HEAD_BYTES = 80 * 1024;
const END_OF_HEAD = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/;
const HEADER_LINE = /^([^:\s]+):[ \t]*(.*?)[ \t]*$/;

/** An error in a response head; its message reads `Parse Error: …`. */
export class ResponseHeadError extends Error {
  constructor(what: string) {
    super(`Parse Error: ${what}`);
    this.name = 'ResponseHeadError';
  }
}

/** Collects a response's bytes until its head is complete. */
export class ResponseHeadReader {
  private pending: Buffer = Buffer.alloc(0);

  /**
   * Adds received bytes. Returns null while the head is incomplete; then the head and the bytes that followed it
   * (the start of the WebSocket stream). Throws a {@link ResponseHeadError} for a malformed or oversized head.
   */
  push(chunk: Buffer): { head: ResponseHead; rest: Buffer } | null {
    const searchFrom = Math.max(0, this.pending.length - 3);
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const end = this.pending.indexOf(END_OF_HEAD, searchFrom);
    if (end === -1) {
      if (this.pending.length > MAX_HEAD_BYTES) throw new ResponseHeadError('Header overflow');
      return null;
    }
    const rest = this.pending.subarray(end + END_OF_HEAD.length);
    const [statusLine, ...headerLines] = this.pending.toString('latin1', 0, end).split('\r\n');
    this.pending = Buffer.alloc(0);
    const status = STATUS_LINE.exec(statusLine);
    if (status === null) throw new ResponseHeadError('Invalid response status');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const header = HEADER_LINE.exec(line);
      if (header === null) throw new ResponseHeadError('Invalid header line');
      const name = header[1].toLowerCase();
      // A plain object, as websocket-driver gives, so this one name would set its prototype instead.
      if (name === '__proto__') continue;
      headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${header[2]}` : header[2];
    }
    return { head: { statusCode: Number(status[1]), headers }, rest };
  }
}
