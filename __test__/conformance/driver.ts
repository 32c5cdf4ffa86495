/**
 * The conformance driver: plays one case of ./cases.ts against ferrosocket and judges what comes back on the wire.
 *
 * Server under test: a WebSocketServer on 127.0.0.1 echoing text and binary messages, driven by a raw TCP client
 * that writes its own handshake and masks its frames. Client under test: a WebSocketClient echoing the same way,
 * connected to a raw TCP server that writes its own 101 and sends unmasked frames. Either way the raw end writes the
 * case's frames (whole, byte by byte, in random small pieces, or frame by frame with pauses), then waits, bounded by
 * the case's deadline, for the implementation to end the connection, and decodes everything it sent.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { codec } from '../../ts/codec';
import { WebSocketClient } from '../../ts/client';
import type { WebSocketConnection } from '../../ts/connection';
import { WebSocketServer } from '../../ts/server';
import { DEFAULT_ACCEPT, handshakeRequest, startHttpServer } from '../helpers/raw-http';
import { decodeFrames, PEER_KEY, type DecodedFrame } from '../helpers/raw-peer';
import { Random } from '../helpers/random';
import { encodeFrame } from '../helpers/wire';
import {
  casesFor,
  FAMILIES,
  type ConformanceCase,
  type Expected,
  type ExpectedFrame,
  type Side,
  type Writes,
} from './cases';

/** How long a case may take, from connecting to the end of the connection, unless it sets its own bound. */
const DEFAULT_TIMEOUT_MS = 3000;

/** RFC 6455 §1.3: the GUID hashed with the client's key into Sec-WebSocket-Accept. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x0: 'continuation',
  0x1: 'text',
  0x2: 'binary',
  0x8: 'close',
  0x9: 'ping',
  0xa: 'pong',
};

/** What the implementation did in one case. */
export interface Outcome {
  /** Every complete frame it sent after the handshake, in order (payloads unmasked). */
  frames: DecodedFrame[];
  /** Bytes it sent after the last complete frame. */
  trailing: number;
  /** Whether it ended the connection before the deadline. */
  ended: boolean;
  /** Milliseconds from the last write being taken by the socket to the end of the connection. */
  endedAfterMs: number | null;
}

/** The raw end of a case's TCP connection: keeps what arrives (joined only when read) and when the connection ended. */
class WirePeer {
  readonly socket: net.Socket;
  /** When the implementation ended or dropped the connection (`performance.now()`), or null. */
  endedAt: number | null = null;
  private chunks: Buffer[] = [];
  private wakers: Array<() => void> = [];

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.wake();
    });
    const ended = (): void => {
      this.endedAt ??= performance.now();
      this.wake();
    };
    socket.on('end', ended);
    socket.on('close', ended);
    // A failing case may reset the connection under a write; the outcome is judged on what arrived.
    socket.on('error', () => undefined);
  }

  /** Waits until `done()` holds or `deadline` (a `performance.now()` time) passes; returns whether it held. */
  async until(done: () => boolean, deadline: number): Promise<boolean> {
    while (!done()) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.wakers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Reads an HTTP head up to its blank line; later bytes stay buffered. Throws when none comes in time. */
  async readHead(deadline: number, what: string): Promise<string> {
    const complete = await this.until(() => this.received().includes('\r\n\r\n') || this.endedAt !== null, deadline);
    const bytes = this.received();
    const end = bytes.indexOf('\r\n\r\n');
    if (!complete || end < 0) throw new Error(`no ${what} (got ${JSON.stringify(bytes.toString('latin1'))})`);
    this.chunks = [bytes.subarray(end + 4)];
    return bytes.subarray(0, end + 4).toString('latin1');
  }

  /** Writes `bytes` and waits until the socket has taken them, failed to, or `deadline` passed. */
  async write(bytes: Buffer, deadline: number): Promise<void> {
    let done = false;
    const written = new Promise<void>((resolve) =>
      this.socket.write(bytes, () => {
        done = true;
        resolve();
      }),
    );
    // Usually taken at once; only a write the implementation is slow to read waits, bounded, for its callback.
    if (this.socket.writableLength > 0) await this.until(() => done || this.socket.destroyed, deadline);
    else await written;
  }

  /** Everything received and not taken by {@link readHead}, as one buffer. */
  received(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }
}

/** Echoes every message back as it came: text as text, binary as binary. */
function echo(connection: WebSocketConnection): void {
  connection.on('message', (message) => {
    if (message.type === 'utf8') connection.sendUTF(message.utf8Data);
    else connection.sendBytes(message.binaryData);
  });
}

/** `promise`, or a rejection naming `what` once `deadline` passes. */
async function bounded<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${what}`)),
      Math.max(0, deadline - performance.now()),
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The case's frames as the raw end puts them on the wire: masked toward a server unless a frame says otherwise. */
function encodeInput(testCase: ConformanceCase, side: Side): Buffer[] {
  return testCase.input.frames.map((frame) =>
    encodeFrame({ ...frame, mask: frame.mask === undefined ? (side === 'server' ? PEER_KEY : null) : frame.mask }),
  );
}

/** The encoded frames cut into the writes `writes` asks for. */
function writePlan(encoded: Buffer[], writes: Writes): Buffer[] {
  if (writes.kind === 'frames') return encoded;
  const bytes = Buffer.concat(encoded);
  if (writes.kind === 'whole') return [bytes];
  const pieces: Buffer[] = [];
  const random = writes.kind === 'random' ? new Random(writes.seed) : null;
  const max = writes.kind === 'random' ? writes.max : 1;
  for (let at = 0; at < bytes.length;) {
    const size = random ? random.int(1, max) : 1;
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

/**
 * Writes the case's input, stopping early if the implementation ends the connection (so a failed connection is
 * not written into), then waits for the end and decodes what arrived.
 */
async function exchange(peer: WirePeer, testCase: ConformanceCase, side: Side, deadline: number): Promise<Outcome> {
  const writes = testCase.input.writes ?? { kind: 'whole' };
  const pieces = writePlan(encodeInput(testCase, side), writes);
  for (let i = 0; i < pieces.length && peer.endedAt === null; i++) {
    if (i > 0 && writes.kind === 'frames') await new Promise((resolve) => setTimeout(resolve, writes.delayMs));
    await peer.write(pieces[i], deadline);
    // Write callbacks run without a pass through the event loop's poll phase, where the implementation (in this
    // process) reads; yielding to it here makes each write arrive as a chunk of its own.
    if (pieces.length > 1) await new Promise((resolve) => setImmediate(resolve));
  }
  const lastWriteAt = performance.now();
  const ended = await peer.until(() => peer.endedAt !== null, deadline);
  const bytes = peer.received();
  const { frames, used } = decodeFrames(bytes);
  return {
    frames,
    trailing: bytes.length - used,
    ended,
    endedAfterMs: peer.endedAt === null ? null : Math.max(0, peer.endedAt - lastWriteAt),
  };
}

/** Plays `testCase` against an echoing WebSocketServer, from a raw client. */
async function runAgainstServer(testCase: ConformanceCase, deadline: number): Promise<Outcome> {
  const http = await startHttpServer();
  const server = new WebSocketServer({
    keepalive: false,
    fragmentOutgoingMessages: false,
    ...testCase.config,
    httpServer: http.server,
  });
  server.on('request', (request) => echo(request.accept(null, request.origin)));
  const socket = net.connect({ port: http.port, host: '127.0.0.1', allowHalfOpen: true });
  const peer = new WirePeer(socket);
  try {
    await bounded(new Promise((resolve) => socket.once('connect', resolve)), deadline, 'the TCP connection');
    socket.write(handshakeRequest());
    const head = await peer.readHead(deadline, 'handshake reply');
    if (!head.startsWith('HTTP/1.1 101 ') || !head.includes(`\r\nSec-WebSocket-Accept: ${DEFAULT_ACCEPT}\r\n`)) {
      throw new Error(`the server did not accept the handshake: ${JSON.stringify(head)}`);
    }
    return await exchange(peer, testCase, 'server', deadline);
  } finally {
    socket.destroy();
    server.unmount();
    await http.close();
  }
}

/** Plays `testCase` against an echoing WebSocketClient, from a raw server. */
async function runAgainstClient(testCase: ConformanceCase, deadline: number): Promise<Outcome> {
  const listener = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = new WebSocketClient({ fragmentOutgoingMessages: false, ...testCase.config });
  let connection: WebSocketConnection | undefined;
  const connected = new Promise<void>((resolve, reject) => {
    client.once('connect', (opened) => {
      connection = opened;
      echo(opened);
      resolve();
    });
    client.once('connectFailed', reject);
  });
  // Awaited below, once the handshake has been answered; a failure before then must not go unhandled.
  connected.catch(() => undefined);
  client.connect(`ws://127.0.0.1:${port}/`);
  let peer: WirePeer | undefined;
  try {
    peer = new WirePeer(await bounded(accepted, deadline, 'the client to connect'));
    const request = await peer.readHead(deadline, 'handshake request');
    const key = /^sec-websocket-key:[ \t]*(\S+)/im.exec(request)?.[1];
    if (key === undefined) throw new Error(`no Sec-WebSocket-Key in ${JSON.stringify(request)}`);
    const accept = createHash('sha1')
      .update(key + HANDSHAKE_GUID)
      .digest('base64');
    peer.socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    await bounded(connected, deadline, 'the client to open the connection');
    return await exchange(peer, testCase, 'client', deadline);
  } finally {
    peer?.socket.destroy();
    connection?.socket.destroy();
    listener.close();
  }
}

/** Plays `testCase` against ferrosocket's `side`. */
export function runCase(testCase: ConformanceCase, side: Side): Promise<Outcome> {
  const deadline = performance.now() + (testCase.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return side === 'server' ? runAgainstServer(testCase, deadline) : runAgainstClient(testCase, deadline);
}

/** One frame in a message: its name, FIN, length and the first payload bytes in hex. */
function describe(frame: ExpectedFrame): string {
  const name = OPCODE_NAMES[frame.opcode] ?? `opcode 0x${frame.opcode.toString(16)}`;
  const head = frame.payload.subarray(0, 16).toString('hex');
  const more = frame.payload.length > 16 ? '…' : '';
  return `${name}${frame.fin ? '' : ' (no FIN)'} ${frame.payload.length} B${head ? ` ${head}${more}` : ''}`;
}

function sameFrame(actual: DecodedFrame, expected: ExpectedFrame): boolean {
  return actual.opcode === expected.opcode && actual.fin === expected.fin && actual.payload.equals(expected.payload);
}

/**
 * Everything in `outcome` that differs from `expected`, as sentences (empty when the case passes): the frames
 * before the close, the close code (and reason, when the case names one), masking (a client masks every frame, a
 * server none), RSV bits, bytes after the close, the end of the connection and, for fail-fast cases, its timing.
 */
export function check(outcome: Outcome, expected: Expected, side: Side): string[] {
  const problems: string[] = [];
  const frames = outcome.frames;
  frames.forEach((frame, i) => {
    if (frame.masked !== (side === 'client')) {
      problems.push(
        `frame ${i} is ${frame.masked ? 'masked' : 'unmasked'}; a ${side} must ${side === 'client' ? '' : 'not '}mask`,
      );
    }
    if (frame.rsv !== 0) problems.push(`frame ${i} has RSV bits 0b${frame.rsv.toString(2).padStart(3, '0')}`);
  });
  const closeAt = frames.findIndex((frame) => frame.opcode === 0x8);
  const data = closeAt < 0 ? frames : frames.slice(0, closeAt);
  const mismatch =
    data.length !== expected.frames.length || data.some((frame, i) => !sameFrame(frame, expected.frames[i]));
  if (mismatch) {
    const want = expected.frames.map(describe).join(', ');
    problems.push(`frames before the close: expected [${want}], got [${data.map(describe).join(', ')}]`);
  }
  if (closeAt < 0) {
    problems.push(`no close frame; expected close ${expected.close}`);
  } else {
    const payload = frames[closeAt].payload;
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : `none (${payload.length}-byte payload)`;
    if (code !== expected.close) problems.push(`close code: expected ${expected.close}, got ${code}`);
    const reason = payload.subarray(2).toString('utf8');
    if (expected.closeReason !== undefined && reason !== expected.closeReason) {
      problems.push(`close reason: expected ${JSON.stringify(expected.closeReason)}, got ${JSON.stringify(reason)}`);
    }
    const after = frames.slice(closeAt + 1).map(describe);
    if (after.length > 0) problems.push(`frames after the close: [${after.join(', ')}]`);
  }
  if (outcome.trailing > 0) problems.push(`${outcome.trailing} byte(s) after the last complete frame`);
  if (!outcome.ended) problems.push('the connection was still open at the deadline');
  const endedAfterMs = outcome.endedAfterMs;
  if (expected.within !== undefined && endedAfterMs !== null && endedAfterMs > expected.within) {
    const late = Math.round(endedAfterMs);
    problems.push(`the connection ended ${late} ms after the last write; the bound is ${expected.within} ms`);
  }
  return problems;
}

/** Per-family results of one suite. */
class Tally {
  private readonly rows = new Map<number, { cases: number; passed: number }>();

  constructor(cases: readonly ConformanceCase[]) {
    for (const testCase of cases) {
      const row = this.rows.get(testCase.family) ?? { cases: 0, passed: 0 };
      row.cases++;
      this.rows.set(testCase.family, row);
    }
  }

  record(family: number, passed: boolean): void {
    if (passed) (this.rows.get(family) as { passed: number }).passed++;
  }

  /** The table: family, cases, passed, failed (a case that never reported counts as failed), and the total. */
  table(title: string): string {
    const lines = [title, `${'family'.padEnd(24)}${'cases'.padStart(7)}${'passed'.padStart(8)}${'failed'.padStart(8)}`];
    let cases = 0;
    let passed = 0;
    const row = (name: string, count: number, ok: number): string =>
      `${name.padEnd(24)}${String(count).padStart(7)}${String(ok).padStart(8)}${String(count - ok).padStart(8)}`;
    for (const [family, result] of [...this.rows].sort(([a], [b]) => a - b)) {
      lines.push(row(`${family} ${FAMILIES[family]}`, result.cases, result.passed));
      cases += result.cases;
      passed += result.passed;
    }
    lines.push(row('all', cases, passed));
    return lines.join('\n');
  }
}

/**
 * Registers one serial ava test per case that applies to `side`, named by the case's id and description, and a
 * final hook printing the per-family table. Serial, so timing bounds are not disturbed by the large cases.
 */
export function defineSuite(side: Side): void {
  const cases = casesFor(side);
  const tally = new Tally(cases);
  for (const testCase of cases) {
    test.serial(`${testCase.id} ${testCase.description}`, async (t) => {
      let passed = false;
      try {
        const problems = check(await runCase(testCase, side), testCase.expected, side);
        passed = problems.length === 0;
        t.deepEqual(problems, []);
      } finally {
        tally.record(testCase.family, passed);
      }
    });
  }
  test.after.always(() => {
    console.log(`\n${tally.table(`RFC 6455 conformance, ${side} under test (codec: ${codec.kind})`)}\n`);
  });
}
