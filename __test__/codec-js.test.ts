import test, { type ExecutionContext } from 'ava';
import { isUtf8 } from 'node:buffer';

import { jsCodec } from '../ts/codec/js';
import { JsUtf8Validator } from '../ts/codec/js-utf8';
import {
  DESCRIPTOR_SLOTS,
  DescriptorFlag,
  Masking,
  PARSE_ERROR_STATUS,
  ParseError,
  type FrameParser,
  type ParserOptions,
} from '../ts/codec/types';

// ---- helpers: a frame encoder and descriptor readers (test-only) ----

const FIN = DescriptorFlag.Fin;
const RSV1 = DescriptorFlag.Rsv1;
const MASKED = DescriptorFlag.Masked;
const START = DescriptorFlag.Start;
const END = DescriptorFlag.End;
const ERROR = DescriptorFlag.Error;
const WHOLE = START | END;

interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string | number[];
  fin?: boolean;
  /** RSV bits as the 3-bit set of ParserOptions.allowedRsv (4 = RSV1). */
  rsv?: number;
  key?: number[];
  /** Force a length form: 7-bit, 16-bit or 64-bit. */
  form?: 7 | 16 | 64;
  /** Declared length, when it must differ from the payload given (a truncated frame, or a bad 64-bit length). */
  declared?: bigint;
}

function bytes(payload: Uint8Array | string | number[] | undefined): Buffer {
  if (payload === undefined) return Buffer.alloc(0);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  return Buffer.from(payload);
}

/** Encodes one frame as it would appear on the wire (masked with `key` when given). */
function frame(spec: FrameSpec): Buffer {
  const payload = bytes(spec.payload);
  const declared = spec.declared ?? BigInt(payload.length);
  const form = spec.form ?? (declared < 126n ? 7 : declared < 65536n ? 16 : 64);
  const b0 = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode;
  const maskBit = spec.key ? 0x80 : 0;
  let header: Buffer;
  if (form === 7) header = Buffer.from([b0, maskBit | Number(declared)]);
  else if (form === 16) {
    header = Buffer.from([b0, maskBit | 126, 0, 0]);
    header.writeUInt16BE(Number(declared), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = b0;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(declared, 2);
  }
  if (!spec.key) return Buffer.concat([header, payload]);
  const key = spec.key;
  const wire = Buffer.from(payload.map((byte, i) => byte ^ key[i & 3]));
  return Buffer.concat([header, Buffer.from(key), wire]);
}

interface Descriptor {
  flags: number;
  offset: number;
  length: number;
  frameLength: number;
  error: number;
  closeStatus: number;
  closeCode: number;
}

function desc(flags: number, offset: number, length: number, frameLength: number, closeCode = 0): Descriptor {
  return { flags, offset, length, frameLength, error: 0, closeStatus: 0, closeCode };
}

function errorDesc(
  error: ParseError,
  flags: number,
  offset: number,
  frameLength: number,
  closeCode = 0,
): Descriptor {
  return {
    flags: flags | ERROR,
    offset,
    length: 0,
    frameLength,
    error,
    closeStatus: PARSE_ERROR_STATUS[error],
    closeCode,
  };
}

function readDescriptors(out: Uint32Array, count: number): Descriptor[] {
  const list: Descriptor[] = [];
  for (let i = 0; i < count; i++) {
    const base = 1 + i * DESCRIPTOR_SLOTS;
    list.push({
      flags: out[base],
      offset: out[base + 1],
      length: out[base + 2],
      frameLength: out[base + 3],
      error: out[base + 4],
      closeStatus: out[base + 5],
      closeCode: out[base + 6],
    });
  }
  return list;
}

const DEFAULTS: ParserOptions = {
  maxFrameSize: 0,
  maxMessageSize: 0,
  masking: Masking.Any,
  allowedRsv: 0,
  validateUtf8: true,
};

function parser(options: Partial<ParserOptions> = {}): FrameParser {
  return jsCodec.createParser({ ...DEFAULTS, ...options });
}

/** One parse call with room for `capacity` descriptors. */
function parseOnce(p: FrameParser, chunk: Uint8Array, capacity = 32): { consumed: number; list: Descriptor[] } {
  const out = new Uint32Array(1 + capacity * DESCRIPTOR_SLOTS).fill(0xdeadbeef);
  const count = p.parse(chunk, out);
  return { consumed: out[0], list: readDescriptors(out, count) };
}

/** A frame as reassembled from its pieces. */
interface Assembled {
  flags: number;
  frameLength: number;
  payload: string;
  closeCode: number;
  error: number;
  errorOffset: number;
}

/**
 * Feeds `chunks` in order (re-feeding unconsumed rests), checks the piece invariants, and reassembles frames.
 * An error is recorded as a frame with `error` set and its offset made absolute in the whole input.
 */
function feed(p: FrameParser, chunks: Uint8Array[], capacity = 32): Assembled[] {
  const frames: Assembled[] = [];
  let current: { flags: number; frameLength: number; parts: Buffer[] } | null = null;
  let base = 0;
  const out = new Uint32Array(1 + capacity * DESCRIPTOR_SLOTS);
  for (const original of chunks) {
    let chunk = original;
    for (let rounds = 0; ; rounds++) {
      if (rounds > chunk.length + 2) throw new Error('the parser made no progress');
      const count = p.parse(chunk, out);
      const consumed = out[0];
      for (const d of readDescriptors(out, count)) {
        if (d.flags & ERROR) {
          frames.push({
            flags: d.flags & ~ERROR,
            frameLength: d.frameLength,
            payload: '',
            closeCode: d.closeCode,
            error: d.error,
            errorOffset: base + d.offset,
          });
          return frames;
        }
        if (d.flags & START) {
          if (current !== null) throw new Error('Start before the previous frame ended');
          current = { flags: d.flags & ~WHOLE, frameLength: d.frameLength, parts: [] };
        }
        if (current === null) throw new Error('a piece without Start');
        if ((d.flags & ~WHOLE) !== current.flags || d.frameLength !== current.frameLength) {
          throw new Error('a piece does not repeat its frame flags');
        }
        if (d.length === 0 && !(d.flags & START && d.flags & END)) throw new Error('an empty middle piece');
        current.parts.push(Buffer.from(chunk.subarray(d.offset, d.offset + d.length)));
        if (d.flags & END) {
          frames.push({
            flags: current.flags,
            frameLength: current.frameLength,
            payload: Buffer.concat(current.parts).toString('hex'),
            closeCode: d.closeCode,
            error: 0,
            errorOffset: 0,
          });
          current = null;
        }
      }
      base += consumed;
      if (consumed === chunk.length) break;
      chunk = chunk.subarray(consumed);
    }
  }
  return frames;
}

function splitAt(input: Uint8Array, ...cuts: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of cuts) {
    pieces.push(input.slice(start, cut));
    start = cut;
  }
  pieces.push(input.slice(start));
  return pieces;
}

/** Deterministic PRNG (mulberry32) so random tests are reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEY = [0x37, 0xfa, 0x21, 0x3d];

// ---- masking ----

test('unmask XORs in place from the given key phase, so split payloads line up', (t) => {
  const key = Uint8Array.from(KEY);
  const data = Buffer.from('Hello, masked world! 0123456789');
  const masked = Buffer.from(data.map((byte, i) => byte ^ KEY[i & 3]));
  for (let cut = 0; cut <= masked.length; cut++) {
    const copy = Buffer.from(masked);
    jsCodec.unmask(copy.subarray(0, cut), key, 0);
    jsCodec.unmask(copy.subarray(cut), key, cut & 3);
    t.deepEqual(copy, data, `cut at ${cut}`);
  }
  const phased = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x00]);
  jsCodec.unmask(phased, key, 3);
  t.deepEqual([...phased], [0x3d, 0x37, 0xfa, 0x21, 0x3d]);
});

test('unmask and mask agree with a byte-wise reference at every alignment and around the word threshold', (t) => {
  const key = Uint8Array.from([0x01, 0x80, 0xff, 0x5a]);
  const next = random(1);
  for (const length of [0, 1, 3, 4, 5, 255, 256, 257, 259, 1031]) {
    for (let align = 0; align < 4; align++) {
      for (let phase = 0; phase < 4; phase++) {
        const backing = new Uint8Array(length + 8);
        const data = backing.subarray(align, align + length);
        for (let i = 0; i < length; i++) data[i] = (next() * 256) | 0;
        const expected = data.map((byte, i) => byte ^ key[(phase + i) & 3]);
        const source = Uint8Array.from(data);
        jsCodec.unmask(data, key, phase);
        t.deepEqual(data, expected);
        t.is(backing[align + length], 0, 'no byte past the end is touched');

        const output = new Uint8Array(length + 2 * align + 3).fill(0xee);
        jsCodec.mask(source, key, output, align);
        const masked = source.map((byte, i) => byte ^ key[i & 3]);
        t.deepEqual(output.subarray(align, align + length), masked);
        t.true(output.subarray(0, align).every((byte) => byte === 0xee));
        t.true(output.subarray(align + length).every((byte) => byte === 0xee));
      }
    }
  }
});

test('mask leaves the source unchanged', (t) => {
  const source = Buffer.from('abcdefgh'.repeat(64));
  const before = Buffer.from(source);
  const output = Buffer.alloc(source.length);
  jsCodec.mask(source, Uint8Array.from(KEY), output, 0);
  t.deepEqual(source, before);
  t.is(output[0], 0x61 ^ KEY[0]);
  t.is(output[source.length - 1], 0x68 ^ KEY[(source.length - 1) & 3]);
});

// ---- UTF-8 ----

const INVALID_UTF8: Array<[string, number[]]> = [
  ['overlong 2-byte', [0xc0, 0x80]],
  ['overlong 2-byte C1', [0xc1, 0xbf]],
  ['overlong 3-byte', [0xe0, 0x80, 0x80]],
  ['overlong 3-byte E0 9F', [0xe0, 0x9f, 0xbf]],
  ['overlong 4-byte', [0xf0, 0x80, 0x80, 0x80]],
  ['overlong 4-byte F0 8F', [0xf0, 0x8f, 0xbf, 0xbf]],
  ['high surrogate', [0xed, 0xa0, 0x80]],
  ['low surrogate', [0xed, 0xbf, 0xbf]],
  ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['F5', [0xf5, 0x80, 0x80, 0x80]],
  ['FF', [0xff]],
  ['lone continuation', [0x80]],
  ['lead then ASCII', [0xe2, 0x41]],
  ['4-byte lead cut by a new lead', [0xf0, 0x9f, 0xc3, 0xa9]],
];

const VALID_UTF8: Array<[string, number[]]> = [
  ['ASCII', [0x41, 0x7f]],
  ['U+0080', [0xc2, 0x80]],
  ['U+07FF', [0xdf, 0xbf]],
  ['U+0800', [0xe0, 0xa0, 0x80]],
  ['U+D7FF', [0xed, 0x9f, 0xbf]],
  ['U+E000', [0xee, 0x80, 0x80]],
  ['U+FFFF', [0xef, 0xbf, 0xbf]],
  ['U+10000', [0xf0, 0x90, 0x80, 0x80]],
  ['U+10FFFF', [0xf4, 0x8f, 0xbf, 0xbf]],
];

test('isValidUtf8 rejects every invalid class and accepts the boundaries', (t) => {
  for (const [name, sequence] of INVALID_UTF8) t.false(jsCodec.isValidUtf8(Uint8Array.from(sequence)), name);
  for (const [name, sequence] of VALID_UTF8) t.true(jsCodec.isValidUtf8(Uint8Array.from(sequence)), name);
  t.false(jsCodec.isValidUtf8(Uint8Array.from([0xe2, 0x82])), 'truncated');
  t.true(jsCodec.isValidUtf8(new Uint8Array(0)));
});

test('the validator accepts valid text split at every byte position, and fails truncated text on final', (t) => {
  const text = Buffer.from('aé€😀\u{10FFFF}\u07FF\uD7FF\uE000z', 'utf8');
  for (let cut = 0; cut <= text.length; cut++) {
    const validator = jsCodec.createUtf8Validator();
    t.true(validator.push(text.subarray(0, cut), false), `first piece, cut at ${cut}`);
    t.true(validator.push(text.subarray(cut), true), `second piece, cut at ${cut}`);
  }
  for (const truncated of [[0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98]]) {
    const validator = jsCodec.createUtf8Validator();
    t.true(validator.push(Uint8Array.from(truncated), false));
    t.false(validator.push(new Uint8Array(0), true));
  }
});

test('the validator fails every invalid class split at every byte position, and stays failed until reset', (t) => {
  for (const [name, sequence] of INVALID_UTF8) {
    const input = Buffer.from([0x61, ...sequence, 0x62]);
    for (let cut = 0; cut <= input.length; cut++) {
      const validator = jsCodec.createUtf8Validator();
      const first = validator.push(input.subarray(0, cut), false);
      const second = first && validator.push(input.subarray(cut), true);
      t.false(second, `${name}, cut at ${cut}`);
      t.false(validator.push(Buffer.from('ok'), false), 'stays failed');
      validator.reset();
      t.true(validator.push(Buffer.from('ok'), true), 'reset forgets the failure');
    }
  }
});

test('validate reports the first byte of the invalid sequence, like Rust valid_up_to', (t) => {
  const check = (input: number[], start: number, end: number, final: boolean, expected: number) => {
    const validator = new JsUtf8Validator();
    t.is(validator.validate(Uint8Array.from(input), start, end, final), expected, JSON.stringify(input));
  };
  check([0x61, 0xe2, 0x41], 0, 3, false, 1);
  check([0x61, 0x62, 0xe0, 0x80], 0, 4, false, 2);
  check([0x61, 0xed, 0xa0, 0x80], 0, 4, false, 1);
  check([0x61, 0xf4, 0x90], 0, 3, false, 1);
  check([0xff, 0x61], 0, 2, false, 0);
  check([0x61, 0xe2, 0x82], 0, 3, false, -1);
  check([0x61, 0xe2, 0x82], 0, 3, true, 3);
  check([0x00, 0x00, 0x61, 0x80, 0x00], 2, 4, false, 3);

  // A sequence opened by an earlier piece and broken in this one: the piece's first byte.
  const validator = new JsUtf8Validator();
  t.is(validator.validate(Uint8Array.from([0x20, 0xf0, 0x9f]), 0, 3, false), -1);
  t.is(validator.validate(Uint8Array.from([0x00, 0x00, 0x98, 0x41]), 2, 4, false), 2);
});

test('long pieces (the isUtf8 fast path) report the same offsets and carry incomplete tails', (t) => {
  for (const length of [127, 128, 200, 1000]) {
    for (const position of [0, 1, length - 4, length - 3, length - 2, length - 1]) {
      const input = Buffer.alloc(length, 0x61);
      input[position] = 0xff;
      t.is(new JsUtf8Validator().validate(input, 0, length, false), position, `FF at ${position} of ${length}`);
    }
    const euro = Buffer.from('€', 'utf8');
    for (let cut = 1; cut < 3; cut++) {
      const first = Buffer.concat([Buffer.alloc(length, 0x62), euro.subarray(0, cut)]);
      const validator = new JsUtf8Validator();
      t.is(validator.validate(first, 0, first.length, false), -1);
      t.is(validator.validate(euro, cut, 3, true), -1);
      t.is(new JsUtf8Validator().validate(first, 0, first.length, true), first.length, 'truncated on final');
    }
    const badTail = Buffer.concat([Buffer.alloc(length, 0x63), Buffer.from([0xf5])]);
    t.is(new JsUtf8Validator().validate(badTail, 0, badTail.length, false), length, 'F5 as the last byte');
    const overlongTail = Buffer.concat([Buffer.alloc(length, 0x63), Buffer.from([0xe0, 0x80])]);
    t.is(new JsUtf8Validator().validate(overlongTail, 0, overlongTail.length, false), length);
  }
});

/** Whether `prefix` can be completed to valid UTF-8 (tries every completion shape the DFA can need). */
function isValidPrefix(prefix: Buffer): boolean {
  if (isUtf8(prefix)) return true;
  const fill = [0x80, 0x90, 0xa0];
  for (let extra = 1; extra <= 3; extra++) {
    for (let combo = 0; combo < 3 ** extra; combo++) {
      const tail: number[] = [];
      for (let k = 0, c = combo; k < extra; k++, c = Math.floor(c / 3)) tail.push(fill[c % 3]);
      if (isUtf8(Buffer.concat([prefix, Buffer.from(tail)]))) return true;
    }
  }
  return false;
}

test('random byte strings split into pieces: verdict and offset match a reference built on isUtf8', (t) => {
  const next = random(42);
  const alphabet = [0x41, 0x7f, 0x80, 0x8f, 0x90, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5];
  for (let round = 0; round < 300; round++) {
    const length = 1 + ((next() * 40) | 0);
    const input = Buffer.from(Array.from({ length }, () => alphabet[(next() * alphabet.length) | 0]));
    const cuts = [(next() * (length + 1)) | 0, (next() * (length + 1)) | 0].sort((a, b) => a - b);
    let firstBad = -1;
    for (let i = 0; i < length && firstBad < 0; i++) if (!isValidPrefix(input.subarray(0, i + 1))) firstBad = i;
    let validUpTo = length;
    while (validUpTo > 0 && !isUtf8(input.subarray(0, validUpTo))) validUpTo--;

    const validator = new JsUtf8Validator();
    const bounds = [0, cuts[0], cuts[1], length];
    let reported = -1;
    let failedPiece = -1;
    for (let piece = 0; piece < 3 && reported < 0; piece++) {
      reported = validator.validate(input, bounds[piece], bounds[piece + 1], piece === 2);
      if (reported >= 0) failedPiece = piece;
    }
    const label = `${input.toString('hex')} cut ${cuts}`;
    t.is(reported < 0, isUtf8(input), label);
    if (firstBad >= 0) {
      t.true(bounds[failedPiece] <= firstBad && firstBad < bounds[failedPiece + 1], `fails in the right piece: ${label}`);
      t.is(reported, Math.max(validUpTo, bounds[failedPiece]), `offset: ${label}`);
    } else if (reported >= 0) {
      t.is(reported, length, `truncated: ${label}`);
    }
  }
});

// ---- parser: lengths, masking, pieces ----

test('each length class gives one Start|End piece with the exact offset and length', (t) => {
  for (const length of [0, 1, 125, 126, 127, 65535, 65536]) {
    for (const key of [undefined, KEY]) {
      const payload = Buffer.alloc(length);
      for (let i = 0; i < length; i++) payload[i] = (i * 7) & 0xff;
      const wire = frame({ opcode: 2, payload, key });
      const headerLength = (length < 126 ? 2 : length < 65536 ? 4 : 10) + (key ? 4 : 0);
      const { consumed, list } = parseOnce(parser(), wire);
      t.is(consumed, wire.length);
      t.deepEqual(list, [desc(2 | FIN | (key ? MASKED : 0) | WHOLE, headerLength, length, length)]);
      t.true(wire.subarray(headerLength).equals(payload), 'unmasked in place');
    }
  }
});

test('a 64-bit length up to 2^32 - 1 is reported as declared, piece by piece', (t) => {
  const p = parser();
  const wire = frame({ opcode: 2, declared: 0xffffffffn, payload: [1, 2, 3] });
  t.deepEqual(parseOnce(p, wire).list, [desc(2 | FIN | START, 10, 3, 0xffffffff)]);
  t.deepEqual(parseOnce(p, Buffer.from([4, 5])).list, [desc(2 | FIN, 0, 2, 0xffffffff)]);
});

test('non-minimal length forms are accepted', (t) => {
  const wire = Buffer.concat([
    frame({ opcode: 1, payload: 'ab', form: 16 }),
    frame({ opcode: 2, payload: [9], form: 64 }),
  ]);
  t.deepEqual(parseOnce(parser(), wire).list, [desc(1 | FIN | WHOLE, 4, 2, 2), desc(2 | FIN | WHOLE, 16, 1, 1)]);
});

test('masking: Any accepts both, Required and Forbidden enforce the MASK bit', (t) => {
  const masked = frame({ opcode: 1, payload: 'hi', key: KEY });
  const plain = frame({ opcode: 1, payload: 'hi' });
  t.deepEqual(parseOnce(parser(), Buffer.concat([masked, plain])).list, [
    desc(1 | FIN | MASKED | WHOLE, 6, 2, 2),
    desc(1 | FIN | WHOLE, 10, 2, 2),
  ]);
  t.deepEqual(parseOnce(parser({ masking: Masking.Required }), Buffer.from(masked)).list, [
    desc(1 | FIN | MASKED | WHOLE, 6, 2, 2),
  ]);
  t.deepEqual(parseOnce(parser({ masking: Masking.Required }), Buffer.concat([masked, plain])).list, [
    desc(1 | FIN | MASKED | WHOLE, 6, 2, 2),
    errorDesc(ParseError.MaskRequired, 1 | FIN, 8, 0),
  ]);
  t.deepEqual(parseOnce(parser({ masking: Masking.Forbidden }), Buffer.concat([plain, masked])).list, [
    desc(1 | FIN | WHOLE, 2, 2, 2),
    errorDesc(ParseError.MaskUnexpected, 1 | FIN | MASKED, 4, 0),
  ]);
});

test('the mask phase carries across chunks, whatever the split', (t) => {
  const payload = Buffer.from('The quick brown fox jumps over the lazy dog');
  const wire = frame({ opcode: 2, payload, key: KEY });
  for (let cut = 0; cut <= wire.length; cut++) {
    for (let second = cut; second <= wire.length; second += 5) {
      const frames = feed(parser(), splitAt(Buffer.from(wire), cut, second));
      t.deepEqual(frames, [
        { flags: 2 | FIN | MASKED, frameLength: payload.length, payload: payload.toString('hex'), closeCode: 0, error: 0, errorOffset: 0 },
      ]);
    }
  }
});

test('a frame split across chunks gives Start, middle and End pieces covering each chunk', (t) => {
  const p = parser();
  const wire = frame({ opcode: 2, payload: Buffer.alloc(10, 7), key: KEY });
  // Header split after 3 bytes: nothing is written until the header is complete.
  t.deepEqual(parseOnce(p, wire.subarray(0, 3)), { consumed: 3, list: [] });
  // The header ends this chunk: still no piece, so Start goes on the next one.
  t.deepEqual(parseOnce(p, wire.subarray(3, 6)), { consumed: 3, list: [] });
  t.deepEqual(parseOnce(p, wire.subarray(6, 9)).list, [desc(2 | FIN | MASKED | START, 0, 3, 10)]);
  t.deepEqual(parseOnce(p, wire.subarray(9, 13)).list, [desc(2 | FIN | MASKED, 0, 4, 10)]);
  const last = Buffer.concat([wire.subarray(13), frame({ opcode: 9 })]);
  t.deepEqual(parseOnce(p, last).list, [desc(2 | FIN | MASKED | END, 0, 3, 10), desc(9 | FIN | WHOLE, 5, 0, 0)]);
  t.true(wire.subarray(6, 13).equals(Buffer.alloc(7, 7)), 'unmasked in place');
  t.true(last.subarray(0, 3).equals(Buffer.alloc(3, 7)), 'unmasked in place');
});

test('fragmented messages may interleave control frames', (t) => {
  const wire = Buffer.concat([
    frame({ opcode: 1, payload: 'Hel', fin: false }),
    frame({ opcode: 9, payload: 'p1' }),
    frame({ opcode: 0, payload: 'lo', fin: false, key: KEY }),
    frame({ opcode: 10, payload: '' }),
    frame({ opcode: 0, payload: ' wörld' }),
    frame({ opcode: 2, payload: [1] }),
  ]);
  t.deepEqual(parseOnce(parser(), wire).list, [
    desc(1 | WHOLE, 2, 3, 3),
    desc(9 | FIN | WHOLE, 7, 2, 2),
    desc(0 | MASKED | WHOLE, 15, 2, 2),
    desc(10 | FIN | WHOLE, 19, 0, 0),
    desc(0 | FIN | WHOLE, 21, 7, 7),
    desc(2 | FIN | WHOLE, 30, 1, 1),
  ]);
});

/** A mixed input: every frame kind, all three length forms, masking, fragmentation, and a close at the end. */
function mixedInput(): Buffer {
  return Buffer.concat([
    frame({ opcode: 1, payload: 'héllo €😀', key: KEY }),
    frame({ opcode: 2, payload: Buffer.alloc(300, 0xab) }),
    frame({ opcode: 9 }),
    // A euro sign split between two fragments, with a pong in between.
    frame({ opcode: 1, payload: [0x66, 0x72, 0xe2, 0x82], fin: false, key: [1, 2, 3, 4] }),
    frame({ opcode: 10, payload: 'pong', key: [9, 9, 9, 9] }),
    frame({ opcode: 0, payload: Buffer.concat([Buffer.from([0xac]), Buffer.from('😀 end')]), key: [5, 6, 7, 8] }),
    frame({ opcode: 2, payload: Buffer.alloc(70000, 0x5c), form: 64 }),
    frame({ opcode: 1, payload: '' }),
    frame({ opcode: 8, payload: Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye ✓')]), key: KEY }),
  ]);
}

test('splitting a multi-frame input at every byte position gives the same frames and payload bytes', (t) => {
  const whole = mixedInput();
  const expected = feed(parser(), [Buffer.from(whole)]);
  t.is(expected.length, 9);
  t.is(expected[8].closeCode, 1000);
  t.is(Buffer.from(expected[0].payload, 'hex').toString('utf8'), 'héllo €😀');
  // Around the 70000-byte frame only every 997th cut is tried, to keep the test fast.
  const bigStart = whole.indexOf(Buffer.from([0x82, 0x7f]));
  for (let cut = 0; cut <= whole.length; cut += cut > bigStart + 20 && cut < whole.length - 200 ? 997 : 1) {
    t.deepEqual(feed(parser(), splitAt(Buffer.from(whole), cut)), expected, `cut at ${cut}`);
  }
});

test('splitting the small frames of the input into three chunks anywhere gives the same frames', (t) => {
  const small = Buffer.concat([
    frame({ opcode: 1, payload: 'a€', key: KEY, fin: false }),
    frame({ opcode: 9, payload: 'x' }),
    frame({ opcode: 0, payload: '😀', key: [1, 2, 3, 4] }),
    frame({ opcode: 8, payload: [0x0f, 0xa0, 0x6f, 0x6b] }),
  ]);
  const expected = feed(parser(), [Buffer.from(small)]);
  t.is(expected.length, 4);
  for (let a = 0; a <= small.length; a++) {
    for (let b = a; b <= small.length; b++) {
      t.deepEqual(feed(parser(), splitAt(Buffer.from(small), a, b)), expected, `cuts at ${a}, ${b}`);
    }
  }
});

test('when out is smaller than the frames in a chunk, the rest is left unconsumed at a frame boundary', (t) => {
  const wire = Buffer.concat([
    frame({ opcode: 1, payload: 'one' }),
    frame({ opcode: 2, payload: [] }),
    frame({ opcode: 9, payload: 'p' }),
    frame({ opcode: 1, payload: 'four' }),
  ]);
  const p = parser();
  let result = parseOnce(p, wire, 1);
  t.deepEqual(result, { consumed: 5, list: [desc(1 | FIN | WHOLE, 2, 3, 3)] });
  result = parseOnce(p, wire.subarray(5), 2);
  t.deepEqual(result, { consumed: 5, list: [desc(2 | FIN | WHOLE, 2, 0, 0), desc(9 | FIN | WHOLE, 4, 1, 1)] });
  result = parseOnce(p, wire.subarray(10), 2);
  t.deepEqual(result, { consumed: 6, list: [desc(1 | FIN | WHOLE, 2, 4, 4)] });

  // Out arrays whose length is not 1 + a multiple of the slot count are rounded down.
  const out = new Uint32Array(1 + 2 * DESCRIPTOR_SLOTS - 1);
  t.is(parser().parse(Buffer.from(wire), out), 1);
  t.is(out[0], 5);

  const empty = new Uint32Array(DESCRIPTOR_SLOTS);
  t.is(parser().parse(Buffer.from(wire), empty), 0);
  t.is(empty[0], 0, 'no capacity: nothing consumed');

  for (const capacity of [1, 2, 3]) {
    t.deepEqual(feed(parser(), [mixedInput()], capacity), feed(parser(), [mixedInput()]), `capacity ${capacity}`);
  }
});

// ---- parser: every ParseError ----

const PREFIX = frame({ opcode: 2, payload: [1, 2, 3] });
const PREFIX_DESC = desc(2 | FIN | WHOLE, 2, 3, 3);

/** Parses `bad` alone (for a server, which needs a masked prefix), expecting just `expected`. */
function expectLoneError(
  t: ExecutionContext,
  options: Partial<ParserOptions>,
  bad: Buffer,
  expected: Descriptor,
): void {
  t.deepEqual(parseOnce(parser(options), bad).list, [expected]);
}

/** Parses a valid 5-byte binary frame then `bad`, expecting the prefix piece and then `expected`. */
function expectError(
  t: ExecutionContext,
  options: Partial<ParserOptions>,
  bad: Buffer,
  expected: Descriptor,
): void {
  const wire = Buffer.concat([PREFIX, bad]);
  const p = parser(options);
  const { consumed, list } = parseOnce(p, wire);
  t.deepEqual(list, [PREFIX_DESC, expected]);
  t.is(consumed, wire.length, 'the erroring call takes the whole chunk');
  const out = new Uint32Array(1 + DESCRIPTOR_SLOTS).fill(7);
  t.is(p.parse(Buffer.from(PREFIX), out), 0, 'dead after an error');
  t.is(out[0], 0);
  t.is(out[1], 7, 'a dead parser writes no descriptor');
}

test('ControlFrameTooLong and ControlFrameFragmented', (t) => {
  const long = Buffer.concat([Buffer.from([0x89, 126, 0, 126]), Buffer.alloc(126)]);
  expectError(t, {}, long, errorDesc(ParseError.ControlFrameTooLong, 9 | FIN, 5, 0));
  // A reserved control opcode is a control frame too, and the length check comes first.
  expectError(t, {}, Buffer.from([0x0b, 0xfe]), errorDesc(ParseError.ControlFrameTooLong, 0xb | MASKED, 5, 0));
  expectError(t, {}, frame({ opcode: 9, fin: false }), errorDesc(ParseError.ControlFrameFragmented, 9, 5, 0));
  expectError(t, {}, frame({ opcode: 8, fin: false, rsv: 4 }), errorDesc(ParseError.ControlFrameFragmented, 8 | RSV1, 5, 0));
  const ok = parseOnce(parser(), frame({ opcode: 9, payload: Buffer.alloc(125, 1) }));
  t.deepEqual(ok.list, [desc(9 | FIN | WHOLE, 2, 125, 125)]);
});

test('ReservedBits: allowed only by allowedRsv, and only on the first frame of a data message', (t) => {
  const rsvFlags = (rsv: number) => (rsv & 4 ? RSV1 : 0) | (rsv & 2 ? DescriptorFlag.Rsv2 : 0) | (rsv & 1 ? DescriptorFlag.Rsv3 : 0);
  for (const rsv of [4, 2, 1, 7]) {
    expectError(t, {}, frame({ opcode: 1, rsv, payload: 'x' }), errorDesc(ParseError.ReservedBits, 1 | FIN | rsvFlags(rsv), 5, 0));
  }
  const compressed = frame({ opcode: 1, rsv: 4, payload: [0xff, 0xfe], fin: false });
  t.deepEqual(parseOnce(parser({ allowedRsv: 4 }), compressed).list, [desc(1 | RSV1 | WHOLE, 2, 2, 2)]);
  expectError(t, { allowedRsv: 4 }, frame({ opcode: 2, rsv: 2 }), errorDesc(ParseError.ReservedBits, 2 | FIN | DescriptorFlag.Rsv2, 5, 0));
  expectError(t, { allowedRsv: 4 }, frame({ opcode: 9, rsv: 4 }), errorDesc(ParseError.ReservedBits, 9 | FIN | RSV1, 5, 0));
  const continuation = Buffer.concat([compressed, frame({ opcode: 0, rsv: 4, payload: 'y' })]);
  t.deepEqual(parseOnce(parser({ allowedRsv: 4 }), continuation).list, [
    desc(1 | RSV1 | WHOLE, 2, 2, 2),
    errorDesc(ParseError.ReservedBits, 0 | FIN | RSV1, 4, 0),
  ]);
});

test('DataFrameInFragmentedMessage and UnexpectedContinuation', (t) => {
  const open = frame({ opcode: 1, payload: 'a', fin: false });
  const p = parser();
  t.deepEqual(parseOnce(p, Buffer.concat([open, frame({ opcode: 9 }), frame({ opcode: 2, payload: 'b' })])).list, [
    desc(1 | WHOLE, 2, 1, 1),
    desc(9 | FIN | WHOLE, 5, 0, 0),
    errorDesc(ParseError.DataFrameInFragmentedMessage, 2 | FIN, 5, 0),
  ]);
  expectError(t, {}, frame({ opcode: 0, payload: 'x' }), errorDesc(ParseError.UnexpectedContinuation, 0 | FIN, 5, 0));
  // After a message completes, a continuation is unexpected again.
  const done = Buffer.concat([open, frame({ opcode: 0, payload: 'b' }), frame({ opcode: 0, payload: 'c' })]);
  t.deepEqual(parseOnce(parser(), done).list, [
    desc(1 | WHOLE, 2, 1, 1),
    desc(0 | FIN | WHOLE, 5, 1, 1),
    errorDesc(ParseError.UnexpectedContinuation, 0 | FIN, 6, 0),
  ]);
});

test('ReservedOpcode for 3-7 and 0xB-0xF', (t) => {
  for (const opcode of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    expectError(t, {}, frame({ opcode, payload: 'x' }), errorDesc(ParseError.ReservedOpcode, opcode | FIN, 5, 0));
  }
});

test('Unsupported64BitLength when the high 32 bits are set, the top bit included', (t) => {
  for (const declared of [0x100000000n, 0x8000000000000000n, 0xffffffffffffffffn]) {
    expectError(t, {}, frame({ opcode: 2, declared, key: KEY }), errorDesc(ParseError.Unsupported64BitLength, 2 | FIN | MASKED, 5, 0));
  }
});

test('FrameTooLarge, checked before any payload arrives', (t) => {
  t.deepEqual(parseOnce(parser({ maxFrameSize: 100 }), frame({ opcode: 2, payload: Buffer.alloc(100) })).list, [
    desc(2 | FIN | WHOLE, 2, 100, 100),
  ]);
  expectError(t, { maxFrameSize: 100 }, frame({ opcode: 2, declared: 101n }), errorDesc(ParseError.FrameTooLarge, 2 | FIN, 5, 101));
  expectError(t, { maxFrameSize: 100 }, frame({ opcode: 9, payload: Buffer.alloc(101) }), errorDesc(ParseError.FrameTooLarge, 9 | FIN, 5, 101));
  expectError(t, { maxFrameSize: 100, maxMessageSize: 50 }, frame({ opcode: 2, declared: 200n }), errorDesc(ParseError.FrameTooLarge, 2 | FIN, 5, 200));
});

test('MessageTooLarge on the running total of a data message; control frames do not count', (t) => {
  expectError(t, { maxMessageSize: 10 }, frame({ opcode: 1, payload: 'x'.repeat(11) }), errorDesc(ParseError.MessageTooLarge, 1 | FIN, 5, 11));
  const p = parser({ maxMessageSize: 10 });
  const wire = Buffer.concat([
    frame({ opcode: 2, payload: Buffer.alloc(6), fin: false }),
    frame({ opcode: 9, payload: Buffer.alloc(9) }),
    frame({ opcode: 0, payload: Buffer.alloc(4), fin: false }),
    frame({ opcode: 0, payload: Buffer.alloc(1) }),
  ]);
  t.deepEqual(parseOnce(p, wire).list, [
    desc(2 | WHOLE, 2, 6, 6),
    desc(9 | FIN | WHOLE, 10, 9, 9),
    desc(0 | WHOLE, 21, 4, 4),
    errorDesc(ParseError.MessageTooLarge, 0 | FIN, 25, 1),
  ]);
  // The total starts again with each message.
  const fresh = Buffer.concat([frame({ opcode: 2, payload: Buffer.alloc(10) }), frame({ opcode: 2, payload: Buffer.alloc(10) })]);
  t.is(parseOnce(parser({ maxMessageSize: 10 }), fresh).list.length, 2);
});

test('a header error in a header split across chunks reports offset 0', (t) => {
  const p = parser({ maxFrameSize: 10 });
  const wire = frame({ opcode: 2, declared: 300n, key: KEY });
  t.deepEqual(parseOnce(p, Buffer.concat([PREFIX, wire.subarray(0, 3)])).list, [PREFIX_DESC]);
  const { consumed, list } = parseOnce(p, wire.subarray(3, 6));
  t.deepEqual(list, [errorDesc(ParseError.FrameTooLarge, 2 | FIN | MASKED, 0, 300)]);
  t.is(consumed, 3);

  // The length checks do not wait for the mask key.
  const early = parser({ maxFrameSize: 10 });
  t.deepEqual(parseOnce(early, Buffer.concat([PREFIX, wire.subarray(0, 4)])).list, [
    PREFIX_DESC,
    errorDesc(ParseError.FrameTooLarge, 2 | FIN | MASKED, 5, 300),
  ]);

  const q = parser();
  t.deepEqual(parseOnce(q, Buffer.from([0x83])).list, []);
  t.deepEqual(parseOnce(q, Buffer.from([0x00, 0x81])).list, [errorDesc(ParseError.ReservedOpcode, 3 | FIN, 0, 0)]);
});

test('the first failing check wins when a header breaks several rules', (t) => {
  // Too long and fragmented control frame: length first.
  expectError(t, {}, Buffer.from([0x09, 127]), errorDesc(ParseError.ControlFrameTooLong, 9, 5, 0));
  // RSV bits on a reserved opcode: RSV first.
  expectError(t, {}, Buffer.from([0xc3, 0x00]), errorDesc(ParseError.ReservedBits, 3 | FIN | RSV1, 5, 0));
  // Unexpected continuation, unmasked, for a server: continuation first.
  expectLoneError(t, { masking: Masking.Required }, Buffer.from([0x80, 0x00]), errorDesc(ParseError.UnexpectedContinuation, FIN, 0, 0));
  // Reserved data opcode in a fragmented message: the fragmented-message check comes first.
  const open = frame({ opcode: 1, payload: 'a', fin: false });
  t.deepEqual(parseOnce(parser(), Buffer.concat([open, Buffer.from([0x85, 0x00])])).list, [
    desc(1 | WHOLE, 2, 1, 1),
    errorDesc(ParseError.DataFrameInFragmentedMessage, 5 | FIN, 3, 0),
  ]);
  // Reserved opcode, unmasked, for a server: opcode first.
  expectLoneError(t, { masking: Masking.Required }, Buffer.from([0x84, 0x00]), errorDesc(ParseError.ReservedOpcode, 4 | FIN, 0, 0));
  // A bad 64-bit length on an unmasked frame for a server: the mask check comes first.
  expectLoneError(t, { masking: Masking.Required }, frame({ opcode: 2, declared: 1n << 40n }), errorDesc(ParseError.MaskRequired, 2 | FIN, 0, 0));
  // Frame and message limits both exceeded: the frame limit first.
  expectError(t, { maxFrameSize: 5, maxMessageSize: 5 }, frame({ opcode: 2, declared: 6n }), errorDesc(ParseError.FrameTooLarge, 2 | FIN, 5, 6));
});

// ---- parser: UTF-8 ----

test('InvalidUtf8 for every invalid class, at the first byte of the invalid sequence', (t) => {
  for (const [name, sequence] of INVALID_UTF8) {
    const payload = Buffer.from([0x61, 0x62, ...sequence, 0x63]);
    const wire = Buffer.concat([PREFIX, frame({ opcode: 1, payload, key: KEY })]);
    const { list } = parseOnce(parser(), wire);
    t.deepEqual(list, [PREFIX_DESC, errorDesc(ParseError.InvalidUtf8, 1 | FIN | MASKED, 5 + 6 + 2, payload.length)], name);
    t.true(wire.subarray(11).equals(payload), `the failing piece is unmasked: ${name}`);
  }
});

test('InvalidUtf8 split across chunks at every byte position', (t) => {
  for (const [name, sequence] of INVALID_UTF8) {
    const payload = Buffer.from([0x61, ...sequence, 0x62]);
    const wire = Buffer.concat([frame({ opcode: 1, payload, fin: false }), frame({ opcode: 0, payload: 'z' })]);
    const invalidAt = 2 + 1;
    let failingByte = invalidAt;
    while (isValidPrefix(wire.subarray(2, failingByte + 1))) failingByte++;
    for (let cut = 1; cut < wire.length; cut++) {
      const frames = feed(parser(), splitAt(Buffer.from(wire), cut));
      const last = frames[frames.length - 1];
      t.is(last.error, ParseError.InvalidUtf8, `${name}, cut at ${cut}`);
      // When the sequence began in the first chunk but fails in the second, the offset is the second's first byte.
      const expected = cut > invalidAt && cut <= failingByte ? cut : invalidAt;
      t.is(last.errorOffset, expected, `${name}, cut at ${cut}`);
    }
  }
});

test('a sequence broken across fragments reports the next fragment\'s first payload byte', (t) => {
  const wire = Buffer.concat([
    frame({ opcode: 1, payload: [0x61, 0xe2, 0x82], fin: false }),
    frame({ opcode: 9, payload: 'p' }),
    frame({ opcode: 0, payload: [0x41] }),
  ]);
  t.deepEqual(parseOnce(parser(), wire).list, [
    desc(1 | WHOLE, 2, 3, 3),
    desc(9 | FIN | WHOLE, 7, 1, 1),
    errorDesc(ParseError.InvalidUtf8, 0 | FIN, 10, 1),
  ]);
  const completed = Buffer.concat([frame({ opcode: 1, payload: [0xe2, 0x82], fin: false }), frame({ opcode: 0, payload: [0xac] })]);
  t.deepEqual(parseOnce(parser(), completed).list, [desc(1 | WHOLE, 2, 2, 2), desc(0 | FIN | WHOLE, 6, 1, 1)]);
});

test('a text message ending inside a sequence fails at the end of its last piece', (t) => {
  const truncated = frame({ opcode: 1, payload: [0x61, 0xf0, 0x9f, 0x98] });
  expectError(t, {}, truncated, errorDesc(ParseError.InvalidUtf8, 1 | FIN, 5 + 2 + 4, 4));
  // Split: the End piece in the second chunk is replaced by the error at its end offset.
  const p = parser();
  t.deepEqual(parseOnce(p, truncated.subarray(0, 4)).list, [desc(1 | FIN | START, 2, 2, 4)]);
  t.deepEqual(parseOnce(p, truncated.subarray(4)).list, [errorDesc(ParseError.InvalidUtf8, 1 | FIN, 2, 4)]);
  // An empty final continuation ends the message inside the sequence: the offset of its (empty) payload.
  const empty = Buffer.concat([frame({ opcode: 1, payload: [0xc3], fin: false }), frame({ opcode: 0 })]);
  t.deepEqual(parseOnce(parser(), empty).list, [desc(1 | WHOLE, 2, 1, 1), errorDesc(ParseError.InvalidUtf8, 0 | FIN, 5, 0)]);
  // Not final: the sequence is carried, no error.
  t.deepEqual(parseOnce(parser(), frame({ opcode: 1, payload: [0xc3], fin: false })).list, [desc(1 | WHOLE, 2, 1, 1)]);
});

test('UTF-8 is not checked for binary, compressed, or unvalidated messages', (t) => {
  const bad = [0xff, 0xc0, 0x80];
  t.is(parseOnce(parser(), frame({ opcode: 2, payload: bad })).list[0].error, 0);
  t.is(parseOnce(parser({ validateUtf8: false }), frame({ opcode: 1, payload: bad })).list[0].error, 0);
  const compressed = Buffer.concat([frame({ opcode: 1, rsv: 4, payload: bad, fin: false }), frame({ opcode: 0, payload: bad })]);
  t.deepEqual(parseOnce(parser({ allowedRsv: 4 }), compressed).list, [desc(1 | RSV1 | WHOLE, 2, 3, 3), desc(0 | FIN | WHOLE, 7, 3, 3)]);
  // The validator starts afresh with each message.
  const next = Buffer.concat([frame({ opcode: 1, payload: [0xe2, 0x82], fin: false }), frame({ opcode: 0, payload: [0xac] }), frame({ opcode: 1, payload: [0xac] })]);
  t.deepEqual(parseOnce(parser(), next).list.map((d) => d.error), [0, 0, ParseError.InvalidUtf8]);
});

// ---- parser: close frames ----

test('close frames: empty, 1-byte, valid codes and reasons', (t) => {
  t.deepEqual(parseOnce(parser(), frame({ opcode: 8 })).list, [desc(8 | FIN | WHOLE, 2, 0, 0, 1005)]);
  for (const code of [1000, 1001, 1003, 1007, 1011, 1012, 1014, 1015, 3000, 4999]) {
    const payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from('réason')]);
    t.deepEqual(parseOnce(parser(), frame({ opcode: 8, payload, key: KEY })).list, [
      desc(8 | FIN | MASKED | WHOLE, 6, payload.length, payload.length, code),
    ], `code ${code}`);
  }
  expectError(t, {}, frame({ opcode: 8, payload: [0x03] }), errorDesc(ParseError.CloseFrameLength, 8 | FIN, 7, 1, 1005));
});

test('InvalidCloseCode for codes that may not be sent', (t) => {
  for (const code of [0, 999, 1004, 1005, 1006, 1016, 2999, 5000, 65535]) {
    expectError(t, {}, frame({ opcode: 8, payload: [code >> 8, code & 0xff, 0x61] }), errorDesc(ParseError.InvalidCloseCode, 8 | FIN, 7, 3, code));
  }
});

test('InvalidCloseReason, even with validateUtf8 off', (t) => {
  const payload = [0x03, 0xe8, 0x61, 0xed, 0xa0, 0x80];
  expectError(t, {}, frame({ opcode: 8, payload }), errorDesc(ParseError.InvalidCloseReason, 8 | FIN, 7, 6, 1000));
  expectError(t, { validateUtf8: false }, frame({ opcode: 8, payload: [0x03, 0xe8, 0xe2, 0x82], key: KEY }),
    errorDesc(ParseError.InvalidCloseReason, 8 | FIN | MASKED, 11, 4, 1000));
});

test('a close frame spanning chunks is checked when its End piece arrives, at that piece\'s offset', (t) => {
  const payload = Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from('ok'), Buffer.from([0xc3])]);
  const wire = frame({ opcode: 8, payload, key: KEY });
  const p = parser();
  t.deepEqual(parseOnce(p, wire.subarray(0, 8)).list, [desc(8 | FIN | MASKED | START, 6, 2, 5)]);
  t.deepEqual(parseOnce(p, wire.subarray(8, 10)).list, [desc(8 | FIN | MASKED, 0, 2, 5)]);
  t.deepEqual(parseOnce(p, wire.subarray(10)).list, [errorDesc(ParseError.InvalidCloseReason, 8 | FIN | MASKED, 0, 5, 4000)]);

  const good = frame({ opcode: 8, payload: [0x03, 0xe9, 0xc3, 0xa9] });
  const q = parser();
  t.deepEqual(parseOnce(q, good.subarray(0, 3)).list, [desc(8 | FIN | START, 2, 1, 4)]);
  t.deepEqual(parseOnce(q, Buffer.concat([good.subarray(3), PREFIX])).list, [desc(8 | FIN | END, 0, 3, 4, 1001), desc(2 | FIN | WHOLE, 5, 3, 3)]);

  // The code itself split across chunks.
  const split = parser();
  const bad = frame({ opcode: 8, payload: [0x03, 0xed] });
  t.deepEqual(parseOnce(split, bad.subarray(0, 3)).list, [desc(8 | FIN | START, 2, 1, 2)]);
  t.deepEqual(parseOnce(split, bad.subarray(3)).list, [errorDesc(ParseError.InvalidCloseCode, 8 | FIN, 0, 2, 1005)]);
});

test('every ParseError code is produced by this file', (t) => {
  // A guard that the list of errors above stays complete when the contract grows.
  const produced = new Set<number>();
  const inputs: Array<[Partial<ParserOptions>, Buffer]> = [
    [{}, Buffer.from([0x89, 126])],
    [{}, Buffer.from([0x09, 0])],
    [{}, Buffer.from([0xc1, 0])],
    [{}, Buffer.concat([frame({ opcode: 1, fin: false }), frame({ opcode: 1 })])],
    [{}, frame({ opcode: 0 })],
    [{}, frame({ opcode: 3 })],
    [{ masking: Masking.Required }, frame({ opcode: 1 })],
    [{ masking: Masking.Forbidden }, frame({ opcode: 1, key: KEY })],
    [{}, frame({ opcode: 2, declared: 1n << 32n })],
    [{ maxFrameSize: 1 }, frame({ opcode: 2, payload: [1, 2] })],
    [{ maxMessageSize: 1 }, frame({ opcode: 2, payload: [1, 2] })],
    [{}, frame({ opcode: 1, payload: [0xff] })],
    [{}, frame({ opcode: 8, payload: [1] })],
    [{}, frame({ opcode: 8, payload: [0, 0] })],
    [{}, frame({ opcode: 8, payload: [3, 0xe8, 0xff] })],
  ];
  for (const [options, input] of inputs) {
    const list = parseOnce(parser(options), input).list;
    produced.add(list[list.length - 1].error);
  }
  t.deepEqual([...produced].sort((a, b) => a - b), Object.keys(PARSE_ERROR_STATUS).map(Number).sort((a, b) => a - b));
});
