/**
 * ferrosocket client, as it ships (dist/, built by the runner). The codec comes from FERROSOCKET_CODEC (`native` or
 * `js`), which the runner sets.
 */
import * as path from 'node:path';
import { sendWithWebsocketApi } from './websocket-api';

const ferrosocket = require(path.resolve(__dirname, '../../../dist/index.js')) as typeof import('../../../ts/index');
if (ferrosocket.codec !== (process.env.FERROSOCKET_CODEC ?? ferrosocket.codec)) {
  throw new Error(`FERROSOCKET_CODEC=${process.env.FERROSOCKET_CODEC} but the codec is ${ferrosocket.codec}`);
}
sendWithWebsocketApi(ferrosocket);
