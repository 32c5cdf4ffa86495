//! The hot entry points as raw N-API callbacks: `unmask`, `mask`, `createParser` and `parse`.
//!
//! napi-rs spends 150-250 ns on a call with a typed array and 0.5-1 µs on a class method (it tracks borrows per
//! call), against 25-30 ns for the bare N-API calls these need. So these four are written against `napi::sys`
//! directly: read the arguments, check them (a wrong type is a `TypeError`, a bad number a `RangeError`, each with
//! a `code`), make slices over the caller's typed arrays, run the codec. A parser is an external value holding a
//! boxed [`Parser`], type-tagged so that `parse` refuses any other value before reading it; its finalizer frees
//! the box. The `unsafe` of this crate lives here, each block with its reason.

use ferrosocket_codec::{self as codec, Masking, Parser, ParserOptions};
use napi::sys;
use std::ffi::{c_void, CStr, CString};
use std::ops::Range;
use std::ptr;

/// Tags parser objects made by `createParser` ("ferrosoc", "ket-pars").
const PARSER_TAG: sys::napi_type_tag = sys::napi_type_tag {
    lower: 0x636f_736f_7272_6566,
    upper: 0x7372_6170_2d74_656b,
};

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JS exception has been thrown; the callback returns to JS at once.
struct Thrown;

type Outcome<T> = Result<T, Thrown>;

type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Defines the raw functions on `exports`; a failing N-API call is reported as its status.
pub fn register(env: sys::napi_env, exports: sys::napi_value) -> Result<(), sys::napi_status> {
    let functions: [(&CStr, Callback); 4] = [
        (c"unmask", unmask),
        (c"mask", mask),
        (c"createParser", create_parser),
        (c"parse", parse),
    ];
    for (name, callback) in functions {
        let mut function = ptr::null_mut();
        // SAFETY: `env` and `exports` come from the module initialisation that calls this; `name` is a
        // NUL-terminated string that N-API copies; `function` is a valid out-pointer.
        let status = unsafe {
            sys::napi_create_function(env, name.as_ptr(), -1, Some(callback), ptr::null_mut(), &mut function)
        };
        if status != sys::Status::napi_ok {
            return Err(status);
        }
        // SAFETY: as above; `function` was just created in this scope.
        let status = unsafe { sys::napi_set_named_property(env, exports, name.as_ptr(), function) };
        if status != sys::Status::napi_ok {
            return Err(status);
        }
    }
    Ok(())
}

/// Throws an error of `kind` (`napi_throw_type_error` or `napi_throw_range_error`) with `code` and `message`.
fn throw(
    env: sys::napi_env,
    kind: unsafe extern "C" fn(sys::napi_env, *const std::ffi::c_char, *const std::ffi::c_char) -> sys::napi_status,
    code: &CStr,
    message: &str,
) -> Thrown {
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    // SAFETY: `env` is the live environment of the current call; both strings are NUL-terminated and copied.
    unsafe { kind(env, code.as_ptr(), message.as_ptr()) };
    Thrown
}

fn type_error(env: sys::napi_env, message: &str) -> Thrown {
    throw(env, sys::napi_throw_type_error, c"ERR_INVALID_ARG_TYPE", message)
}

fn value_error(env: sys::napi_env, message: &str) -> Thrown {
    throw(env, sys::napi_throw_type_error, c"ERR_INVALID_ARG_VALUE", message)
}

fn range_error(env: sys::napi_env, message: &str) -> Thrown {
    throw(env, sys::napi_throw_range_error, c"ERR_OUT_OF_RANGE", message)
}

/// The first `N` arguments of the call (N-API gives `undefined` for missing ones).
fn arguments<const N: usize>(env: sys::napi_env, info: sys::napi_callback_info) -> Outcome<[sys::napi_value; N]> {
    let mut count = N;
    let mut values = [ptr::null_mut(); N];
    // SAFETY: `env` and `info` are the current call's; `values` has room for `count` values.
    let status =
        unsafe { sys::napi_get_cb_info(env, info, &mut count, values.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) };
    if status != sys::Status::napi_ok {
        return Err(type_error(env, "cannot read the arguments"));
    }
    Ok(values)
}

/// A number argument.
fn number(env: sys::napi_env, value: sys::napi_value, name: &str) -> Outcome<f64> {
    let mut result = 0.0;
    // SAFETY: `value` is an argument of the current call; `result` is a valid out-pointer.
    if unsafe { sys::napi_get_value_double(env, value, &mut result) } != sys::Status::napi_ok {
        return Err(type_error(env, &format!("The \"{name}\" argument must be of type number")));
    }
    Ok(result)
}

/// A number argument that must be an integer in `0..=max`.
fn integer(env: sys::napi_env, value: sys::napi_value, name: &str, max: f64) -> Outcome<u64> {
    let value = number(env, value, name)?;
    if value.fract() == 0.0 && (0.0..=max).contains(&value) {
        Ok(value as u64)
    } else {
        let message = format!("The value of \"{name}\" is out of range. It must be an integer from 0 to {max}. Received {value}");
        Err(range_error(env, &message))
    }
}

/// A boolean argument.
fn boolean(env: sys::napi_env, value: sys::napi_value, name: &str) -> Outcome<bool> {
    let mut result = false;
    // SAFETY: `value` is an argument of the current call; `result` is a valid out-pointer.
    if unsafe { sys::napi_get_value_bool(env, value, &mut result) } != sys::Status::napi_ok {
        return Err(type_error(env, &format!("The \"{name}\" argument must be of type boolean")));
    }
    Ok(result)
}

/// A typed array argument of element type `kind`: where its elements start and how many there are.
struct ArrayView {
    data: *mut c_void,
    length: usize,
}

impl ArrayView {
    /// The addresses its `element_size`-byte elements occupy.
    fn addresses(&self, element_size: usize) -> Range<usize> {
        let start = self.data as usize;
        start..start + self.length * element_size
    }
}

/// Reads a typed array argument, which must be of element type `kind` (`described` names it in errors).
fn typed_array(
    env: sys::napi_env,
    value: sys::napi_value,
    name: &str,
    kind: sys::napi_typedarray_type,
    described: &str,
) -> Outcome<ArrayView> {
    let mut actual = -1;
    let mut length = 0;
    let mut data = ptr::null_mut();
    // SAFETY: `value` is an argument of the current call; every out-pointer is valid (the array buffer and
    // offset are not asked for).
    let status = unsafe {
        sys::napi_get_typedarray_info(env, value, &mut actual, &mut length, &mut data, ptr::null_mut(), ptr::null_mut())
    };
    if status != sys::Status::napi_ok || actual != kind {
        return Err(type_error(env, &format!("The \"{name}\" argument must be a {described}")));
    }
    Ok(ArrayView { data, length })
}

/// Whether two address ranges share memory.
fn overlap(a: &Range<usize>, b: &Range<usize>) -> bool {
    !a.is_empty() && !b.is_empty() && a.start < b.end && b.start < a.end
}

/// The bytes of a Uint8Array as a slice.
///
/// # Safety
/// `view` must describe a live Uint8Array argument of the current call, and no other slice may cover its memory
/// while the returned one is used.
unsafe fn bytes<'a>(view: &ArrayView) -> &'a mut [u8] {
    if view.length == 0 || view.data.is_null() {
        return &mut [];
    }
    std::slice::from_raw_parts_mut(view.data.cast::<u8>(), view.length)
}

/// The 4 mask key bytes in wire order from their little-endian `u32` reading (key byte 0 = `key & 0xff`).
fn key_bytes(env: sys::napi_env, value: sys::napi_value) -> Outcome<[u8; 4]> {
    Ok((integer(env, value, "key", f64::from(u32::MAX))? as u32).to_le_bytes())
}

/// `undefined`, what the functions without a result return.
fn undefined(env: sys::napi_env) -> sys::napi_value {
    let mut result = ptr::null_mut();
    // SAFETY: `env` is the current call's; `result` is a valid out-pointer.
    unsafe { sys::napi_get_undefined(env, &mut result) };
    result
}

/// Runs a callback body, turning a thrown error into the null value N-API expects after an exception.
fn finish(outcome: Outcome<sys::napi_value>) -> sys::napi_value {
    outcome.unwrap_or(ptr::null_mut())
}

/// `unmask(data: Uint8Array, key: number, phase: number)`: XORs `data` in place with the mask key, starting at key
/// byte `phase` (0-3).
unsafe extern "C" fn unmask(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    finish((|| {
        let [data, key, phase] = arguments::<3>(env, info)?;
        let data = typed_array(env, data, "data", sys::TypedarrayType::uint8_array, "Uint8Array")?;
        let key = key_bytes(env, key)?;
        let phase = integer(env, phase, "phase", 3.0)? as usize;
        // SAFETY: `data` is this call's Uint8Array argument and the only slice made over it.
        codec::unmask(unsafe { bytes(&data) }, key, phase);
        Ok(undefined(env))
    })())
}

/// `mask(source: Uint8Array, key: number, output: Uint8Array, offset: number)`: writes `source` XOR the mask key
/// into `output` at `offset`; `source` is left unchanged and must not share memory with `output`.
unsafe extern "C" fn mask(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    finish((|| {
        let [source, key, output, offset] = arguments::<4>(env, info)?;
        let source = typed_array(env, source, "source", sys::TypedarrayType::uint8_array, "Uint8Array")?;
        let key = key_bytes(env, key)?;
        let output = typed_array(env, output, "output", sys::TypedarrayType::uint8_array, "Uint8Array")?;
        let room = output.length.checked_sub(source.length).ok_or_else(|| {
            let message = format!("output (length {}) cannot hold source (length {})", output.length, source.length);
            range_error(env, &message)
        })?;
        let offset = integer(env, offset, "offset", room as f64)? as usize;
        if overlap(&source.addresses(1), &output.addresses(1)) {
            return Err(value_error(env, "source and output must not share memory"));
        }
        // SAFETY: two distinct Uint8Array arguments of this call whose memory was just checked to be disjoint.
        let (source, output) = unsafe { (bytes(&source), bytes(&output)) };
        codec::mask_into(source, key, &mut output[offset..offset + source.len()]);
        Ok(undefined(env))
    })())
}

/// Frees a parser when its object is collected.
unsafe extern "C" fn finalize_parser(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the pointer `create_parser` wrapped, from `Box::into_raw`, and N-API finalizes it once.
    drop(unsafe { Box::from_raw(data.cast::<Parser>()) });
}

/// `createParser(maxFrameSize, maxMessageSize, masking, allowedRsv, validateUtf8)`: a parser object for `parse`.
/// `maxFrameSize` (0 to 2^32 - 1) and `maxMessageSize` (0 to 2^53 - 1) use 0 for no limit; `masking` is 0 (any),
/// 1 (required) or 2 (forbidden); `allowedRsv` is a set of RSV bits (0x4 = RSV1, 0x2, 0x1).
unsafe extern "C" fn create_parser(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    finish((|| {
        let [frame, message, masking, rsv, validate] = arguments::<5>(env, info)?;
        let options = ParserOptions {
            max_frame_size: integer(env, frame, "maxFrameSize", f64::from(u32::MAX))? as u32,
            max_message_size: integer(env, message, "maxMessageSize", MAX_SAFE_INTEGER)?,
            masking: match integer(env, masking, "masking", 2.0)? {
                0 => Masking::Any,
                1 => Masking::Required,
                _ => Masking::Forbidden,
            },
            allowed_rsv: integer(env, rsv, "allowedRsv", 7.0)? as u8,
            validate_utf8: boolean(env, validate, "validateUtf8")?,
        };
        let parser = Box::into_raw(Box::new(Parser::new(options)));
        let mut external = ptr::null_mut();
        // SAFETY: `env` is the current call's; the finalizer takes back the box exactly once.
        let created = unsafe {
            sys::napi_create_external(env, parser.cast(), Some(finalize_parser), ptr::null_mut(), &mut external)
        };
        if created != sys::Status::napi_ok {
            // SAFETY: no external holds the box, so nothing else owns it.
            drop(unsafe { Box::from_raw(parser) });
            return Err(type_error(env, "cannot create the parser"));
        }
        // SAFETY: `external` is a live value of this call; the tag is a static.
        if unsafe { sys::napi_type_tag_object(env, external, &PARSER_TAG) } != sys::Status::napi_ok {
            return Err(type_error(env, "cannot tag the parser"));
        }
        Ok(external)
    })())
}

/// `parse(parser, chunk: Uint8Array, out: Uint32Array)`: parses `chunk` (unmasking payloads in place), writes
/// descriptors into `out` and returns how many. `out[0]` receives the bytes consumed. With room for no descriptor
/// (`out.length < 8`) nothing is consumed, as the contract says; callers size `out` for many descriptors.
unsafe extern "C" fn parse(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    finish((|| {
        let [handle, chunk, out] = arguments::<3>(env, info)?;
        let not_a_parser = |env| type_error(env, "The \"parser\" argument must be a parser made by createParser()");
        let mut kind = -1;
        let mut tagged = false;
        // SAFETY: `handle` is an argument of the current call; `kind` and `tagged` are valid out-pointers. The tag
        // is only checked on an external (checking it on null or undefined would throw on its own).
        let is_ours = unsafe {
            sys::napi_typeof(env, handle, &mut kind) == sys::Status::napi_ok
                && kind == sys::ValueType::napi_external
                && sys::napi_check_object_type_tag(env, handle, &PARSER_TAG, &mut tagged) == sys::Status::napi_ok
                && tagged
        };
        if !is_ours {
            return Err(not_a_parser(env));
        }
        let mut parser = ptr::null_mut();
        // SAFETY: a tagged external was made by `create_parser` around a `Parser` box.
        if unsafe { sys::napi_get_value_external(env, handle, &mut parser) } != sys::Status::napi_ok || parser.is_null() {
            return Err(not_a_parser(env));
        }
        let chunk = typed_array(env, chunk, "chunk", sys::TypedarrayType::uint8_array, "Uint8Array")?;
        let out = typed_array(env, out, "out", sys::TypedarrayType::uint32_array, "Uint32Array")?;
        if u32::try_from(chunk.length).is_err() {
            return Err(range_error(env, "chunk must be shorter than 2^32 bytes"));
        }
        if overlap(&chunk.addresses(1), &out.addresses(4)) {
            return Err(value_error(env, "chunk and out must not share memory"));
        }
        if out.length > 0 && !(out.data as usize).is_multiple_of(std::mem::align_of::<u32>()) {
            return Err(value_error(env, "out is not aligned for 32-bit elements"));
        }
        // SAFETY: the parser external is an argument, so alive for this call, and nothing else borrows its box (the
        // codec calls no JS); `chunk` and `out` are this call's typed arrays, checked disjoint, `out` aligned.
        let count = unsafe {
            let parser = &mut *parser.cast::<Parser>();
            let out = if out.length == 0 {
                &mut []
            } else {
                std::slice::from_raw_parts_mut(out.data.cast::<u32>(), out.length)
            };
            parser.parse(bytes(&chunk), out)
        };
        let mut result = ptr::null_mut();
        // SAFETY: `env` is the current call's; `result` is a valid out-pointer.
        unsafe { sys::napi_create_uint32(env, count as u32, &mut result) };
        Ok(result)
    })())
}
