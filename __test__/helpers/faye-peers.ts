/**
 * The two implementations of the faye-websocket API side by side (the real faye-websocket 0.11.4 and ours), and
 * the recording of what a socket of either emits, so a test can run one scenario on both and compare.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import Ferrosocket from '../../ts/faye';

/** The faye-websocket export (our own types describe its API). */
export type FayeModule = typeof Ferrosocket;

/** faye-websocket 0.11.4 itself, the reference. */
export const RealFaye = createRequire(__filename)('faye-websocket') as FayeModule;

/** Both implementations, the reference first. */
export const IMPLEMENTATIONS: ReadonlyArray<readonly [string, FayeModule]> = [
  ['faye-websocket', RealFaye],
  ['ferrosocket', Ferrosocket],
];

/** One recorded event: its name and what it carried. */
export type FayeLogEntry = unknown[];

/**
 * Records a socket's events in order: `open` (with `protocol`), `message` (data as `text:`/`binary:` strings),
 * `error` (message), `close` (code, reason, and `readyState` then), and the stream's `data` and `end`.
 */
export function recordFaye(socket: EventEmitter & { protocol?: string; readyState?: number }): FayeLogEntry[] {
  const log: FayeLogEntry[] = [];
  const show = (data: unknown) => (Buffer.isBuffer(data) ? `binary:${data.toString('hex')}` : `text:${String(data)}`);
  socket.on('open', () => log.push(['open', socket.protocol]));
  socket.on('message', (event: { data: unknown }) => log.push(['message', show(event.data)]));
  socket.on('error', (event: { message: string }) => log.push(['error', event.message]));
  socket.on('close', (event: { code: number; reason: string }) => log.push(['close', event.code, event.reason, socket.readyState]));
  socket.on('data', (data: unknown) => log.push(['data', show(data)]));
  socket.on('end', () => log.push(['end']));
  return log;
}
