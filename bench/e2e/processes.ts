/**
 * Child processes of the end-to-end benchmark: the servers (bench/e2e/servers/*.ts), the clients
 * (bench/e2e/clients/*.ts) and the load generator, each started with an IPC channel, pinned with `taskset` where it
 * exists (servers and clients on CPU 0, the load generator on CPU 1), and driven one request at a time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { ServerStats } from './servers/common';
import type { ClientSendRequest, ClientSendResult, Job, JobResult, SinkOpened, SinkOpenJob } from './protocol';

/** Whether `taskset` is available to pin processes to a CPU. */
export const hasTaskset = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;

/** A started child with an IPC channel that answers each message with exactly one message. */
class Child {
  private queue: ((reply: unknown) => void)[] = [];
  private exited: Promise<void>;

  constructor(readonly process: ChildProcess) {
    process.on('message', (reply) => this.queue.shift()?.(reply));
    this.exited = new Promise((resolve) => process.once('exit', () => resolve()));
  }

  /** Sends a request and waits for its reply (requests are answered in order). */
  ask<T>(request: object): Promise<T> {
    return new Promise((resolve) => {
      this.queue.push(resolve as (reply: unknown) => void);
      this.process.send(request);
    });
  }

  /** Ends the child (SIGTERM to its own pid) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill();
    await this.exited;
  }
}

/**
 * Starts `script` (a TypeScript file run through tsx) on `cpu`, with `env` added to this process's environment and
 * `nodeFlags` given to node.
 */
function startChild(script: string, cpu: number, env: Record<string, string>, args: string[], nodeFlags: readonly string[] = []): ChildProcess {
  const nodeArgs = ['--import=tsx', '--expose-gc', ...nodeFlags, script, ...args];
  const [command, commandArgs] = hasTaskset
    ? ['taskset', ['-c', String(cpu), process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return spawn(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
}

/**
 * Resolves with the match once the child has printed a line matching `ready` (rejects after 20 s or on exit); its
 * further output is discarded.
 */
function whenReady(child: ChildProcess, script: string, ready: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${script} printed no "ready" line within 20 s`)), 20_000);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready: ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve(match);
      }
    });
  });
}

/** A running benchmark server. */
export class ServerProcess extends Child {
  private constructor(
    child: ChildProcess,
    /** The port it listens on, on 127.0.0.1. */
    readonly port: number,
  ) {
    super(child);
  }

  /** Starts a server script and resolves once it has printed "ready <port>" (rejects after 20 s or on exit). */
  static async start(script: string, env: Record<string, string>, nodeFlags: readonly string[] = []): Promise<ServerProcess> {
    const child = startChild(script, 0, env, ['0'], nodeFlags);
    const match = await whenReady(child, script, /^ready (\d+)$/m);
    return new ServerProcess(child, Number(match[1]));
  }

  /** The server's CPU and memory figures; `settle` first lets its memory settle (6-12 s), for memory figures. */
  stats(settle = false): Promise<ServerStats> {
    return this.ask<ServerStats>({ type: 'stats', settle });
  }
}

/** A running benchmark client program (bench/e2e/clients/*.ts), which sends to the load generator's sink on request. */
export class ClientProcess extends Child {
  /** Starts a client script on CPU 0 and resolves once it has printed "ready" (rejects after 20 s or on exit). */
  static async start(script: string, env: Record<string, string>): Promise<ClientProcess> {
    const child = startChild(script, 0, env, []);
    await whenReady(child, script, /^ready$/m);
    return new ClientProcess(child);
  }

  /** Has the client connect to a sink and send to it; resolves with its CPU time once "done" arrived (or its error). */
  send(request: ClientSendRequest): Promise<ClientSendResult> {
    return this.ask<ClientSendResult>(request);
  }
}

/** The load generator process. */
export class LoadGenerator extends Child {
  static start(): LoadGenerator {
    return new LoadGenerator(startChild(path.join(__dirname, 'loadgen.ts'), 1, {}, []));
  }

  /** Runs one job and returns its result. */
  run(job: Job): Promise<JobResult> {
    return this.ask<JobResult>(job);
  }

  /** Opens the client-send sink; its figures come with a `sink-result` job. */
  openSink(job: SinkOpenJob): Promise<SinkOpened> {
    return this.ask<SinkOpened>(job);
  }
}
