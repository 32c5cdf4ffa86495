/** `websocket` 1.0.35 (WebSocket-Node) client, the library ferrosocket replaces. */
import { sendWithWebsocketApi } from './websocket-api';

sendWithWebsocketApi(require('websocket') as typeof import('../../../ts/index'));
