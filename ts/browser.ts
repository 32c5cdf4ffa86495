/**
 * The browser entry (`websocket/lib/browser` in 1.0.35, swapped in by bundlers through the package's `browser`
 * field): no Node client, only the platform's own WebSocket behind the same export names, `{w3cwebsocket, version}`.
 *
 * `w3cwebsocket` is `null` where the platform has no WebSocket (Node 20 without `--experimental-websocket`).
 * Otherwise it is a function that, called with `new`, returns a native instance: `new w3cwebsocket(url)` or
 * `new w3cwebsocket(url, protocols)`, so a falsy `protocols` is never passed on (a native WebSocket would read
 * `null` as the protocol "null"), and the Node-only arguments of the Node class are ignored.
 */
import { version as packageVersion } from './version';

/** The instance side of a platform WebSocket (the WHATWG interface, as far as this module relies on it). */
export interface PlatformWebSocket {
  readonly url: string;
  readonly readyState: number;
  readonly protocol: string;
  readonly extensions: string;
  readonly bufferedAmount: number;
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  send(data: unknown): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: unknown) => void): void;
  removeEventListener(type: string, listener: (event: unknown) => void): void;
}

/** A platform WebSocket class: constructible, with the four readyState constants. */
export interface PlatformWebSocketClass {
  new (url: string | URL, protocols?: string | string[]): PlatformWebSocket;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
}

/** What the platform offers under the two names 1.0.35 looked for. */
interface PlatformGlobal {
  WebSocket?: PlatformWebSocketClass;
  MozWebSocket?: PlatformWebSocketClass;
}

const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;

/** The wrapper around `native`; its readyState constants are read from `native` each time. */
function wrapPlatformWebSocket(native: PlatformWebSocketClass): PlatformWebSocketClass {
  function W3CWebSocket(url: string | URL, protocols?: string | string[]): PlatformWebSocket {
    // Returning an object from a constructor makes `new W3CWebSocket(...)` evaluate to that object.
    return protocols ? new native(url, protocols) : new native(url);
  }
  for (const name of READY_STATE_NAMES) {
    Object.defineProperty(W3CWebSocket, name, { get: () => native[name] });
  }
  return W3CWebSocket as unknown as PlatformWebSocketClass;
}

const platform = globalThis as PlatformGlobal;
const nativeWebSocket = platform.WebSocket || platform.MozWebSocket;

/** The platform's WebSocket behind a constructor wrapper, or `null` where there is none. */
export const w3cwebsocket: PlatformWebSocketClass | null = nativeWebSocket ? wrapPlatformWebSocket(nativeWebSocket) : null;

/** ferrosocket's version string, as the main entry exports it. */
export const version: string = packageVersion;
