/**
 * Subprotocol tokens (RFC 6455 §4.1, `Sec-WebSocket-Protocol`): parsing the client's list and validating a token.
 */

/** The client's requested subprotocols, as a request exposes them. */
export interface RequestedProtocols {
  /** Every token lowercased (`toLocaleLowerCase`), in the client's order; `a,,b` keeps the empty token. */
  requestedProtocols: string[];
  /** Lowercased token → the client's own spelling (the last one wins when two spellings collide). */
  protocolFullCaseMap: Record<string, string>;
}

const LIST_SEPARATOR = /,\s*/;

/** Parses a `Sec-WebSocket-Protocol` header value; an absent or empty header gives an empty list. */
export function parseProtocolHeader(header: string | undefined): RequestedProtocols {
  const requestedProtocols: string[] = [];
  const protocolFullCaseMap: Record<string, string> = {};
  if (header) {
    for (const token of header.split(LIST_SEPARATOR)) {
      const lowercase = token.toLocaleLowerCase();
      requestedProtocols.push(lowercase);
      protocolFullCaseMap[lowercase] = token;
    }
  }
  return { requestedProtocols, protocolFullCaseMap };
}

/** Any character outside RFC 7230's `tchar`: controls, space, DEL, non-ASCII and the separators `()<>@,;:\"/[]?={}`. */
const NON_TOKEN_CHARACTER = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** The first character of `token` that may not appear in a subprotocol name, or `undefined` if it is valid. */
export function findInvalidTokenCharacter(token: string): string | undefined {
  const match = NON_TOKEN_CHARACTER.exec(token);
  return match === null ? undefined : match[0];
}
