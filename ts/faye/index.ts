/**
 * The faye-websocket 0.11 API (`require('faye-websocket')` → `require('ferrosocket/faye')`): the export is the
 * server socket's constructor, carrying `isWebSocket`, `validateOptions`, `WebSocket` (itself), `Client` and
 * `EventSource`, in faye-websocket's order. It runs on ferrosocket's receiver and sender, so on the native codec
 * when it loads.
 */
import { FayeClient, type FayeClientOptions } from './client';
import { FayeEvent, type FayeCloseEvent, type FayeErrorEvent, type FayeMessageEvent } from './event';
import { FayeEventSource, type FayeEventSourceMessageOptions, type FayeEventSourceOptions } from './eventsource';
import { FayeServerSocket, isWebSocket, type ProtocolList } from './server';
import { FayeSocket, validateOptions, type FayeProxyOptions, type FayeReadyState, type FayeSocketOptions } from './socket';

/** `new WebSocket(request, socket, body, protocols?, options?)`: a server socket, in an `'upgrade'` handler. */
class WebSocket extends FayeServerSocket {
  /** Whether an HTTP request asks for a WebSocket. */
  static isWebSocket = isWebSocket;
  /** Throws `Unrecognized option: <key>` for a key of `options` not in `validKeys`. */
  static validateOptions = validateOptions;
  /** The export itself, as `require('faye-websocket').WebSocket`. */
  static WebSocket: typeof WebSocket;
  /** `new WebSocket.Client(url, protocols?, options?)`. */
  static Client = FayeClient;
  /** `new WebSocket.EventSource(request, response, options?)`. */
  static EventSource = FayeEventSource;
}
WebSocket.WebSocket = WebSocket;

namespace WebSocket {
  export type Socket = FayeSocket;
  export type ServerSocket = FayeServerSocket;
  export type ClientSocket = FayeClient;
  export type EventSourceStream = FayeEventSource;
  export type Event = FayeEvent;
  export type MessageEvent = FayeMessageEvent;
  export type ErrorEvent = FayeErrorEvent;
  export type CloseEvent = FayeCloseEvent;
  export type ReadyState = FayeReadyState;
  export type Options = FayeSocketOptions;
  export type ClientOptions = FayeClientOptions;
  export type ProxyOptions = FayeProxyOptions;
  export type EventSourceOptions = FayeEventSourceOptions;
  export type EventSourceMessageOptions = FayeEventSourceMessageOptions;
  export type Protocols = ProtocolList;
}

export = WebSocket;
