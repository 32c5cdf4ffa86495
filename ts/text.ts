/**
 * Text messages between UTF-8 bytes and JS strings, by the fastest exact route for their size.
 *
 * Node 20 decodes non-ASCII UTF-8 in `buffer.toString('utf8')` at ~150 MB/s (V8's scalar decoder); ICU's
 * `buffer.transcode` to UTF-16 and a UTF-16 string run ~10x faster on long text, after a ~2 µs set-up. So long
 * non-ASCII text goes through transcode, everything else through `toString`. The input is validated UTF-8 (the
 * receiver checked it), so transcode never meets an invalid sequence to replace.
 *
 * Echo and relay servers send back the very string they received; re-encoding it would rebuild the bytes they
 * came from. The most recently decoded text keeps its bytes, and encoding that same string returns them.
 */
import { isAscii, transcode } from 'buffer';

/** Non-ASCII text from this many bytes on is decoded through transcode (measured crossover: ~0.5-1 KiB). */
const TRANSCODE_MIN = 1024;

/** Whether this Node has ICU's transcode (builds without Intl do not). */
const canTranscode = (() => {
  try {
    return transcode(Buffer.from('é'), 'utf8', 'utf16le').toString('utf16le') === 'é';
  } catch {
    return false;
  }
})();

/** The most recently decoded text and the bytes it came from (at most one received chunk is kept alive). */
let recentText = '';
let recentBytes: Buffer | null = null;

/** Validated UTF-8 bytes as a string; remembered as the most recent text. */
export function decodeText(bytes: Buffer): string {
  const text =
    canTranscode && bytes.length >= TRANSCODE_MIN && !isAscii(bytes)
      ? transcode(bytes, 'utf8', 'utf16le').toString('utf16le')
      : bytes.toString('utf8');
  recentText = text;
  recentBytes = bytes;
  return text;
}

/** A string as UTF-8 bytes: the received bytes themselves when it is the most recently decoded text. */
export function encodeText(text: string): Buffer {
  if (recentBytes !== null && text === recentText) return recentBytes;
  return Buffer.from(text, 'utf8');
}
