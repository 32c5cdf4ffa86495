/**
 * The native and the TypeScript codec give identical results: descriptors, unmasked bytes and verdicts, on seeded
 * random and adversarial input. Runs only where the native binding is built (scripts/test.mjs).
 */
import test from 'ava';
import { isUtf8 } from 'node:buffer';
import { jsCodec } from '../../ts/codec/js';
import { createNativeCodec } from '../../ts/codec/native';
import { currentEnvironment, findNativeBinding } from '../../ts/codec/loader';
import { Masking, type Codec, type ParserOptions } from '../../ts/codec/types';
import { encodeFrame, splitAt, traceParse, type WireFrame } from '../helpers/wire';
import { Random } from '../helpers/random';

const found = findNativeBinding(currentEnvironment());
if (!found.binding) throw new Error(`the native binding must be built for this test: ${JSON.stringify(found.attempts)}`);
const native: Codec = createNativeCodec(found.binding);
const binding = found.binding;
const SEED = Number(process.env.FERROSOCKET_SEED ?? 0x5eed);

/** Invalid UTF-8 of every class, each as the bytes that follow a valid prefix. */
const INVALID_UTF8: ReadonlyArray<[string, number[]]> = [
  ['lone continuation', [0x80]],
  ['overlong 2-byte', [0xc0, 0xaf]],
  ['overlong C1', [0xc1, 0xbf]],
  ['overlong 3-byte', [0xe0, 0x80, 0xaf]],
  ['overlong 4-byte', [0xf0, 0x80, 0x80, 0xaf]],
  ['surrogate high', [0xed, 0xa0, 0x80]],
  ['surrogate low', [0xed, 0xbf, 0xbf]],
  ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['F5 lead', [0xf5, 0x80, 0x80, 0x80]],
  ['FF byte', [0xff]],
  ['FE byte', [0xfe]],
  ['missing continuation', [0xe2, 0x82, 0x41]],
  ['truncated 4-byte then ASCII', [0xf0, 0x9f, 0x98, 0x41]],
];
const TRUNCATED_TAILS: number[][] = [[0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xf0], [0xe2]];
const VALID_SAMPLES = ['', 'a', 'héllo', '€uro', '😀 emoji', '\u07ff\u0800\uffff', '\u{10ffff}', 'mixed ÿ€😀 text'];

function options(random: Random): ParserOptions {
  return {
    maxFrameSize: random.pick([0, 0, 125, 126, 1000, 65536]),
    maxMessageSize: random.pick([0, 0, 200, 5000]),
    masking: random.pick([Masking.Any, Masking.Required, Masking.Forbidden]),
    allowedRsv: random.pick([0, 0, 4, 7]),
    validateUtf8: random.next() < 0.8,
  };
}

function utf8Payload(random: Random): Uint8Array {
  const text = Buffer.from(Array.from({ length: random.int(0, 6) }, () => random.pick(VALID_SAMPLES)).join(''));
  const roll = random.next();
  if (roll < 0.15) {
    const [, bad] = random.pick(INVALID_UTF8);
    const at = random.int(0, text.length);
    return Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at)]);
  }
  if (roll < 0.25) return Buffer.concat([text, Buffer.from(random.pick(TRUNCATED_TAILS))]);
  return text;
}

function randomPayload(random: Random, opcode: number): Uint8Array {
  if (opcode === 8) {
    const kind = random.int(0, 5);
    if (kind === 0) return new Uint8Array(0);
    if (kind === 1) return random.bytes(1);
    const code = random.pick([1000, 1001, 1005, 1006, 999, 1004, 1012, 1016, 2999, 3000, 4999, 5000, 0, 65535]);
    const reason = kind === 5 ? random.bytes(random.int(1, 4)) : utf8Payload(random).subarray(0, 100);
    return Buffer.concat([Buffer.from([code >> 8, code & 0xff]), reason]);
  }
  if (opcode >= 8) return random.bytes(random.pick([0, 1, 125, random.int(0, 125)]));
  if (opcode === 1 || opcode === 0) return utf8Payload(random);
  const length = random.pick([0, 1, 125, 126, 127, 128, 65535, 65536, random.int(0, 300)]);
  return random.bytes(length);
}

function randomFrames(random: Random): WireFrame[] {
  const frames: WireFrame[] = [];
  const count = random.int(1, 6);
  for (let i = 0; i < count; i++) {
    const opcode = random.next() < 0.85 ? random.pick([0, 1, 1, 2, 2, 8, 9, 10]) : random.int(0, 15);
    const payload = randomPayload(random, opcode);
    const frame: WireFrame = {
      opcode,
      fin: random.next() < 0.75,
      rsv: random.next() < 0.9 ? 0 : random.int(1, 7),
      mask: random.next() < 0.6 ? random.bytes(4) : null,
      payload,
    };
    const lie = random.next();
    if (lie < 0.02) frame.length = BigInt(payload.length) | (1n << BigInt(random.int(32, 63)));
    else if (lie < 0.04 && opcode >= 8) frame.length = random.int(126, 300);
    frames.push(frame);
  }
  return frames;
}

function randomCuts(random: Random, length: number): number[] {
  const cuts = new Set<number>();
  const n = random.int(0, 4);
  for (let i = 0; i < n && length > 1; i++) cuts.add(random.int(1, length - 1));
  return [...cuts].sort((a, b) => a - b);
}

function compareParsers(t: import('ava').ExecutionContext, opts: ParserOptions, wire: Uint8Array, cuts: number[], capacity: number, label: string): boolean {
  const a = traceParse(jsCodec.createParser(opts), splitAt(wire, cuts), capacity);
  const b = traceParse(native.createParser(opts), splitAt(wire, cuts), capacity);
  const same = JSON.stringify(a.descriptors) === JSON.stringify(b.descriptors) && a.bytes.equals(b.bytes);
  if (!same) {
    t.deepEqual(b.descriptors, a.descriptors, `${label}: descriptors differ (opts ${JSON.stringify(opts)}, cuts ${cuts}, wire ${Buffer.from(wire).toString('hex').slice(0, 200)})`);
    t.true(a.bytes.equals(b.bytes), `${label}: bytes differ`);
  }
  return same;
}

test('the parsers agree on 60,000 random frame sequences, split and capped at random', (t) => {
  const random = new Random(SEED);
  let runs = 0;
  for (let i = 0; i < 60_000; i++) {
    const opts = options(random);
    const wire = Buffer.concat(randomFrames(random).map(encodeFrame));
    if (!compareParsers(t, opts, wire, randomCuts(random, wire.length), random.pick([1, 2, 3, 64]), `random #${i}`)) return;
    runs++;
  }
  t.is(runs, 60_000);
});

test('the parsers agree on every 2-byte header followed by a masked payload, for each masking rule', (t) => {
  const random = new Random(SEED + 1);
  const tail = Buffer.concat([random.bytes(4), Buffer.from('€ok'), random.bytes(140)]);
  let runs = 0;
  for (const masking of [Masking.Any, Masking.Required, Masking.Forbidden]) {
    for (let header = 0; header < 0x10000; header += 3) {
      const wire = Buffer.concat([Buffer.from([header >> 8, header & 0xff]), tail]);
      const opts = { maxFrameSize: 0, maxMessageSize: 0, masking, allowedRsv: 4, validateUtf8: true };
      if (!compareParsers(t, opts, wire, [], 8, `header ${header.toString(16)}`)) return;
      runs++;
    }
  }
  t.true(runs > 60_000);
});

test('the parsers agree on every split point of small multi-frame inputs', (t) => {
  const random = new Random(SEED + 2);
  let runs = 0;
  for (let i = 0; i < 300; i++) {
    const opts = options(random);
    const frames = randomFrames(random).map((f) => ({ ...f, payload: f.payload!.subarray(0, 40), length: undefined }));
    const wire = Buffer.concat(frames.map(encodeFrame));
    for (let cut = 1; cut < wire.length; cut++) {
      if (!compareParsers(t, opts, wire, [cut], 4, `split #${i} at ${cut}`)) return;
      runs++;
    }
  }
  t.true(runs > 1000);
});

test('the parsers agree on every invalid UTF-8 class at every position of a fragmented text message', (t) => {
  const random = new Random(SEED + 3);
  let runs = 0;
  for (const [name, bad] of INVALID_UTF8) {
    const text = Buffer.concat([Buffer.from('ab€'), Buffer.from(bad), Buffer.from('cd😀')]);
    for (let split = 0; split <= text.length; split++) {
      const wire = Buffer.concat([
        encodeFrame({ opcode: 1, fin: false, mask: random.bytes(4), payload: text.subarray(0, split) }),
        encodeFrame({ opcode: 9, mask: random.bytes(4), payload: Buffer.from('p') }),
        encodeFrame({ opcode: 0, fin: true, mask: random.bytes(4), payload: text.subarray(split) }),
      ]);
      const opts = { maxFrameSize: 0, maxMessageSize: 0, masking: Masking.Required, allowedRsv: 0, validateUtf8: true };
      for (const cuts of [[], [split + 3], randomCuts(random, wire.length)]) {
        if (!compareParsers(t, opts, wire, cuts.filter((c) => c > 0 && c < wire.length), 64, `${name} split ${split}`)) return;
        runs++;
      }
    }
  }
  t.true(runs > 300);
});

test('unmask and mask agree with the TypeScript codec for every length to 300, every phase and alignment', (t) => {
  const random = new Random(SEED + 4);
  for (let length = 0; length <= 300; length++) {
    for (let phase = 0; phase < 4; phase++) {
      const key = random.bytes(4);
      const backing = random.bytes(length + 8);
      const align = random.int(0, 7);
      const a = Uint8Array.from(backing).subarray(align, align + length);
      const b = Uint8Array.from(backing).subarray(align, align + length);
      jsCodec.unmask(a, key, phase);
      binding.unmask(b, (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0, phase);
      if (!Buffer.from(a).equals(Buffer.from(b))) return t.fail(`unmask length ${length} phase ${phase}`);
      const outA = new Uint8Array(length + 3);
      const outB = new Uint8Array(length + 3);
      jsCodec.mask(backing.subarray(0, length), key, outA, 3);
      binding.mask(backing.subarray(0, length), (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0, outB, 3);
      if (!Buffer.from(outA).equals(Buffer.from(outB))) return t.fail(`mask length ${length}`);
    }
  }
  t.pass();
});

test('large unmask (1 MiB, odd offset) agrees, and masking twice restores the input', (t) => {
  const random = new Random(SEED + 5);
  const data = random.bytes((1 << 20) + 7);
  const key = random.bytes(4);
  const a = Uint8Array.from(data).subarray(3);
  const b = Uint8Array.from(data).subarray(3);
  jsCodec.unmask(a, key, 1);
  native.unmask(b, key, 1);
  t.true(Buffer.from(a).equals(Buffer.from(b)));
  native.unmask(b, key, 1);
  t.true(Buffer.from(b).equals(Buffer.from(data.subarray(3))));
});

test('UTF-8 verdicts agree, one-shot and incremental, on 20,000 random byte strings and pieces', (t) => {
  const random = new Random(SEED + 6);
  for (let i = 0; i < 20_000; i++) {
    const data = random.next() < 0.5 ? random.bytes(random.int(0, 64)) : utf8Payload(random);
    const expected = isUtf8(data);
    if (jsCodec.isValidUtf8(data) !== expected || binding.isValidUtf8(data) !== expected) return t.fail(`one-shot #${i}`);
    const cuts = randomCuts(random, data.length);
    const a = jsCodec.createUtf8Validator();
    const b = native.createUtf8Validator();
    const pieces = splitAt(data, cuts);
    for (let p = 0; p < pieces.length; p++) {
      const final = p === pieces.length - 1;
      const ra = a.push(pieces[p], final);
      const rb = b.push(pieces[p], final);
      if (ra !== rb) return t.fail(`incremental #${i} piece ${p}`);
      if (final && ra !== expected) return t.fail(`incremental verdict #${i}`);
    }
  }
  t.pass();
});
