//! The batch frame parser of the codec contract (ts/codec/types.ts): one call per received chunk, frames reported
//! as payload pieces in a caller-provided `u32` array, payloads unmasked in place, checks made as soon as the bytes
//! allow, no allocation.

use crate::close::{self, ClosePayloadError};
use crate::frame::{
    self, FirstBytes, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN, OP_CLOSE, OP_CONTINUATION, OP_TEXT,
};
use crate::mask;
use crate::utf8::Utf8Validator;

/// Number of `u32` slots one descriptor takes. Descriptor `i` starts at `out[1 + i * DESCRIPTOR_SLOTS]`.
pub const DESCRIPTOR_SLOTS: usize = 7;

/// Slot indices inside one descriptor.
pub mod slot {
    /// [`flag`](super::flag) bits, with the opcode in the low 4 bits.
    pub const FLAGS: usize = 0;
    /// Offset of the piece in the chunk (for an error: where it was found, see `Parser::parse`).
    pub const OFFSET: usize = 1;
    /// Bytes of payload in the piece.
    pub const LENGTH: usize = 2;
    /// The frame's whole payload length as declared by its header.
    pub const FRAME_LENGTH: usize = 3;
    /// A [`ParseError`](super::ParseError) code, or 0.
    pub const ERROR: usize = 4;
    /// For an error: the close status it causes. Otherwise 0.
    pub const CLOSE_STATUS: usize = 5;
    /// On the END piece of a close frame: its status code, or 1005 when the payload is empty. Otherwise 0.
    pub const CLOSE_CODE: usize = 6;
}

/// Bits of the [`slot::FLAGS`] slot.
pub mod flag {
    pub const OPCODE_MASK: u32 = 0x0f;
    pub const FIN: u32 = 0x10;
    pub const RSV1: u32 = 0x20;
    pub const RSV2: u32 = 0x40;
    pub const RSV3: u32 = 0x80;
    /// The frame was masked on the wire (its payload has been unmasked in place).
    pub const MASKED: u32 = 0x100;
    /// The first piece of a frame's payload.
    pub const START: u32 = 0x200;
    /// The last piece of a frame's payload.
    pub const END: u32 = 0x400;
    /// The descriptor reports an error; it is the last the parser writes.
    pub const ERROR: u32 = 0x800;
}

/// Why the parser stopped. The numbering is part of the native ABI and equals `ParseError` in ts/codec/types.ts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ParseError {
    ControlFrameTooLong = 1,
    ControlFrameFragmented = 2,
    ReservedBits = 3,
    DataFrameInFragmentedMessage = 4,
    UnexpectedContinuation = 5,
    ReservedOpcode = 6,
    MaskRequired = 7,
    MaskUnexpected = 8,
    Unsupported64BitLength = 9,
    FrameTooLarge = 10,
    MessageTooLarge = 11,
    InvalidUtf8 = 12,
    CloseFrameLength = 13,
    InvalidCloseCode = 14,
    InvalidCloseReason = 15,
}

impl ParseError {
    /// The stable numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The close status the error causes: 1009 for size limits, 1007 for bad UTF-8, 1002 for the rest.
    pub fn close_status(self) -> u16 {
        match self {
            ParseError::FrameTooLarge | ParseError::MessageTooLarge => 1009,
            ParseError::InvalidUtf8 | ParseError::InvalidCloseReason => 1007,
            _ => 1002,
        }
    }
}

/// What the parser requires of the MASK bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Masking {
    /// Accept masked and unmasked frames.
    Any = 0,
    /// Every frame must be masked (a server receiving).
    Required = 1,
    /// No frame may be masked (a client receiving).
    Forbidden = 2,
}

impl Masking {
    /// The mode with this numeric value (0, 1, 2), as in ts/codec/types.ts.
    pub fn from_code(code: u32) -> Option<Masking> {
        match code {
            0 => Some(Masking::Any),
            1 => Some(Masking::Required),
            2 => Some(Masking::Forbidden),
            _ => None,
        }
    }
}

/// Configuration of a [`Parser`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParserOptions {
    /// Largest payload of one frame; 0 means no limit (frames are still capped at 2^32 - 1 bytes).
    pub max_frame_size: u32,
    /// Largest payload total of one data message, all fragments included; 0 means no limit.
    pub max_message_size: u64,
    pub masking: Masking,
    /// RSV bits ([`frame::RSV1`] = 0x4, RSV2 = 0x2, RSV3 = 0x1) allowed on the first frame of a data message.
    pub allowed_rsv: u8,
    /// Validate text messages whose first frame has RSV1 clear. Close reasons are validated regardless.
    pub validate_utf8: bool,
}

/// Where the parser is in the byte stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Waiting for the first two header bytes.
    FirstBytes,
    /// Waiting for the extended length (possibly zero bytes of it).
    ExtendedLength,
    /// Waiting for the mask key (possibly zero bytes of it).
    MaskKey,
    /// Inside a frame's payload.
    Payload,
    /// An error was reported; nothing more is parsed.
    Dead,
}

/// An error together with the chunk offset it is reported at.
type Failure = (ParseError, usize);

/// Writes descriptors into the caller's array and knows when it is full.
struct Descriptors<'a> {
    out: &'a mut [u32],
    written: usize,
    capacity: usize,
}

impl Descriptors<'_> {
    fn push(&mut self, descriptor: [u32; DESCRIPTOR_SLOTS]) {
        let start = 1 + self.written * DESCRIPTOR_SLOTS;
        self.out[start..start + DESCRIPTOR_SLOTS].copy_from_slice(&descriptor);
        self.written += 1;
    }

    fn is_full(&self) -> bool {
        self.written == self.capacity
    }
}

/// A stateful, incremental frame parser: one per connection. See [`Parser::parse`].
#[derive(Clone, Debug)]
pub struct Parser {
    options: ParserOptions,
    stage: Stage,
    header: [u8; MAX_HEADER_LEN],
    header_len: usize,

    /// Descriptor flags of the current frame: opcode, FIN, RSV and MASKED bits.
    frame_flags: u32,
    opcode: u8,
    fin: bool,
    masked: bool,
    rsv: u8,
    len7: u8,
    /// Declared payload length of the current frame; 0 until its length is known.
    frame_len: u32,
    remaining: u32,
    key: [u8; 4],
    /// Whether a piece of the current frame has been written (so the next one is not flagged START).
    started: bool,

    /// A data message is open: its last frame so far had FIN clear.
    in_message: bool,
    /// Declared payload total of the current data message.
    message_len: u64,
    /// The current data message is text that must be validated.
    validate_text: bool,
    utf8: Utf8Validator,

    close_payload: [u8; MAX_CONTROL_PAYLOAD],
    close_len: usize,
}

impl Parser {
    /// A parser at the start of a stream.
    pub fn new(options: ParserOptions) -> Self {
        Parser {
            options,
            stage: Stage::FirstBytes,
            header: [0; MAX_HEADER_LEN],
            header_len: 0,
            frame_flags: 0,
            opcode: 0,
            fin: false,
            masked: false,
            rsv: 0,
            len7: 0,
            frame_len: 0,
            remaining: 0,
            key: [0; 4],
            started: false,
            in_message: false,
            message_len: 0,
            validate_text: false,
            utf8: Utf8Validator::new(),
            close_payload: [0; MAX_CONTROL_PAYLOAD],
            close_len: 0,
        }
    }

    /// Whether the parser has reported an error (it then parses nothing more).
    pub fn is_dead(&self) -> bool {
        self.stage == Stage::Dead
    }

    /// Parses as much of `chunk` as fits, unmasking payloads in place, and writes descriptors into `out` as the
    /// codec contract in ts/codec/types.ts specifies. Returns the number of descriptors written; `out[0]` receives
    /// the number of bytes of `chunk` consumed.
    ///
    /// `out` holds `(out.len() - 1) / DESCRIPTOR_SLOTS` descriptors; parsing stops right after the descriptor that
    /// fills it. With room for none, nothing is consumed. A dead parser consumes nothing (`out[0] = 0`) and writes
    /// no descriptor; an empty `out` is left untouched.
    ///
    /// # Panics
    /// If `chunk` is longer than `u32::MAX` bytes (offsets could not be reported).
    pub fn parse(&mut self, chunk: &mut [u8], out: &mut [u32]) -> usize {
        assert!(
            u32::try_from(chunk.len()).is_ok(),
            "parse: chunk longer than u32::MAX bytes"
        );
        if out.is_empty() {
            return 0;
        }
        if self.stage == Stage::Dead {
            out[0] = 0;
            return 0;
        }
        let capacity = (out.len() - 1) / DESCRIPTOR_SLOTS;
        let mut descriptors = Descriptors {
            out,
            written: 0,
            capacity,
        };
        let mut pos = 0;
        let mut result = Ok(());
        while pos < chunk.len() && !descriptors.is_full() {
            result = match self.stage {
                Stage::Payload => {
                    let len = (chunk.len() - pos).min(self.remaining as usize);
                    let piece = self.payload_piece(chunk, pos, len, &mut descriptors);
                    pos += len;
                    piece
                }
                Stage::FirstBytes if self.header_len == 0 => {
                    self.frame_from_chunk(chunk, &mut pos, &mut descriptors)
                }
                _ => self.header_step(chunk, &mut pos, &mut descriptors),
            };
            if result.is_err() {
                break;
            }
        }
        if let Err((error, offset)) = result {
            self.fail(error, offset, &mut descriptors);
            pos = chunk.len();
        }
        descriptors.out[0] = pos as u32;
        descriptors.written
    }

    /// Parses a frame whose header starts at `chunk[pos]`, with no header bytes carried over. A header wholly in the
    /// chunk (the common case) is decoded straight from it, its checks run in contract order, and the frame's
    /// first piece (what of its payload the chunk holds) is handled at once; a header cut by the chunk's end goes
    /// to [`header_step`](Self::header_step), which carries it over.
    #[inline]
    fn frame_from_chunk(
        &mut self,
        chunk: &mut [u8],
        pos: &mut usize,
        out: &mut Descriptors,
    ) -> Result<(), Failure> {
        let header_offset = *pos;
        let rest = &chunk[header_offset..];
        if rest.len() < 2 {
            return self.header_step(chunk, pos, out);
        }
        let (b0, b1) = (rest[0], rest[1]);
        let extended_len = frame::extended_length_size(b1 & 0x7f);
        let header_len = 2 + extended_len + if b1 & 0x80 != 0 { 4 } else { 0 };
        let Some(header) = rest.get(..header_len) else {
            return self.header_step(chunk, pos, out);
        };
        self.check_first_bytes(b0, b1)
            .map_err(|error| (error, header_offset))?;
        let declared = frame::read_extended_length(self.len7, &header[2..2 + extended_len]);
        self.check_length(declared)
            .map_err(|error| (error, header_offset))?;
        if self.masked {
            self.key.copy_from_slice(&header[header_len - 4..]);
        }
        *pos += header_len;
        self.begin_payload();
        let len = (chunk.len() - *pos).min(self.frame_len as usize);
        if len == 0 && self.frame_len != 0 {
            return Ok(());
        }
        let piece = self.payload_piece(chunk, *pos, len, out);
        *pos += len;
        piece
    }

    /// Reads header bytes from `chunk` at `pos` until the header is complete or the chunk ends, running each group
    /// of checks as soon as its bytes are in. A complete header of an empty frame writes that frame's descriptor.
    fn header_step(
        &mut self,
        chunk: &mut [u8],
        pos: &mut usize,
        out: &mut Descriptors,
    ) -> Result<(), Failure> {
        // A header carried over from an earlier chunk resumes at offset 0, which is where the contract reports it.
        let header_offset = *pos;
        loop {
            let needed = match self.stage {
                Stage::FirstBytes => 2,
                Stage::ExtendedLength => 2 + frame::extended_length_size(self.len7),
                _ => 2 + frame::extended_length_size(self.len7) + if self.masked { 4 } else { 0 },
            };
            let take = (needed - self.header_len).min(chunk.len() - *pos);
            self.header[self.header_len..self.header_len + take]
                .copy_from_slice(&chunk[*pos..*pos + take]);
            self.header_len += take;
            *pos += take;
            if self.header_len < needed {
                return Ok(());
            }
            match self.stage {
                Stage::FirstBytes => {
                    self.check_first_bytes(self.header[0], self.header[1])
                        .map_err(|error| (error, header_offset))?;
                    self.stage = Stage::ExtendedLength;
                }
                Stage::ExtendedLength => {
                    let extended_end = 2 + frame::extended_length_size(self.len7);
                    let declared =
                        frame::read_extended_length(self.len7, &self.header[2..extended_end]);
                    self.check_length(declared)
                        .map_err(|error| (error, header_offset))?;
                    self.stage = Stage::MaskKey;
                }
                _ => break,
            }
        }
        if self.masked {
            let key_start = self.header_len - 4;
            self.key
                .copy_from_slice(&self.header[key_start..self.header_len]);
        }
        self.header_len = 0;
        self.begin_payload();
        if self.frame_len == 0 {
            self.payload_piece(chunk, *pos, 0, out)?;
        }
        Ok(())
    }

    /// Enters the payload of the frame whose header has just passed its checks.
    fn begin_payload(&mut self) {
        self.remaining = self.frame_len;
        self.started = false;
        self.close_len = 0;
        self.stage = Stage::Payload;
    }

    /// The checks that need only the first two header bytes, in contract order.
    #[inline]
    fn check_first_bytes(&mut self, b0: u8, b1: u8) -> Result<(), ParseError> {
        let first = FirstBytes::decode(b0, b1);
        self.opcode = first.opcode;
        self.fin = first.fin;
        self.masked = first.masked;
        self.rsv = first.rsv;
        self.len7 = first.len7;
        self.frame_len = 0;
        self.frame_flags = u32::from(first.opcode)
            | if first.fin { flag::FIN } else { 0 }
            | if first.rsv & frame::RSV1 != 0 {
                flag::RSV1
            } else {
                0
            }
            | if first.rsv & frame::RSV2 != 0 {
                flag::RSV2
            } else {
                0
            }
            | if first.rsv & frame::RSV3 != 0 {
                flag::RSV3
            } else {
                0
            }
            | if first.masked { flag::MASKED } else { 0 };

        let control = frame::is_control(first.opcode);
        let starts_message = !control && first.opcode != OP_CONTINUATION;
        if control && usize::from(first.len7) > MAX_CONTROL_PAYLOAD {
            return Err(ParseError::ControlFrameTooLong);
        }
        if control && !first.fin {
            return Err(ParseError::ControlFrameFragmented);
        }
        let allowed_rsv = if starts_message {
            self.options.allowed_rsv
        } else {
            0
        };
        if first.rsv & !allowed_rsv != 0 {
            return Err(ParseError::ReservedBits);
        }
        if starts_message && self.in_message {
            return Err(ParseError::DataFrameInFragmentedMessage);
        }
        if first.opcode == OP_CONTINUATION && !self.in_message {
            return Err(ParseError::UnexpectedContinuation);
        }
        if frame::is_reserved(first.opcode) {
            return Err(ParseError::ReservedOpcode);
        }
        match self.options.masking {
            Masking::Required if !first.masked => Err(ParseError::MaskRequired),
            Masking::Forbidden if first.masked => Err(ParseError::MaskUnexpected),
            _ => Ok(()),
        }
    }

    /// The checks that need the payload length (`declared`, as the header gives it), in contract order; on success
    /// the frame joins its message.
    #[inline]
    fn check_length(&mut self, declared: u64) -> Result<(), ParseError> {
        let frame_len = u32::try_from(declared).map_err(|_| ParseError::Unsupported64BitLength)?;
        self.frame_len = frame_len;
        let max_frame = self.options.max_frame_size;
        if max_frame != 0 && frame_len > max_frame {
            return Err(ParseError::FrameTooLarge);
        }
        if frame::is_control(self.opcode) {
            return Ok(());
        }
        let continues = self.opcode == OP_CONTINUATION;
        let message_len = if continues { self.message_len } else { 0 } + u64::from(frame_len);
        let max_message = self.options.max_message_size;
        if max_message != 0 && message_len > max_message {
            return Err(ParseError::MessageTooLarge);
        }
        self.message_len = message_len;
        self.in_message = !self.fin;
        if !continues {
            self.validate_text =
                self.options.validate_utf8 && self.opcode == OP_TEXT && self.rsv & frame::RSV1 == 0;
            self.utf8.reset();
        }
        Ok(())
    }

    /// Handles `len` payload bytes of the current frame at `chunk[pos..]`: unmasks them, validates them, and
    /// writes their descriptor (or fails).
    #[inline]
    fn payload_piece(
        &mut self,
        chunk: &mut [u8],
        pos: usize,
        len: usize,
        out: &mut Descriptors,
    ) -> Result<(), Failure> {
        let piece = &mut chunk[pos..pos + len];
        if self.masked {
            let done = (self.frame_len - self.remaining) as usize;
            mask::unmask(piece, self.key, done & 3);
        }
        self.remaining -= len as u32;
        let end = self.remaining == 0;
        let mut close_code = 0;
        if self.validate_text && !frame::is_control(self.opcode) {
            self.utf8
                .push(piece, end && self.fin)
                .map_err(|e| (ParseError::InvalidUtf8, pos + e.offset))?;
        } else if self.opcode == OP_CLOSE {
            close_code = self.close_piece(piece, end).map_err(|error| (error, pos))?;
        }
        let start = if self.started { 0 } else { flag::START };
        let end_flag = if end { flag::END } else { 0 };
        out.push([
            self.frame_flags | start | end_flag,
            pos as u32,
            len as u32,
            self.frame_len,
            0,
            0,
            close_code,
        ]);
        self.started = true;
        if end {
            self.stage = Stage::FirstBytes;
        }
        Ok(())
    }

    /// Collects a piece of a close frame's payload; at its `end`, checks the payload and returns its status code
    /// (1005 when empty). Out of line: close frames are rare, and the common path of `payload_piece` stays small.
    #[inline(never)]
    fn close_piece(&mut self, piece: &[u8], end: bool) -> Result<u32, ParseError> {
        self.close_payload[self.close_len..self.close_len + piece.len()].copy_from_slice(piece);
        self.close_len += piece.len();
        if !end {
            return Ok(0);
        }
        let payload = &self.close_payload[..self.close_len];
        let close_code = u32::from(close::status_code(payload));
        close::validate(payload).map_err(|error| match error {
            ClosePayloadError::Length => ParseError::CloseFrameLength,
            ClosePayloadError::Code => ParseError::InvalidCloseCode,
            ClosePayloadError::Reason => ParseError::InvalidCloseReason,
        })?;
        Ok(close_code)
    }

    /// Writes the error descriptor and kills the parser.
    fn fail(&mut self, error: ParseError, offset: usize, out: &mut Descriptors) {
        let close_code = match error {
            ParseError::CloseFrameLength
            | ParseError::InvalidCloseCode
            | ParseError::InvalidCloseReason => {
                u32::from(close::status_code(&self.close_payload[..self.close_len]))
            }
            _ => 0,
        };
        out.push([
            self.frame_flags | flag::ERROR,
            offset as u32,
            0,
            self.frame_len,
            error.code(),
            u32::from(error.close_status()),
            close_code,
        ]);
        self.stage = Stage::Dead;
    }
}

#[cfg(test)]
mod tests;
