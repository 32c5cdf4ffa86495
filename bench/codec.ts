/**
 * Codec micro-benchmark: masking, UTF-8 validation, the cost of an N-API call, batch parsing of small frames,
 * parsing of one large frame, and the sizes at which the native path starts to beat the JavaScript one.
 *
 *   npm run bench:codec                     every section
 *   npm run bench:codec -- mask parse       only the named sections (mask utf8 calls parse frame crossover)
 *
 * Progress goes to stderr; the report (Markdown tables and the status of the performance targets) to stdout.
 * Every implementation is checked for correct results on the benchmark's own inputs before anything is timed. The
 * TypeScript codec and the native codec's wrapper are timed as tsc emits them, not as tsx runs them (see
 * compileAsShipped in ./harness.ts).
 */
import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import type { NativeBinding } from '../ts/codec/native';
import { currentEnvironment, findNativeBinding } from '../ts/codec/loader';
import { DESCRIPTOR_SLOTS, DescriptorFlag, Masking, type FrameParser, type ParserOptions } from '../ts/codec/types';
import {
  compileAsShipped,
  DEFAULT_TIMING,
  formatNumber,
  formatRate,
  formatRatio,
  formatSize,
  gbPerSecond,
  itemsPerSecond,
  machineInfo,
  markdownTable,
  measureGroup,
  truthyResults,
  type Cell,
  type Measurement,
  type TimingOptions,
} from './harness';

interface BufferUtil {
  mask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void;
  unmask(buffer: Buffer, mask: Buffer): void;
}
type Utf8Validate = (data: Buffer) => boolean;

const SECTIONS = ['mask', 'utf8', 'calls', 'parse', 'frame', 'crossover'] as const;
type Section = (typeof SECTIONS)[number];

const found = findNativeBinding(currentEnvironment());
if (!found.binding) {
  const tried = found.attempts.map((attempt) => `  ${attempt.source}: ${attempt.error}`).join('\n');
  console.error(`bench/codec.ts needs the native binding (npm run build:native). Tried:\n${tried}`);
  process.exit(1);
}
const binding: NativeBinding = found.binding;

// The codecs are timed as tsc emits them (see compileAsShipped); only the loader, which is not timed, runs via tsx.
const shipped = compileAsShipped(path.resolve(__dirname, '..'), ['ts/codec/js.ts', 'ts/codec/native.ts']);
const { jsCodec } = require(path.join(shipped, 'codec', 'js.js')) as typeof import('../ts/codec/js');
const { createNativeCodec, MASK_NATIVE_MIN, UTF8_NATIVE_MIN } = require(
  path.join(shipped, 'codec', 'native.js'),
) as typeof import('../ts/codec/native');
const nativeCodec = createNativeCodec(binding);

const bufferUtil = require('bufferutil') as BufferUtil;
const utf8Validate = require('utf-8-validate') as Utf8Validate;
// Both packages fall back to plain JavaScript when their prebuilt binary does not load; that would be no comparison.
if (bufferUtil.mask === (require('bufferutil/fallback') as BufferUtil).mask) {
  throw new Error('bufferutil loaded its JavaScript fallback, not its native binary');
}
if (utf8Validate === (require('utf-8-validate/fallback') as Utf8Validate)) {
  throw new Error('utf-8-validate loaded its JavaScript fallback, not its native binary');
}

const SIZES = [16, 125, 1 << 10, 64 << 10, 1 << 20, 16 << 20];
/** 16 MiB operations take milliseconds each: a few per batch suffice. */
const LARGE_TIMING: TimingOptions = { batches: 5, batchMs: 15, warmupMs: 10 };
const CROSSOVER_TIMING: TimingOptions = { batches: 5, batchMs: 16, warmupMs: 8 };
/** 8 to 256 bytes in steps of 8, then on to 512 in steps of 32 in case a crossover lies just past 256. */
const CROSSOVER_SIZES = [...Array.from({ length: 32 }, (_, i) => 8 * (i + 1)), ...Array.from({ length: 8 }, (_, i) => 288 + 32 * i)];

const KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
/** The key as the little-endian u32 the binding takes (what the native codec computes per call). */
const KEY_WORD = keyWord(KEY);

function keyWord(key: Uint8Array): number {
  return (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0;
}

function timingFor(size: number): TimingOptions {
  return size >= 16 << 20 ? LARGE_TIMING : DEFAULT_TIMING;
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

/** A seeded xorshift32 generator of unsigned 32-bit integers, so every run times the same bytes. */
function pseudoRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>>= 0);
  };
}

/** `size` bytes of noise (masking does not care what they are). */
function noise(size: number): Buffer {
  const data = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) data[i] = Math.imul(i + 1, 0x9e3779b1) >>> 24;
  return data;
}

/** `size` bytes of printable ASCII. */
function asciiText(size: number): Buffer {
  const data = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) data[i] = 0x20 + ((i * 7) % 95);
  return data;
}

/** 4096 random characters, as many of each UTF-8 length (1 to 4 bytes). */
const MIXED_CYCLE = (() => {
  const next = pseudoRandom(0x5eed);
  const codePoints: number[] = [];
  for (let i = 0; i < 4096; i++) {
    const r = next();
    const length = i & 3;
    if (length === 0) codePoints.push(0x20 + (r % 95));
    else if (length === 1) codePoints.push(0x80 + (r % 0x780));
    else if (length === 2) {
      const codePoint = 0x800 + (r % 0xf800);
      codePoints.push(codePoint >= 0xd800 && codePoint < 0xe000 ? codePoint - 0x800 : codePoint);
    } else codePoints.push(0x10000 + (r % 0x100000));
  }
  for (let i = codePoints.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [codePoints[i], codePoints[j]] = [codePoints[j], codePoints[i]];
  }
  return Buffer.from(String.fromCodePoint(...codePoints), 'utf8');
})();

/** Exactly `size` bytes of valid UTF-8 mixing 1- to 4-byte sequences, padded with spaces where a character would not fit. */
function mixedText(size: number): Buffer {
  const data = Buffer.alloc(size, 0x20);
  for (let at = 0; at < size; at += MIXED_CYCLE.length) {
    let end = Math.min(MIXED_CYCLE.length, size - at);
    while (end < MIXED_CYCLE.length && end > 0 && (MIXED_CYCLE[end] & 0xc0) === 0x80) end--;
    MIXED_CYCLE.copy(data, at, 0, end);
  }
  return data;
}

// ---------------------------------------------------------------------------------------------------------------
// Baselines written here: a plain byte loop for masking, a plain state machine for UTF-8

function unmaskLoop(data: Uint8Array, key: Uint8Array): void {
  for (let i = 0; i < data.length; i++) data[i] ^= key[i & 3];
}

function maskLoop(source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number): void {
  for (let i = 0; i < source.length; i++) output[offset + i] = source[i] ^ key[i & 3];
}

/**
 * UTF-8 validation by a byte-at-a-time state machine (Unicode table 3-7): `pending` continuation bytes are still
 * due, and the next one must lie in [low, high], which is narrower than 80..BF only right after E0, ED, F0 and F4.
 */
function utf8StateMachine(data: Uint8Array): boolean {
  let pending = 0;
  let low = 0x80;
  let high = 0xbf;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i];
    if (pending === 0) {
      if (byte < 0x80) continue;
      if (byte >= 0xc2 && byte <= 0xdf) pending = 1;
      else if (byte >= 0xe0 && byte <= 0xef) {
        pending = 2;
        if (byte === 0xe0) low = 0xa0;
        else if (byte === 0xed) high = 0x9f;
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        pending = 3;
        if (byte === 0xf0) low = 0x90;
        else if (byte === 0xf4) high = 0x8f;
      } else return false;
      continue;
    }
    if (byte < low || byte > high) return false;
    low = 0x80;
    high = 0xbf;
    pending--;
  }
  return pending === 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Implementations under test, as data. Each `make` is its own function literal, so each timed closure keeps its own
// type feedback instead of sharing one polymorphic call site with the others.

interface UnmaskImpl {
  name: string;
  make: (data: Buffer) => () => unknown;
}
interface MaskImpl {
  name: string;
  make: (source: Buffer, output: Buffer) => () => unknown;
}
interface Utf8Impl {
  name: string;
  make: (data: Buffer) => () => boolean;
}

const UNMASK_IMPLS: UnmaskImpl[] = [
  { name: 'native binding', make: (data) => () => binding.unmask(data, KEY_WORD, 0) },
  { name: 'native codec', make: (data) => () => nativeCodec.unmask(data, KEY, 0) },
  { name: 'TS codec', make: (data) => () => jsCodec.unmask(data, KEY, 0) },
  { name: 'bufferutil', make: (data) => () => bufferUtil.unmask(data, KEY) },
  { name: 'JS byte loop', make: (data) => () => unmaskLoop(data, KEY) },
];

const MASK_IMPLS: MaskImpl[] = [
  { name: 'native binding', make: (source, output) => () => binding.mask(source, KEY_WORD, output, 0) },
  { name: 'native codec', make: (source, output) => () => nativeCodec.mask(source, KEY, output, 0) },
  { name: 'TS codec', make: (source, output) => () => jsCodec.mask(source, KEY, output, 0) },
  { name: 'bufferutil', make: (source, output) => () => bufferUtil.mask(source, KEY, output, 0, source.length) },
  { name: 'JS byte loop', make: (source, output) => () => maskLoop(source, KEY, output, 0) },
];

const nativeValidator = nativeCodec.createUtf8Validator();
const tsValidator = jsCodec.createUtf8Validator();

/** The incremental validators validate a whole message in one final push, then reset for the next (two native calls). */
const UTF8_IMPLS: Utf8Impl[] = [
  { name: 'native binding', make: (data) => () => binding.isValidUtf8(data) },
  { name: 'native codec', make: (data) => () => nativeCodec.isValidUtf8(data) },
  {
    name: 'native incremental',
    make: (data) => () => {
      const valid = nativeValidator.push(data, true);
      nativeValidator.reset();
      return valid;
    },
  },
  { name: 'TS codec', make: (data) => () => jsCodec.isValidUtf8(data) },
  {
    name: 'TS incremental',
    make: (data) => () => {
      const valid = tsValidator.push(data, true);
      tsValidator.reset();
      return valid;
    },
  },
  { name: 'utf-8-validate', make: (data) => () => utf8Validate(data) },
  { name: 'isUtf8', make: (data) => () => isUtf8(data) },
  { name: 'JS state machine', make: (data) => () => utf8StateMachine(data) },
];

// ---------------------------------------------------------------------------------------------------------------
// Correctness of everything timed, on the benchmark's inputs

function checkImplementations(): void {
  for (const size of [3, 125, 1027, 70_001]) {
    const source = noise(size);
    const expected = Buffer.from(source);
    unmaskLoop(expected, KEY);
    for (const impl of UNMASK_IMPLS) {
      const data = Buffer.from(source);
      impl.make(data)();
      if (!data.equals(expected)) throw new Error(`unmask by ${impl.name} is wrong at ${size} B`);
    }
    for (const impl of MASK_IMPLS) {
      const output = Buffer.alloc(size);
      impl.make(source, output)();
      if (!output.equals(expected)) throw new Error(`mask by ${impl.name} is wrong at ${size} B`);
    }
  }
  for (const size of [16, 125, 1024, 65536]) {
    for (const [kind, text] of [['ASCII', asciiText(size)], ['mixed', mixedText(size)]] as const) {
      const broken = Buffer.from(text);
      broken[size >> 1] = 0xff;
      const truncated = Buffer.concat([text, Buffer.from([0xf0, 0x9f, 0x98])]);
      for (const impl of UTF8_IMPLS) {
        if (!impl.make(text)()) throw new Error(`${impl.name} rejects valid ${kind} text of ${size} B`);
        if (impl.make(broken)()) throw new Error(`${impl.name} accepts a 0xFF byte in ${kind} text of ${size} B`);
        if (impl.make(truncated)()) throw new Error(`${impl.name} accepts a truncated sequence after ${kind} text`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Results

/** Every measurement of the run, by group, implementation and size. */
const results = new Map<string, Measurement>();

function resultKey(group: string, name: string, size: number): string {
  return `${group}|${name}|${size}`;
}

function result(group: string, name: string, size: number): Measurement | undefined {
  return results.get(resultKey(group, name, size));
}

/** Times `cells` together (see measureGroup), records them under `group` and `size`, and prints a line for each. */
function runGroup(group: string, size: number, cells: Cell[], timing: TimingOptions): Measurement[] {
  const measurements = measureGroup(cells, timing);
  for (const measurement of measurements) {
    const { cell } = measurement;
    results.set(resultKey(group, cell.name, size), measurement);
    const rate = cell.bytes > 0 ? `${formatNumber(gbPerSecond(measurement))} GB/s` : `${formatRate(itemsPerSecond(measurement))}/s`;
    const noisy = measurement.spread > 0.25 ? ` (spread ${Math.round(measurement.spread * 100)}%)` : '';
    const where = size > 0 ? `${group} ${formatSize(size)}` : group;
    progress(`  ${where} | ${cell.name}: ${formatNumber(measurement.nsPerOp)} ns/op, ${rate}${noisy}`);
  }
  return measurements;
}

/** A ratio column: the throughput of `numerator` divided by that of `denominator`. */
interface RatioColumn {
  title: string;
  numerator: string;
  denominator: string;
}

/** Rows by size, one GB/s column per implementation, then the ratio columns. */
function throughputTable(group: string, names: string[], sizes: number[], ratios: RatioColumn[]): string {
  const rows = sizes.map((size) => {
    const rate = (name: string) => {
      const measurement = result(group, name, size);
      return measurement ? gbPerSecond(measurement) : NaN;
    };
    return [
      formatSize(size),
      ...names.map((name) => formatNumber(rate(name))),
      ...ratios.map((ratio) => formatRatio(rate(ratio.numerator) / rate(ratio.denominator))),
    ];
  });
  return markdownTable(['size', ...names, ...ratios.map((ratio) => ratio.title)], rows);
}

const report: string[] = [];

// ---------------------------------------------------------------------------------------------------------------
// Sections

function benchMasking(): void {
  const ratios: RatioColumn[] = [
    { title: 'native codec ÷ bufferutil', numerator: 'native codec', denominator: 'bufferutil' },
    { title: 'native codec ÷ TS codec', numerator: 'native codec', denominator: 'TS codec' },
  ];
  for (const size of SIZES) {
    const data = noise(size);
    const unmaskCells = UNMASK_IMPLS.map((impl): Cell => ({ name: impl.name, bytes: size, run: impl.make(data) }));
    runGroup('unmask', size, unmaskCells, timingFor(size));
    const output = Buffer.alloc(size);
    const maskCells = MASK_IMPLS.map((impl): Cell => ({ name: impl.name, bytes: size, run: impl.make(data, output) }));
    runGroup('mask', size, maskCells, timingFor(size));
  }
  const names = UNMASK_IMPLS.map((impl) => impl.name);
  report.push('### Masking, in place (unmask), GB/s', '', throughputTable('unmask', names, SIZES, ratios), '');
  report.push('### Masking, copying (mask into an output buffer), GB/s', '', throughputTable('mask', names, SIZES, ratios), '');
}

function benchUtf8(): void {
  const ratios: RatioColumn[] = [
    { title: 'native codec ÷ isUtf8', numerator: 'native codec', denominator: 'isUtf8' },
    { title: 'native incremental ÷ isUtf8', numerator: 'native incremental', denominator: 'isUtf8' },
  ];
  for (const [kind, makeText] of [['ASCII', asciiText], ['mixed', mixedText]] as const) {
    const group = `UTF-8 ${kind}`;
    for (const size of SIZES) {
      const text = makeText(size);
      const cells = UTF8_IMPLS.map((impl): Cell => ({ name: impl.name, bytes: size, run: impl.make(text) }));
      runGroup(group, size, cells, timingFor(size));
    }
    const names = UTF8_IMPLS.map((impl) => impl.name);
    report.push(`### UTF-8 validation, ${kind} text, GB/s`, '', throughputTable(group, names, SIZES, ratios), '');
  }
}

function benchCalls(): void {
  const small = Buffer.alloc(16);
  const large = Buffer.alloc(64 << 10);
  const empty = new Uint8Array(0);
  const out = new Uint32Array(1 + DESCRIPTOR_SLOTS);
  const validator = new binding.Utf8Validator();
  const parser = nativeCodec.createParser(SERVER_OPTIONS);
  const noop = (): void => {};
  const cells: Cell[] = [
    { name: 'binding.emptyCall()', bytes: 0, run: () => binding.emptyCall() },
    { name: 'binding.bufferCall(16 B)', bytes: 0, run: () => binding.bufferCall(small) },
    { name: 'binding.bufferCall(64 KiB)', bytes: 0, run: () => binding.bufferCall(large) },
    { name: 'Utf8Validator reset() (a method, no argument)', bytes: 0, run: () => validator.reset() },
    { name: 'parser parse(empty chunk, out) (raw N-API)', bytes: 0, run: () => parser.parse(empty, out) },
    { name: 'binding.unmask(16 B) (raw N-API), whole operation', bytes: 0, run: () => binding.unmask(small, KEY_WORD, 0) },
    { name: 'reference: bufferutil.unmask(16 B), whole operation', bytes: 0, run: () => bufferUtil.unmask(small, KEY) },
    { name: 'reference: isUtf8(16 B), whole operation', bytes: 0, run: () => isUtf8(small) },
    { name: 'reference: JS no-op function (loop floor)', bytes: 0, run: () => noop() },
  ];
  const rows = runGroup('calls', 0, cells, DEFAULT_TIMING).map((measurement) => [
    measurement.cell.name,
    formatNumber(measurement.nsPerOp),
    formatRate(itemsPerSecond(measurement)),
  ]);
  report.push('### Cost of one call into the binding', '', markdownTable(['call', 'ns/call', 'calls/s'], rows), '');
}

const SERVER_OPTIONS: ParserOptions = {
  maxFrameSize: 0,
  maxMessageSize: 0,
  masking: Masking.Required,
  allowedRsv: 0,
  validateUtf8: true,
};

/** One masked, final frame of `opcode` carrying `payload`, with the shortest length form. */
function maskedFrame(opcode: number, payload: Buffer, key: Buffer): Buffer {
  const length = payload.length;
  const lengthBytes =
    length < 126 ? [0x80 | length]
    : length < 0x10000 ? [0x80 | 126, length >> 8, length & 0xff]
    : [0x80 | 127, 0, 0, 0, 0, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
  const frame = Buffer.concat([Buffer.from([0x80 | opcode, ...lengthBytes]), key, payload]);
  const payloadStart = frame.length - length;
  for (let i = 0; i < length; i++) frame[payloadStart + i] ^= key[i & 3];
  return frame;
}

/** Masked copies of one chunk, restored between timing rounds (parsing unmasks them in place). */
class ChunkPool {
  readonly copies: Buffer[];

  constructor(
    private readonly original: Buffer,
    count: number,
  ) {
    this.copies = Array.from({ length: count }, () => Buffer.from(original));
  }

  refresh(used: number): void {
    for (let i = 0; i < used; i++) this.copies[i].set(this.original);
  }

  /** Each copy cut into subarrays at `ends` (the end offset of each frame). */
  slices(ends: number[]): Buffer[][] {
    return this.copies.map((copy) => ends.map((end, f) => copy.subarray(f === 0 ? 0 : ends[f - 1], end)));
  }
}

/** A chunk of frames and the end offset of each. */
interface FrameChunk {
  bytes: Buffer;
  ends: number[];
}

function frameChunk(opcodes: number[], payloadFor: (opcode: number) => Buffer): FrameChunk {
  const next = pseudoRandom(0xf4a3e);
  const frames = opcodes.map((opcode) => {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(next());
    return maskedFrame(opcode, payloadFor(opcode), key);
  });
  const ends: number[] = [];
  let end = 0;
  for (const frame of frames) ends.push((end += frame.length));
  return { bytes: Buffer.concat(frames), ends };
}

/** Parses a fresh copy of `chunk` the way `parse` does and checks every frame came out whole and without error. */
function checkParse(label: string, parse: (copy: Buffer) => number[][], chunk: FrameChunk): void {
  const descriptors = parse(Buffer.from(chunk.bytes));
  if (descriptors.length !== chunk.ends.length) {
    throw new Error(`${label}: ${descriptors.length} descriptors for ${chunk.ends.length} frames`);
  }
  for (const descriptor of descriptors) {
    const flags = descriptor[0];
    const whole = DescriptorFlag.Start | DescriptorFlag.End;
    if (flags & DescriptorFlag.Error || (flags & whole) !== whole) throw new Error(`${label}: bad descriptor ${descriptor}`);
  }
}

function descriptorsOf(out: Uint32Array, count: number): number[][] {
  return Array.from({ length: count }, (_, i) => Array.from(out.subarray(1 + i * DESCRIPTOR_SLOTS, 1 + (i + 1) * DESCRIPTOR_SLOTS)));
}

/** A parser the way one of the four small-frame cells drives it: the chunk in one call, or one call per frame. */
interface ParserDriver {
  name: string;
  createParser: (options: ParserOptions) => FrameParser;
  perFrame: boolean;
}

const PARSER_DRIVERS: ParserDriver[] = [
  { name: 'native, one call per chunk', createParser: (options) => nativeCodec.createParser(options), perFrame: false },
  { name: 'TS, one call per chunk', createParser: (options) => jsCodec.createParser(options), perFrame: false },
  { name: 'TS, one call per frame', createParser: (options) => jsCodec.createParser(options), perFrame: true },
  { name: 'native, one call per frame', createParser: (options) => nativeCodec.createParser(options), perFrame: true },
];

const FRAMES_PER_CHUNK = 1000;
const POOL_SIZE = 64;

function benchSmallFrames(): void {
  const textPayload = mixedText(32);
  const binaryPayload = noise(32);
  const payloadFor = (opcode: number) => (opcode === 1 ? textPayload : binaryPayload);
  const kinds: Array<[string, number[]]> = [
    ['text', Array(FRAMES_PER_CHUNK).fill(1)],
    ['binary', Array(FRAMES_PER_CHUNK).fill(2)],
    ['text and binary alternating', Array.from({ length: FRAMES_PER_CHUNK }, (_, i) => 1 + (i & 1))],
  ];
  const out = new Uint32Array(1 + FRAMES_PER_CHUNK * DESCRIPTOR_SLOTS);
  const rows: string[][] = [];
  for (const [kind, opcodes] of kinds) {
    const chunk = frameChunk(opcodes, payloadFor);
    const group = `parse ${kind}`;
    const cells = PARSER_DRIVERS.map((driver): Cell => {
      checkParse(
        `${driver.name} (${kind})`,
        (copy) => {
          const parser = driver.createParser(SERVER_OPTIONS);
          if (!driver.perFrame) return descriptorsOf(out, parser.parse(copy, out));
          return chunk.ends.flatMap((end, f) => descriptorsOf(out, parser.parse(copy.subarray(f === 0 ? 0 : chunk.ends[f - 1], end), out)));
        },
        chunk,
      );
      const pool = new ChunkPool(chunk.bytes, POOL_SIZE);
      const parser = driver.createParser(SERVER_OPTIONS);
      let operation: (i: number) => number;
      if (driver.perFrame) {
        const slices = pool.slices(chunk.ends);
        operation = (i) => {
          const frames = slices[i];
          let descriptors = 0;
          for (let f = 0; f < frames.length; f++) descriptors += parser.parse(frames[f], out);
          return descriptors;
        };
      } else operation = (i) => parser.parse(pool.copies[i], out);
      return {
        name: driver.name,
        bytes: 0,
        items: FRAMES_PER_CHUNK,
        run: operation,
        rounds: { size: POOL_SIZE, refresh: (used) => pool.refresh(used) },
      };
    });
    runGroup(group, 0, cells, DEFAULT_TIMING);
    const rate = (name: string) => itemsPerSecond(result(group, name, 0)!);
    rows.push([
      kind,
      ...PARSER_DRIVERS.map((driver) => formatRate(rate(driver.name))),
      formatRatio(rate('native, one call per chunk') / rate('TS, one call per frame')),
      formatRatio(rate('native, one call per chunk') / rate('TS, one call per chunk')),
    ]);
  }
  report.push(
    `### Batch parsing: one chunk of ${FRAMES_PER_CHUNK} masked frames with 32-byte payloads (38 KB), frames/s`,
    '',
    markdownTable(
      ['frames', ...PARSER_DRIVERS.map((driver) => driver.name), 'native batch ÷ TS per frame', 'native batch ÷ TS batch'],
      rows,
    ),
    '',
  );
}

/** The alternative to validating inside the parser: parse without validation, then `isUtf8` over the payload piece. */
const PARSE_THEN_IS_UTF8 = 'native parser unvalidated + isUtf8';

function benchLargeFrame(): void {
  const size = 64 << 10;
  const kinds: Array<[string, number, Buffer]> = [
    ['binary', 2, noise(size)],
    ['text, ASCII', 1, asciiText(size)],
    ['text, mixed UTF-8', 1, mixedText(size)],
  ];
  const drivers: Array<[string, (options: ParserOptions) => FrameParser]> = [
    ['native parser', (options) => nativeCodec.createParser(options)],
    ['TS parser', (options) => jsCodec.createParser(options)],
  ];
  const out = new Uint32Array(1 + 4 * DESCRIPTOR_SLOTS);
  const cells = kinds.flatMap(([kind, opcode, payload]) => {
    const chunk = frameChunk([opcode], () => payload);
    const pooled = (name: string, operation: (parser: FrameParser, copy: Buffer) => unknown, parser: FrameParser): Cell => {
      const pool = new ChunkPool(chunk.bytes, 32);
      return {
        name: `${name}, ${kind}`,
        bytes: size,
        run: (i) => operation(parser, pool.copies[i]),
        rounds: { size: 32, refresh: (used) => pool.refresh(used) },
      };
    };
    const parserCells = drivers.map(([name, createParser]): Cell => {
      checkParse(`${name} (${kind})`, (copy) => descriptorsOf(out, createParser(SERVER_OPTIONS).parse(copy, out)), chunk);
      return pooled(name, (parser, copy) => parser.parse(copy, out), createParser(SERVER_OPTIONS));
    });
    if (opcode !== 1) return parserCells;
    const unvalidated = nativeCodec.createParser({ ...SERVER_OPTIONS, validateUtf8: false });
    const parseThenValidate = (parser: FrameParser, copy: Buffer) => {
      parser.parse(copy, out);
      return isUtf8(copy.subarray(out[2], out[2] + out[3]));
    };
    return [...parserCells, pooled(PARSE_THEN_IS_UTF8, parseThenValidate, unvalidated)];
  });
  runGroup('frame', size, cells, DEFAULT_TIMING);
  const nsOf = (kind: string, name: string) => result('frame', `${name}, ${kind}`, size)!.nsPerOp;
  const textKinds = kinds.slice(1).map(([kind]) => kind);
  const rows = drivers.map(([name]) => {
    const binaryNs = nsOf('binary', name);
    // An extra time under 5% of the binary frame's is within the noise: the validation is as good as free.
    const validationRate = (kind: string) => {
      const extraNs = nsOf(kind, name) - binaryNs;
      return extraNs < binaryNs * 0.05 ? 'free' : formatNumber(size / extraNs);
    };
    return [name, ...kinds.map(([kind]) => formatNumber(size / nsOf(kind, name))), ...textKinds.map(validationRate)];
  });
  rows.push([
    PARSE_THEN_IS_UTF8,
    '-',
    ...textKinds.map((kind) => formatNumber(size / nsOf(kind, PARSE_THEN_IS_UTF8))),
    ...textKinds.map(() => '-'),
  ]);
  report.push(
    '### One masked 64 KiB frame parsed (unmask, and UTF-8 validation for text), GB/s of payload',
    '',
    markdownTable(['parser', ...kinds.map(([kind]) => kind), ...textKinds.map((kind) => `UTF-8 share, ${kind} (derived)`)], rows),
    '',
    'This is the connection\'s path for a text message: the receiver\'s parser validates UTF-8 in the same pass as it',
    `unmasks. The last row is the alternative (parse without validation, then \`isUtf8\` over the payload). The derived`,
    'columns divide the payload by the extra time a text frame takes over a binary one: the rate of the validation',
    'inside the parser (`free`: under 5% extra, within the noise).',
    '',
  );
}

/** One crossover comparison: the JavaScript path the native codec keeps for small inputs, against the native call. */
interface CrossoverPair {
  title: string;
  /** The native codec's threshold this pair informs, and its current value. */
  constant: string;
  current: number;
  js: (size: number) => Cell;
  native: (size: number) => Cell;
}

function crossoverPairs(): CrossoverPair[] {
  const unmaskPair = (): CrossoverPair => ({
    title: 'unmask',
    constant: 'MASK_NATIVE_MIN',
    current: MASK_NATIVE_MIN,
    js: (size) => {
      const data = noise(size);
      return { name: 'js', bytes: size, run: () => jsCodec.unmask(data, KEY, 0) };
    },
    native: (size) => {
      const data = noise(size);
      return { name: 'native', bytes: size, run: () => binding.unmask(data, keyWord(KEY), 0) };
    },
  });
  const maskPair = (): CrossoverPair => ({
    title: 'mask',
    constant: 'MASK_NATIVE_MIN',
    current: MASK_NATIVE_MIN,
    js: (size) => {
      const [source, output] = [noise(size), Buffer.alloc(size)];
      return { name: 'js', bytes: size, run: () => jsCodec.mask(source, KEY, output, 0) };
    },
    native: (size) => {
      const [source, output] = [noise(size), Buffer.alloc(size)];
      return { name: 'native', bytes: size, run: () => binding.mask(source, keyWord(KEY), output, 0) };
    },
  });
  const utf8Pair = (kind: string, makeText: (size: number) => Buffer, jsName: string, jsPath: (data: Buffer) => boolean): CrossoverPair => ({
    title: `UTF-8 ${kind}, ${jsName}`,
    constant: 'UTF8_NATIVE_MIN',
    current: UTF8_NATIVE_MIN,
    js: (size) => {
      const text = makeText(size);
      return { name: 'js', bytes: size, run: () => jsPath(text) };
    },
    native: (size) => {
      const text = makeText(size);
      return { name: 'native', bytes: size, run: () => binding.isValidUtf8(text) };
    },
  });
  return [
    unmaskPair(),
    maskPair(),
    utf8Pair('ASCII', asciiText, 'TS codec', (data) => jsCodec.isValidUtf8(data)),
    utf8Pair('mixed', mixedText, 'TS codec', (data) => jsCodec.isValidUtf8(data)),
    utf8Pair('ASCII', asciiText, 'JS state machine', (data) => utf8StateMachine(data)),
    utf8Pair('mixed', mixedText, 'JS state machine', (data) => utf8StateMachine(data)),
  ];
}

function benchCrossover(): void {
  const pairs = crossoverPairs();
  const timings = pairs.map(() => [] as Array<{ size: number; jsNs: number; nativeNs: number }>);
  for (const size of CROSSOVER_SIZES) {
    pairs.forEach((pair, p) => {
      const [js, native] = runGroup(`crossover ${pair.title}`, size, [pair.js(size), pair.native(size)], CROSSOVER_TIMING);
      timings[p].push({ size, jsNs: js.nsPerOp, nativeNs: native.nsPerOp });
    });
  }
  const rows = CROSSOVER_SIZES.map((size, s) => [
    formatSize(size),
    ...timings.map((series) => `${formatNumber(series[s].jsNs)} / ${formatNumber(series[s].nativeNs)}`),
  ]);
  const findings = pairs.map((pair, p) => {
    const series = timings[p];
    const jsWins = series.filter((point) => point.jsNs < point.nativeNs).map((point) => point.size);
    const largestJsWin = jsWins.length > 0 ? Math.max(...jsWins) : 0;
    // The first size from which native wins at every larger size scanned: robust to one noisy point.
    const lastSize = CROSSOVER_SIZES[CROSSOVER_SIZES.length - 1];
    let nativeFrom = Infinity;
    for (let s = series.length - 1; s >= 0 && series[s].nativeNs <= series[s].jsNs; s--) nativeFrom = series[s].size;
    const largest = largestJsWin === 0 ? `native wins from ${CROSSOVER_SIZES[0]} B on` : `JS still wins at ${largestJsWin} B`;
    const steady =
      nativeFrom === Infinity ? `native does not win at ${lastSize} B` : `native wins at every size from ${nativeFrom} B up to ${lastSize} B`;
    return `- ${pair.title}: ${largest}; ${steady} (${pair.constant} is now ${pair.current}).`;
  });
  report.push(
    '### Crossover: JS path vs native call, ns per operation (JS / native)',
    '',
    markdownTable(['size', ...pairs.map((pair) => pair.title)], rows),
    '',
    ...findings,
    '',
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Targets

function targetLines(): string[] {
  const lines: string[] = [];
  const status = (value: number, goal: number) => (value >= goal ? 'met' : `MISSED by ${formatNumber((1 - value / goal) * 100)}%`);
  for (const group of ['unmask', 'mask']) {
    for (const size of [64 << 10, 1 << 20]) {
      const native = result(group, 'native codec', size);
      const reference = result(group, 'bufferutil', size);
      if (!native || !reference) continue;
      const ratio = gbPerSecond(native) / gbPerSecond(reference);
      lines.push(`| ${group} ${formatSize(size)} >= 2x bufferutil | ${formatRatio(ratio)} | ${status(ratio, 2)} |`);
    }
  }
  for (const kind of ['text, ASCII', 'text, mixed UTF-8']) {
    const inParser = result('frame', `native parser, ${kind}`, 64 << 10);
    const alternative = result('frame', `${PARSE_THEN_IS_UTF8}, ${kind}`, 64 << 10);
    if (!inParser || !alternative) continue;
    const ratio = alternative.nsPerOp / inParser.nsPerOp;
    lines.push(`| 64 KiB ${kind} message, connection path (validating parser) >= parser + isUtf8 | ${formatRatio(ratio)} | ${status(ratio, 1)} |`);
  }
  for (const kind of ['ASCII', 'mixed']) {
    for (const name of ['native incremental', 'native codec']) {
      const native = result(`UTF-8 ${kind}`, name, 64 << 10);
      const reference = result(`UTF-8 ${kind}`, 'isUtf8', 64 << 10);
      if (!native || !reference) continue;
      const ratio = gbPerSecond(native) / gbPerSecond(reference);
      lines.push(`| (not the connection's path) UTF-8 ${kind} 64 KiB, ${name} >= isUtf8 | ${formatRatio(ratio)} | ${status(ratio, 1)} |`);
    }
  }
  for (const kind of ['text', 'binary', 'text and binary alternating']) {
    const batch = result(`parse ${kind}`, 'native, one call per chunk', 0);
    const perFrame = result(`parse ${kind}`, 'TS, one call per frame', 0);
    if (!batch || !perFrame) continue;
    const ratio = itemsPerSecond(batch) / itemsPerSecond(perFrame);
    lines.push(`| batch parse (${kind}) >= 4x TS frame by frame | ${formatRatio(ratio)} | ${status(ratio, 4)} |`);
  }
  if (lines.length === 0) return [];
  return ['### Targets', '', '| target | measured | status |', '|:--|--:|:--|', ...lines, ''];
}

// ---------------------------------------------------------------------------------------------------------------

function main(): void {
  const requested = process.argv.slice(2);
  for (const name of requested) {
    if (!SECTIONS.includes(name as Section)) throw new Error(`unknown section '${name}'; the sections are: ${SECTIONS.join(' ')}`);
  }
  const selected = new Set<Section>(requested.length > 0 ? (requested as Section[]) : SECTIONS);
  const machine = machineInfo();
  const started = process.hrtime.bigint();
  checkImplementations();
  const steps: Array<[Section, () => void]> = [
    ['mask', benchMasking],
    ['utf8', benchUtf8],
    ['calls', benchCalls],
    ['parse', benchSmallFrames],
    ['frame', benchLargeFrame],
    ['crossover', benchCrossover],
  ];
  for (const [section, bench] of steps) {
    if (!selected.has(section)) continue;
    progress(`${section}:`);
    bench();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const noisy = [...results.values()].filter((measurement) => measurement.spread > 0.25).length;
  const header = [
    '## Codec benchmark',
    '',
    `${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node} (${machine.platform}); native binding from`,
    `${found.source}, simdLevel() = ${binding.simdLevel()}; MASK_NATIVE_MIN = ${MASK_NATIVE_MIN}, UTF8_NATIVE_MIN = ${UTF8_NATIVE_MIN}.`,
    `Median of ${DEFAULT_TIMING.batches} interleaved batches of ~${DEFAULT_TIMING.batchMs} ms per cell (${LARGE_TIMING.batchMs} ms at 16 MiB); GB/s = 10^9 bytes/s.`,
    `The run took ${seconds.toFixed(0)} s; load average ${machine.loadAverage} at the start, ${machineInfo().loadAverage} at the end;`,
    `${noisy} of ${results.size} cells had batches more than 25% apart (${truthyResults()} timed operations returned a truthy result).`,
    '',
  ];
  process.stdout.write(`${[...header, ...targetLines(), ...report].join('\n')}\n`);
}

main();
