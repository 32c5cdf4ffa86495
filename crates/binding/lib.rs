//! N-API binding of the ferrosocket codec (napi-rs 3).
//!
//! Every function works on the caller's memory: typed-array arguments arrive as slices over their backing store,
//! nothing is copied. The hot calls (`unmask`, `mask`, `createParser`, `parse`) are raw N-API callbacks in
//! `raw.rs`, where arguments are validated so that the codec never panics across the boundary: a wrong type
//! throws a `TypeError` (`code: 'ERR_INVALID_ARG_TYPE'`), a bad number a `RangeError` (`code: 'ERR_OUT_OF_RANGE'`),
//! overlapping buffers a `TypeError` (`code: 'ERR_INVALID_ARG_VALUE'`). The rest go through napi-rs, which rejects
//! a value of the wrong type with an `Error`.

mod raw;

use ferrosocket_codec as codec;
use napi::bindgen_prelude::Object;
use napi::{Env, Error, JsValue, Result, Status};
use napi_derive::napi;

/// Adds the raw N-API functions of `raw.rs` to the module's exports.
#[napi(module_exports)]
pub fn register_raw_functions(exports: Object, env: Env) -> Result<()> {
    raw::register(env.raw(), exports.raw())
        .map_err(|status| Error::new(Status::from(status), "cannot define the raw N-API functions".to_owned()))
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

/// Does nothing: measures the bare cost of a call into the binding through napi-rs.
#[napi]
pub fn empty_call() {}

/// Does nothing with `data`: measures the cost of a call that passes a typed array through napi-rs.
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
