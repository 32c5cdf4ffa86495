/**
 * ferrosocket: the `websocket` 1.0.35 API (`require('websocket')` → `require('ferrosocket')`), on a native codec
 * with a TypeScript fallback. The nine keys of `websocket` come first, in its order; `codec` is ours.
 */
import { WebSocketServer } from './server';
import { WebSocketClient } from './client';
import { WebSocketRouter } from './router';
import { WebSocketFrame } from './frame';
import { WebSocketRequest } from './request';
import { WebSocketConnection } from './connection';
import { W3CWebSocket } from './w3c-websocket';
import { Deprecation } from './deprecation';
import { version as packageVersion } from './version';
import { codec as selectedCodec } from './codec';

export const server = WebSocketServer;
export const client = WebSocketClient;
export const router = WebSocketRouter;
export const frame = WebSocketFrame;
export const request = WebSocketRequest;
export const connection = WebSocketConnection;
export const w3cwebsocket = W3CWebSocket;
export const deprecation = Deprecation;
/** ferrosocket's own semver string. */
export const version: string = packageVersion;
/** Which codec this process uses: `'native'` (Rust through N-API) or `'js'` (pure TypeScript). */
export const codec = selectedCodec.kind;

export type { WebSocketServer, ServerConfig } from './server';
export type { WebSocketClient, ClientConfig } from './client';
export type { WebSocketRouter, RouterConfig } from './router';
export type { WebSocketRouterRequest } from './router-request';
export type { WebSocketFrame } from './frame';
export type { WebSocketRequest } from './request';
export type { WebSocketConnection, ConnectionConfig, ConnectionState, Message } from './connection';
export type { W3CWebSocket } from './w3c-websocket';
export type { WebSocketError } from './errors';
export type { CodecKind } from './codec/types';
