/**
 * What every benchmark server shares: its port (argv[2] or PORT, 0 for any), the "ready <port>" line the runner
 * waits for, the stats it reports over IPC, and its mode (BENCH_MODE: `echo`, the default, or `broadcast`).
 */
import type * as http from 'node:http';
import type * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import * as v8 from 'node:v8';

/** A server's resource figures at one instant, sent to the runner on request. */
export interface ServerStats {
  /** process.cpuUsage(): user and system microseconds since the process started. */
  cpu: NodeJS.CpuUsage;
  /** process.memoryUsage() in bytes, taken once the heap settled when the runner asked for that. */
  memory: NodeJS.MemoryUsage;
}

/** A request from the runner over the IPC channel. */
export interface StatsRequest {
  type: 'stats';
  /** Let memory settle first (see {@link settleMemory}), for memory figures. */
  settle?: boolean;
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
  process.on('message', async (request: StatsRequest) => {
    if (request.type !== 'stats') return;
    if (request.settle) await settleMemory();
    const stats: ServerStats = { cpu: process.cpuUsage(), memory: process.memoryUsage() };
    process.send?.(stats);
  });
  process.on('disconnect', () => process.exit(0));
}

/** V8 shrinks its young generation only at a collection ~5 s after collections started finding little allocation. */
const SETTLE_MIN_MS = 6000;
const SETTLE_MAX_MS = 12_000;
const SETTLE_STEP_MS = 1000;
/** Settled: a collection moved RSS by less than this and left the young generation's size as it was. */
const SETTLED_RSS_STEP_BYTES = 64 * 1024;

/**
 * Waits until memory is what an idle process keeps. After a burst of connections V8's young generation is grown
 * (to 16-32 MB here, for every library), and it shrinks back only at a collection made once V8's allocation rate,
 * which it samples at each collection, has been low for about 5 s (an idle server gets there when V8's memory
 * reducer collects). So: collect once a second (the servers run with --expose-gc) for at least 6 s, and until a
 * collection no longer changes RSS or the young generation.
 */
async function settleMemory(): Promise<void> {
  if (typeof global.gc !== 'function') return;
  const started = Date.now();
  let previous = { rss: 0, young: -1 };
  for (;;) {
    global.gc();
    const current = { rss: process.memoryUsage.rss(), young: youngGenerationBytes() };
    const elapsed = Date.now() - started;
    const still = Math.abs(current.rss - previous.rss) < SETTLED_RSS_STEP_BYTES && current.young === previous.young;
    if ((elapsed >= SETTLE_MIN_MS && still) || elapsed >= SETTLE_MAX_MS) return;
    previous = current;
    await sleep(SETTLE_STEP_MS);
  }
}

/** Physical bytes of V8's young generation (new space). */
function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;
}

/** Ignores socket errors (the load generator drops connections abruptly at the end of a cell). */
export function ignoreErrors(socket: net.Socket): void {
  socket.on('error', () => undefined);
}
