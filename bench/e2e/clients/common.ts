/**
 * What every benchmark client program shares: it prints "ready", then answers each {@link ClientSendRequest} from
 * the runner by running its send program against the load generator's sink and replying with a
 * {@link ClientSendResult}: its process.cpuUsage() from before it connected to the sink's "done".
 */
import { patternPayload, type ClientSendRequest, type ClientSendResult } from '../protocol';

/** How many bytes a client lets queue up in its socket before it waits for 'drain'. */
export const HIGH_WATER_BYTES = 1 << 20;

/**
 * One send: connect to `url`, send `payload` `messages` times as binary messages with the library's own flow
 * control, and resolve once the text message "done" arrived, with a function that closes the connection
 * (called after the CPU figure is taken). Rejects on a failed handshake, an error, or a close before "done".
 */
export type SendProgram = (url: string, payload: Buffer, messages: number) => Promise<() => void>;

/** Rejects after `ms` unless `work` settles first. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no "done" within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Answers the runner's send requests with `program`, one at a time; exits when the runner goes away. */
export function serveSendRequests(program: SendProgram): void {
  process.on('message', (request: ClientSendRequest) => {
    if (request.type !== 'send') return;
    const payload = patternPayload(request.size);
    const url = `ws://127.0.0.1:${request.port}/`;
    const before = process.cpuUsage();
    const answer = (error?: string, close?: () => void) => {
      const used = process.cpuUsage(before);
      const result: ClientSendResult = { cpuUs: used.user + used.system, error };
      process.send?.(result);
      close?.();
    };
    withTimeout(program(url, payload, request.messages), request.timeoutMs).then(
      (close) => answer(undefined, close),
      (failure: Error) => answer(failure.message),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.stdout.write('ready\n');
}
