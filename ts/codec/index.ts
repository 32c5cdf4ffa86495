/**
 * The codec in use, chosen once when the package loads.
 *
 * `FERROSOCKET_CODEC` steers the choice: unset or `auto` uses the native binding when one loads and the TypeScript
 * codec otherwise; `js` forces the TypeScript codec; `native` requires the binding and throws when none loads.
 */
import type { Codec } from './types';
import { jsCodec } from './js';
import { createNativeCodec } from './native';
import { currentEnvironment, findNativeBinding, type LoaderEnvironment } from './loader';

/** The codec and where it came from. */
export interface CodecSelection {
  codec: Codec;
  /** The place the native binding was loaded from, or `null` for the TypeScript codec. */
  source: string | null;
}

/** Picks the codec for a `FERROSOCKET_CODEC` value; exported for tests, which pass their own environment. */
export function selectCodec(request: string | undefined, env: LoaderEnvironment): CodecSelection {
  const mode = request === undefined || request === '' ? 'auto' : request;
  if (mode === 'js') return { codec: jsCodec, source: null };
  if (mode !== 'auto' && mode !== 'native') {
    throw new Error(`FERROSOCKET_CODEC must be 'native', 'js' or 'auto', not '${mode}'`);
  }
  const found = findNativeBinding(env);
  if (found.binding) return { codec: createNativeCodec(found.binding), source: found.source };
  if (mode === 'native') {
    const tried = found.attempts.map((attempt) => `  ${attempt.source}: ${attempt.error}`).join('\n');
    throw new Error(
      `FERROSOCKET_CODEC=native, but no native binding loads. Build it with \`npm run build:native\` (needs cargo). Tried:\n${tried}`,
    );
  }
  return { codec: jsCodec, source: null };
}

const selection = selectCodec(process.env.FERROSOCKET_CODEC, currentEnvironment());

/** The codec every connection uses. */
export const codec: Codec = selection.codec;
/** Where the native binding was loaded from, or `null` when the TypeScript codec is in use. */
export const codecSource: string | null = selection.source;
export type { Codec } from './types';
