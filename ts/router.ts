/**
 * `WebSocketRouter` (`require('websocket').router`): dispatches a server's requests to handlers by path and
 * subprotocol, with the matching rules of `websocket` 1.0.35.
 */
import { EventEmitter } from 'events';
import type { WebSocketRequest } from './request';
import { NO_PROTOCOL, WebSocketRouterRequest } from './router-request';
import type { WebSocketServer } from './server';

/** The router's options. */
export interface RouterConfig {
  /** A server to attach to at once. */
  server?: WebSocketServer | null;
  [key: string]: unknown;
}

/** One mounted route. */
export interface RouteHandler {
  /** Tested against the request's pathname (no query). */
  path: RegExp;
  /** `path.toString()`, which identifies the route with its protocol. */
  pathString: string;
  /** Lowercased; `'*'` matches any requested protocol, the no-protocol sentinel matches clients that sent none. */
  protocol: string;
  callback: (request: WebSocketRouterRequest) => void;
}

/** Regex metacharacters, plus the few others 1.0.35 escapes, so a string path matches only itself. */
const PATH_SPECIAL_CHARACTERS = /[-[\]{}()*+?.,\\^$|#\s]/g;

/**
 * The router. Handlers are tried in mount order for each requested protocol in the client's order; the first
 * match wins, and no match rejects the request with 404.
 */
export class WebSocketRouter extends EventEmitter {
  /** `{server: null}` plus the caller's keys (a shallow `for…in` copy). */
  config: RouterConfig;
  /** Mounted routes in mount order. */
  handlers: RouteHandler[] = [];
  /** The attached server: `undefined` until attached, `null` once detached. */
  declare server?: WebSocketServer | null;
  readonly _requestHandler: (request: WebSocketRequest) => void;

  constructor(config?: RouterConfig) {
    super();
    this.config = { server: null };
    if (config) {
      for (const key in config) {
        this.config[key] = config[key];
      }
    }
    this._requestHandler = this.handleRequest.bind(this);
    if (this.config.server) {
      this.attachServer(this.config.server);
    }
  }

  /** Routes every `request` event of `server` (which makes the server emit them rather than answer 404). */
  attachServer(server: WebSocketServer): void {
    if (!server) {
      throw new Error('You must specify a WebSocketServer instance to attach to.');
    }
    this.server = server;
    server.on('request', this._requestHandler);
  }

  /** Stops routing the attached server's requests. Throws if none is attached. */
  detachServer(): void {
    if (!this.server) {
      throw new Error('Cannot detach from server: not attached.');
    }
    this.server.removeListener('request', this._requestHandler);
    this.server = null;
  }

  /**
   * Mounts `callback` for `path` and `protocol`. A string path matches exactly and case-sensitively (`'*'` matches
   * every path); a RegExp is used as given. A falsy protocol means "clients that requested no protocol", `'*'`
   * means any protocol. One handler per path/protocol pair.
   */
  mount(path: string | RegExp, protocol: string | null | undefined, callback: (request: WebSocketRouterRequest) => void): void {
    if (!path) {
      throw new Error('You must specify a path for this handler.');
    }
    if (!protocol) {
      protocol = NO_PROTOCOL;
    }
    if (!callback) {
      throw new Error('You must specify a callback for this handler.');
    }
    const pathRegExp = this.pathToRegExp(path);
    if (!(pathRegExp instanceof RegExp)) {
      throw new Error('Path must be specified as either a string or a RegExp.');
    }
    const pathString = pathRegExp.toString();
    protocol = protocol.toLocaleLowerCase();
    if (this.findHandlerIndex(pathString, protocol) !== -1) {
      throw new Error('You may only mount one handler per path/protocol combination.');
    }
    this.handlers.push({ path: pathRegExp, pathString, protocol, callback });
  }

  /**
   * Removes the route mounted with `path` and `protocol`. The protocol is required (pass the sentinel
   * `'____no_protocol____'` for a protocol-less route): a missing one throws a TypeError, as in 1.0.35.
   */
  unmount(path: string | RegExp, protocol: string): void {
    const index = this.findHandlerIndex(this.pathToRegExp(path).toString(), protocol);
    if (index === -1) {
      throw new Error('Unable to find a route matching the specified path and protocol.');
    }
    this.handlers.splice(index, 1);
  }

  /** The index of the route with this path string and (case-insensitively) this protocol, or -1. */
  findHandlerIndex(pathString: string, protocol: string): number {
    const lowercase = protocol.toLocaleLowerCase();
    return this.handlers.findIndex((handler) => handler.pathString === pathString && handler.protocol === lowercase);
  }

  /** `'*'` → `/^.*$/`; another string → an anchored literal match; anything else is returned as is. */
  pathToRegExp(path: string | RegExp): RegExp {
    if (typeof path !== 'string') {
      return path;
    }
    if (path === '*') {
      return /^.*$/;
    }
    return new RegExp('^' + path.replace(PATH_SPECIAL_CHARACTERS, '\\$&') + '$');
  }

  /** Routes one request: see the class comment. */
  handleRequest(request: WebSocketRequest): void {
    const requested = request.requestedProtocols as string[];
    const protocols = requested.length === 0 ? [NO_PROTOCOL] : requested;
    const pathname = request.resourceURL.pathname as string;
    for (const candidate of protocols) {
      const protocol = candidate.toLocaleLowerCase();
      for (const handler of this.handlers) {
        if (handler.path.test(pathname) && (handler.protocol === protocol || handler.protocol === '*')) {
          handler.callback(new WebSocketRouterRequest(request, protocol));
          return;
        }
      }
    }
    request.reject(404, 'No handler is available for the given request.');
  }
}
