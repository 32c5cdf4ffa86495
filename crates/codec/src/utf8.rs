//! UTF-8 validation: one-shot, and incremental across the pieces of a message.
//!
//! Both reject what RFC 3629 forbids: overlong forms, surrogates (U+D800-U+DFFF), code points above U+10FFFF,
//! the bytes 0xC0, 0xC1 and 0xF5-0xFF, stray continuation bytes, and (at the end of a message) a truncated sequence.
//! The bulk of every piece goes through simdutf8's fast `basic` validator (a piece shorter than its 64-byte block
//! padded to one, unless it is ASCII); its `compat` flavour is only asked where an error has to be located, or to
//! judge a sequence cut by a piece boundary (at most 3 bytes).

use simdutf8::{basic, compat};

/// simdutf8's SIMD block. Below it simdutf8 falls back to the standard library's scalar validator, which on mixed
/// text mispredicts a branch at nearly every character (about 50 ns for 32 bytes, against 15 for one block).
const SIMD_BLOCK: usize = 64;

/// Whether `data` is, as a whole, valid UTF-8.
pub fn is_valid(data: &[u8]) -> bool {
    if data.len() >= SIMD_BLOCK {
        return basic::from_utf8(data).is_ok();
    }
    if data.is_ascii() {
        return true;
    }
    // Padding with NUL keeps the verdict: NUL is a whole character and continues no sequence, so a sequence cut by
    // the end of `data` still fails, and nothing else changes.
    let mut block = [0u8; SIMD_BLOCK];
    block[..data.len()].copy_from_slice(data);
    basic::from_utf8(&block).is_ok()
}

/// Where the first invalid sequence of `bytes` starts, or `None` if `bytes` is valid UTF-8 (a sequence cut by
/// the end of `bytes` counts as invalid).
fn first_error(bytes: &[u8]) -> Option<usize> {
    if is_valid(bytes) {
        return None;
    }
    Some(compat::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), |_| bytes.len()))
}

/// Where validation failed, relative to the piece passed to [`Utf8Validator::push`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf8Error {
    /// The offset in the piece of the first byte of the invalid sequence; 0 if that sequence began in an earlier
    /// piece (or the validator had already failed); the piece's length if the message ends inside a sequence.
    pub offset: usize,
}

/// Incremental validator for one message: carries up to 3 bytes of a sequence cut by a piece boundary, and fails at
/// the first byte that cannot continue valid UTF-8.
#[derive(Clone, Debug, Default)]
pub struct Utf8Validator {
    pending: [u8; 4],
    pending_len: u8,
    failed: bool,
}

/// Bytes of the sequence a lead byte starts. Bytes that cannot lead a multi-byte sequence count as 1, so that
/// validation proper judges them.
fn sequence_width(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

/// Start of a multi-byte sequence left unfinished at the end of `bytes`, or `bytes.len()` if none is.
fn unfinished_tail_start(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for i in (len.saturating_sub(3)..len).rev() {
        if bytes[i] & 0xC0 != 0x80 {
            return if sequence_width(bytes[i]) > len - i {
                i
            } else {
                len
            };
        }
    }
    len
}

impl Utf8Validator {
    /// A validator at the start of a message.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets all state, ready for a new message.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Whether a sequence is left unfinished by the pieces pushed so far.
    pub fn is_incomplete(&self) -> bool {
        self.pending_len != 0
    }

    /// Validates the next piece of the message; `last` says the message ends with it, so an unfinished sequence
    /// fails. After a failure every later push fails too (at offset 0) until [`reset`](Self::reset).
    pub fn push(&mut self, piece: &[u8], last: bool) -> Result<(), Utf8Error> {
        if self.failed {
            return Err(Utf8Error { offset: 0 });
        }
        let result = self.validate(piece, last);
        self.failed = result.is_err();
        result
    }

    fn validate(&mut self, piece: &[u8], last: bool) -> Result<(), Utf8Error> {
        let mut start = 0;
        if self.pending_len != 0 {
            start = self.finish_pending(piece)?;
            if self.pending_len != 0 {
                return if last {
                    Err(Utf8Error {
                        offset: piece.len(),
                    })
                } else {
                    Ok(())
                };
            }
        }
        let rest = &piece[start..];
        let tail_start = unfinished_tail_start(rest);
        let body = &rest[..tail_start];
        if let Some(valid_up_to) = first_error(body) {
            return Err(Utf8Error {
                offset: start + valid_up_to,
            });
        }
        let tail = &rest[tail_start..];
        if tail.is_empty() {
            return Ok(());
        }
        match compat::from_utf8(tail) {
            Err(e) if e.error_len().is_none() => {
                self.pending[..tail.len()].copy_from_slice(tail);
                self.pending_len = tail.len() as u8;
                if last {
                    Err(Utf8Error {
                        offset: piece.len(),
                    })
                } else {
                    Ok(())
                }
            }
            _ => Err(Utf8Error {
                offset: start + tail_start,
            }),
        }
    }

    /// Feeds the start of `piece` to the pending sequence. Returns how many bytes of `piece` it took; the sequence
    /// is then either complete (`pending_len == 0`) or still unfinished because `piece` ran out.
    fn finish_pending(&mut self, piece: &[u8]) -> Result<usize, Utf8Error> {
        let have = usize::from(self.pending_len);
        let take = (sequence_width(self.pending[0]) - have).min(piece.len());
        let mut sequence = self.pending;
        sequence[have..have + take].copy_from_slice(&piece[..take]);
        match compat::from_utf8(&sequence[..have + take]) {
            Ok(_) => {
                self.pending_len = 0;
                Ok(take)
            }
            Err(e) if e.error_len().is_none() => {
                self.pending = sequence;
                self.pending_len = (have + take) as u8;
                Ok(take)
            }
            Err(_) => Err(Utf8Error { offset: 0 }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Validates `bytes` cut at `cuts`, returning the absolute offset of the failure.
    fn push_split(bytes: &[u8], cuts: &[usize]) -> Result<(), usize> {
        let mut validator = Utf8Validator::new();
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(bytes.len());
        for (i, pair) in bounds.windows(2).enumerate() {
            let last = i == bounds.len() - 2;
            validator
                .push(&bytes[pair[0]..pair[1]], last)
                .map_err(|e| pair[0] + e.offset)?;
        }
        Ok(())
    }

    const INVALID: &[&[u8]] = &[
        b"\x80",
        b"\xbf",
        b"\xc0\x80",
        b"\xc1\xbf",
        b"\xe0\x80\x80",
        b"\xe0\x9f\xbf",
        b"\xed\xa0\x80",
        b"\xed\xbf\xbf",
        b"\xf0\x80\x80\x80",
        b"\xf0\x8f\xbf\xbf",
        b"\xf4\x90\x80\x80",
        b"\xf5\x80\x80\x80",
        b"\xf8\x88\x80\x80\x80",
        b"\xfe",
        b"\xff",
        b"\xe2\x28\xa1",
        b"\xc3\x28",
    ];

    const VALID: &[&[u8]] = &[
        b"",
        b"hello",
        b"\xc2\x80",
        b"\xdf\xbf",
        b"\xe0\xa0\x80",
        b"\xed\x9f\xbf",
        b"\xee\x80\x80",
        b"\xef\xbf\xbf",
        b"\xf0\x90\x80\x80",
        b"\xf4\x8f\xbf\xbf",
        "κόσμε €𝄞".as_bytes(),
    ];

    #[test]
    fn one_shot() {
        for bytes in VALID {
            assert!(is_valid(bytes), "{bytes:x?}");
        }
        for bytes in INVALID {
            assert!(!is_valid(bytes), "{bytes:x?}");
        }
        assert!(!is_valid(b"\xe2\x82"));
    }

    #[test]
    fn one_shot_agrees_with_std_at_every_length_around_the_simd_block() {
        let text = "a\u{e9}\u{20ac}\u{1f600}".repeat(12);
        let bytes = text.as_bytes();
        for len in 0..=bytes.len() {
            let prefix = &bytes[..len];
            assert_eq!(
                is_valid(prefix),
                std::str::from_utf8(prefix).is_ok(),
                "prefix {len}"
            );
            for bad in [0x80, 0xc0, 0xed, 0xff] {
                let mut corrupted = prefix.to_vec();
                corrupted.push(bad);
                let expected = std::str::from_utf8(&corrupted).is_ok();
                assert_eq!(is_valid(&corrupted), expected, "prefix {len} + {bad:x}");
            }
        }
    }

    #[test]
    fn valid_text_passes_at_every_split() {
        let text = "aé€𝄞 Iñtërnâtiônàlizætiøn ☃ 💩 z".as_bytes();
        for first in 0..=text.len() {
            assert_eq!(push_split(text, &[first]), Ok(()), "cut at {first}");
            for second in first..=text.len() {
                assert_eq!(
                    push_split(text, &[first, second]),
                    Ok(()),
                    "cut at {first}, {second}"
                );
            }
        }
    }

    #[test]
    fn invalid_sequences_fail_at_their_first_byte_whole_and_split() {
        for bytes in INVALID {
            let mut message = b"ok ".to_vec();
            message.extend_from_slice(bytes);
            message.extend_from_slice(b" tail");
            assert_eq!(push_split(&message, &[]), Err(3), "{bytes:x?}");
            for cut in 1..message.len() {
                // A cut inside the bad sequence leaves a prefix in the first piece: if that prefix can still become
                // valid, the second piece fails at its own start (the cut); otherwise the first piece fails at 3.
                let prefix = &message[3..cut.max(3)];
                let prefix_may_continue = cut > 3
                    && cut < 3 + bytes.len()
                    && std::str::from_utf8(prefix)
                        .is_err_and(|e| e.valid_up_to() == 0 && e.error_len().is_none());
                let expected = if prefix_may_continue { cut } else { 3 };
                assert_eq!(
                    push_split(&message, &[cut]),
                    Err(expected),
                    "{bytes:x?} cut at {cut}"
                );
            }
        }
    }

    #[test]
    fn impossible_prefixes_fail_before_the_sequence_completes() {
        for prefix in [
            &b"\xe0\x80"[..],
            b"\xed\xa0",
            b"\xf0\x8f",
            b"\xf4\x90",
            b"\xf5",
            b"\xc0",
            b"\xc1",
        ] {
            let mut validator = Utf8Validator::new();
            assert_eq!(validator.push(b"abc", false), Ok(()));
            assert_eq!(
                validator.push(prefix, false),
                Err(Utf8Error { offset: 0 }),
                "{prefix:x?}"
            );
        }
        let mut validator = Utf8Validator::new();
        assert_eq!(validator.push(b"\xed", false), Ok(()));
        assert_eq!(validator.push(b"\xa0", false), Err(Utf8Error { offset: 0 }));
    }

    #[test]
    fn sequence_cut_into_single_bytes() {
        let mut validator = Utf8Validator::new();
        for (i, byte) in b"\xf0\x9f\x92".iter().enumerate() {
            assert_eq!(validator.push(&[*byte], false), Ok(()), "byte {i}");
            assert!(validator.is_incomplete());
        }
        assert_eq!(validator.push(b"\xa9!", true), Ok(()));
        assert!(!validator.is_incomplete());
    }

    #[test]
    fn truncated_sequence_fails_at_the_end_of_the_last_piece() {
        for truncated in [&b"\xc3"[..], b"\xe2\x82", b"\xf0\x9f\x92"] {
            let mut message = b"abc".to_vec();
            message.extend_from_slice(truncated);
            assert_eq!(
                push_split(&message, &[]),
                Err(message.len()),
                "{truncated:x?}"
            );
            for cut in 0..=message.len() {
                assert_eq!(
                    push_split(&message, &[cut]),
                    Err(message.len()),
                    "{truncated:x?} cut at {cut}"
                );
            }
        }
        let mut validator = Utf8Validator::new();
        assert_eq!(validator.push(b"\xe2\x82", false), Ok(()));
        assert_eq!(validator.push(b"", true), Err(Utf8Error { offset: 0 }));
    }

    #[test]
    fn invalid_byte_after_a_completed_pending_sequence() {
        let mut validator = Utf8Validator::new();
        assert_eq!(validator.push(b"\xe2\x82", false), Ok(()));
        assert_eq!(
            validator.push(b"\xacab\xff", false),
            Err(Utf8Error { offset: 3 })
        );
    }

    #[test]
    fn stays_failed_until_reset() {
        let mut validator = Utf8Validator::new();
        assert_eq!(
            validator.push(b"a\xff", false),
            Err(Utf8Error { offset: 1 })
        );
        assert_eq!(validator.push(b"fine", true), Err(Utf8Error { offset: 0 }));
        validator.reset();
        assert_eq!(validator.push(b"fine", true), Ok(()));
    }

    #[test]
    fn long_input_locates_the_error() {
        let mut message = vec![b'x'; 1000];
        message.extend_from_slice("é".as_bytes());
        message.extend_from_slice(&[b'y'; 500]);
        message[1400] = 0x80;
        assert_eq!(push_split(&message, &[]), Err(1400));
        assert_eq!(push_split(&message, &[1001]), Err(1400));
        assert_eq!(push_split(&message, &[64, 700, 1399]), Err(1400));
    }
}
