use super::*;
use crate::frame::{encode_header, FrameHeader, OP_BINARY, OP_PING, OP_PONG, RSV1, RSV2, RSV3};

const KEY: [u8; 4] = [0x11, 0x22, 0x33, 0x44];

/// One descriptor, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct D {
    flags: u32,
    offset: u32,
    len: u32,
    frame_len: u32,
    error: u32,
    status: u32,
    close_code: u32,
}

fn piece(flags: u32, offset: u32, len: u32, frame_len: u32) -> D {
    D {
        flags,
        offset,
        len,
        frame_len,
        error: 0,
        status: 0,
        close_code: 0,
    }
}

fn close_piece(flags: u32, offset: u32, len: u32, frame_len: u32, close_code: u32) -> D {
    D {
        close_code,
        ..piece(flags, offset, len, frame_len)
    }
}

fn error(flags: u32, offset: u32, frame_len: u32, error: ParseError) -> D {
    D {
        flags: flags | flag::ERROR,
        offset,
        len: 0,
        frame_len,
        error: error.code(),
        status: u32::from(error.close_status()),
        close_code: 0,
    }
}

fn options() -> ParserOptions {
    ParserOptions {
        max_frame_size: 0,
        max_message_size: 0,
        masking: Masking::Any,
        allowed_rsv: 0,
        validate_utf8: true,
    }
}

const SE: u32 = flag::START | flag::END;
const FIN: u32 = flag::FIN;
const M: u32 = flag::MASKED;

/// Encodes a frame, masking its payload when `mask` is given.
fn frame(fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut header = [0u8; MAX_HEADER_LEN];
    let header_len = encode_header(
        &FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len: payload.len() as u64,
        },
        &mut header,
    );
    let mut bytes = header[..header_len].to_vec();
    let start = bytes.len();
    bytes.extend_from_slice(payload);
    if let Some(key) = mask {
        mask::unmask(&mut bytes[start..], key, 0);
    }
    bytes
}

/// Parses one chunk with room for `capacity` descriptors; returns them and the bytes consumed.
fn parse_with(parser: &mut Parser, chunk: &mut [u8], capacity: usize) -> (Vec<D>, usize) {
    let mut out = vec![u32::MAX; 1 + capacity * DESCRIPTOR_SLOTS];
    let count = parser.parse(chunk, &mut out);
    let descriptors = (0..count)
        .map(|i| {
            let s = &out[1 + i * DESCRIPTOR_SLOTS..1 + (i + 1) * DESCRIPTOR_SLOTS];
            D {
                flags: s[0],
                offset: s[1],
                len: s[2],
                frame_len: s[3],
                error: s[4],
                status: s[5],
                close_code: s[6],
            }
        })
        .collect();
    (descriptors, out[0] as usize)
}

fn parse_one(options: ParserOptions, bytes: &[u8]) -> Vec<D> {
    let mut chunk = bytes.to_vec();
    let (descriptors, consumed) = parse_with(&mut Parser::new(options), &mut chunk, 64);
    assert_eq!(consumed, bytes.len());
    descriptors
}

/// What a stream of descriptors means, independent of how the input was cut: whole frames with their unmasked
/// payloads, and the error, if any.
#[derive(Debug, PartialEq, Eq)]
enum Event {
    Frame {
        flags: u32,
        frame_len: u32,
        close_code: u32,
        payload: Vec<u8>,
    },
    Error {
        flags: u32,
        frame_len: u32,
        error: u32,
        status: u32,
        close_code: u32,
    },
}

/// Accumulates events from the descriptors of successive chunks, checking the piece rules as it goes.
#[derive(Default)]
struct Events {
    events: Vec<Event>,
    open: Option<(u32, u32, Vec<u8>)>,
}

impl Events {
    fn add(&mut self, chunk: &[u8], descriptors: &[D]) {
        let mut last_end = 0;
        for d in descriptors {
            let frame_flags = d.flags & !(flag::START | flag::END | flag::ERROR);
            if d.flags & flag::ERROR != 0 {
                assert_eq!(d.flags & (flag::START | flag::END), 0);
                assert_eq!(d.len, 0);
                self.events.push(Event::Error {
                    flags: frame_flags,
                    frame_len: d.frame_len,
                    error: d.error,
                    status: d.status,
                    close_code: d.close_code,
                });
                continue;
            }
            assert!(d.offset >= last_end, "pieces in chunk order");
            last_end = d.offset + d.len;
            assert!(
                d.len > 0 || d.flags & SE == SE && d.frame_len == 0,
                "only an empty frame has an empty piece"
            );
            assert_eq!(d.error, 0);
            assert_eq!(d.status, 0);
            if d.flags & flag::START != 0 {
                assert!(self.open.is_none(), "START while a frame is open");
                self.open = Some((frame_flags, d.frame_len, Vec::new()));
            }
            let (flags, frame_len, payload) = self.open.as_mut().expect("piece without START");
            assert_eq!(
                (*flags, *frame_len),
                (frame_flags, d.frame_len),
                "pieces repeat flags and length"
            );
            payload.extend_from_slice(&chunk[d.offset as usize..(d.offset + d.len) as usize]);
            if d.flags & flag::END != 0 {
                let (flags, frame_len, payload) = self.open.take().unwrap_or_default();
                assert_eq!(payload.len(), frame_len as usize);
                self.events.push(Event::Frame {
                    flags,
                    frame_len,
                    close_code: d.close_code,
                    payload,
                });
            } else {
                assert_eq!(d.close_code, 0);
            }
        }
    }
}

/// Feeds `bytes` cut at `cuts`, passing unconsumed rests again, with room for `capacity` descriptors per call.
fn events_split(
    options: ParserOptions,
    bytes: &[u8],
    cuts: &[usize],
    capacity: usize,
) -> Vec<Event> {
    let mut parser = Parser::new(options);
    let mut events = Events::default();
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(bytes.len());
    for pair in bounds.windows(2) {
        let mut rest = bytes[pair[0]..pair[1]].to_vec();
        loop {
            let (descriptors, consumed) = parse_with(&mut parser, &mut rest, capacity);
            events.add(&rest, &descriptors);
            if parser.is_dead() {
                return events.events;
            }
            assert!(
                consumed == rest.len() || descriptors.len() == capacity,
                "stops early only when out is full"
            );
            if consumed == rest.len() {
                break;
            }
            rest.drain(..consumed);
        }
    }
    events.events
}

fn text_frame(payload: &[u8]) -> Event {
    Event::Frame {
        flags: 1 | FIN,
        frame_len: payload.len() as u32,
        close_code: 0,
        payload: payload.to_vec(),
    }
}

/// A conversation that exercises every kind of frame: fragments, an interleaved ping, a character split across
/// fragments, both length extensions, masking, and a close with a reason.
fn conversation(mask: Option<[u8; 4]>) -> Vec<u8> {
    let euro = "€".as_bytes();
    let mut bytes = frame(true, 0, OP_TEXT, mask, "héllo".as_bytes());
    bytes.extend(frame(false, 0, OP_TEXT, mask, &[b'a', euro[0]]));
    bytes.extend(frame(true, 0, OP_PING, mask, b"are you there"));
    bytes.extend(frame(false, 0, OP_CONTINUATION, mask, &euro[1..]));
    bytes.extend(frame(true, 0, OP_CONTINUATION, mask, b"z"));
    bytes.extend(frame(true, 0, OP_BINARY, mask, &[]));
    bytes.extend(frame(
        true,
        0,
        OP_BINARY,
        mask,
        &(0..200).map(|i| i as u8).collect::<Vec<_>>(),
    ));
    bytes.extend(frame(true, 0, OP_PONG, mask, b""));
    bytes.extend(frame(true, 0, OP_CLOSE, mask, b"\x03\xe8bye"));
    bytes
}

fn conversation_events(masked: u32) -> Vec<Event> {
    let euro = "€".as_bytes();
    let frame = |flags: u32, close_code: u32, payload: &[u8]| Event::Frame {
        flags: flags | masked,
        frame_len: payload.len() as u32,
        close_code,
        payload: payload.to_vec(),
    };
    vec![
        frame(1 | FIN, 0, "héllo".as_bytes()),
        frame(1, 0, &[b'a', euro[0]]),
        frame(9 | FIN, 0, b"are you there"),
        frame(0, 0, &euro[1..]),
        frame(FIN, 0, b"z"),
        frame(2 | FIN, 0, &[]),
        frame(2 | FIN, 0, &(0..200).map(|i| i as u8).collect::<Vec<_>>()),
        frame(0xA | FIN, 0, b""),
        frame(8 | FIN, 1000, b"\x03\xe8bye"),
    ]
}

#[test]
fn conversation_in_one_chunk_gives_exact_descriptors() {
    let bytes = conversation(None);
    let d = parse_one(options(), &bytes);
    assert_eq!(
        d,
        [
            piece(1 | FIN | SE, 2, 6, 6),
            piece(1 | SE, 10, 2, 2),
            piece(9 | FIN | SE, 14, 13, 13),
            piece(SE, 29, 2, 2),
            piece(FIN | SE, 33, 1, 1),
            piece(2 | FIN | SE, 36, 0, 0),
            piece(2 | FIN | SE, 40, 200, 200),
            piece(0xA | FIN | SE, 242, 0, 0),
            close_piece(8 | FIN | SE, 244, 5, 5, 1000),
        ]
    );
    assert_eq!(
        events_split(options(), &bytes, &[], 64),
        conversation_events(0)
    );
}

#[test]
fn every_single_split_gives_the_same_events() {
    for (mask, masked) in [(None, 0), (Some(KEY), M)] {
        let bytes = conversation(mask);
        let expected = conversation_events(masked);
        for cut in 0..=bytes.len() {
            assert_eq!(
                events_split(options(), &bytes, &[cut], 64),
                expected,
                "cut at {cut}"
            );
        }
    }
}

#[test]
fn every_double_split_gives_the_same_events() {
    let bytes = conversation(Some(KEY));
    let expected = conversation_events(M);
    for first in 0..=bytes.len() {
        for second in (first..=bytes.len()).step_by(3) {
            assert_eq!(
                events_split(options(), &bytes, &[first, second], 64),
                expected,
                "cuts {first}, {second}"
            );
        }
    }
}

#[test]
fn byte_at_a_time_gives_the_same_events() {
    let bytes = conversation(Some(KEY));
    let cuts: Vec<usize> = (1..bytes.len()).collect();
    assert_eq!(
        events_split(options(), &bytes, &cuts, 64),
        conversation_events(M)
    );
}

#[test]
fn small_output_capacity_gives_the_same_events() {
    let bytes = conversation(Some(KEY));
    for capacity in 1..=3 {
        assert_eq!(
            events_split(options(), &bytes, &[], capacity),
            conversation_events(M),
            "capacity {capacity}"
        );
        assert_eq!(
            events_split(options(), &bytes, &[57, 100], capacity),
            conversation_events(M)
        );
    }
}

#[test]
fn stops_right_after_the_descriptor_that_fills_out() {
    let mut bytes = frame(true, 0, OP_BINARY, None, b"ab");
    bytes.extend(frame(true, 0, OP_BINARY, None, b"cd"));
    bytes.extend(frame(true, 0, OP_BINARY, None, b"ef"));
    let mut parser = Parser::new(options());
    let (d, consumed) = parse_with(&mut parser, &mut bytes, 2);
    assert_eq!(
        d,
        [piece(2 | FIN | SE, 2, 2, 2), piece(2 | FIN | SE, 6, 2, 2)]
    );
    assert_eq!(consumed, 8);
    let (d, consumed) = parse_with(&mut parser, &mut bytes[8..], 2);
    assert_eq!(d, [piece(2 | FIN | SE, 2, 2, 2)]);
    assert_eq!(consumed, 4);
}

#[test]
fn output_without_room_consumes_nothing() {
    let mut bytes = frame(true, 0, OP_BINARY, None, b"ab");
    let mut parser = Parser::new(options());
    let mut out = [7u32; DESCRIPTOR_SLOTS];
    assert_eq!(parser.parse(&mut bytes, &mut out), 0);
    assert_eq!(out[0], 0);
    assert_eq!(parser.parse(&mut bytes, &mut []), 0);
    assert_eq!(
        parse_with(&mut parser, &mut bytes, 1),
        (vec![piece(2 | FIN | SE, 2, 2, 2)], 4)
    );
}

#[test]
fn every_length_class() {
    for len in [0usize, 1, 125, 126, 127, 65535, 65536, 70000] {
        let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        for (mask, masked) in [(None, 0), (Some(KEY), M)] {
            let mut bytes = frame(true, 0, OP_BINARY, mask, &payload);
            let header_len = (bytes.len() - len) as u32;
            let mut parser = Parser::new(options());
            let (d, consumed) = parse_with(&mut parser, &mut bytes, 4);
            assert_eq!(
                (d, consumed),
                (
                    vec![piece(
                        2 | FIN | SE | masked,
                        header_len,
                        len as u32,
                        len as u32
                    )],
                    bytes.len()
                )
            );
            assert_eq!(bytes[header_len as usize..], payload[..], "len {len}");
        }
    }
}

#[test]
fn frame_split_across_chunks_gives_start_middle_and_end_pieces() {
    let payload: Vec<u8> = (0..300).map(|i| i as u8).collect();
    let mut bytes = frame(true, 0, OP_BINARY, Some(KEY), &payload);
    let mut parser = Parser::new(options());
    let flags = 2 | FIN | M;
    let (first, rest) = bytes.split_at_mut(5);
    assert_eq!(parse_with(&mut parser, first, 4), (vec![], 5));
    let (second, third) = rest.split_at_mut(100);
    assert_eq!(
        parse_with(&mut parser, second, 4),
        (vec![piece(flags | flag::START, 3, 97, 300)], 100)
    );
    assert_eq!(
        parse_with(&mut parser, third, 4),
        (vec![piece(flags | flag::END, 0, 203, 300)], 203)
    );
    assert_eq!(bytes[8..], payload[..]);
}

#[test]
fn header_ending_a_chunk_defers_the_start_piece() {
    let mut bytes = frame(true, 0, OP_BINARY, None, b"xyz");
    let mut parser = Parser::new(options());
    let (header, payload) = bytes.split_at_mut(2);
    assert_eq!(parse_with(&mut parser, header, 4), (vec![], 2));
    assert_eq!(
        parse_with(&mut parser, payload, 4),
        (vec![piece(2 | FIN | SE, 0, 3, 3)], 3)
    );
}

#[test]
fn masking_modes() {
    let masked = frame(true, 0, OP_BINARY, Some(KEY), b"hi");
    let plain = frame(true, 0, OP_BINARY, None, b"hi");
    let with = |masking| ParserOptions {
        masking,
        ..options()
    };
    assert_eq!(
        parse_one(with(Masking::Any), &masked),
        [piece(2 | FIN | M | SE, 6, 2, 2)]
    );
    assert_eq!(
        parse_one(with(Masking::Any), &plain),
        [piece(2 | FIN | SE, 2, 2, 2)]
    );
    assert_eq!(
        parse_one(with(Masking::Required), &masked),
        [piece(2 | FIN | M | SE, 6, 2, 2)]
    );
    assert_eq!(
        parse_one(with(Masking::Required), &plain),
        [error(2 | FIN, 0, 0, ParseError::MaskRequired)]
    );
    assert_eq!(
        parse_one(with(Masking::Forbidden), &plain),
        [piece(2 | FIN | SE, 2, 2, 2)]
    );
    assert_eq!(
        parse_one(with(Masking::Forbidden), &masked),
        [error(2 | FIN | M, 0, 0, ParseError::MaskUnexpected)]
    );
    assert_eq!(Masking::from_code(1), Some(Masking::Required));
    assert_eq!(Masking::from_code(3), None);
}

#[test]
fn header_errors_report_the_frame_start_and_the_frame_bits() {
    let prefix = frame(true, 0, OP_BINARY, None, b"ok");
    let ok = piece(2 | FIN | SE, 2, 2, 2);
    let cases: Vec<(Vec<u8>, D)> = vec![
        (
            vec![0x89, 0x7e],
            error(9 | FIN, 4, 0, ParseError::ControlFrameTooLong),
        ),
        (
            vec![0x88, 0xff],
            error(8 | FIN | M, 4, 0, ParseError::ControlFrameTooLong),
        ),
        (
            vec![0x09, 0x00],
            error(9, 4, 0, ParseError::ControlFrameFragmented),
        ),
        (
            vec![0xc2, 0x00],
            error(2 | FIN | flag::RSV1, 4, 0, ParseError::ReservedBits),
        ),
        (
            vec![0xa2, 0x00],
            error(2 | FIN | flag::RSV2, 4, 0, ParseError::ReservedBits),
        ),
        (
            vec![0x92, 0x00],
            error(2 | FIN | flag::RSV3, 4, 0, ParseError::ReservedBits),
        ),
        (
            vec![0x80, 0x00],
            error(FIN, 4, 0, ParseError::UnexpectedContinuation),
        ),
        (
            vec![0x83, 0x00],
            error(3 | FIN, 4, 0, ParseError::ReservedOpcode),
        ),
        (
            vec![0x87, 0x00],
            error(7 | FIN, 4, 0, ParseError::ReservedOpcode),
        ),
        (
            vec![0x8b, 0x00],
            error(0xB | FIN, 4, 0, ParseError::ReservedOpcode),
        ),
        (
            vec![0x8f, 0x00],
            error(0xF | FIN, 4, 0, ParseError::ReservedOpcode),
        ),
        (
            vec![0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0],
            error(2 | FIN, 4, 0, ParseError::Unsupported64BitLength),
        ),
        (
            vec![0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0],
            error(2 | FIN, 4, 0, ParseError::Unsupported64BitLength),
        ),
    ];
    for (tail, expected) in cases {
        let mut bytes = prefix.clone();
        bytes.extend_from_slice(&tail);
        assert_eq!(parse_one(options(), &bytes), [ok, expected], "{tail:x?}");
    }
}

#[test]
fn data_frame_inside_a_fragmented_message() {
    let mut bytes = frame(false, 0, OP_TEXT, None, b"a");
    bytes.extend(frame(true, 0, OP_BINARY, None, b"b"));
    let expected = [
        piece(1 | SE, 2, 1, 1),
        error(2 | FIN, 3, 0, ParseError::DataFrameInFragmentedMessage),
    ];
    assert_eq!(parse_one(options(), &bytes), expected);
}

#[test]
fn reserved_bits_follow_allowed_rsv_only_on_the_first_data_frame() {
    let deflate = ParserOptions {
        allowed_rsv: RSV1,
        ..options()
    };
    assert_eq!(
        parse_one(deflate, &frame(true, RSV1, OP_TEXT, None, b"\xff")),
        [piece(1 | FIN | flag::RSV1 | SE, 2, 1, 1)]
    );
    assert_eq!(
        parse_one(deflate, &frame(true, RSV2, OP_TEXT, None, b"")),
        [error(1 | FIN | flag::RSV2, 0, 0, ParseError::ReservedBits)]
    );
    assert_eq!(
        parse_one(deflate, &frame(true, RSV1, OP_PING, None, b"")),
        [error(9 | FIN | flag::RSV1, 0, 0, ParseError::ReservedBits)]
    );
    let mut bytes = frame(false, RSV1, OP_BINARY, None, b"a");
    bytes.extend(frame(true, RSV1, OP_CONTINUATION, None, b"b"));
    let expected = [
        piece(2 | flag::RSV1 | SE, 2, 1, 1),
        error(FIN | flag::RSV1, 3, 0, ParseError::ReservedBits),
    ];
    assert_eq!(parse_one(deflate, &bytes), expected);
    let all = ParserOptions {
        allowed_rsv: RSV1 | RSV2 | RSV3,
        ..options()
    };
    assert_eq!(
        parse_one(all, &frame(true, 7, OP_BINARY, None, b"")),
        [piece(2 | FIN | 0xe0 | SE, 2, 0, 0)]
    );
}

#[test]
fn check_order_when_a_header_breaks_several_rules() {
    let open = frame(false, 0, OP_TEXT, None, b"");
    let cases: Vec<(ParserOptions, Vec<u8>, ParseError)> = vec![
        (options(), vec![0x79, 0x7e], ParseError::ControlFrameTooLong),
        (
            options(),
            vec![0x79, 0x00],
            ParseError::ControlFrameFragmented,
        ),
        (
            options(),
            [open.clone(), vec![0xc1, 0x00]].concat(),
            ParseError::ReservedBits,
        ),
        (
            options(),
            [open.clone(), vec![0x83, 0x00]].concat(),
            ParseError::DataFrameInFragmentedMessage,
        ),
        (
            ParserOptions {
                masking: Masking::Required,
                ..options()
            },
            vec![0x00, 0x00],
            ParseError::UnexpectedContinuation,
        ),
        (
            ParserOptions {
                masking: Masking::Required,
                ..options()
            },
            vec![0x84, 0x00],
            ParseError::ReservedOpcode,
        ),
        (
            ParserOptions {
                max_frame_size: 10,
                ..options()
            },
            vec![0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0],
            ParseError::Unsupported64BitLength,
        ),
        (
            ParserOptions {
                max_frame_size: 10,
                max_message_size: 10,
                ..options()
            },
            vec![0x82, 0x0b],
            ParseError::FrameTooLarge,
        ),
    ];
    for (options, bytes, expected) in cases {
        let d = parse_one(options, &bytes);
        assert_eq!(
            d.last().map(|d| d.error),
            Some(expected.code()),
            "{bytes:x?}"
        );
    }
}

#[test]
fn header_errors_are_reported_as_soon_as_their_bytes_arrive() {
    let mut parser = Parser::new(options());
    assert_eq!(
        parse_with(&mut parser, &mut [0x89, 0xfe], 4),
        (
            vec![error(9 | FIN | M, 0, 0, ParseError::ControlFrameTooLong)],
            2
        )
    );

    let limited = ParserOptions {
        max_frame_size: 100,
        ..options()
    };
    let mut parser = Parser::new(limited);
    let (d, _) = parse_with(&mut parser, &mut [0x82, 0xfe, 0x01, 0x00], 4);
    assert_eq!(d, [error(2 | FIN | M, 0, 256, ParseError::FrameTooLarge)]);

    // A header begun in an earlier chunk is reported at offset 0.
    let mut parser = Parser::new(limited);
    let mut bytes = frame(true, 0, OP_BINARY, None, b"ok");
    bytes.extend([0x82, 0x7e, 0x00]);
    assert_eq!(
        parse_with(&mut parser, &mut bytes, 4),
        (vec![piece(2 | FIN | SE, 2, 2, 2)], 7)
    );
    assert_eq!(
        parse_with(&mut parser, &mut [0x65, 0xaa], 4),
        (vec![error(2 | FIN, 0, 101, ParseError::FrameTooLarge)], 2)
    );
}

#[test]
fn frame_size_limit_applies_to_every_frame() {
    let limited = ParserOptions {
        max_frame_size: 3,
        ..options()
    };
    assert_eq!(
        parse_one(limited, &frame(true, 0, OP_BINARY, None, b"abc")),
        [piece(2 | FIN | SE, 2, 3, 3)]
    );
    assert_eq!(
        parse_one(limited, &frame(true, 0, OP_BINARY, None, b"abcd")),
        [error(2 | FIN, 0, 4, ParseError::FrameTooLarge)]
    );
    assert_eq!(
        parse_one(limited, &frame(true, 0, OP_PING, None, b"abcd")),
        [error(9 | FIN, 0, 4, ParseError::FrameTooLarge)]
    );
}

#[test]
fn message_size_limit_counts_the_running_total_of_data_frames() {
    let limited = ParserOptions {
        max_message_size: 10,
        ..options()
    };
    assert_eq!(
        parse_one(limited, &frame(true, 0, OP_BINARY, None, &[0; 10])),
        [piece(2 | FIN | SE, 2, 10, 10)]
    );
    assert_eq!(
        parse_one(limited, &frame(true, 0, OP_BINARY, None, &[0; 11])),
        [error(2 | FIN, 0, 11, ParseError::MessageTooLarge)]
    );

    let mut bytes = frame(false, 0, OP_BINARY, None, &[0; 6]);
    bytes.extend(frame(true, 0, OP_PING, None, &[0; 20]));
    bytes.extend(frame(false, 0, OP_CONTINUATION, None, &[0; 4]));
    bytes.extend(frame(true, 0, OP_CONTINUATION, None, &[0; 1]));
    let d = parse_one(limited, &bytes);
    assert_eq!(
        d,
        [
            piece(2 | SE, 2, 6, 6),
            piece(9 | FIN | SE, 10, 20, 20),
            piece(SE, 32, 4, 4),
            error(FIN, 36, 1, ParseError::MessageTooLarge),
        ]
    );
    // The next message starts a new total.
    let mut bytes = frame(true, 0, OP_BINARY, None, &[0; 10]);
    bytes.extend(frame(true, 0, OP_BINARY, None, &[0; 10]));
    assert_eq!(parse_one(limited, &bytes).len(), 2);
}

#[test]
fn limits_of_zero_mean_none() {
    let mut parser = Parser::new(options());
    let mut bytes = vec![0x82, 0x7f, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 2];
    assert_eq!(
        parse_with(&mut parser, &mut bytes, 4),
        (vec![piece(2 | FIN | flag::START, 10, 2, u32::MAX)], 12)
    );
}

#[test]
fn invalid_utf8_is_reported_at_the_first_byte_of_the_bad_sequence() {
    let mut bytes = frame(true, 0, OP_BINARY, None, b"x");
    bytes.extend(frame(true, 0, OP_TEXT, Some(KEY), b"ab\xe2\x28\xa1cd"));
    let expected = vec![
        piece(2 | FIN | SE, 2, 1, 1),
        error(1 | FIN | M, 11, 7, ParseError::InvalidUtf8),
    ];
    assert_eq!(
        parse_with(&mut Parser::new(options()), &mut bytes, 4),
        (expected, 16)
    );
    // Unmasked in place, though the piece itself is not reported.
    assert_eq!(bytes[9..], b"ab\xe2\x28\xa1cd"[..]);

    let mut parser = Parser::new(options());
    let mut bytes = frame(true, 0, OP_TEXT, None, b"abc\xff");
    let (first, second) = bytes.split_at_mut(4);
    assert_eq!(
        parse_with(&mut parser, first, 4),
        (vec![piece(1 | FIN | flag::START, 2, 2, 4)], 4)
    );
    assert_eq!(
        parse_with(&mut parser, second, 4),
        (vec![error(1 | FIN, 1, 4, ParseError::InvalidUtf8)], 2)
    );
}

#[test]
fn invalid_utf8_begun_in_an_earlier_piece_is_reported_at_the_piece_start() {
    // The sequence begins in the first fragment; the continuation frame shares the chunk.
    let mut bytes = frame(false, 0, OP_TEXT, None, b"a\xe2");
    bytes.extend(frame(true, 0, OP_CONTINUATION, None, b"\x28"));
    assert_eq!(
        parse_one(options(), &bytes),
        [
            piece(1 | SE, 2, 2, 2),
            error(FIN, 6, 1, ParseError::InvalidUtf8)
        ]
    );

    // The sequence begins in an earlier chunk.
    let mut parser = Parser::new(options());
    let mut bytes = frame(true, 0, OP_TEXT, None, b"\xf0\x9f\x41");
    let (first, second) = bytes.split_at_mut(4);
    assert_eq!(
        parse_with(&mut parser, first, 4),
        (vec![piece(1 | FIN | flag::START, 2, 2, 3)], 4)
    );
    assert_eq!(
        parse_with(&mut parser, second, 4),
        (vec![error(1 | FIN, 0, 3, ParseError::InvalidUtf8)], 1)
    );
}

#[test]
fn text_message_ending_inside_a_sequence() {
    let mut bytes = frame(true, 0, OP_TEXT, None, b"ab\xe2\x82");
    assert_eq!(
        parse_one(options(), &bytes),
        [error(1 | FIN, 6, 4, ParseError::InvalidUtf8)]
    );
    bytes = frame(false, 0, OP_TEXT, None, b"ab\xe2\x82");
    bytes.extend(frame(true, 0, OP_PING, None, b""));
    bytes.extend(frame(true, 0, OP_CONTINUATION, None, b""));
    let expected = [
        piece(1 | SE, 2, 4, 4),
        piece(9 | FIN | SE, 8, 0, 0),
        error(FIN, 10, 0, ParseError::InvalidUtf8),
    ];
    assert_eq!(parse_one(options(), &bytes), expected);
}

#[test]
fn character_split_across_fragments_and_chunks_is_valid() {
    let text = "€uro 𝄞".as_bytes();
    for at in 0..=text.len() {
        let mut bytes = frame(false, 0, OP_TEXT, Some(KEY), &text[..at]);
        bytes.extend(frame(true, 0, OP_PING, Some(KEY), b"p"));
        bytes.extend(frame(true, 0, OP_CONTINUATION, Some(KEY), &text[at..]));
        for cut in 0..=bytes.len() {
            let events = events_split(options(), &bytes, &[cut], 8);
            assert_eq!(
                events.len(),
                3,
                "fragment at {at}, cut at {cut}: {events:?}"
            );
        }
    }
}

#[test]
fn which_messages_are_validated() {
    let bad = b"\xc0\xaf";
    assert_eq!(
        parse_one(options(), &frame(true, 0, OP_BINARY, None, bad)),
        [piece(2 | FIN | SE, 2, 2, 2)]
    );
    assert_eq!(
        parse_one(options(), &frame(true, 0, OP_PING, None, bad)),
        [piece(9 | FIN | SE, 2, 2, 2)]
    );
    let unchecked = ParserOptions {
        validate_utf8: false,
        ..options()
    };
    assert_eq!(
        parse_one(unchecked, &frame(true, 0, OP_TEXT, None, bad)),
        [piece(1 | FIN | SE, 2, 2, 2)]
    );

    // A compressed (RSV1) message is left to the caller, all its fragments included; the next message is checked.
    let deflate = ParserOptions {
        allowed_rsv: RSV1,
        ..options()
    };
    let mut bytes = frame(false, RSV1, OP_TEXT, None, bad);
    bytes.extend(frame(true, 0, OP_CONTINUATION, None, bad));
    bytes.extend(frame(true, 0, OP_TEXT, None, bad));
    let expected = [
        piece(1 | flag::RSV1 | SE, 2, 2, 2),
        piece(FIN | SE, 6, 2, 2),
        error(1 | FIN, 10, 2, ParseError::InvalidUtf8),
    ];
    assert_eq!(parse_one(deflate, &bytes), expected);

    // A binary message does not inherit the state of the text message before it.
    let mut bytes = frame(false, 0, OP_TEXT, None, b"\xe2");
    bytes.extend(frame(true, 0, OP_CONTINUATION, None, b"\x82\xac"));
    bytes.extend(frame(true, 0, OP_BINARY, None, bad));
    assert_eq!(parse_one(options(), &bytes).len(), 3);
}

#[test]
fn close_frames() {
    assert_eq!(
        parse_one(options(), &frame(true, 0, OP_CLOSE, None, b"")),
        [close_piece(8 | FIN | SE, 2, 0, 0, 1005)]
    );
    assert_eq!(
        parse_one(options(), &frame(true, 0, OP_CLOSE, None, b"\x0f\xa1")),
        [close_piece(8 | FIN | SE, 2, 2, 2, 4001)]
    );
    let bytes = frame(true, 0, OP_CLOSE, Some(KEY), b"\x03\xe8caf\xc3\xa9");
    assert_eq!(
        parse_one(options(), &bytes),
        [close_piece(8 | FIN | M | SE, 6, 7, 7, 1000)]
    );
    // Close reasons are validated even when text messages are not.
    let unchecked = ParserOptions {
        validate_utf8: false,
        ..options()
    };
    let d = parse_one(unchecked, &frame(true, 0, OP_CLOSE, None, b"\x03\xe8\xff"));
    assert_eq!(
        d,
        [D {
            close_code: 1000,
            ..error(8 | FIN, 2, 3, ParseError::InvalidCloseReason)
        }]
    );
}

#[test]
fn close_frame_errors_fill_the_close_code() {
    let cases: [(&[u8], ParseError, u32); 5] = [
        (b"\x03", ParseError::CloseFrameLength, 1005),
        (b"\x03\xed", ParseError::InvalidCloseCode, 1005),
        (b"\x03\xec", ParseError::InvalidCloseCode, 1004),
        (b"\x13\x88bye", ParseError::InvalidCloseCode, 5000),
        (b"\x03\xe8\xe2\x82", ParseError::InvalidCloseReason, 1000),
    ];
    for (payload, expected, close_code) in cases {
        let mut bytes = frame(true, 0, OP_BINARY, None, b"");
        bytes.extend(frame(true, 0, OP_CLOSE, Some(KEY), payload));
        let d = parse_one(options(), &bytes);
        let len = payload.len() as u32;
        assert_eq!(
            d,
            [
                piece(2 | FIN | SE, 2, 0, 0),
                D {
                    close_code,
                    ..error(8 | FIN | M, 8, len, expected)
                }
            ],
            "{payload:x?}"
        );
    }
}

#[test]
fn close_frame_spanning_chunks() {
    let mut bytes = frame(true, 0, OP_CLOSE, Some(KEY), b"\x0b\xb8see you");
    let mut parser = Parser::new(options());
    let (first, second) = bytes.split_at_mut(7);
    assert_eq!(
        parse_with(&mut parser, first, 4),
        (vec![piece(8 | FIN | M | flag::START, 6, 1, 9)], 7)
    );
    assert_eq!(
        parse_with(&mut parser, second, 4),
        (vec![close_piece(8 | FIN | M | flag::END, 0, 8, 9, 3000)], 8)
    );

    let mut bytes = frame(true, 0, OP_CLOSE, None, b"\x0b\xb8bad \xff");
    let mut parser = Parser::new(options());
    let (first, second) = bytes.split_at_mut(5);
    assert_eq!(
        parse_with(&mut parser, first, 4),
        (vec![piece(8 | FIN | flag::START, 2, 3, 7)], 5)
    );
    let expected = D {
        close_code: 3000,
        ..error(8 | FIN, 0, 7, ParseError::InvalidCloseReason)
    };
    assert_eq!(parse_with(&mut parser, second, 4), (vec![expected], 4));
}

#[test]
fn control_frames_between_fragments() {
    let mut bytes = frame(false, 0, OP_BINARY, None, b"ab");
    bytes.extend(frame(true, 0, OP_PING, None, b"!"));
    bytes.extend(frame(true, 0, OP_PONG, None, b""));
    bytes.extend(frame(false, 0, OP_CONTINUATION, None, b"cd"));
    bytes.extend(frame(true, 0, OP_CONTINUATION, None, b"ef"));
    bytes.extend(frame(true, 0, OP_TEXT, None, b"next"));
    let expected = [
        piece(2 | SE, 2, 2, 2),
        piece(9 | FIN | SE, 6, 1, 1),
        piece(0xA | FIN | SE, 9, 0, 0),
        piece(SE, 11, 2, 2),
        piece(FIN | SE, 15, 2, 2),
        piece(1 | FIN | SE, 19, 4, 4),
    ];
    assert_eq!(parse_one(options(), &bytes), expected);
}

#[test]
fn dead_after_an_error() {
    let mut parser = Parser::new(options());
    let mut bytes = vec![0x83, 0x00, 0x82, 0x00];
    assert_eq!(
        parse_with(&mut parser, &mut bytes, 4),
        (vec![error(3 | FIN, 0, 0, ParseError::ReservedOpcode)], 4)
    );
    assert!(parser.is_dead());
    let mut out = [9u32; 1 + DESCRIPTOR_SLOTS];
    assert_eq!(
        parser.parse(&mut frame(true, 0, OP_BINARY, None, b"ok"), &mut out),
        0
    );
    assert_eq!(out, [0, 9, 9, 9, 9, 9, 9, 9]);
}

#[test]
fn error_consumes_the_whole_chunk() {
    let mut bytes = frame(true, 0, OP_BINARY, None, b"ok");
    bytes.extend([0x80, 0x00]);
    bytes.extend(frame(true, 0, OP_BINARY, None, b"never"));
    let mut parser = Parser::new(options());
    let expected = vec![
        piece(2 | FIN | SE, 2, 2, 2),
        error(FIN, 4, 0, ParseError::UnexpectedContinuation),
    ];
    assert_eq!(
        parse_with(&mut parser, &mut bytes, 4),
        (expected, bytes.len())
    );
}

#[test]
fn error_codes_and_statuses_match_the_contract() {
    use ParseError::*;
    let all = [
        ControlFrameTooLong,
        ControlFrameFragmented,
        ReservedBits,
        DataFrameInFragmentedMessage,
        UnexpectedContinuation,
        ReservedOpcode,
        MaskRequired,
        MaskUnexpected,
        Unsupported64BitLength,
        FrameTooLarge,
        MessageTooLarge,
        InvalidUtf8,
        CloseFrameLength,
        InvalidCloseCode,
        InvalidCloseReason,
    ];
    let codes: Vec<u32> = all.iter().map(|e| e.code()).collect();
    assert_eq!(codes, (1..=15).collect::<Vec<_>>());
    let statuses: Vec<u16> = all.iter().map(|e| e.close_status()).collect();
    let expected = [
        1002, 1002, 1002, 1002, 1002, 1002, 1002, 1002, 1002, 1009, 1009, 1007, 1002, 1002, 1007,
    ];
    assert_eq!(statuses, expected);
}

#[test]
fn errors_under_every_split_are_the_same_error() {
    let mut bytes = conversation(Some(KEY));
    bytes.extend(frame(false, 0, OP_TEXT, Some(KEY), "ok ".as_bytes()));
    bytes.extend(frame(true, 0, OP_CONTINUATION, Some(KEY), b"\xed\xa0\x80"));
    let mut expected = conversation_events(M);
    expected.push(text_frame(b"ok ").with_flags(1 | M));
    expected.push(Event::Error {
        flags: FIN | M,
        frame_len: 3,
        error: 12,
        status: 1007,
        close_code: 0,
    });
    for cut in 0..=bytes.len() {
        assert_eq!(
            events_split(options(), &bytes, &[cut], 5),
            expected,
            "cut at {cut}"
        );
    }
}

impl Event {
    fn with_flags(self, new_flags: u32) -> Event {
        match self {
            Event::Frame {
                frame_len,
                close_code,
                payload,
                ..
            } => Event::Frame {
                flags: new_flags,
                frame_len,
                close_code,
                payload,
            },
            error => error,
        }
    }
}

/// A small deterministic generator (xorshift64*), so random tests replay identically.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// A random stream of mostly valid frames: text (sometimes broken), binary, control frames, fragments.
fn random_stream(rng: &mut Rng) -> Vec<u8> {
    let texts: [&[u8]; 5] = [
        b"plain",
        "héllo €".as_bytes(),
        "𝄞".as_bytes(),
        b"bad \xed\xa0\x80",
        b"",
    ];
    let mut bytes = Vec::new();
    let mut open = false;
    for _ in 0..1 + rng.below(6) {
        let mask = (rng.below(4) != 0).then(|| [rng.below(256) as u8, 7, rng.below(256) as u8, 1]);
        let (fin, opcode, payload): (bool, u8, Vec<u8>) = match rng.below(6) {
            0 => (true, OP_PING, vec![0x5a; rng.below(126)]),
            1 => (
                true,
                OP_CLOSE,
                [&[0x03, 0xe8][..], texts[rng.below(5)]].concat(),
            ),
            2 => (
                rng.below(2) == 0,
                OP_BINARY,
                vec![0xa5; [0, 1, 125, 126, 300][rng.below(5)]],
            ),
            _ if open => (
                rng.below(2) == 0,
                OP_CONTINUATION,
                texts[rng.below(5)].to_vec(),
            ),
            _ => (rng.below(2) == 0, OP_TEXT, texts[rng.below(5)].to_vec()),
        };
        if !frame::is_control(opcode) {
            if open != (opcode == OP_CONTINUATION) {
                continue;
            }
            open = !fin;
        }
        bytes.extend(frame(fin, 0, opcode, mask, &payload));
    }
    bytes
}

#[test]
fn random_streams_give_the_same_events_under_random_splits_and_capacities() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2000 {
        let bytes = random_stream(&mut rng);
        let whole = events_split(options(), &bytes, &[], 64);
        let mut cuts: Vec<usize> = (0..rng.below(5))
            .map(|_| rng.below(bytes.len() + 1))
            .collect();
        cuts.sort_unstable();
        let capacity = 1 + rng.below(4);
        assert_eq!(
            events_split(options(), &bytes, &cuts, capacity),
            whole,
            "{bytes:x?} cut at {cuts:?}, capacity {capacity}"
        );
    }
}
