//! Frame headers (RFC 6455 §5.2): opcodes, decoding and encoding.
//!
//! Decoding is offered in stages ([`FirstBytes`], [`extended_length_size`], [`read_extended_length`]) because the
//! parser must run its checks as soon as each stage's bytes have arrived; [`decode_header`] chains them for callers
//! that hold a whole header.

/// Continuation frame: the next fragment of a message.
pub const OP_CONTINUATION: u8 = 0x0;
/// Text frame: the first frame of a UTF-8 message.
pub const OP_TEXT: u8 = 0x1;
/// Binary frame: the first frame of a binary message.
pub const OP_BINARY: u8 = 0x2;
/// Close frame.
pub const OP_CLOSE: u8 = 0x8;
/// Ping frame.
pub const OP_PING: u8 = 0x9;
/// Pong frame.
pub const OP_PONG: u8 = 0xA;

/// RSV1 in the 3-bit RSV set (as in `ParserOptions::allowed_rsv`); permessage-deflate's "compressed" bit.
pub const RSV1: u8 = 0x4;
/// RSV2 in the 3-bit RSV set.
pub const RSV2: u8 = 0x2;
/// RSV3 in the 3-bit RSV set.
pub const RSV3: u8 = 0x1;

/// Largest payload a control frame may carry.
pub const MAX_CONTROL_PAYLOAD: usize = 125;
/// Longest possible header: 2 bytes, an 8-byte extended length, a 4-byte mask key.
pub const MAX_HEADER_LEN: usize = 14;

/// Whether `opcode` is a control frame (close, ping, pong, or a reserved control opcode 0xB-0xF).
pub fn is_control(opcode: u8) -> bool {
    opcode & 0x8 != 0
}

/// Whether `opcode` is reserved by RFC 6455 (0x3-0x7, 0xB-0xF).
pub fn is_reserved(opcode: u8) -> bool {
    matches!(opcode, 0x3..=0x7 | 0xB..=0xF)
}

/// What the first two header bytes say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FirstBytes {
    pub fin: bool,
    /// RSV bits as a 3-bit set: [`RSV1`] | [`RSV2`] | [`RSV3`].
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    /// The 7-bit length field: the length itself up to 125, or 126/127 announcing a 16/64-bit extended length.
    pub len7: u8,
}

impl FirstBytes {
    /// Splits the first two header bytes into their fields.
    pub fn decode(b0: u8, b1: u8) -> Self {
        FirstBytes {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 0x7,
            opcode: b0 & 0x0f,
            masked: b1 & 0x80 != 0,
            len7: b1 & 0x7f,
        }
    }

    /// Bytes of extended length that follow these two bytes (0, 2 or 8).
    pub fn extended_length_size(&self) -> usize {
        extended_length_size(self.len7)
    }

    /// Bytes of the whole header: 2, the extended length, and the mask key if any.
    pub fn header_len(&self) -> usize {
        2 + self.extended_length_size() + if self.masked { 4 } else { 0 }
    }
}

/// Bytes of extended length announced by the 7-bit length field (0, 2 or 8).
pub fn extended_length_size(len7: u8) -> usize {
    match len7 {
        126 => 2,
        127 => 8,
        _ => 0,
    }
}

/// The payload length given the 7-bit field and the `extended_length_size(len7)` bytes that follow it
/// (big-endian, as on the wire). The 64-bit form is returned as read, forbidden top bit included.
pub fn read_extended_length(len7: u8, extended: &[u8]) -> u64 {
    match len7 {
        126 => u64::from(u16::from_be_bytes([extended[0], extended[1]])),
        127 => {
            let mut be = [0u8; 8];
            be.copy_from_slice(&extended[..8]);
            u64::from_be_bytes(be)
        }
        short => u64::from(short),
    }
}

/// A decoded (or to-be-encoded) frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    /// RSV bits as a 3-bit set: [`RSV1`] | [`RSV2`] | [`RSV3`].
    pub rsv: u8,
    pub opcode: u8,
    /// The masking key in wire order, if the MASK bit is set.
    pub mask: Option<[u8; 4]>,
    pub payload_len: u64,
}

/// Decodes a whole header from the start of `bytes`. Returns the header and its length in bytes, or `None` if
/// `bytes` is shorter than the header. No validity checks are made (that is the parser's work).
pub fn decode_header(bytes: &[u8]) -> Option<(FrameHeader, usize)> {
    if bytes.len() < 2 {
        return None;
    }
    let first = FirstBytes::decode(bytes[0], bytes[1]);
    let header_len = first.header_len();
    if bytes.len() < header_len {
        return None;
    }
    let ext_end = 2 + first.extended_length_size();
    let payload_len = read_extended_length(first.len7, &bytes[2..ext_end]);
    let mask = first.masked.then(|| {
        [
            bytes[ext_end],
            bytes[ext_end + 1],
            bytes[ext_end + 2],
            bytes[ext_end + 3],
        ]
    });
    let header = FrameHeader {
        fin: first.fin,
        rsv: first.rsv,
        opcode: first.opcode,
        mask,
        payload_len,
    };
    Some((header, header_len))
}

/// Encodes `header` into `out` with the shortest length form, returning the number of bytes written (2-14).
/// Only the low 4 bits of the opcode and the low 3 bits of `rsv` are used.
pub fn encode_header(header: &FrameHeader, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
    out[0] = (u8::from(header.fin) << 7) | ((header.rsv & 0x7) << 4) | (header.opcode & 0x0f);
    let mask_bit = if header.mask.is_some() { 0x80 } else { 0 };
    let mut len = 2;
    match header.payload_len {
        short @ 0..=125 => out[1] = mask_bit | short as u8,
        medium @ 126..=0xffff => {
            out[1] = mask_bit | 126;
            out[2..4].copy_from_slice(&(medium as u16).to_be_bytes());
            len = 4;
        }
        long => {
            out[1] = mask_bit | 127;
            out[2..10].copy_from_slice(&long.to_be_bytes());
            len = 10;
        }
    }
    if let Some(key) = header.mask {
        out[len..len + 4].copy_from_slice(&key);
        len += 4;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(
        fin: bool,
        rsv: u8,
        opcode: u8,
        mask: Option<[u8; 4]>,
        payload_len: u64,
    ) -> FrameHeader {
        FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len,
        }
    }

    #[test]
    fn first_bytes_split_every_field() {
        let first = FirstBytes::decode(0b1010_0001, 0b1000_0101);
        assert_eq!(
            first,
            FirstBytes {
                fin: true,
                rsv: RSV2,
                opcode: OP_TEXT,
                masked: true,
                len7: 5
            }
        );
        let first = FirstBytes::decode(0b0101_1010, 0x7e);
        assert_eq!(
            first,
            FirstBytes {
                fin: false,
                rsv: RSV1 | RSV3,
                opcode: OP_PONG,
                masked: false,
                len7: 126
            }
        );
        assert_eq!(first.header_len(), 4);
        assert_eq!(FirstBytes::decode(0x82, 0xff).header_len(), 14);
    }

    #[test]
    fn opcode_classes() {
        let control: Vec<u8> = (0..16).filter(|&op| is_control(op)).collect();
        assert_eq!(control, [8, 9, 10, 11, 12, 13, 14, 15]);
        let reserved: Vec<u8> = (0..16).filter(|&op| is_reserved(op)).collect();
        assert_eq!(reserved, [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]);
    }

    #[test]
    fn decodes_each_length_form() {
        assert_eq!(
            decode_header(&[0x81, 0x05]),
            Some((header(true, 0, OP_TEXT, None, 5), 2))
        );
        assert_eq!(
            decode_header(&[0x02, 0x7e, 0x01, 0x00]),
            Some((header(false, 0, OP_BINARY, None, 256), 4))
        );
        let long = [0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0];
        assert_eq!(
            decode_header(&long),
            Some((header(true, 0, OP_BINARY, None, 1 << 32), 10))
        );
        let masked = [0x89, 0x80, 1, 2, 3, 4];
        assert_eq!(
            decode_header(&masked),
            Some((header(true, 0, OP_PING, Some([1, 2, 3, 4]), 0), 6))
        );
    }

    #[test]
    fn decode_needs_the_whole_header() {
        let full = [0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 9, 8, 7, 6];
        for cut in 0..full.len() {
            assert_eq!(decode_header(&full[..cut]), None, "cut at {cut}");
        }
        assert_eq!(
            decode_header(&full),
            Some((header(true, 0, OP_BINARY, Some([9, 8, 7, 6]), 65536), 14))
        );
    }

    #[test]
    fn reads_the_top_bit_of_a_64_bit_length() {
        assert_eq!(
            read_extended_length(127, &[0x80, 0, 0, 0, 0, 0, 0, 0]),
            1 << 63
        );
        assert_eq!(read_extended_length(126, &[0xff, 0xff]), 65535);
        assert_eq!(read_extended_length(125, &[]), 125);
    }

    #[test]
    fn encodes_the_shortest_length_form() {
        let mut out = [0u8; MAX_HEADER_LEN];
        assert_eq!(
            encode_header(&header(true, 0, OP_TEXT, None, 125), &mut out),
            2
        );
        assert_eq!(out[..2], [0x81, 125]);
        assert_eq!(
            encode_header(&header(true, 0, OP_BINARY, None, 126), &mut out),
            4
        );
        assert_eq!(out[..4], [0x82, 126, 0, 126]);
        assert_eq!(
            encode_header(&header(true, 0, OP_BINARY, None, 65535), &mut out),
            4
        );
        assert_eq!(out[..4], [0x82, 126, 0xff, 0xff]);
        assert_eq!(
            encode_header(&header(false, RSV1, OP_TEXT, None, 65536), &mut out),
            10
        );
        assert_eq!(out[..10], [0x41, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!(
            encode_header(&header(true, 0, OP_PING, Some([0, 0, 0, 0]), 0), &mut out),
            6
        );
        assert_eq!(out[..6], [0x89, 0x80, 0, 0, 0, 0]);
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let lengths = [
            0,
            1,
            125,
            126,
            127,
            65535,
            65536,
            u64::from(u32::MAX),
            1 << 40,
        ];
        let mut out = [0u8; MAX_HEADER_LEN];
        for &payload_len in &lengths {
            for mask in [None, Some([0xde, 0xad, 0xbe, 0xef])] {
                for (fin, rsv, opcode) in [
                    (true, 0, OP_CLOSE),
                    (false, RSV1 | RSV2 | RSV3, OP_CONTINUATION),
                ] {
                    let original = header(fin, rsv, opcode, mask, payload_len);
                    let len = encode_header(&original, &mut out);
                    assert_eq!(decode_header(&out[..len]), Some((original, len)));
                }
            }
        }
    }
}
