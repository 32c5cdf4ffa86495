//! N-API binding of the ferrosocket codec (napi-rs 3).
//!
//! Every function works on the caller's memory: typed-array arguments arrive as slices over their backing store,
//! nothing is copied. Arguments are validated here so that the codec never panics across the boundary: a bad
//! number throws a `RangeError` (`code: 'ERR_OUT_OF_RANGE'`), overlapping buffers a `TypeError`
//! (`code: 'ERR_INVALID_ARG_VALUE'`). A value of the wrong type is rejected by napi-rs with an `Error`.

use ferrosocket_codec::{self as codec, Masking, Parser, ParserOptions};
use napi::{Env, Error, Result, Status};
use napi_derive::napi;
use std::ops::Range;

/// A typed array argument whose memory the function writes. (napi-derive reads a literal `&mut [T]` argument as a
/// class instance; spelled through this alias it goes through napi's typed-array `FromNapiValue`, which checks
/// the element type and borrows the array's backing store.)
type WritableArray<'a, T> = &'a mut [T];

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Throws a `RangeError` and returns the error that tells napi-rs an exception is already pending.
fn range_error(env: &Env, message: &str) -> Error {
    match env.throw_range_error(message, Some("ERR_OUT_OF_RANGE")) {
        Ok(()) => Error::new(Status::PendingException, message.to_owned()),
        Err(error) => error,
    }
}

/// Throws a `TypeError` and returns the error that tells napi-rs an exception is already pending.
fn type_error(env: &Env, message: &str) -> Error {
    match env.throw_type_error(message, Some("ERR_INVALID_ARG_VALUE")) {
        Ok(()) => Error::new(Status::PendingException, message.to_owned()),
        Err(error) => error,
    }
}

/// `value` as an integer in `0..=max`, or a `RangeError` naming the argument.
fn integer(env: &Env, name: &str, value: f64, max: f64) -> Result<u64> {
    if value.fract() == 0.0 && (0.0..=max).contains(&value) {
        Ok(value as u64)
    } else {
        let message = format!("The value of \"{name}\" is out of range. It must be an integer from 0 to {max}. Received {value}");
        Err(range_error(env, &message))
    }
}

/// The addresses a slice occupies.
fn address_range<T>(slice: &[T]) -> Range<usize> {
    let pointers = slice.as_ptr_range();
    pointers.start as usize..pointers.end as usize
}

/// Whether two slices share memory.
fn overlap<A, B>(a: &[A], b: &[B]) -> bool {
    let (a, b) = (address_range(a), address_range(b));
    !a.is_empty() && !b.is_empty() && a.start < b.end && b.start < a.end
}

/// The 4 mask key bytes in wire order from their little-endian `u32` reading (key byte 0 = `key & 0xff`).
fn key_bytes(env: &Env, key: f64) -> Result<[u8; 4]> {
    Ok((integer(env, "key", key, f64::from(u32::MAX))? as u32).to_le_bytes())
}

/// XORs `data` in place with the mask key, starting at key byte `phase` (0-3).
#[napi]
pub fn unmask(
    env: Env,
    #[napi(ts_arg_type = "Uint8Array")] data: WritableArray<u8>,
    key: f64,
    phase: f64,
) -> Result<()> {
    let key = key_bytes(&env, key)?;
    let phase = integer(&env, "phase", phase, 3.0)?;
    codec::unmask(data, key, phase as usize);
    Ok(())
}

/// Writes `source` XOR the mask key into `output` at `offset`; `source` is left unchanged and must not share
/// memory with `output`.
#[napi]
pub fn mask(
    env: Env,
    source: &[u8],
    key: f64,
    #[napi(ts_arg_type = "Uint8Array")] output: WritableArray<u8>,
    offset: f64,
) -> Result<()> {
    let key = key_bytes(&env, key)?;
    let room = output.len().checked_sub(source.len()).ok_or_else(|| {
        let message = format!(
            "output (length {}) cannot hold source (length {})",
            output.len(),
            source.len()
        );
        range_error(&env, &message)
    })?;
    let offset = integer(&env, "offset", offset, room as f64)? as usize;
    if overlap(source, output) {
        return Err(type_error(&env, "source and output must not share memory"));
    }
    codec::mask_into(source, key, &mut output[offset..offset + source.len()]);
    Ok(())
}

/// Whether `data`, as a whole, is valid UTF-8.
#[napi]
pub fn is_valid_utf8(data: &[u8]) -> bool {
    codec::is_valid_utf8(data)
}

/// The masking kernel in use: `"avx2"`, `"sse2"`, `"neon"` or `"scalar"`.
#[napi]
pub fn simd_level() -> &'static str {
    codec::simd_level()
}

/// Does nothing: measures the bare cost of a call into the binding.
#[napi]
pub fn empty_call() {}

/// Does nothing with `data`: measures the cost of a call that passes a typed array.
#[napi]
pub fn buffer_call(_data: &[u8]) {}

/// Incremental UTF-8 validation across the pieces of one message.
#[napi]
pub struct Utf8Validator {
    inner: codec::Utf8Validator,
}

#[napi]
impl Utf8Validator {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Utf8Validator {
            inner: codec::Utf8Validator::new(),
        }
    }

    /// Validates the next piece; `is_final` ends the message, so an unfinished sequence fails. Returns false as
    /// soon as the bytes cannot be valid UTF-8, and from then on until `reset()`.
    #[napi]
    pub fn push(&mut self, piece: &[u8], is_final: bool) -> bool {
        self.inner.push(piece, is_final).is_ok()
    }

    /// Forgets all state, ready for a new message.
    #[napi]
    pub fn reset(&mut self) {
        self.inner.reset();
    }
}

/// The batch frame parser of ts/codec/types.ts: one per connection.
#[napi]
pub struct FrameParser {
    parser: Parser,
}

#[napi]
impl FrameParser {
    /// `maxFrameSize` (0 to 2^32 - 1) and `maxMessageSize` (0 to 2^53 - 1) use 0 for no limit; `masking` is
    /// 0 (any), 1 (required) or 2 (forbidden); `allowedRsv` is a set of RSV bits (0x4 = RSV1, 0x2, 0x1).
    #[napi(constructor)]
    pub fn new(
        env: Env,
        max_frame_size: f64,
        max_message_size: f64,
        masking: f64,
        allowed_rsv: f64,
        validate_utf8: bool,
    ) -> Result<Self> {
        let max_frame_size =
            integer(&env, "maxFrameSize", max_frame_size, f64::from(u32::MAX))? as u32;
        let max_message_size = integer(&env, "maxMessageSize", max_message_size, MAX_SAFE_INTEGER)?;
        let masking = match integer(&env, "masking", masking, 2.0)? {
            0 => Masking::Any,
            1 => Masking::Required,
            _ => Masking::Forbidden,
        };
        let allowed_rsv = integer(&env, "allowedRsv", allowed_rsv, 7.0)? as u8;
        let options = ParserOptions {
            max_frame_size,
            max_message_size,
            masking,
            allowed_rsv,
            validate_utf8,
        };
        Ok(FrameParser {
            parser: Parser::new(options),
        })
    }

    /// Parses `chunk` (unmasking payloads in place) and writes descriptors into `out`; returns how many.
    /// `out[0]` receives the bytes consumed. With room for no descriptor (`out.length < 8`) nothing is consumed, as
    /// the contract says; callers size `out` for many descriptors.
    #[napi]
    pub fn parse(
        &mut self,
        env: Env,
        #[napi(ts_arg_type = "Uint8Array")] chunk: WritableArray<u8>,
        #[napi(ts_arg_type = "Uint32Array")] out: WritableArray<u32>,
    ) -> Result<u32> {
        if u32::try_from(chunk.len()).is_err() {
            return Err(range_error(&env, "chunk must be shorter than 2^32 bytes"));
        }
        if overlap(chunk, out) {
            return Err(type_error(&env, "chunk and out must not share memory"));
        }
        Ok(self.parser.parse(chunk, out) as u32)
    }
}
