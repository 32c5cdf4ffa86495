/**
 * A peer child process (Python, Node with --experimental-websocket) that takes JSON commands on stdin, one per
 * line, and writes JSON results on stdout, one `{ key, value }` per line; results are taken by key, bounded.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Rendezvous } from './rendezvous';

/** How long stopping waits for the child to exit after its stdin ends, before killing it. */
const STOP_TIMEOUT_MS = 2000;
/** How much of the child's stderr is kept for error messages. */
const STDERR_KEPT = 4000;

/** A running child and its results by key. */
export class JsonLinesChild {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly results = new Rendezvous<unknown>();
  private stderr = '';
  private readonly exited: Promise<void>;

  /** Spawns `command` with `args` (no shell); `env` is added to this process's environment. */
  constructor(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-STDERR_KEPT);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const { key, value } = JSON.parse(line) as { key: string; value: unknown };
      this.results.put(key, value);
    });
    // A dead child's stdin errors (EPIPE) on the next write; the exit below is what gets reported.
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      const gone = (why: string): void => {
        this.results.fail(new Error(`${command} ${why}; its stderr: ${this.stderr.trim() || '(empty)'}`));
        resolve();
      };
      this.child.once('error', (error) => gone(`failed to start (${error.message})`));
      this.child.once('exit', (code, signal) => gone(`exited (code ${code}, signal ${signal})`));
    });
  }

  /** Writes one command line. */
  send(command: unknown): void {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** The value of the result line `key`, within `timeoutMs`. */
  take<T>(key: string, timeoutMs: number): Promise<T> {
    return this.results.take(key, timeoutMs, `result ${key} from the child`) as Promise<T>;
  }

  /** Ends stdin (the child's cue to exit) and waits, bounded, for the exit; kills the child if it lingers. */
  async stop(): Promise<void> {
    this.child.stdin.end();
    let timer: NodeJS.Timeout | undefined;
    const lingered = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
    });
    if (await Promise.race([this.exited.then(() => false), lingered])) this.child.kill('SIGKILL');
    clearTimeout(timer);
  }
}
