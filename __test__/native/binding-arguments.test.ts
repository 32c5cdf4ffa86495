/**
 * The raw N-API entry points of the binding (crates/binding/raw.rs) against bad arguments: each gets a TypeError
 * or RangeError with a stable code and a message naming the argument, never a crash; and a parser handle works
 * only with `parse`, which refuses any other object. Runs only where the native binding is built.
 */
import test from 'ava';
import { currentEnvironment, findNativeBinding } from '../../ts/codec/loader';
import type { NativeBinding, NativeParserHandle } from '../../ts/codec/native';

const found = findNativeBinding(currentEnvironment());
if (!found.binding) throw new Error(`the native binding must be built for this test: ${JSON.stringify(found.attempts)}`);
const binding: NativeBinding = found.binding;
/** The binding with its argument types erased, to pass what TypeScript would refuse. */
const loose = binding as unknown as Record<string, (...args: unknown[]) => unknown>;

const typeError = (code: string, message: RegExp) => ({ instanceOf: TypeError, code, message });
const rangeError = (message: RegExp) => ({ instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE', message });

test('unmask: a non-Uint8Array is a TypeError; a key or phase out of range a RangeError; nothing is changed', (t) => {
  for (const data of ['text', 42, null, undefined, {}, new Uint16Array(4), new Float64Array(1)]) {
    t.throws(() => loose.unmask(data, 1, 0), typeError('ERR_INVALID_ARG_TYPE', /The "data" argument must be a Uint8Array/));
  }
  const data = Buffer.from([1, 2, 3, 4]);
  t.throws(() => loose.unmask(data, 'key', 0), typeError('ERR_INVALID_ARG_TYPE', /"key" argument must be of type number/));
  t.throws(() => binding.unmask(data, -1, 0), rangeError(/"key" is out of range/));
  t.throws(() => binding.unmask(data, 2 ** 32, 0), rangeError(/"key" is out of range/));
  t.throws(() => binding.unmask(data, 1, 4), rangeError(/"phase" is out of range.*Received 4/));
  t.throws(() => binding.unmask(data, 1, 0.5), rangeError(/"phase" is out of range/));
  t.deepEqual([...data], [1, 2, 3, 4]);
  binding.unmask(data, 0x04030201, 0);
  t.deepEqual([...data], [0, 0, 0, 0]);
  t.notThrows(() => binding.unmask(new Uint8Array(0), 7, 3));
});

test('mask: overlapping buffers, a short output and a bad offset are refused before anything is written', (t) => {
  const backing = Buffer.alloc(16, 0xaa);
  t.throws(() => binding.mask(backing.subarray(0, 8), 1, backing.subarray(4, 16), 0), typeError('ERR_INVALID_ARG_VALUE', /must not share memory/));
  t.throws(() => binding.mask(Buffer.alloc(8), 1, Buffer.alloc(4), 0), rangeError(/cannot hold source/));
  t.throws(() => binding.mask(Buffer.alloc(4), 1, Buffer.alloc(8), 5), rangeError(/"offset" is out of range.*from 0 to 4/));
  t.throws(() => loose.mask(Buffer.alloc(4), 1, [0, 0, 0, 0], 0), typeError('ERR_INVALID_ARG_TYPE', /"output" argument must be a Uint8Array/));
  t.deepEqual(backing, Buffer.alloc(16, 0xaa));
  const output = Buffer.alloc(6);
  binding.mask(Buffer.from([1, 2, 3, 4]), 0x01010101, output, 2);
  t.deepEqual([...output], [0, 0, 0, 3, 2, 5]);
});

test('createParser: each option is checked; parse takes only its handles, a Uint8Array chunk and a Uint32Array out', (t) => {
  t.throws(() => binding.createParser(-1, 0, 0, 0, true), rangeError(/"maxFrameSize" is out of range/));
  t.throws(() => binding.createParser(0, 2 ** 53, 0, 0, true), rangeError(/"maxMessageSize" is out of range/));
  t.throws(() => binding.createParser(0, 0, 3, 0, true), rangeError(/"masking" is out of range/));
  t.throws(() => binding.createParser(0, 0, 0, 8, true), rangeError(/"allowedRsv" is out of range/));
  t.throws(() => loose.createParser(0, 0, 0, 0, 'yes'), typeError('ERR_INVALID_ARG_TYPE', /"validateUtf8" argument must be of type boolean/));

  const parser = binding.createParser(0, 0, 1, 0, true);
  const out = new Uint32Array(1 + 8 * 7);
  for (const impostor of [{}, null, 1, 'parser', Buffer.alloc(8), binding.createParser]) {
    t.throws(() => loose.parse(impostor, Buffer.alloc(2), out), typeError('ERR_INVALID_ARG_TYPE', /"parser" argument must be a parser made by createParser/));
  }
  t.throws(() => loose.parse(parser, 'bytes', out), typeError('ERR_INVALID_ARG_TYPE', /"chunk" argument must be a Uint8Array/));
  t.throws(() => loose.parse(parser, Buffer.alloc(2), new Int32Array(8)), typeError('ERR_INVALID_ARG_TYPE', /"out" argument must be a Uint32Array/));
  const shared = new ArrayBuffer(64);
  t.throws(() => binding.parse(parser, new Uint8Array(shared, 0, 16), new Uint32Array(shared, 8, 8)), typeError('ERR_INVALID_ARG_VALUE', /must not share memory/));

  // A masked text frame "hi" (key 01 02 03 04) after all that: the parser was not disturbed.
  const frame = Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2]);
  t.is(binding.parse(parser, frame, out), 1);
  t.is(out[0], frame.length);
  t.is(frame.subarray(6).toString(), 'hi', 'unmasked in place');
  t.is(binding.parse(parser as NativeParserHandle, new Uint8Array(0), out), 0);
});
