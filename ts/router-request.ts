/**
 * `WebSocketRouterRequest`: what a router handler receives. It exposes the matched protocol and a few fields of the
 * underlying {@link WebSocketRequest}, and accepts with that protocol. Not exported by 1.0.35, only handed out.
 */
import { EventEmitter } from 'events';
import type { IncomingMessage } from 'http';
import type { UrlWithParsedQuery } from 'url';
import type { WebSocketConnection } from './connection';
import type { Cookie, RequestCookie } from './cookies';
import type { ExtensionOffer } from './extension';
import type { WebSocketRequest } from './request';

/** The protocol a router uses for clients that requested none. */
export const NO_PROTOCOL = '____no_protocol____';

/** Events of a {@link WebSocketRouterRequest}. */
export interface WebSocketRouterRequestEvents {
  /** After the underlying request was accepted. */
  requestAccepted: [connection: WebSocketConnection];
  /** After the underlying request was rejected. */
  requestRejected: [request: WebSocketRouterRequest];
}

/** A routed request. */
export class WebSocketRouterRequest extends EventEmitter<WebSocketRouterRequestEvents> {
  /** The request being routed. */
  webSocketRequest: WebSocketRequest;
  /** The matched requested protocol (lowercase), or `null` when the client requested none. */
  protocol: string | null;
  origin: string | undefined;
  resource: string;
  resourceURL: UrlWithParsedQuery;
  httpRequest: IncomingMessage;
  remoteAddress: string;
  webSocketVersion: number;
  requestedExtensions: ExtensionOffer[];
  cookies: RequestCookie[];

  constructor(webSocketRequest: WebSocketRequest, resolvedProtocol: string) {
    super();
    this.webSocketRequest = webSocketRequest;
    this.protocol = resolvedProtocol === NO_PROTOCOL ? null : resolvedProtocol;
    this.origin = webSocketRequest.origin;
    this.resource = webSocketRequest.resource;
    this.resourceURL = webSocketRequest.resourceURL;
    this.httpRequest = webSocketRequest.httpRequest;
    this.remoteAddress = webSocketRequest.remoteAddress;
    this.webSocketVersion = webSocketRequest.webSocketVersion;
    this.requestedExtensions = webSocketRequest.requestedExtensions;
    this.cookies = webSocketRequest.cookies;
  }

  /** Accepts with the matched protocol, then emits `requestAccepted(connection)`. */
  accept(origin?: string | null, cookies?: Cookie[] | null): WebSocketConnection {
    const connection = this.webSocketRequest.accept(this.protocol, origin, cookies);
    this.emit('requestAccepted', connection);
    return connection;
  }

  /** Rejects (see {@link WebSocketRequest.reject}), then emits `requestRejected(this)`. */
  reject(status?: number, reason?: string, extraHeaders?: object | null): void {
    this.webSocketRequest.reject(status, reason, extraHeaders);
    this.emit('requestRejected', this);
  }
}
