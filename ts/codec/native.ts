/**
 * The native codec: the Rust codec crate behind N-API (crates/binding), wrapped in the {@link Codec} interface.
 *
 * Below a crossover size a native call costs more than it saves, so small inputs stay in JavaScript; the sizes are
 * measured by bench/codec.ts and recorded in bench/README.md.
 */
import type { Codec, FrameParser, ParserOptions, Utf8Validator } from './types';
import * as js from './js';

/** A native parser's state: an opaque object that only the binding's `parse` reads. */
export type NativeParserHandle = { readonly __nativeParser: unique symbol };

/**
 * The shape of the binding that crates/binding exports (`unmask`, `mask`, `createParser` and `parse` are raw
 * N-API callbacks, crates/binding/raw.rs).
 */
export interface NativeBinding {
  unmask(data: Uint8Array, key: number, phase: number): void;
  mask(source: Uint8Array, key: number, output: Uint8Array, offset: number): void;
  isValidUtf8(data: Uint8Array): boolean;
  Utf8Validator: new () => Utf8Validator;
  createParser(
    maxFrameSize: number,
    maxMessageSize: number,
    masking: number,
    allowedRsv: number,
    validateUtf8: boolean,
  ): NativeParserHandle;
  /** Parses `chunk` with the parser's state into `out` (the contract of {@link FrameParser.parse}). */
  parse(parser: NativeParserHandle, chunk: Uint8Array, out: Uint32Array): number;
  simdLevel(): string;
  emptyCall(): void;
  bufferCall(data: Uint8Array): void;
}

/** The exports a binding must have to be used; a stale or foreign binary lacking one is refused by the loader. */
export const REQUIRED_EXPORTS: ReadonlyArray<keyof NativeBinding> = [
  'unmask',
  'mask',
  'isValidUtf8',
  'Utf8Validator',
  'createParser',
  'parse',
  'simdLevel',
  'emptyCall',
  'bufferCall',
];

/**
 * Masking below this many bytes is faster in JavaScript than through a native call (bench/README.md,
 * crossovers): the call's fixed cost (~130 ns through the raw N-API entry points) outweighs the SIMD kernel on
 * short inputs. Native unmasking wins from ~128 B and copy-masking from ~150 B.
 */
export const MASK_NATIVE_MIN = 160;
/**
 * One-shot UTF-8 validation below this many bytes goes to `buffer.isUtf8` (simdutf, itself native and cheaper to
 * call), which matches or beats the binding up to 64 KiB.
 */
export const UTF8_NATIVE_MIN = 0x10000;

/** Reads 4 key bytes (wire order) as the little-endian u32 the binding takes. */
function keyToU32(key: Uint8Array): number {
  return (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0;
}

/** Builds the native {@link Codec} around a loaded binding. */
export function createNativeCodec(binding: NativeBinding): Codec {
  const parse = binding.parse;

  /** A {@link FrameParser} over the binding's parser state. */
  class NativeFrameParser implements FrameParser {
    private readonly handle: NativeParserHandle;

    constructor(options: ParserOptions) {
      this.handle = binding.createParser(
        options.maxFrameSize,
        options.maxMessageSize,
        options.masking,
        options.allowedRsv,
        options.validateUtf8,
      );
    }

    parse(chunk: Uint8Array, out: Uint32Array): number {
      return parse(this.handle, chunk, out);
    }
  }

  return {
    kind: 'native',
    unmask(data, key, phase) {
      if (data.length < MASK_NATIVE_MIN) js.jsCodec.unmask(data, key, phase);
      else binding.unmask(data, keyToU32(key), phase);
    },
    mask(source, key, output, offset) {
      if (source.length < MASK_NATIVE_MIN) js.jsCodec.mask(source, key, output, offset);
      else binding.mask(source, keyToU32(key), output, offset);
    },
    isValidUtf8(data) {
      return data.length < UTF8_NATIVE_MIN ? js.jsCodec.isValidUtf8(data) : binding.isValidUtf8(data);
    },
    createUtf8Validator() {
      return new binding.Utf8Validator();
    },
    createParser(options: ParserOptions) {
      return new NativeFrameParser(options);
    },
  };
}
