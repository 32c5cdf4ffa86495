//! Payload masking (RFC 6455 §5.3): XOR with a 4-byte key, in place or into another buffer.
//!
//! Byte `i` of a payload is XORed with `key[(phase + i) % 4]`; `phase` lets a payload split across chunks be
//! unmasked piece by piece. Every kernel first rotates the key by the phase, so each works on an aligned-to-the-key
//! view and only the tail shorter than its vector width is done byte by byte.
//!
//! Kernels: a portable scalar one (u64-wide XOR), SSE2 and AVX2 on x86_64 (AVX2 chosen at run time, once), and
//! NEON on aarch64. [`Kernel`] exposes each of them so they can be tested against one another.

use std::sync::atomic::{AtomicU8, Ordering};

/// One implementation of the XOR loops. A `Kernel` value can only be obtained for an instruction set the running
/// CPU supports, which is what makes calling its SIMD code sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kernel(Isa);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Isa {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Sse2,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    Neon,
}

/// The kernel chosen by [`Kernel::best`], cached: 0 until detected, else `1 + index in ALL_ISAS`.
static BEST: AtomicU8 = AtomicU8::new(0);

const ALL_ISAS: &[Isa] = &[
    Isa::Scalar,
    #[cfg(target_arch = "x86_64")]
    Isa::Sse2,
    #[cfg(target_arch = "x86_64")]
    Isa::Avx2,
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    Isa::Neon,
];

impl Isa {
    fn is_supported(self) -> bool {
        match self {
            Isa::Scalar => true,
            // SSE2 is part of the x86_64 baseline.
            #[cfg(target_arch = "x86_64")]
            Isa::Sse2 => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            // NEON is part of the baseline of every aarch64 target that enables it at compile time.
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            Isa::Neon => true,
        }
    }
}

impl Kernel {
    /// The portable kernel, available everywhere.
    pub const SCALAR: Kernel = Kernel(Isa::Scalar);

    /// The fastest kernel this CPU supports (detected on first use, then cached).
    pub fn best() -> Kernel {
        match BEST.load(Ordering::Relaxed) {
            0 => {
                let index = ALL_ISAS
                    .iter()
                    .rposition(|isa| isa.is_supported())
                    .unwrap_or(0);
                BEST.store(index as u8 + 1, Ordering::Relaxed);
                Kernel(ALL_ISAS[index])
            }
            cached => Kernel(ALL_ISAS[usize::from(cached - 1)]),
        }
    }

    /// Every kernel this CPU supports, scalar first.
    pub fn available() -> Vec<Kernel> {
        ALL_ISAS
            .iter()
            .copied()
            .filter(|isa| isa.is_supported())
            .map(Kernel)
            .collect()
    }

    /// The instruction set's name: `"scalar"`, `"sse2"`, `"avx2"` or `"neon"`.
    pub fn name(self) -> &'static str {
        match self.0 {
            Isa::Scalar => "scalar",
            #[cfg(target_arch = "x86_64")]
            Isa::Sse2 => "sse2",
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => "avx2",
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            Isa::Neon => "neon",
        }
    }

    /// XORs `data` in place with `key`, starting at key byte `phase` (only its low 2 bits are used).
    pub fn unmask(self, data: &mut [u8], key: [u8; 4], phase: usize) {
        let key = rotate(key, phase);
        match self.0 {
            Isa::Scalar => xor_in_place(data, key),
            // SAFETY: SSE2 is part of the x86_64 baseline.
            #[cfg(target_arch = "x86_64")]
            Isa::Sse2 => unsafe { x86::xor_in_place_sse2(data, key) },
            // SAFETY: a Kernel holding Isa::Avx2 is only built after AVX2 was detected on this CPU.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { x86::xor_in_place_avx2(data, key) },
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            Isa::Neon => arm::xor_in_place_neon(data, key),
        }
    }

    /// Writes `src` XOR `key` (starting at key byte 0) into `dst`, leaving `src` unchanged.
    ///
    /// # Panics
    /// If `dst` and `src` differ in length.
    pub fn mask_into(self, src: &[u8], key: [u8; 4], dst: &mut [u8]) {
        assert_eq!(
            src.len(),
            dst.len(),
            "mask_into: source and destination lengths differ"
        );
        match self.0 {
            Isa::Scalar => xor_into(src, key, dst),
            // SAFETY: SSE2 is part of the x86_64 baseline.
            #[cfg(target_arch = "x86_64")]
            Isa::Sse2 => unsafe { x86::xor_into_sse2(src, key, dst) },
            // SAFETY: a Kernel holding Isa::Avx2 is only built after AVX2 was detected on this CPU.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { x86::xor_into_avx2(src, key, dst) },
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            Isa::Neon => arm::xor_into_neon(src, key, dst),
        }
    }
}

/// Inputs shorter than this are unmasked by the scalar loop inlined into the caller: a SIMD kernel is compiled for
/// another instruction set, so it is always an out-of-line call, which for a few words costs more than the XOR.
const INLINE_SCALAR_BELOW: usize = 64;

/// XORs `data` in place with `key`, starting at key byte `phase` (0-3; only the low 2 bits are used).
#[inline]
pub fn unmask(data: &mut [u8], key: [u8; 4], phase: usize) {
    if data.len() < INLINE_SCALAR_BELOW {
        xor_in_place(data, rotate(key, phase));
    } else {
        Kernel::best().unmask(data, key, phase);
    }
}

/// Writes `src` XOR `key` into `dst` (same length), leaving `src` unchanged.
///
/// # Panics
/// If `dst` and `src` differ in length.
pub fn mask_into(src: &[u8], key: [u8; 4], dst: &mut [u8]) {
    Kernel::best().mask_into(src, key, dst);
}

/// The name of the kernel [`mask_into`], and [`unmask`] from 64 bytes on, use on this CPU.
pub fn simd_level() -> &'static str {
    Kernel::best().name()
}

/// The key as seen from payload byte 0 when that byte is at key position `phase`.
fn rotate(key: [u8; 4], phase: usize) -> [u8; 4] {
    // A word rotation rather than indexing: indexing by `phase` makes the compiler spill the key to memory.
    let bits = 8 * (phase as u32 & 3);
    u32::from_le_bytes(key).rotate_right(bits).to_le_bytes()
}

fn wide_key(key: [u8; 4]) -> u64 {
    let word = u64::from(u32::from_ne_bytes(key));
    word << 32 | word
}

/// Scalar in-place XOR. Every caller hands it a key already rotated to `data[0]`, and every vector width is a
/// multiple of 4, so tails can start at key byte 0.
fn xor_in_place(data: &mut [u8], key: [u8; 4]) {
    let wide = wide_key(key);
    let mut words = data.chunks_exact_mut(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        word.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ wide).to_ne_bytes());
    }
    for (i, byte) in words.into_remainder().iter_mut().enumerate() {
        *byte ^= key[i & 3];
    }
}

/// Scalar copy XOR; `src` and `dst` have the same length.
fn xor_into(src: &[u8], key: [u8; 4], dst: &mut [u8]) {
    let wide = wide_key(key);
    let mut src_words = src.chunks_exact(8);
    let mut dst_words = dst.chunks_exact_mut(8);
    for (from, to) in (&mut src_words).zip(&mut dst_words) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(from);
        to.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ wide).to_ne_bytes());
    }
    let tail = src_words.remainder().iter().zip(dst_words.into_remainder());
    for (i, (from, to)) in tail.enumerate() {
        *to = from ^ key[i & 3];
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm256_loadu_si256, _mm256_set1_epi32, _mm256_storeu_si256,
        _mm256_xor_si256, _mm_loadu_si128, _mm_set1_epi32, _mm_storeu_si128, _mm_xor_si128,
    };

    #[target_feature(enable = "sse2")]
    pub(super) fn xor_in_place_sse2(data: &mut [u8], key: [u8; 4]) {
        let key_vector = _mm_set1_epi32(i32::from_ne_bytes(key));
        let mut blocks = data.chunks_exact_mut(16);
        for block in &mut blocks {
            let p = block.as_mut_ptr().cast::<__m128i>();
            // SAFETY: `block` is 16 writable bytes; loadu/storeu accept any alignment.
            unsafe { _mm_storeu_si128(p, _mm_xor_si128(_mm_loadu_si128(p), key_vector)) };
        }
        super::xor_in_place(blocks.into_remainder(), key);
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn xor_into_sse2(src: &[u8], key: [u8; 4], dst: &mut [u8]) {
        let key_vector = _mm_set1_epi32(i32::from_ne_bytes(key));
        let mut src_blocks = src.chunks_exact(16);
        let mut dst_blocks = dst.chunks_exact_mut(16);
        for (from, to) in (&mut src_blocks).zip(&mut dst_blocks) {
            let (from, to) = (
                from.as_ptr().cast::<__m128i>(),
                to.as_mut_ptr().cast::<__m128i>(),
            );
            // SAFETY: `from` and `to` are 16 bytes each (readable, writable); loadu/storeu accept any alignment.
            unsafe { _mm_storeu_si128(to, _mm_xor_si128(_mm_loadu_si128(from), key_vector)) };
        }
        super::xor_into(src_blocks.remainder(), key, dst_blocks.into_remainder());
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn xor_in_place_avx2(data: &mut [u8], key: [u8; 4]) {
        let key_vector = _mm256_set1_epi32(i32::from_ne_bytes(key));
        let mut blocks = data.chunks_exact_mut(32);
        for block in &mut blocks {
            let p = block.as_mut_ptr().cast::<__m256i>();
            // SAFETY: `block` is 32 writable bytes; loadu/storeu accept any alignment.
            unsafe { _mm256_storeu_si256(p, _mm256_xor_si256(_mm256_loadu_si256(p), key_vector)) };
        }
        xor_in_place_sse2(blocks.into_remainder(), key);
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn xor_into_avx2(src: &[u8], key: [u8; 4], dst: &mut [u8]) {
        let key_vector = _mm256_set1_epi32(i32::from_ne_bytes(key));
        let mut src_blocks = src.chunks_exact(32);
        let mut dst_blocks = dst.chunks_exact_mut(32);
        for (from, to) in (&mut src_blocks).zip(&mut dst_blocks) {
            let (from, to) = (
                from.as_ptr().cast::<__m256i>(),
                to.as_mut_ptr().cast::<__m256i>(),
            );
            // SAFETY: `from` and `to` are 32 bytes each (readable, writable); loadu/storeu accept any alignment.
            unsafe {
                _mm256_storeu_si256(to, _mm256_xor_si256(_mm256_loadu_si256(from), key_vector))
            };
        }
        xor_into_sse2(src_blocks.remainder(), key, dst_blocks.into_remainder());
    }
}

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
mod arm {
    use std::arch::aarch64::{veorq_u8, vld1q_u8, vst1q_u8};

    fn repeated(key: [u8; 4]) -> [u8; 16] {
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = key[i & 3];
        }
        out
    }

    pub(super) fn xor_in_place_neon(data: &mut [u8], key: [u8; 4]) {
        let key_bytes = repeated(key);
        // SAFETY: `key_bytes` is 16 readable bytes; vld1q_u8 has no alignment requirement.
        let key_vector = unsafe { vld1q_u8(key_bytes.as_ptr()) };
        let mut blocks = data.chunks_exact_mut(16);
        for block in &mut blocks {
            let p = block.as_mut_ptr();
            // SAFETY: `block` is 16 writable bytes; vld1q_u8/vst1q_u8 have no alignment requirement.
            unsafe { vst1q_u8(p, veorq_u8(vld1q_u8(p), key_vector)) };
        }
        super::xor_in_place(blocks.into_remainder(), key);
    }

    pub(super) fn xor_into_neon(src: &[u8], key: [u8; 4], dst: &mut [u8]) {
        let key_bytes = repeated(key);
        // SAFETY: `key_bytes` is 16 readable bytes; vld1q_u8 has no alignment requirement.
        let key_vector = unsafe { vld1q_u8(key_bytes.as_ptr()) };
        let mut src_blocks = src.chunks_exact(16);
        let mut dst_blocks = dst.chunks_exact_mut(16);
        for (from, to) in (&mut src_blocks).zip(&mut dst_blocks) {
            // SAFETY: `from` and `to` are 16 bytes each (readable, writable); no alignment requirement.
            unsafe {
                vst1q_u8(
                    to.as_mut_ptr(),
                    veorq_u8(vld1q_u8(from.as_ptr()), key_vector),
                )
            };
        }
        super::xor_into(src_blocks.remainder(), key, dst_blocks.into_remainder());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

    fn reference(data: &[u8], key: [u8; 4], phase: usize) -> Vec<u8> {
        data.iter()
            .enumerate()
            .map(|(i, b)| b ^ key[(phase + i) % 4])
            .collect()
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 + 7) as u8).collect()
    }

    #[test]
    fn rfc_6455_example() {
        // RFC 6455 §5.7: "Hello", masked with 37 fa 21 3d.
        let mut data = *b"Hello";
        unmask(&mut data, KEY, 0);
        assert_eq!(data, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
        unmask(&mut data, KEY, 0);
        assert_eq!(&data, b"Hello");
    }

    #[test]
    fn every_kernel_matches_the_reference_at_every_length_alignment_and_phase() {
        let buffer = pattern(300 + 16);
        for kernel in Kernel::available() {
            for align in [0, 1, 3, 7, 15] {
                for len in 0..=300 {
                    let src = &buffer[align..align + len];
                    for phase in 0..4 {
                        let mut in_place = buffer.clone();
                        kernel.unmask(&mut in_place[align..align + len], KEY, phase);
                        assert_eq!(
                            in_place[align..align + len],
                            reference(src, KEY, phase)[..],
                            "{kernel:?} len {len} align {align} phase {phase}"
                        );
                        assert_eq!(in_place[..align], buffer[..align]);
                        assert_eq!(in_place[align + len..], buffer[align + len..]);
                    }
                    let mut dst = vec![0xaau8; len + align];
                    kernel.mask_into(src, KEY, &mut dst[align..]);
                    assert_eq!(
                        dst[align..],
                        reference(src, KEY, 0)[..],
                        "{kernel:?} mask_into len {len} align {align}"
                    );
                    assert!(dst[..align].iter().all(|&b| b == 0xaa));
                }
            }
        }
    }

    #[test]
    fn unmasking_in_pieces_with_phases_equals_unmasking_whole() {
        let original = pattern(1000);
        let mut whole = original.clone();
        unmask(&mut whole, KEY, 0);
        for split in [1, 2, 3, 5, 17, 33, 64, 999] {
            let mut pieces = original.clone();
            let (head, tail) = pieces.split_at_mut(split);
            unmask(head, KEY, 0);
            unmask(tail, KEY, split % 4);
            assert_eq!(pieces, whole, "split at {split}");
        }
    }

    #[test]
    fn phase_uses_only_its_low_bits() {
        let mut a = pattern(50);
        let mut b = a.clone();
        unmask(&mut a, KEY, 1);
        unmask(&mut b, KEY, 5);
        assert_eq!(a, b);
    }

    #[test]
    fn best_kernel_is_available_and_named() {
        let best = Kernel::best();
        assert!(Kernel::available().contains(&best));
        assert_eq!(Kernel::best(), best);
        assert_eq!(simd_level(), best.name());
        assert_eq!(Kernel::available()[0], Kernel::SCALAR);
        #[cfg(target_arch = "x86_64")]
        assert!(matches!(simd_level(), "sse2" | "avx2"));
    }

    #[test]
    #[should_panic(expected = "lengths differ")]
    fn mask_into_rejects_a_destination_of_another_length() {
        mask_into(&[1, 2, 3], KEY, &mut [0; 2]);
    }
}
