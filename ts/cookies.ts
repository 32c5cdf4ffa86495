/**
 * Cookies on the handshake: parsing the client's `Cookie` header, and building validated `Set-Cookie` values for
 * the 101 reply with the rules and messages of `websocket` 1.0.35.
 */
import { HandshakeError } from './handshake';

/** A cookie the client sent. `value` is `null` for a piece without `=`. */
export interface RequestCookie {
  name: string;
  value: string | null;
}

/** A cookie to set in the 101 reply (`request.accept(protocol, origin, cookies)`). */
export interface Cookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  expires?: Date;
  /** Seconds; a string is read with `parseInt`. `0` is skipped, like every falsy attribute. */
  maxage?: number | string;
  secure?: boolean;
  httponly?: boolean;
}

const COOKIE_SEPARATOR = /[;,] */;

/**
 * Parses a `Cookie` header: pieces split on `;` or `,` (and the spaces after), a piece without `=` giving
 * `{name: piece, value: null}`, otherwise a trimmed name and value, the value's first and last characters dropped
 * when it starts with `"`, then URI-decoded. A malformed `%` escape throws `URIError('URI malformed')`, which the
 * server answers with 400. A non-string or empty header gives `[]`.
 */
export function parseCookies(header: unknown): RequestCookie[] {
  if (!header || typeof header !== 'string') {
    return [];
  }
  return header.split(COOKIE_SEPARATOR).map((piece): RequestCookie => {
    const equals = piece.indexOf('=');
    if (equals === -1) {
      return { name: piece, value: null };
    }
    let value = piece.slice(equals + 1).trim();
    if (value[0] === '"') {
      value = value.slice(1, -1);
    }
    return { name: piece.slice(0, equals).trim(), value: decodeURIComponent(value) };
  });
}

/** Controls, space and `;`: stripped from names and values, forbidden in paths and domains. */
const CONTROL_OR_SEMICOLON_ALL = /[\x00-\x20;]/g;
const CONTROL_OR_SEMICOLON = /[\x00-\x20;]/;
/** Characters a cookie name (an RFC 2616 token) may not contain. */
const INVALID_NAME_CHARACTER = /[\x00-\x20\x22\x28\x29\x2c\x2f\x3a-\x3f\x40\x5b-\x5e\x7b\x7d\x7f]/;
/** Characters outside RFC 6265's cookie-octet. */
const INVALID_VALUE_CHARACTER = /[^\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]/;
const QUOTED_VALUE = /^"[^"]*"$/;

function invalid(message: string): HandshakeError {
  return new HandshakeError('WS_ERR_INVALID_COOKIE', message, 500);
}

function requireString(cookie: Cookie, field: 'name' | 'value' | 'path'): string {
  const value: unknown = cookie[field];
  if (typeof value !== 'string') {
    throw invalid(`Value supplied for cookie "${field}" must be a string`);
  }
  return value;
}

/**
 * Validates `cookies` and returns one `Set-Cookie` value per cookie, attributes joined with `;` and no space:
 * `a=1;Path=/p;Domain=ex.com;Expires=<GMT date>;Max-Age=10;Secure;HttpOnly`. The first failure throws a
 * {@link HandshakeError} with status 500 (the caller rejects the request with it); the caller's objects are not
 * modified. Falsy `cookies` means no cookies.
 */
export function buildSetCookies(cookies: unknown): string[] {
  if (!cookies) {
    return [];
  }
  if (!Array.isArray(cookies)) {
    throw invalid('Value supplied for "cookies" argument must be an array.');
  }
  const seenNames = new Set<string>();
  return cookies.map((cookie: Cookie) => {
    if (!cookie.name || !cookie.value) {
      throw invalid('Each cookie to set must at least provide a "name" and "value"');
    }
    // Removed rather than rejected, so no CR/LF can reach the header (1.0.35 behaviour).
    const name = requireString(cookie, 'name').replace(CONTROL_OR_SEMICOLON_ALL, '');
    const value = requireString(cookie, 'value').replace(CONTROL_OR_SEMICOLON_ALL, '');
    if (seenNames.has(name)) {
      throw invalid('You may not specify the same cookie name twice.');
    }
    seenNames.add(name);

    let bad = INVALID_NAME_CHARACTER.exec(name);
    if (bad) {
      throw invalid(`Illegal character ${bad[0]} in cookie name`);
    }
    bad = INVALID_VALUE_CHARACTER.exec(QUOTED_VALUE.test(value) ? value.slice(1, -1) : value);
    if (bad) {
      throw invalid(`Illegal character ${bad[0]} in cookie value`);
    }
    const parts = [name + '=' + value];

    if (cookie.path) {
      const path = requireString(cookie, 'path');
      bad = CONTROL_OR_SEMICOLON.exec(path);
      if (bad) {
        throw invalid(`Illegal character ${bad[0]} in cookie path`);
      }
      parts.push('Path=' + path);
    }
    if (cookie.domain) {
      if (typeof cookie.domain !== 'string') {
        throw invalid('Domain must be specified and must be a string.');
      }
      bad = CONTROL_OR_SEMICOLON.exec(cookie.domain);
      if (bad) {
        throw invalid(`Illegal character ${bad[0]} in cookie domain`);
      }
      parts.push('Domain=' + cookie.domain.toLowerCase());
    }
    if (cookie.expires) {
      if (!(cookie.expires instanceof Date)) {
        throw invalid('Value supplied for cookie "expires" must be a valid date object');
      }
      parts.push('Expires=' + cookie.expires.toUTCString());
    }
    if (cookie.maxage) {
      const maxAge = typeof cookie.maxage === 'string' ? parseInt(cookie.maxage, 10) : Number(cookie.maxage);
      if (isNaN(maxAge) || maxAge <= 0) {
        throw invalid('Value supplied for cookie "maxage" must be a non-zero number');
      }
      parts.push('Max-Age=' + Math.round(maxAge).toString(10));
    }
    if (cookie.secure) {
      if (typeof cookie.secure !== 'boolean') {
        throw invalid('Value supplied for cookie "secure" must be of type boolean');
      }
      parts.push('Secure');
    }
    if (cookie.httponly) {
      if (typeof cookie.httponly !== 'boolean') {
        throw invalid('Value supplied for cookie "httponly" must be of type boolean');
      }
      parts.push('HttpOnly');
    }
    return parts.join(';');
  });
}
