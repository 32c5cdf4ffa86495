/**
 * The load generator: one process (pinned to its own core by the runner), driving a server over raw TCP sockets
 * with its own opening handshake and pre-encoded masked frames written in batches, a window of messages outstanding
 * per connection. It parses only frame headers of what comes back (count, opcode and length of every message) and
 * compares a sample of the messages byte for byte. It is also the sink of the client-send scenario: a listener that
 * answers one client's upgrade and counts (and samples) the masked frames the client sends. Jobs arrive over IPC
 * (./protocol.ts); each answer is a JobResult, or a SinkOpened for `sink-open`.
 */
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import {
  patternPayload,
  type BroadcastJob,
  type HandshakesJob,
  type Job,
  type JobResult,
  type MessagesJob,
  type OpenIdleJob,
  type PayloadSpec,
  type SinkOpened,
  type SinkOpenJob,
} from './protocol';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Every SAMPLE_EVERY-th message of a connection (and its first) is compared byte for byte. */
const SAMPLE_EVERY = 997;
/** How long to wait for outstanding echoes, or for a handshake, before calling the job failed. */
const DRAIN_TIMEOUT_MS = 10_000;

/** The payload bytes and the opcode (1 text, 2 binary) a spec describes. */
export function makePayload(spec: PayloadSpec): { opcode: number; bytes: Buffer } {
  if (spec.kind === 'binary') return { opcode: 2, bytes: crypto.randomBytes(spec.size) };
  if (spec.kind === 'text') return { opcode: 1, bytes: Buffer.alloc(spec.size, 'abcdefghijklmnopqrstuvwxyz012345') };
  // Alternating 'é' (2 bytes) and '€' (3 bytes), padded with 'é' / 'x' to the exact size.
  let text = 'é€'.repeat(Math.floor(spec.size / 5));
  let rest = spec.size - Buffer.byteLength(text);
  while (rest >= 2) (text += 'é'), (rest -= 2);
  if (rest === 1) text += 'x';
  return { opcode: 1, bytes: Buffer.from(text, 'utf8') };
}

/** One masked client frame (FIN set) carrying `payload`. */
export function encodeFrame(opcode: number, payload: Buffer, key: Buffer): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + lengthBytes + 4 + length);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | length;
  else if (lengthBytes === 2) (frame[1] = 0x80 | 126), frame.writeUInt16BE(length, 2);
  else (frame[1] = 0x80 | 127), frame.writeBigUInt64BE(BigInt(length), 2);
  const keyAt = 2 + lengthBytes;
  key.copy(frame, keyAt);
  for (let i = 0; i < length; i++) frame[keyAt + 4 + i] = payload[i] ^ key[i & 3];
  return frame;
}

/** `count` copies of one masked frame back to back: what one write sends. */
function encodeBatch(opcode: number, payload: Buffer, count: number): Buffer {
  const frame = encodeFrame(opcode, payload, crypto.randomBytes(4));
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

/** A message that came back: its opcode, its length, and its bytes when it was sampled. */
type MessageListener = (opcode: number, length: number, sample: Buffer | null) => void;
/** A control frame (close, ping, pong) that came in, by its opcode; its payload is skipped. */
type ControlListener = (opcode: number) => void;

/**
 * Reads the frames a server sends: headers only, payloads skipped, except for sampled messages, whose payload
 * pieces are kept (unmasked if the frames were masked, as the raw echo ceiling returns the client's own frames).
 */
class FrameReader {
  private carry: Buffer | null = null;
  private remaining = 0;
  private fin = false;
  private opcode = 0;
  private messageLength = 0;
  private messageCount = 0;
  private maskKey: Buffer | null = null;
  private frameOffset = 0;
  private pieces: Buffer[] | null = null;
  private control = false;
  /** The opcode of the frame being read (data, continuation or control). */
  private frameOpcode = 0;

  constructor(
    private readonly onMessage: MessageListener,
    private readonly onControl: ControlListener = () => undefined,
  ) {}

  push(chunk: Buffer): void {
    let position = 0;
    if (this.carry) {
      const joined = Buffer.concat([this.carry, chunk.subarray(0, 14)]);
      const headerLength = this.readHeader(joined, 0);
      if (headerLength < 0) {
        this.carry = joined;
        return;
      }
      position = headerLength - this.carry.length;
      this.carry = null;
      this.afterHeader();
    }
    while (position < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - position);
        if (this.pieces) this.keep(chunk.subarray(position, position + take));
        position += take;
        this.remaining -= take;
        if (!this.control) this.messageLength += take;
        if (this.remaining === 0) this.endFrame();
        continue;
      }
      const headerLength = this.readHeader(chunk, position);
      if (headerLength < 0) {
        this.carry = Buffer.from(chunk.subarray(position));
        return;
      }
      position += headerLength;
      this.afterHeader();
    }
  }

  /** Decodes the header at `at`; returns its length, or -1 when it is not all there. */
  private readHeader(data: Buffer, at: number): number {
    if (data.length - at < 2) return -1;
    const first = data[at];
    const second = data[at + 1];
    let length = second & 0x7f;
    let headerLength = 2;
    if (length === 126) headerLength = 4;
    else if (length === 127) headerLength = 10;
    const masked = (second & 0x80) !== 0;
    if (masked) headerLength += 4;
    if (data.length - at < headerLength) return -1;
    if (length === 126) length = data.readUInt16BE(at + 2);
    else if (length === 127) length = Number(data.readBigUInt64BE(at + 2));
    this.maskKey = masked ? Buffer.from(data.subarray(at + headerLength - 4, at + headerLength)) : null;
    this.fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    this.control = opcode >= 8;
    this.frameOpcode = opcode;
    if (!this.control && opcode !== 0) {
      this.opcode = opcode;
      this.messageLength = 0;
      this.pieces = this.messageCount % SAMPLE_EVERY === 0 ? [] : null;
    }
    this.remaining = length;
    this.frameOffset = 0;
    return headerLength;
  }

  private afterHeader(): void {
    if (this.remaining === 0) this.endFrame();
  }

  private keep(piece: Buffer): void {
    if (this.control || !this.pieces) return;
    const copy = Buffer.from(piece);
    if (this.maskKey) for (let i = 0; i < copy.length; i++) copy[i] ^= this.maskKey[(this.frameOffset + i) & 3];
    this.frameOffset += copy.length;
    this.pieces.push(copy);
  }

  private endFrame(): void {
    if (this.control) return this.onControl(this.frameOpcode);
    if (!this.fin) return;
    const sample = this.pieces ? Buffer.concat(this.pieces) : null;
    this.pieces = null;
    this.messageCount++;
    this.onMessage(this.opcode, this.messageLength, sample);
  }
}

/** The upgrade request for one connection, and the Sec-WebSocket-Accept the server must answer. */
function upgradeRequest(port: number): { request: string; accept: string } {
  const key = crypto.randomBytes(16).toString('base64');
  const accept = crypto.createHash('sha1').update(key + GUID).digest('base64');
  const request =
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1\r\n\r\n`;
  return { request, accept };
}

/**
 * Connects and completes the opening handshake; resolves with the socket and any bytes that followed the 101.
 * Rejects on a status other than 101, a wrong Sec-WebSocket-Accept, an error or a timeout.
 */
export function connect(port: number): Promise<{ socket: net.Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const { request, accept } = upgradeRequest(port);
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error('handshake timed out')), DRAIN_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.on('error', fail);
    socket.on('connect', () => socket.write(request));
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', fail);
      socket.on('error', () => undefined);
      clearTimeout(timer);
      const text = head.subarray(0, end).toString('latin1');
      if (!text.startsWith('HTTP/1.1 101')) return fail(new Error(`handshake refused: ${text.split('\r\n')[0]}`));
      const answered = /sec-websocket-accept:\s*(\S+)/i.exec(text)?.[1];
      if (answered !== accept) return fail(new Error(`wrong Sec-WebSocket-Accept ${answered}`));
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}

/** Opens `total` connections with at most `concurrency` handshakes in flight; `onOpen` decides what to do with each. */
async function openMany(
  port: number,
  total: number,
  concurrency: number,
  deadline: number,
  onOpen: (socket: net.Socket, rest: Buffer) => void,
): Promise<number> {
  let started = 0;
  let opened = 0;
  const worker = async () => {
    while (started < total && Date.now() < deadline) {
      started++;
      const { socket, rest } = await connect(port);
      opened++;
      onOpen(socket, rest);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return opened;
}

/** A masked close frame with status 1000, which ends each handshake-benchmark connection politely. */
const CLOSE_FRAME = encodeFrame(8, Buffer.from([0x03, 0xe8]), Buffer.from([1, 2, 3, 4]));

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/** Checks one returned message against the payload sent; returns an error text or null. */
function check(payload: { opcode: number; bytes: Buffer }, opcode: number, length: number, sample: Buffer | null): string | null {
  if (opcode !== payload.opcode) return `opcode ${opcode}, expected ${payload.opcode}`;
  if (length !== payload.bytes.length) return `length ${length}, expected ${payload.bytes.length}`;
  if (sample && !sample.equals(payload.bytes)) return 'received bytes differ from the bytes sent';
  return null;
}

async function runMessages(job: MessagesJob): Promise<JobResult> {
  const payload = makePayload(job.payload);
  const batch = encodeBatch(payload.opcode, payload.bytes, job.batch);
  const sockets: { socket: net.Socket; rest: Buffer }[] = [];
  await openMany(job.port, job.connections, 50, Date.now() + DRAIN_TIMEOUT_MS, (socket, rest) => sockets.push({ socket, rest }));
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let lastEcho = start;
  let stopped = false;
  let count = 0;
  let verified = 0;
  let error: string | undefined;
  let outstanding = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  for (const { socket, rest } of sockets) {
    let sent = 0;
    let received = 0;
    let blocked = false;
    const pump = () => {
      while (!stopped && !blocked && sent - received + job.batch <= job.window && sent < job.maxMessagesPerConnection) {
        sent += job.batch;
        outstanding += job.batch;
        blocked = !socket.write(batch);
      }
      if (stopped && outstanding === 0) finish();
    };
    socket.on('drain', () => {
      blocked = false;
      pump();
    });
    const reader = new FrameReader((opcode, length, sample) => {
      const problem = check(payload, opcode, length, sample);
      if (problem && !error) error = problem;
      if (sample) verified++;
      received++;
      outstanding--;
      count++;
      lastEcho = performance.now();
      pump();
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('close', () => {
      if (!stopped && !error) error = 'the server closed a connection';
    });
    if (rest.length > 0) reader.push(rest);
    pump();
  }
  setTimeout(() => {
    stopped = true;
    if (outstanding === 0) finish();
  }, job.durationMs);
  const timeout = setTimeout(() => {
    error ??= `${outstanding} echoes still outstanding ${DRAIN_TIMEOUT_MS} ms after the end`;
    finish();
  }, job.durationMs + DRAIN_TIMEOUT_MS);
  // Every connection may also stop at maxMessagesPerConnection before the duration is up.
  const limitCheck = setInterval(() => {
    if (count >= job.maxMessagesPerConnection * job.connections) {
      stopped = true;
      if (outstanding === 0) finish();
    }
  }, 5);
  await done;
  clearTimeout(timeout);
  clearInterval(limitCheck);
  const loadgenCpuUs = cpuMicros(cpuStart);
  for (const { socket } of sockets) socket.destroy();
  return { count, bytes: count * payload.bytes.length, elapsedMs: lastEcho - start, verified, loadgenCpuUs, error };
}

async function runHandshakes(job: HandshakesJob): Promise<JobResult> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let error: string | undefined;
  let opened = 0;
  try {
    opened = await openMany(job.port, job.total, job.concurrency, Date.now() + job.durationMs, (socket) => {
      socket.on('data', () => undefined);
      socket.end(CLOSE_FRAME);
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  } catch (failure) {
    error = (failure as Error).message;
  }
  const elapsedMs = performance.now() - start;
  return { count: opened, bytes: 0, elapsedMs, verified: opened, loadgenCpuUs: cpuMicros(cpuStart), error };
}

const idleSockets: net.Socket[] = [];

async function runOpenIdle(job: OpenIdleJob): Promise<JobResult> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let error: string | undefined;
  try {
    await openMany(job.port, job.total, job.concurrency, Date.now() + job.durationMs, (socket) => {
      socket.on('data', () => undefined);
      idleSockets.push(socket);
    });
  } catch (failure) {
    error = (failure as Error).message;
  }
  const count = idleSockets.length;
  return { count, bytes: 0, elapsedMs: performance.now() - start, verified: count, loadgenCpuUs: cpuMicros(cpuStart), error };
}

function closeAll(): JobResult {
  const count = idleSockets.length;
  for (const socket of idleSockets.splice(0)) socket.destroy();
  return { count, bytes: 0, elapsedMs: 0, verified: 0, loadgenCpuUs: 0 };
}

async function runBroadcast(job: BroadcastJob): Promise<JobResult> {
  const payload = makePayload(job.payload);
  const batch = encodeBatch(payload.opcode, payload.bytes, job.batch);
  const receivers: { socket: net.Socket; rest: Buffer }[] = [];
  await openMany(job.port, job.receivers + 1, 50, Date.now() + DRAIN_TIMEOUT_MS, (socket, rest) => receivers.push({ socket, rest }));
  const sender = receivers.shift()!;
  const receivedBy = new Array<number>(receivers.length).fill(0);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let lastDelivery = start;
  let sent = 0;
  let count = 0;
  let verified = 0;
  let stopped = false;
  let blocked = false;
  let error: string | undefined;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const slowest = () => {
    let least = Infinity;
    for (const received of receivedBy) if (received < least) least = received;
    return least;
  };
  const allDelivered = () => count === sent * receivers.length;
  const pump = () => {
    if (!stopped && !blocked && sent - slowest() + job.batch <= job.window && sent < job.maxMessages) {
      while (!blocked && sent - slowest() + job.batch <= job.window && sent < job.maxMessages) {
        sent += job.batch;
        blocked = !sender.socket.write(batch);
      }
    }
    if ((stopped || sent >= job.maxMessages) && allDelivered()) finish();
  };
  sender.socket.on('drain', () => {
    blocked = false;
    pump();
  });
  sender.socket.on('data', () => undefined);
  receivers.forEach(({ socket, rest }, index) => {
    const reader = new FrameReader((opcode, length, sample) => {
      const problem = check(payload, opcode, length, sample);
      if (problem && !error) error = problem;
      if (sample) verified++;
      receivedBy[index]++;
      count++;
      lastDelivery = performance.now();
      pump();
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    if (rest.length > 0) reader.push(rest);
  });
  pump();
  setTimeout(() => {
    stopped = true;
    pump();
  }, job.durationMs);
  const timeout = setTimeout(() => {
    error ??= `${sent * receivers.length - count} deliveries still missing ${DRAIN_TIMEOUT_MS} ms after the end`;
    finish();
  }, job.durationMs + DRAIN_TIMEOUT_MS);
  await done;
  clearTimeout(timeout);
  const loadgenCpuUs = cpuMicros(cpuStart);
  sender.socket.destroy();
  for (const { socket } of receivers) socket.destroy();
  return { count, bytes: count * payload.bytes.length, elapsedMs: lastDelivery - start, verified, loadgenCpuUs, error };
}

/** How long the sink's connection may stay open after its result was collected, for the closing handshake. */
const CLOSE_GRACE_MS = 5000;
/** The unmasked text frame "done" the sink sends once every expected message has arrived. */
const DONE_FRAME = Buffer.from([0x81, 0x04, ...Buffer.from('done')]);
/** The sink's unmasked answer to the client's close frame: status 1000. */
const SINK_CLOSE_FRAME = Buffer.from([0x88, 0x02, 0x03, 0xe8]);

/** What the sink reads into: one buffer for the process, as a sink serves one connection at a time. */
const SINK_READ_BUFFER = Buffer.allocUnsafe(1 << 20);

/**
 * A socket on `accepted`'s connection that reads into SINK_READ_BUFFER and hands each read to `onBytes`.
 * Node reads a socket 64 KiB at a time into a fresh buffer; for one client sending at 1-2 GB/s that made the sink,
 * not the client, the limit of the scenario (its process near 100% CPU, mostly in the kernel's smaller reads).
 * `net.Server` has no public `onread`, so the accepted socket (created paused) gives its handle to a socket that
 * has one, and is then destroyed without it (which only settles the server's count of connections).
 */
function withSinkReadBuffer(accepted: net.Socket, onBytes: (data: Buffer) => void): net.Socket {
  const owner = accepted as unknown as { _handle: unknown };
  const handle = owner._handle;
  owner._handle = null;
  accepted.destroy();
  const options = {
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer: SINK_READ_BUFFER,
      callback: (length: number, buffer: Uint8Array) => {
        onBytes(Buffer.from(buffer.buffer, buffer.byteOffset, length));
        return true;
      },
    },
  };
  const socket = new net.Socket(options as net.SocketConstructorOpts);
  socket.resume();
  return socket;
}

/** The open sink of the client-send scenario, from its `sink-open` to its `sink-result`. */
interface Sink {
  server: net.Server;
  /** The client's connection, once it has connected. */
  socket: net.Socket | null;
  /** Settles when every expected message has arrived, or when the sink is given up. */
  result: Promise<JobResult>;
  /** Settles `result` with an error unless it has settled already. */
  giveUp: (reason: string) => void;
}

let openSinkState: Sink | null = null;

/** The 101 answer to an upgrade request head, or an error text when the head is not a WebSocket upgrade. */
function sinkHandshake(head: string): { response: string } | { error: string } {
  const key = /^sec-websocket-key:[ \t]*(\S+)/im.exec(head)?.[1];
  if (!head.startsWith('GET ')) return { error: `upgrade request is not a GET: ${head.split('\r\n')[0]}` };
  if (!/^upgrade:[ \t]*websocket/im.test(head)) return { error: 'upgrade request without Upgrade: websocket' };
  if (!/^sec-websocket-version:[ \t]*13\b/im.test(head)) return { error: 'upgrade request without Sec-WebSocket-Version: 13' };
  if (!key) return { error: 'upgrade request without Sec-WebSocket-Key' };
  const accept = crypto.createHash('sha1').update(key + GUID).digest('base64');
  return { response: `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n` };
}

/**
 * Listens for the client-send scenario's client: answers its upgrade, counts its binary messages (checking opcode
 * and length of each, bytes of the sampled ones), sends "done" after the last, and answers its close frame.
 */
function openSink(job: SinkOpenJob): Promise<SinkOpened> {
  if (openSinkState) return Promise.resolve({ port: 0, error: 'a sink is already open' });
  const expected = { opcode: 2, bytes: patternPayload(job.size) };
  let settle: (result: JobResult) => void = () => undefined;
  const result = new Promise<JobResult>((resolve) => (settle = resolve));
  let settled = false;
  let count = 0;
  let verified = 0;
  let error: string | undefined;
  let start = 0;
  let lastMessage = 0;
  let cpuStart: NodeJS.CpuUsage | null = null;
  const finish = (failure?: string) => {
    if (settled) return;
    settled = true;
    const elapsedMs = lastMessage - start;
    const loadgenCpuUs = cpuStart ? cpuMicros(cpuStart) : 0;
    settle({ count, bytes: count * job.size, elapsedMs, verified, loadgenCpuUs, error: error ?? failure });
  };
  let accepted = false;
  const server = net.createServer({ pauseOnConnect: true }, (connection) => {
    // One client per sink: a second connection would mix its frames into the count.
    if (accepted) return void connection.destroy();
    accepted = true;
    let onBytes = (data: Buffer) => onHead(data);
    const socket = withSinkReadBuffer(connection, (data) => onBytes(data));
    socket.on('error', () => undefined);
    sink.socket = socket;
    socket.setNoDelay(true);
    const reader = new FrameReader(
      (opcode, length, sample) => {
        lastMessage = performance.now();
        const problem = check(expected, opcode, length, sample);
        if (problem) error ??= `message ${count}: ${problem}`;
        if (sample) verified++;
        count++;
        if (count === job.messages) {
          finish();
          socket.write(DONE_FRAME);
        } else if (count > job.messages) {
          error ??= `more than the ${job.messages} messages expected`;
        }
      },
      (opcode) => {
        if (opcode === 8) socket.end(SINK_CLOSE_FRAME);
      },
    );
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const answer = sinkHandshake(head.subarray(0, end).toString('latin1'));
      if ('error' in answer) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return finish(answer.error);
      }
      socket.write(answer.response);
      const onFrames = (data: Buffer) => {
        if (!cpuStart) {
          start = performance.now();
          cpuStart = process.cpuUsage();
        }
        reader.push(data);
      };
      onBytes = onFrames;
      if (head.length > end + 4) onFrames(head.subarray(end + 4));
    };
    socket.on('close', () => {
      if (!settled) finish(`the client closed the connection after ${count} of ${job.messages} messages`);
    });
  });
  const sink: Sink = { server, socket: null, result, giveUp: finish };
  openSinkState = sink;
  return new Promise((resolve) => {
    server.once('error', (failure) => {
      openSinkState = null;
      resolve({ port: 0, error: failure.message });
    });
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port }));
  });
}

/** The open sink's result; a sink still short of its count is given up, as its client has answered already. */
async function sinkResult(): Promise<JobResult> {
  const sink = openSinkState;
  if (!sink) return { count: 0, bytes: 0, elapsedMs: 0, verified: 0, loadgenCpuUs: 0, error: 'no sink is open' };
  openSinkState = null;
  sink.giveUp('the client answered before the sink had every message');
  const result = await sink.result;
  // The connection normally ends with the client's close (answered above); a client that never closes is cut off.
  sink.server.close();
  const socket = sink.socket;
  if (socket) setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  return result;
}

async function run(job: Job): Promise<JobResult> {
  try {
    switch (job.type) {
      case 'messages':
        return await runMessages(job);
      case 'handshakes':
        return await runHandshakes(job);
      case 'open-idle':
        return await runOpenIdle(job);
      case 'close-all':
        return closeAll();
      case 'broadcast':
        return await runBroadcast(job);
      case 'sink-result':
        return await sinkResult();
    }
  } catch (failure) {
    return { count: 0, bytes: 0, elapsedMs: 0, verified: 0, loadgenCpuUs: 0, error: (failure as Error).message };
  }
}

if (require.main === module) {
  process.on('message', (job: Job | SinkOpenJob) => {
    void (job.type === 'sink-open' ? openSink(job) : run(job)).then((answer) => process.send?.(answer));
  });
  process.on('disconnect', () => process.exit(0));
}
