/**
 * What every benchmark server shares: its port (argv[2] or PORT, 0 for any), the "ready <port>" line the runner
 * waits for, the stats it reports over IPC, and its mode (BENCH_MODE: `echo`, the default, or `broadcast`).
 */
import type * as http from 'node:http';
import type * as net from 'node:net';

/** A server's resource figures at one instant, sent to the runner on request. */
export interface ServerStats {
  /** process.cpuUsage(): user and system microseconds since the process started. */
  cpu: NodeJS.CpuUsage;
  /** process.memoryUsage() in bytes, taken after a full GC when the runner asked for one. */
  memory: NodeJS.MemoryUsage;
}

/** A request from the runner over the IPC channel. */
export interface StatsRequest {
  type: 'stats';
  /** Collect garbage first (the servers run with --expose-gc), for memory figures. */
  gc?: boolean;
}

/** `echo`: send each message back on its connection; `broadcast`: send each text message to every connection. */
export type ServerMode = 'echo' | 'broadcast';

/** The mode this server runs in. */
export const mode: ServerMode = process.env.BENCH_MODE === 'broadcast' ? 'broadcast' : 'echo';

/** Maximum message and frame size the library servers accept: room for the 1 MiB messages. */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

/** The port to listen on. */
export function requestedPort(): number {
  return Number(process.argv[2] ?? process.env.PORT ?? 0);
}

/** Starts listening on 127.0.0.1, prints "ready <port>" and answers the runner's stats requests. */
export function listen(server: http.Server | net.Server): void {
  server.listen(requestedPort(), '127.0.0.1', () => {
    const address = server.address() as net.AddressInfo;
    process.stdout.write(`ready ${address.port}\n`);
  });
  answerStatsRequests();
}

/** Replies to every {@link StatsRequest} with this process's {@link ServerStats}; exits when the runner goes away. */
export function answerStatsRequests(): void {
  process.on('message', (request: StatsRequest) => {
    if (request.type !== 'stats') return;
    if (request.gc && typeof global.gc === 'function') {
      global.gc();
      global.gc();
    }
    const stats: ServerStats = { cpu: process.cpuUsage(), memory: process.memoryUsage() };
    process.send?.(stats);
  });
  process.on('disconnect', () => process.exit(0));
}

/** Ignores socket errors (the load generator drops connections abruptly at the end of a cell). */
export function ignoreErrors(socket: net.Socket): void {
  socket.on('error', () => undefined);
}
