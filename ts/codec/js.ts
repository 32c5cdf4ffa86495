/**
 * The pure-TypeScript codec: used wherever no native binding loads, and as the reference the native codec is
 * compared with. Every part is plain JavaScript over typed arrays, apart from one-shot UTF-8 checks, which use
 * Node's built-in `buffer.isUtf8`.
 */

import type { Codec } from './types';
import { mask, unmask } from './js-mask';
import { JsFrameParser } from './js-parser';
import { isValidUtf8, JsUtf8Validator } from './js-utf8';

/** The TypeScript {@link Codec}. */
export const jsCodec: Codec = {
  kind: 'js',
  unmask,
  mask,
  isValidUtf8,
  createUtf8Validator: () => new JsUtf8Validator(),
  createParser: (options) => new JsFrameParser(options),
};
