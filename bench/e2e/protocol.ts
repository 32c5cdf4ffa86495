/**
 * The jobs the runner sends the load generator over IPC, and what it answers. Shared by run.ts and loadgen.ts.
 */

/** What the load generator sends on each connection. */
export interface PayloadSpec {
  /** `text`: printable ASCII; `mixed`: alternating 2- and 3-byte UTF-8 characters; `binary`: random bytes. */
  kind: 'text' | 'mixed' | 'binary';
  /** Payload bytes per message. */
  size: number;
}

/** Echo throughput: every connection keeps up to `window` messages outstanding, written `batch` frames at a time. */
export interface MessagesJob {
  type: 'messages';
  port: number;
  connections: number;
  payload: PayloadSpec;
  window: number;
  batch: number;
  /** Stop sending after this long (then wait for the outstanding echoes). */
  durationMs: number;
  /** Stop sending after this many messages per connection, whichever comes first. */
  maxMessagesPerConnection: number;
}

/** Opening handshakes: `total` connections, `concurrency` in flight; each is closed once its 101 arrives. */
export interface HandshakesJob {
  type: 'handshakes';
  port: number;
  total: number;
  concurrency: number;
  /** Stop starting new handshakes after this long. */
  durationMs: number;
}

/** Opens `total` connections (`concurrency` handshakes in flight) and keeps them open until {@link CloseAllJob}. */
export interface OpenIdleJob {
  type: 'open-idle';
  port: number;
  total: number;
  concurrency: number;
  durationMs: number;
}

/** Destroys the connections {@link OpenIdleJob} left open. */
export interface CloseAllJob {
  type: 'close-all';
}

/** One sender, `receivers` receivers of a broadcasting server; the sender keeps `window` messages ahead of the slowest. */
export interface BroadcastJob {
  type: 'broadcast';
  port: number;
  receivers: number;
  payload: PayloadSpec;
  window: number;
  batch: number;
  durationMs: number;
  maxMessages: number;
}

/** Any job. */
export type Job = MessagesJob | HandshakesJob | OpenIdleJob | CloseAllJob | BroadcastJob;

/** The load generator's answer to a job. */
export interface JobResult {
  /** Messages (echoes or broadcast deliveries) or connections completed. */
  count: number;
  /** Payload bytes received back. */
  bytes: number;
  /** From the first write to the last echo, or to the last 101. */
  elapsedMs: number;
  /** Messages compared byte for byte with what was sent (all others are checked for count, opcode and length). */
  verified: number;
  /** The load generator's own CPU time over the job, in microseconds (to see whether it was the bottleneck). */
  loadgenCpuUs: number;
  /** Set when the job failed: a wrong echo, a refused handshake, a timeout. */
  error?: string;
}
