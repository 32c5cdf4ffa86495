/** `websocket` 1.0.35 (WebSocket-Node) echo/broadcast server, the library ferrosocket replaces. */
import { serveWebsocketApi } from './websocket-api';

serveWebsocketApi(require('websocket') as typeof import('../../../ts/index'));
