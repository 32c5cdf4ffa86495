/**
 * The RFC 6455 conformance cases, as data, numbered after the Autobahn testsuite's families. Each case is the
 * frames a raw peer sends (and how they are cut into socket writes) and what ferrosocket, echoing every message,
 * must send back: the exact frames, then a close frame with the exact code, then the end of the connection.
 *
 * Where RFC 6455 leaves a choice, the expectation is what ferrosocket's spec fixes (websocket-api.md §5.2 and §5.7,
 * POLICY.md): a close is answered with a close frame carrying only a code, 1000 for a valid received code (the RFC
 * says an endpoint "typically" echoes the code; 1.0.35 answers 1000, and POLICY class 1 keeps its close codes),
 * 1002 for an invalid one. The codes valid on receipt are 1000-1003, 1007-1015 and 3000-4999 (§5.2; this includes
 * 1015, which RFC 6455 §7.4.1 says is never sent, and 1012-1014, registered with IANA). A protocol error is
 * answered with a close frame carrying its code (1002, 1007 or 1009) and the connection is dropped.
 */
import { Random } from '../helpers/random';
import type { WireFrame } from '../helpers/wire';

/** The ferrosocket side under test. */
export type Side = 'server' | 'client';

/** How the raw peer cuts the encoded input into socket writes (each awaited before the next). */
export type Writes =
  /** One write. */
  | { kind: 'whole' }
  /** One write per byte. */
  | { kind: 'bytes' }
  /** Writes of 1 to `max` bytes, sizes drawn from a PRNG seeded with `seed`. */
  | { kind: 'random'; seed: number; max: number }
  /** One write per frame, `delayMs` apart. */
  | { kind: 'frames'; delayMs: number };

/** What the raw peer sends. */
export interface CaseInput {
  /**
   * The frames, in order. A frame without `mask` follows the sender's rule: masked (with a fixed key) toward the
   * server under test, unmasked toward the client under test; `mask: null` or a key overrides it.
   */
  frames: WireFrame[];
  /** Default: one write. */
  writes?: Writes;
}

/** A frame ferrosocket must send. RSV bits must be clear, and masking must follow its role. */
export interface ExpectedFrame {
  opcode: number;
  fin: boolean;
  payload: Buffer;
}

/** What ferrosocket must send back. */
export interface Expected {
  /** Every frame before its close frame, exactly (echoed messages, pongs). */
  frames: ExpectedFrame[];
  /** The code of its close frame, which must be its last frame; the connection must then end. */
  close: number;
  /** The exact reason of that close frame, when the case fixes it. */
  closeReason?: string;
  /** Fail-fast bound: the connection must end at most this many ms after the last write. */
  within?: number;
}

/** The size-related keys a case may set on the implementation under test (the driver turns keepalive off). */
export interface CaseConfig {
  maxReceivedFrameSize?: number;
  maxReceivedMessageSize?: number;
  fragmentOutgoingMessages?: boolean;
  fragmentationThreshold?: number;
}

/** One conformance case. */
export interface ConformanceCase {
  /** The family number (the first part of `id`). */
  family: number;
  /** Autobahn-style id, e.g. `5.9`. */
  id: string;
  description: string;
  /** The sides the case applies to. */
  sides: readonly Side[];
  /** Config of the implementation under test, over the driver's (keepalive off, fragmentOutgoingMessages false). */
  config?: CaseConfig;
  input: CaseInput;
  expected: Expected;
  /** How long the case may take in all, in ms (the driver's default is 3 s). */
  timeoutMs?: number;
}

/** Family names, for the tables. */
export const FAMILIES: Readonly<Record<number, string>> = {
  1: 'framing',
  2: 'ping/pong',
  3: 'reserved bits',
  4: 'reserved opcodes',
  5: 'fragmentation',
  6: 'UTF-8',
  7: 'close',
  9: 'large messages',
  10: 'auto-fragmentation',
};

const CONTINUATION = 0x0;
const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

const BOTH: readonly Side[] = ['server', 'client'];
/** A key for frames masked against the rule (toward the client under test). */
const WRONG_SIDE_KEY = Uint8Array.from([0x5a, 0xc3, 0x0f, 0x96]);
/** The fail-fast bound: far below any timer ferrosocket has (keepalive is off, closeTimeout is 5 s). */
const FAIL_FAST_MS = 500;
const KIB = 1024;
const MIB = 1024 * 1024;

type Bytes = string | Uint8Array | readonly number[];

function bytes(data: Bytes): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data as Uint8Array);
}

/** A frame to send: FIN set and no RSV bits unless `options` says otherwise. */
function frame(opcode: number, payload: Bytes = '', options: Omit<WireFrame, 'opcode' | 'payload'> = {}): WireFrame {
  return { opcode, payload: bytes(payload), ...options };
}

const text = (payload: Bytes, fin = true): WireFrame => frame(TEXT, payload, { fin });
const binary = (payload: Bytes, fin = true): WireFrame => frame(BINARY, payload, { fin });
const continuation = (payload: Bytes, fin = true): WireFrame => frame(CONTINUATION, payload, { fin });
const ping = (payload: Bytes = ''): WireFrame => frame(PING, payload);
const pong = (payload: Bytes = ''): WireFrame => frame(PONG, payload);

/** A close frame's payload: nothing when `code` is undefined, else the 2-byte code and the reason. */
function closePayload(code?: number, reason: Bytes = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, bytes(reason)]);
}

const close = (code?: number, reason: Bytes = ''): WireFrame => frame(CLOSE, closePayload(code, reason));

/** A frame ferrosocket must send. */
function expectFrame(opcode: number, payload: Bytes, fin = true): ExpectedFrame {
  return { opcode, fin, payload: bytes(payload) };
}

/** `payload` cut into fragments of `sizes` bytes: the first with `opcode`, then continuations, FIN on the last. */
function fragments(
  opcode: number,
  payload: Bytes,
  sizes: readonly number[],
): Array<{ opcode: number; fin: boolean; payload: Buffer }> {
  const data = bytes(payload);
  if (sizes.reduce((sum, size) => sum + size, 0) !== data.length) {
    throw new Error(`fragment sizes ${sizes.join('+')} do not add up to ${data.length}`);
  }
  let at = 0;
  return sizes.map((size, i) => {
    const piece = data.subarray(at, at + size);
    at += size;
    return { opcode: i === 0 ? opcode : CONTINUATION, fin: i === sizes.length - 1, payload: piece };
  });
}

/** `count` sizes of `size` bytes, then `rest` if it is not 0. */
function sizes(count: number, size: number, rest = 0): number[] {
  return [...Array<number>(count).fill(size), ...(rest > 0 ? [rest] : [])];
}

/** Printable ASCII, cycling, so a misplaced byte shows. */
function ascii(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = 0x21 + (i % 94);
  return out;
}

/** Reproducible random bytes. */
function randomBytes(length: number, seed: number): Buffer {
  return Buffer.from(new Random(seed).bytes(length));
}

/** Exactly `length` bytes of valid UTF-8 mixing 1- to 4-byte characters (ASCII dots fill the end). */
function utf8Text(length: number): Buffer {
  const unit = Buffer.from('ferrosocket κόσμε ✓ 🦀 ');
  const whole = Buffer.from(unit.toString('utf8').repeat(Math.floor(length / unit.length)));
  return Buffer.concat([whole, Buffer.alloc(length - whole.length, '.')]);
}

const cases: ConformanceCase[] = [];

interface CaseOptions {
  writes?: Writes;
  sides?: readonly Side[];
  config?: CaseConfig;
  timeoutMs?: number;
  within?: number;
}

function add(id: string, description: string, input: CaseInput, expected: Expected, options: CaseOptions): void {
  cases.push({
    family: Number(id.split('.')[0]),
    id,
    description,
    sides: options.sides ?? BOTH,
    ...(options.config ? { config: options.config } : {}),
    input,
    expected,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}

/** The peer sends `frames` and then closes with 1000; ferrosocket sends `replies`, then answers the close with 1000. */
function echoCase(
  id: string,
  description: string,
  frames: WireFrame[],
  replies: ExpectedFrame[],
  options: CaseOptions = {},
): void {
  add(
    id,
    description,
    { frames: [...frames, close(1000)], writes: options.writes },
    { frames: replies, close: 1000, closeReason: '' },
    options,
  );
}

/** The peer sends `frames`, its close among them; ferrosocket answers that close with 1000 and sends nothing else. */
function answeredCase(id: string, description: string, frames: WireFrame[], options: CaseOptions = {}): void {
  add(id, description, { frames, writes: options.writes }, { frames: [], close: 1000, closeReason: '' }, options);
}

/** The peer sends `frames`; ferrosocket sends `replies`, then fails the connection with `code`. */
function failCase(
  id: string,
  description: string,
  frames: WireFrame[],
  replies: ExpectedFrame[],
  code: number,
  options: CaseOptions = {},
): void {
  add(
    id,
    description,
    { frames, writes: options.writes },
    { frames: replies, close: code, within: options.within },
    options,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// 1 Framing: payload lengths at each length-encoding boundary, in one write, byte by byte, and in random pieces;
// masking as RFC 6455 §5.1 requires it.

const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];
const WRITE_MODES: ReadonlyArray<[string, (length: number) => Writes]> = [
  ['in one write', () => ({ kind: 'whole' })],
  ['in 1-byte writes', () => ({ kind: 'bytes' })],
  ['in random writes of 1-64 bytes', (length) => ({ kind: 'random', seed: length + 1, max: 64 })],
];
WRITE_MODES.forEach(([how, writes], mode) => {
  for (const [kind, opcode] of [
    ['text', TEXT],
    ['binary', BINARY],
  ] as const) {
    const group = mode * 2 + (opcode === TEXT ? 1 : 2);
    LENGTHS.forEach((length, i) => {
      const payload = opcode === TEXT ? ascii(length) : randomBytes(length, length);
      echoCase(
        `1.${group}.${i + 1}`,
        `${kind}, ${length}-byte payload, ${how}, echoed`,
        [frame(opcode, payload)],
        [expectFrame(opcode, payload)],
        {
          writes: writes(length),
          // One event-loop turn per write: 64 KiB byte by byte takes a few seconds.
          timeoutMs: length > 0x1000 ? 15000 : undefined,
        },
      );
    });
  }
});
failCase('1.7.1', 'an unmasked frame to the server → 1002', [frame(TEXT, 'unmasked', { mask: null })], [], 1002, {
  sides: ['server'],
});
failCase('1.7.2', 'a masked frame to the client → 1002', [frame(TEXT, 'masked', { mask: WRONG_SIDE_KEY })], [], 1002, {
  sides: ['client'],
});
echoCase(
  '1.7.3',
  'a frame masked with the all-zero key is masked, echoed',
  [frame(TEXT, 'zero key', { mask: new Uint8Array(4) })],
  [expectFrame(TEXT, 'zero key')],
  {
    sides: ['server'],
  },
);
failCase(
  '1.7.4',
  'a masked frame, then an unmasked one → the first echoed, then 1002',
  [text('masked'), frame(TEXT, 'unmasked', { mask: null })],
  [expectFrame(TEXT, 'masked')],
  1002,
  {
    sides: ['server'],
  },
);
failCase(
  '1.7.5',
  'an unmasked frame, then a masked one → the first echoed, then 1002',
  [text('unmasked'), frame(TEXT, 'masked', { mask: WRONG_SIDE_KEY })],
  [expectFrame(TEXT, 'unmasked')],
  1002,
  {
    sides: ['client'],
  },
);

// ---------------------------------------------------------------------------------------------------------------
// 2 Ping/pong (RFC 6455 §5.5.2, §5.5.3).

const PING_BINARY = Uint8Array.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);
const PING_125 = randomBytes(125, 125);
const TEN = Array.from({ length: 10 }, (_, i) => `ping #${i}`);
echoCase('2.1', 'ping without payload → empty pong', [ping()], [expectFrame(PONG, '')]);
echoCase(
  '2.2',
  'ping with a short text payload → the same pong',
  [ping('Hello, world!')],
  [expectFrame(PONG, 'Hello, world!')],
);
echoCase(
  '2.3',
  'ping with a short binary payload → the same pong',
  [ping(PING_BINARY)],
  [expectFrame(PONG, PING_BINARY)],
);
echoCase('2.4', 'ping with a 125-byte binary payload → the same pong', [ping(PING_125)], [expectFrame(PONG, PING_125)]);
failCase('2.5', 'ping with a 126-byte payload → 1002, no pong', [ping(randomBytes(126, 126)), text('after')], [], 1002);
echoCase('2.6', '125-byte ping in 1-byte writes → the same pong', [ping(PING_125)], [expectFrame(PONG, PING_125)], {
  writes: { kind: 'bytes' },
});
echoCase('2.7', 'unsolicited empty pong ignored', [pong(), text('after')], [expectFrame(TEXT, 'after')]);
echoCase(
  '2.8',
  'unsolicited pong with payload ignored',
  [pong('unsolicited'), text('after')],
  [expectFrame(TEXT, 'after')],
);
echoCase(
  '2.9',
  'unsolicited pong, then a ping → one pong, for the ping',
  [pong('unsolicited'), ping('solicited')],
  [expectFrame(PONG, 'solicited')],
);
echoCase(
  '2.10',
  '10 pings in one write → 10 pongs in order',
  TEN.map((payload) => ping(payload)),
  TEN.map((payload) => expectFrame(PONG, payload)),
);
echoCase(
  '2.11',
  '10 pings in 1-byte writes → 10 pongs in order',
  TEN.map((payload) => ping(payload)),
  TEN.map((payload) => expectFrame(PONG, payload)),
  {
    writes: { kind: 'bytes' },
  },
);
failCase('2.12', 'pong with a 126-byte payload → 1002', [pong(randomBytes(126, 127)), text('after')], [], 1002);

// ---------------------------------------------------------------------------------------------------------------
// 3 Reserved bits (RFC 6455 §5.2: no extension is negotiated, so any RSV bit fails the connection). A valid text
// before the bad frame is echoed; nothing from the bad frame on is.

const RSV_BITS: ReadonlyArray<[string, number]> = [
  ['RSV1', 4],
  ['RSV2', 2],
  ['RSV3', 1],
];
let rsvCase = 1;
for (const [kind, bad] of [
  ['text', (rsv: number) => frame(TEXT, 'reserved', { rsv })],
  ['binary', (rsv: number) => frame(BINARY, Uint8Array.from([1, 2, 3]), { rsv })],
  ['ping', (rsv: number) => frame(PING, 'reserved', { rsv })],
] as const) {
  for (const [name, rsv] of RSV_BITS) {
    failCase(
      `3.${rsvCase++}`,
      `${kind} with ${name} → 1002, nothing echoed for it`,
      [text('before'), bad(rsv), text('after')],
      [expectFrame(TEXT, 'before')],
      1002,
    );
  }
}
failCase(
  '3.10',
  'close with RSV1 → 1002',
  [text('before'), frame(CLOSE, closePayload(1000), { rsv: 4 })],
  [expectFrame(TEXT, 'before')],
  1002,
);
failCase(
  '3.11',
  'text with all three RSV bits → 1002',
  [text('before'), frame(TEXT, 'reserved', { rsv: 7 }), ping('after')],
  [expectFrame(TEXT, 'before')],
  1002,
);

// ---------------------------------------------------------------------------------------------------------------
// 4 Reserved opcodes (RFC 6455 §5.2: 0x3-0x7 are reserved data opcodes, 0xB-0xF reserved control opcodes).

[0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf].forEach((opcode, i) => {
  failCase(
    `4.${i + 1}`,
    `reserved opcode 0x${opcode.toString(16).toUpperCase()} → 1002`,
    [text('before'), frame(opcode, i % 2 === 0 ? 'reserved' : ''), ping('after')],
    [expectFrame(TEXT, 'before')],
    1002,
  );
});
failCase(
  '4.11',
  'reserved opcode 0xB between fragments → 1002, the message not delivered',
  [text('frag', false), frame(0xb), continuation('ment')],
  [],
  1002,
);

// ---------------------------------------------------------------------------------------------------------------
// 5 Fragmentation (RFC 6455 §5.4).

const FIVE = ['fr', 'ag', 'me', 'nt', 'ed'];
const EIGHT = randomBytes(8 * 37, 8);
failCase('5.1', 'ping in 2 fragments → 1002', [frame(PING, 'frag', { fin: false }), continuation('ment')], [], 1002);
failCase('5.2', 'pong in 2 fragments → 1002', [frame(PONG, 'frag', { fin: false }), continuation('ment')], [], 1002);
failCase(
  '5.3',
  'close in 2 fragments → 1002',
  [frame(CLOSE, closePayload(1000), { fin: false }), continuation('')],
  [],
  1002,
);
echoCase(
  '5.4',
  'text in 2 fragments → one text message',
  [text('frag', false), continuation('ment')],
  [expectFrame(TEXT, 'fragment')],
);
echoCase('5.5', 'text in 5 fragments → one text message', fragments(TEXT, FIVE.join(''), [2, 2, 2, 2, 2]), [
  expectFrame(TEXT, 'fragmented'),
]);
echoCase('5.6', 'binary in 2 fragments → one binary message', fragments(BINARY, EIGHT, [100, EIGHT.length - 100]), [
  expectFrame(BINARY, EIGHT),
]);
echoCase('5.7', 'binary in 8 fragments → one binary message', fragments(BINARY, EIGHT, sizes(8, 37)), [
  expectFrame(BINARY, EIGHT),
]);
echoCase(
  '5.8',
  'text with empty first and last fragments → one text message',
  [text('', false), continuation('middle', false), continuation('')],
  [expectFrame(TEXT, 'middle')],
);
echoCase(
  '5.9',
  'text of empty fragments only → one empty text message',
  [text('', false), continuation('', false), continuation('')],
  [expectFrame(TEXT, '')],
);
echoCase(
  '5.10',
  'ping between fragments → pong, and the message still completes',
  [text('frag', false), ping('between'), continuation('ment')],
  [expectFrame(PONG, 'between'), expectFrame(TEXT, 'fragment')],
);
echoCase(
  '5.11',
  'ping between fragments, in 1-byte writes',
  [text('frag', false), ping('between'), continuation('ment')],
  [expectFrame(PONG, 'between'), expectFrame(TEXT, 'fragment')],
  {
    writes: { kind: 'bytes' },
  },
);
echoCase(
  '5.12',
  'a ping between every 2 of 4 binary fragments → 3 pongs, then the message',
  fragments(BINARY, EIGHT, sizes(4, 74)).flatMap((piece, i) => (i === 0 ? [piece] : [ping(`p${i}`), piece])),
  [expectFrame(PONG, 'p1'), expectFrame(PONG, 'p2'), expectFrame(PONG, 'p3'), expectFrame(BINARY, EIGHT)],
);
echoCase(
  '5.13',
  'text in 5 fragments with pings between, one write per frame 10 ms apart',
  fragments(TEXT, FIVE.join(''), [2, 2, 2, 2, 2]).flatMap((piece, i) => (i === 0 ? [piece] : [ping(`p${i}`), piece])),
  [...[1, 2, 3, 4].map((i) => expectFrame(PONG, `p${i}`)), expectFrame(TEXT, 'fragmented')],
  { writes: { kind: 'frames', delayMs: 10 } },
);
echoCase(
  '5.14',
  'unsolicited pong between fragments ignored',
  [text('frag', false), pong('between'), continuation('ment')],
  [expectFrame(TEXT, 'fragment')],
);
failCase(
  '5.15',
  'continuation with FIN and no message started → 1002',
  [continuation('orphan'), text('after')],
  [],
  1002,
);
failCase(
  '5.16',
  'continuation without FIN and no message started → 1002',
  [continuation('orphan', false), continuation('end'), text('after')],
  [],
  1002,
);
failCase(
  '5.17',
  'continuation after a complete message → the message echoed, then 1002',
  [text('complete'), continuation('orphan')],
  [expectFrame(TEXT, 'complete')],
  1002,
);
failCase(
  '5.18',
  'text start in the middle of a text message → 1002',
  [text('frag', false), text('new'), continuation('ment')],
  [],
  1002,
);
failCase(
  '5.19',
  'binary start in the middle of a text message → 1002',
  [text('frag', false), binary([1, 2]), continuation('ment')],
  [],
  1002,
);
failCase(
  '5.20',
  'text start in the middle of a binary message → 1002',
  [binary([1, 2], false), text('new'), continuation([3])],
  [],
  1002,
);
failCase(
  '5.21',
  'unfinished text start in the middle of a text message → 1002',
  [text('frag', false), text('new', false), continuation('ment')],
  [],
  1002,
);

// ---------------------------------------------------------------------------------------------------------------
// 6 UTF-8 (RFC 6455 §8.1, RFC 3629): valid text echoed exactly, invalid text fails with 1007, as soon as the bytes
// that make it invalid have arrived.

const BOUNDARIES: ReadonlyArray<[string, string]> = [
  ['U+0000', '\u0000'],
  ['U+007F', '\u007f'],
  ['U+0080', '\u0080'],
  ['U+07FF', '\u07ff'],
  ['U+0800', '\u0800'],
  ['U+D7FF', '\ud7ff'],
  ['U+E000', '\ue000'],
  ['U+FEFF (BOM, kept)', '\ufeff'],
  ['U+FFFD', '\ufffd'],
  ['U+FFFF', '\uffff'],
  ['U+10000', '\u{10000}'],
  ['U+10FFFF', '\u{10ffff}'],
];
BOUNDARIES.forEach(([name, character], i) => {
  const encoded = bytes(character);
  echoCase(
    `6.1.${i + 1}`,
    `${name} (${encoded.toString('hex')}) echoed exactly`,
    [text(encoded)],
    [expectFrame(TEXT, encoded)],
  );
});
const ALL_BOUNDARIES = bytes(BOUNDARIES.map(([, character]) => character).join(''));
const GREETING = 'Hello-µ@ßöäüàá-UTF-8!!';
echoCase('6.2.1', `"${GREETING}" echoed exactly`, [text(GREETING)], [expectFrame(TEXT, GREETING)]);
echoCase('6.2.2', '"κόσμε" in 1-byte writes, echoed exactly', [text('κόσμε')], [expectFrame(TEXT, 'κόσμε')], {
  writes: { kind: 'bytes' },
});
echoCase(
  '6.2.3',
  'every boundary code point, one fragment per byte, echoed as one message',
  fragments(TEXT, ALL_BOUNDARIES, sizes(ALL_BOUNDARIES.length, 1)),
  [expectFrame(TEXT, ALL_BOUNDARIES)],
);
echoCase(
  '6.2.4',
  'every boundary code point, one fragment per byte, in one write per frame',
  fragments(TEXT, ALL_BOUNDARIES, sizes(ALL_BOUNDARIES.length, 1)),
  [expectFrame(TEXT, ALL_BOUNDARIES)],
  {
    writes: { kind: 'frames', delayMs: 0 },
  },
);

/** An invalid sequence; `atEnd` ones (valid prefixes) are only invalid because the message ends there. */
interface InvalidSequence {
  name: string;
  sequence: readonly number[];
  atEnd?: boolean;
}
const INVALID: readonly InvalidSequence[] = [
  { name: 'overlong U+0000 in 2 bytes', sequence: [0xc0, 0x80] },
  { name: 'overlong "/" in 2 bytes', sequence: [0xc0, 0xaf] },
  { name: 'overlong U+007F in 2 bytes', sequence: [0xc1, 0xbf] },
  { name: 'overlong "/" in 3 bytes', sequence: [0xe0, 0x80, 0xaf] },
  { name: 'overlong U+07FF in 3 bytes', sequence: [0xe0, 0x9f, 0xbf] },
  { name: 'overlong "/" in 4 bytes', sequence: [0xf0, 0x80, 0x80, 0xaf] },
  { name: 'overlong U+FFFF in 4 bytes', sequence: [0xf0, 0x8f, 0xbf, 0xbf] },
  { name: 'surrogate U+D800', sequence: [0xed, 0xa0, 0x80] },
  { name: 'surrogate U+DBFF', sequence: [0xed, 0xaf, 0xbf] },
  { name: 'surrogate U+DC00', sequence: [0xed, 0xb0, 0x80] },
  { name: 'surrogate U+DFFF', sequence: [0xed, 0xbf, 0xbf] },
  { name: 'surrogate pair U+D800 U+DC00 (CESU-8)', sequence: [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80] },
  { name: 'U+110000 (above U+10FFFF)', sequence: [0xf4, 0x90, 0x80, 0x80] },
  { name: 'U+1FFFFF (above U+10FFFF)', sequence: [0xf7, 0xbf, 0xbf, 0xbf] },
  { name: 'lead byte F5', sequence: [0xf5, 0x80, 0x80, 0x80] },
  { name: '5-byte form F8', sequence: [0xf8, 0x88, 0x80, 0x80, 0x80] },
  { name: '6-byte form FC', sequence: [0xfc, 0x84, 0x80, 0x80, 0x80, 0x80] },
  { name: 'byte FE', sequence: [0xfe] },
  { name: 'byte FF', sequence: [0xff] },
  { name: 'lone continuation 80', sequence: [0x80] },
  { name: 'lone continuation BF', sequence: [0xbf] },
  { name: 'continuations 80 BF 80 BF', sequence: [0x80, 0xbf, 0x80, 0xbf] },
  { name: '2-byte sequence cut after its lead, then ASCII', sequence: [0xc2, 0x41] },
  { name: '3-byte sequence cut after 2 bytes, then ASCII', sequence: [0xe0, 0xa0, 0x41] },
  { name: '4-byte sequence cut after 3 bytes, then ASCII', sequence: [0xf0, 0x90, 0x80, 0x41] },
  { name: 'truncated at the end: C2', sequence: [0xc2], atEnd: true },
  { name: 'truncated at the end: E0 A0', sequence: [0xe0, 0xa0], atEnd: true },
  { name: 'truncated at the end: F0 90 80', sequence: [0xf0, 0x90, 0x80], atEnd: true },
  { name: 'truncated at the end: F4 8F BF', sequence: [0xf4, 0x8f, 0xbf], atEnd: true },
];
const BEFORE = bytes('κόσμε-');
const AFTER = bytes('-κόσμε');
INVALID.forEach(({ name, sequence, atEnd }, i) => {
  const bad = Buffer.from(sequence);
  const hex = bad.toString('hex');
  const whole = Buffer.concat([BEFORE, bad, atEnd ? Buffer.alloc(0) : AFTER]);
  failCase(`6.3.${i + 1}`, `${name} (${hex}) in one frame → 1007`, [text(whole)], [], 1007);
  // Cut inside the sequence; a truncated sequence ends the first fragment and an empty one ends the message.
  const cut = BEFORE.length + Math.ceil(bad.length / 2);
  const split = atEnd
    ? [text(whole, false), continuation('')]
    : [text(whole.subarray(0, cut), false), continuation(whole.subarray(cut))];
  failCase(`6.4.${i + 1}`, `${name} (${hex}) split across 2 fragments → 1007`, split, [], 1007);
});
INVALID.filter(({ atEnd }) => !atEnd).forEach(({ name, sequence }, i) => {
  const bad = Buffer.from(sequence);
  failCase(
    `6.5.${i + 1}`,
    `fail fast: ${name} (${bad.toString('hex')}) in a first fragment, message never ended → 1007 in ${FAIL_FAST_MS} ms`,
    [text(Buffer.concat([BEFORE, bad, AFTER]), false)],
    [],
    1007,
    { within: FAIL_FAST_MS },
  );
});
const IMPOSSIBLE_PREFIXES: ReadonlyArray<[string, readonly number[]]> = [
  ['overlong E0 80', [0xe0, 0x80]],
  ['overlong F0 80', [0xf0, 0x80]],
  ['surrogate ED A0', [0xed, 0xa0]],
  ['above U+10FFFF F4 90', [0xf4, 0x90]],
  ['lead C1', [0xc1]],
  ['lead F5', [0xf5]],
  ['lone continuation 80', [0x80]],
];
IMPOSSIBLE_PREFIXES.forEach(([name, prefix], i) => {
  failCase(
    `6.6.${i + 1}`,
    `fail fast: a first fragment ending in ${name} (no completion possible), never ended → 1007 in ${FAIL_FAST_MS} ms`,
    [text(Buffer.concat([BEFORE, Buffer.from(prefix)]), false)],
    [],
    1007,
    { within: FAIL_FAST_MS },
  );
});
// A text frame declaring 256 bytes of which only the first few are sent, so the frame itself never completes.
failCase(
  '6.7.1',
  `fail fast: FF in the first bytes of an unfinished 256-byte frame → 1007 in ${FAIL_FAST_MS} ms`,
  [frame(TEXT, Buffer.concat([BEFORE, Buffer.from([0xff])]), { length: 256 })],
  [],
  1007,
  { within: FAIL_FAST_MS },
);
failCase(
  '6.7.2',
  `fail fast: a surrogate in the first bytes of an unfinished 256-byte frame → 1007 in ${FAIL_FAST_MS} ms`,
  [frame(TEXT, Buffer.concat([BEFORE, Buffer.from([0xed, 0xa0, 0x80])]), { length: 256 })],
  [],
  1007,
  { within: FAIL_FAST_MS },
);

// ---------------------------------------------------------------------------------------------------------------
// 7 Close (RFC 6455 §5.5.1, §7.4; the reply codes of websocket-api.md §5.7, described at the top of this file).

const REASON_123 = ascii(123);
answeredCase('7.1.1', 'close without payload → reply 1000', [close()]);
answeredCase('7.1.2', 'close 1000 "bye" → reply 1000 without reason', [close(1000, 'bye')]);
answeredCase('7.1.3', 'close 1000 with a 123-byte reason (125-byte payload) → reply 1000', [close(1000, REASON_123)]);
failCase('7.1.4', 'close 1000 with a 124-byte reason (126-byte payload) → 1002', [close(1000, ascii(124))], [], 1002);
answeredCase('7.1.5', 'close 1000 with a UTF-8 reason "κόσμε" → reply 1000', [close(1000, 'κόσμε')]);
echoCase(
  '7.1.6',
  'text then close in one write → text echoed, then reply 1000',
  [text('last words')],
  [expectFrame(TEXT, 'last words')],
);
answeredCase('7.1.7', 'text after the close is ignored, not echoed', [close(1000), text('too late')]);
answeredCase('7.1.8', 'binary after the close is ignored, not echoed', [close(1000), binary([1, 2, 3])]);
answeredCase('7.1.9', 'ping after the close is not answered', [close(1000), ping('too late')]);
answeredCase('7.1.10', 'close in 1-byte writes → reply 1000', [close(1000, 'bye')], { writes: { kind: 'bytes' } });
failCase('7.3.1', 'close with a 1-byte payload → 1002', [frame(CLOSE, [0x03])], [], 1002);
failCase(
  '7.5.1',
  'close reason with a surrogate (invalid UTF-8) → 1007',
  [close(1000, Buffer.concat([bytes('κόσμε'), Buffer.from([0xed, 0xa0, 0x80]), bytes('edited')]))],
  [],
  1007,
);
failCase('7.5.2', 'close reason of 1 invalid byte (FF) → 1007', [close(1000, [0xff])], [], 1007);
failCase('7.5.3', 'close reason with an overlong "/" (C0 AF) → 1007', [close(1000, [0x61, 0xc0, 0xaf])], [], 1007);
failCase('7.5.4', 'close reason ending inside a character (CE) → 1007', [close(1000, [0x61, 0x62, 0xce])], [], 1007);

/** Codes valid on receipt (websocket-api.md §5.2), answered with 1000. */
const VALID_CODES: ReadonlyArray<[number, string]> = [
  [1000, 'normal'],
  [1001, 'going away'],
  [1002, 'protocol error'],
  [1003, 'unsupported data'],
  [1007, 'invalid payload'],
  [1008, 'policy violation'],
  [1009, 'message too big'],
  [1010, 'extension required'],
  [1011, 'internal error'],
  [1012, 'service restart, IANA-registered'],
  [1013, 'try again later, IANA-registered'],
  [1014, 'bad gateway, IANA-registered'],
  [1015, 'TLS failure: never sent per RFC §7.4.1, valid on receipt per spec §5.2'],
  [3000, 'lowest registered-library code'],
  [3999, 'highest registered-library code'],
  [4000, 'lowest private code'],
  [4999, 'highest private code'],
];
VALID_CODES.forEach(([code, note], i) => {
  answeredCase(`7.7.${i + 1}`, `close ${code} (valid: ${note}) → reply 1000`, [close(code, 'reason')]);
});
/** Codes invalid on receipt (websocket-api.md §5.2), answered with 1002. */
const INVALID_CODES: ReadonlyArray<[number, string]> = [
  [0, 'below 1000'],
  [999, 'below 1000'],
  [1004, 'reserved'],
  [1005, 'no status: never on the wire'],
  [1006, 'abnormal closure: never on the wire'],
  [1016, 'unassigned'],
  [1100, 'unassigned'],
  [2000, 'unassigned'],
  [2999, 'unassigned'],
  [5000, 'above 4999'],
  [65535, 'above 4999'],
];
INVALID_CODES.forEach(([code, note], i) => {
  failCase(`7.9.${i + 1}`, `close ${code} (invalid: ${note}) → reply 1002`, [close(code, 'reason')], [], 1002);
});

// ---------------------------------------------------------------------------------------------------------------
// 9 Large messages, echoed byte for byte (limits raised on the side under test), and the size limits themselves.

const LARGE_CONFIG: CaseConfig = { maxReceivedFrameSize: 32 * MIB, maxReceivedMessageSize: 32 * MIB };
const LARGE_SIZES: ReadonlyArray<[number, string]> = [
  [64 * KIB, '64 KiB'],
  [MIB, '1 MiB'],
  [4 * MIB, '4 MiB'],
  [16 * MIB, '16 MiB'],
];
const LARGE_TEXTS = LARGE_SIZES.map(([size]) => utf8Text(size));
const LARGE_BINARY = randomBytes(16 * MIB, 16);
LARGE_SIZES.forEach(([, name], i) => {
  const payload = LARGE_TEXTS[i];
  echoCase(`9.1.${i + 1}`, `${name} text in one frame, echoed`, [text(payload)], [expectFrame(TEXT, payload)], {
    config: LARGE_CONFIG,
    timeoutMs: 20000,
  });
});
LARGE_SIZES.forEach(([size, name], i) => {
  const payload = LARGE_BINARY.subarray(0, size);
  echoCase(`9.2.${i + 1}`, `${name} binary in one frame, echoed`, [binary(payload)], [expectFrame(BINARY, payload)], {
    config: LARGE_CONFIG,
    timeoutMs: 20000,
  });
});
const FOUR_MIB_TEXT = LARGE_TEXTS[2];
echoCase(
  '9.3.1',
  '4 MiB text in 64 KiB fragments (cut inside characters), echoed as one message',
  fragments(TEXT, FOUR_MIB_TEXT, sizes(64, 64 * KIB)),
  [expectFrame(TEXT, FOUR_MIB_TEXT)],
  { config: LARGE_CONFIG, timeoutMs: 20000 },
);
echoCase(
  '9.3.2',
  '4 MiB binary in 4 KiB fragments, echoed as one message',
  fragments(BINARY, LARGE_BINARY.subarray(0, 4 * MIB), sizes(1024, 4 * KIB)),
  [expectFrame(BINARY, LARGE_BINARY.subarray(0, 4 * MIB))],
  { config: LARGE_CONFIG, timeoutMs: 20000 },
);
echoCase(
  '9.4.1',
  '1 MiB binary in random writes of up to 16 KiB, echoed',
  [binary(LARGE_BINARY.subarray(0, MIB))],
  [expectFrame(BINARY, LARGE_BINARY.subarray(0, MIB))],
  {
    config: LARGE_CONFIG,
    writes: { kind: 'random', seed: 94, max: 16 * KIB },
    timeoutMs: 20000,
  },
);
const AT_LIMIT = randomBytes(1000, 951);
echoCase(
  '9.5.1',
  'a 1000-byte message at both limits of 1000, echoed',
  [binary(AT_LIMIT)],
  [expectFrame(BINARY, AT_LIMIT)],
  {
    config: { maxReceivedFrameSize: 1000, maxReceivedMessageSize: 1000 },
  },
);
failCase('9.5.2', 'a frame 1 byte over maxReceivedFrameSize → 1009', [binary(randomBytes(1001, 952))], [], 1009, {
  config: { maxReceivedFrameSize: 1000 },
});
failCase(
  '9.5.3',
  'an unfragmented message 1 byte over maxReceivedMessageSize → 1009',
  [binary(randomBytes(1001, 953))],
  [],
  1009,
  {
    config: { maxReceivedMessageSize: 1000 },
  },
);
failCase(
  '9.5.4',
  'a fragmented message over maxReceivedMessageSize → 1009',
  fragments(BINARY, randomBytes(1200, 954), [600, 600]),
  [],
  1009,
  {
    config: { maxReceivedMessageSize: 1000 },
  },
);

// ---------------------------------------------------------------------------------------------------------------
// 10 Auto-fragmentation: with fragmentOutgoingMessages, an echoed message longer than fragmentationThreshold goes
// out as fragments of exactly that size (continuations after the first, FIN on the last).

const FRAGMENTING: CaseConfig = { fragmentOutgoingMessages: true, fragmentationThreshold: 100 };
function autoFragmentCase(
  id: string,
  description: string,
  opcode: number,
  payload: Buffer,
  expected: readonly number[],
  config = FRAGMENTING,
  input?: WireFrame[],
): void {
  echoCase(id, description, input ?? [frame(opcode, payload)], fragments(opcode, payload, expected), { config });
}
autoFragmentCase('10.1', 'threshold 100: 99-byte text → 1 frame', TEXT, ascii(99), [99]);
autoFragmentCase('10.2', 'threshold 100: 100-byte text → 1 frame', TEXT, ascii(100), [100]);
autoFragmentCase('10.3', 'threshold 100: 101-byte text → 100 + 1', TEXT, ascii(101), [100, 1]);
autoFragmentCase('10.4', 'threshold 100: 250-byte text → 100 + 100 + 50', TEXT, ascii(250), [100, 100, 50]);
autoFragmentCase('10.5', 'threshold 100: 300-byte text → 3 × 100', TEXT, ascii(300), [100, 100, 100]);
autoFragmentCase('10.6', 'threshold 100: empty binary → 1 empty frame', BINARY, Buffer.alloc(0), [0]);
autoFragmentCase(
  '10.7',
  'threshold 100: 503-byte binary → 5 × 100 + 3',
  BINARY,
  randomBytes(503, 107),
  sizes(5, 100, 3),
);
autoFragmentCase(
  '10.8',
  'threshold 7: 100 bytes of "é" → 14 × 7 + 2, cut inside characters',
  TEXT,
  bytes('é'.repeat(50)),
  sizes(14, 7, 2),
  {
    fragmentOutgoingMessages: true,
    fragmentationThreshold: 7,
  },
);
autoFragmentCase(
  '10.9',
  'default threshold (16 KiB): 40000-byte binary → 16384 + 16384 + 7232',
  BINARY,
  randomBytes(40000, 109),
  [16384, 16384, 7232],
  {
    fragmentOutgoingMessages: true,
  },
);
const REFRAGMENTED = ascii(120);
autoFragmentCase(
  '10.10',
  'threshold 100: a text received in 4 × 30 goes out as 100 + 20',
  TEXT,
  REFRAGMENTED,
  [100, 20],
  FRAGMENTING,
  fragments(TEXT, REFRAGMENTED, [30, 30, 30, 30]),
);

/** Every case, in order. */
export const CASES: readonly ConformanceCase[] = cases;

/** The cases that apply to `side`. */
export function casesFor(side: Side): ConformanceCase[] {
  return CASES.filter((testCase) => testCase.sides.includes(side));
}
