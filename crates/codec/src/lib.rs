//! The WebSocket (RFC 6455) codec of ferrosocket: frame headers, masking, UTF-8 validation, and the batch frame
//! parser that the N-API binding exposes to Node.js.
//!
//! The crate does no I/O and knows nothing of N-API. Its parser implements the contract written in
//! `ts/codec/types.ts` (descriptor layout, flags, error codes, check order), which the pure-TypeScript codec
//! implements too; the two are tested against each other.
//!
//! - [`frame`]: opcodes, header decoding in stages, header encoding.
//! - [`mask`]: XOR masking in place or into another buffer, with SIMD kernels chosen at run time.
//! - [`utf8`]: one-shot and incremental UTF-8 validation.
//! - [`close`]: close codes and close payload checks.
//! - [`parser`]: the incremental, allocation-free batch parser.

pub mod close;
pub mod frame;
pub mod mask;
pub mod parser;
pub mod utf8;

pub use frame::{decode_header, encode_header, FrameHeader};
pub use mask::{mask_into, simd_level, unmask, Kernel};
pub use parser::{flag, slot, Masking, ParseError, Parser, ParserOptions, DESCRIPTOR_SLOTS};
pub use utf8::{is_valid as is_valid_utf8, Utf8Error, Utf8Validator};
