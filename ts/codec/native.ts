/**
 * The native codec: the Rust codec crate behind N-API (crates/binding), wrapped in the {@link Codec} interface.
 *
 * Below a crossover size a native call costs more than it saves, so small inputs stay in JavaScript; the sizes are
 * measured by bench/codec.ts and recorded in bench/README.md.
 */
import type { Codec, FrameParser, ParserOptions, Utf8Validator } from './types';
import * as js from './js';

/** The shape of the binding that crates/binding/lib.rs exports. */
export interface NativeBinding {
  unmask(data: Uint8Array, key: number, phase: number): void;
  mask(source: Uint8Array, key: number, output: Uint8Array, offset: number): void;
  isValidUtf8(data: Uint8Array): boolean;
  Utf8Validator: new () => Utf8Validator;
  FrameParser: new (
    maxFrameSize: number,
    maxMessageSize: number,
    masking: number,
    allowedRsv: number,
    validateUtf8: boolean,
  ) => FrameParser;
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
  'FrameParser',
  'simdLevel',
  'emptyCall',
  'bufferCall',
];

/**
 * Masking below this many bytes is faster in JavaScript than through a native call: napi-rs's per-call cost
 * (~200 ns with a typed array) outweighs the SIMD kernel until ~256 B (bench/README.md, crossovers).
 */
export const MASK_NATIVE_MIN = 256;
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
      return new binding.FrameParser(
        options.maxFrameSize,
        options.maxMessageSize,
        options.masking,
        options.allowedRsv,
        options.validateUtf8,
      );
    },
  };
}
