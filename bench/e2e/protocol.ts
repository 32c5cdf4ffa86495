/**
 * What the benchmark's processes say to each other over IPC: the jobs the runner sends the load generator and what
 * it answers, the requests the runner sends a client program (./clients/) and what it answers, and the payload the
 * clients send to the load generator's sink. Shared by run.ts, loadgen.ts and the clients.
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

/**
 * Opens the sink of the client-send scenario: a listener on 127.0.0.1 (any port) that accepts one WebSocket client,
 * counts the `messages` binary messages of `size` bytes it sends ({@link patternPayload}), then sends it the text
 * message "done". Answered at once with a {@link SinkOpened}; the figures come with {@link SinkResultJob}.
 */
export interface SinkOpenJob {
  type: 'sink-open';
  size: number;
  messages: number;
}

/** The answer to a {@link SinkOpenJob}: the port the sink listens on, or why it could not listen. */
export interface SinkOpened {
  port: number;
  error?: string;
}

/**
 * Collects the open sink's JobResult (count: messages received, elapsedMs: from its first received frame byte to its
 * last message) and closes it. Sent after the client has answered, so a sink still short of its count is given up.
 */
export interface SinkResultJob {
  type: 'sink-result';
}

/** Any job answered with a {@link JobResult}. */
export type Job = MessagesJob | HandshakesJob | OpenIdleJob | CloseAllJob | BroadcastJob | SinkResultJob;

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

/**
 * The payload of the client-send scenario, which the clients send and the sink expects: byte i is (i * 131 + 7) & 255,
 * so both sides derive the same bytes from the size alone.
 */
export function patternPayload(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + 7) & 255;
  return bytes;
}

/**
 * Asks a client program to connect to the sink on `port`, send `messages` binary messages of
 * {@link patternPayload}(`size`), and wait for the sink's "done".
 */
export interface ClientSendRequest {
  type: 'send';
  port: number;
  size: number;
  messages: number;
  /** Give up (and answer with an error) when "done" has not arrived this long after the request. */
  timeoutMs: number;
}

/** A client program's answer to a {@link ClientSendRequest}. */
export interface ClientSendResult {
  /** The client's process.cpuUsage() (user + system µs) from before it connected to the "done" message. */
  cpuUs: number;
  /** Set when the client failed: a refused handshake, a close before "done", a timeout. */
  error?: string;
}
