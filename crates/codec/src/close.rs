//! Close frame payloads (RFC 6455 §5.5.1, §7.4): a 2-byte status code and a UTF-8 reason, both optional.

use crate::utf8;

/// The status reported for a close frame without a payload (it may never appear on the wire itself).
pub const NO_STATUS_RECEIVED: u16 = 1005;

/// Whether a peer may send `code` in a close frame: 1000-1003, 1007-1015 and 3000-4999.
pub fn is_valid_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1015 | 3000..=4999)
}

/// What is wrong with a close payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosePayloadError {
    /// A 1-byte payload: too long to be empty, too short to hold a code.
    Length,
    /// A status code that may not be sent on the wire.
    Code,
    /// A reason that is not valid UTF-8.
    Reason,
}

/// The status code a close payload carries: the first 2 bytes (big-endian), or [`NO_STATUS_RECEIVED`] when the
/// payload is shorter than that.
pub fn status_code(payload: &[u8]) -> u16 {
    match payload {
        [high, low, ..] => u16::from_be_bytes([*high, *low]),
        _ => NO_STATUS_RECEIVED,
    }
}

/// Checks a whole close payload, in this order: its length, its code, its reason.
pub fn validate(payload: &[u8]) -> Result<(), ClosePayloadError> {
    match payload.len() {
        0 => Ok(()),
        1 => Err(ClosePayloadError::Length),
        _ if !is_valid_code(status_code(payload)) => Err(ClosePayloadError::Code),
        _ if !utf8::is_valid(&payload[2..]) => Err(ClosePayloadError::Reason),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes_are_exactly_the_allowed_ranges() {
        let valid: Vec<u16> = (0..=u16::MAX).filter(|&code| is_valid_code(code)).collect();
        let mut expected: Vec<u16> = vec![1000, 1001, 1002, 1003];
        expected.extend(1007..=1015);
        expected.extend(3000..=4999);
        assert_eq!(valid, expected);
        for invalid in [0, 999, 1004, 1005, 1006, 1016, 2999, 5000, u16::MAX] {
            assert!(!is_valid_code(invalid), "{invalid}");
        }
    }

    #[test]
    fn status_code_of_each_payload_size() {
        assert_eq!(status_code(&[]), 1005);
        assert_eq!(status_code(&[0x03]), 1005);
        assert_eq!(status_code(&[0x03, 0xe8]), 1000);
        assert_eq!(status_code(&[0x0f, 0xa1, b'b', b'y', b'e']), 4001);
    }

    #[test]
    fn validation_order_and_outcomes() {
        assert_eq!(validate(&[]), Ok(()));
        assert_eq!(validate(&[0x03]), Err(ClosePayloadError::Length));
        assert_eq!(validate(&[0x03, 0xe8]), Ok(()));
        assert_eq!(validate(b"\x03\xe8caf\xc3\xa9"), Ok(()));
        assert_eq!(validate(&[0x03, 0xed]), Err(ClosePayloadError::Code));
        // A bad code is reported before a bad reason.
        assert_eq!(validate(&[0x03, 0xed, 0xff]), Err(ClosePayloadError::Code));
        assert_eq!(
            validate(&[0x03, 0xe8, 0xff]),
            Err(ClosePayloadError::Reason)
        );
        assert_eq!(
            validate(&[0x0b, 0xb8, 0xe2, 0x82]),
            Err(ClosePayloadError::Reason)
        );
    }
}
