//! The fast path of [`CsvTableParser`](super::CsvTableParser) for rows
//! without quotes, which are most rows of a ledger export: such a row is
//! its fields and commas up to a line feed, so eight bytes at a time are
//! searched for a line feed or a quote, then for commas, instead of
//! running csv-core's state machine byte by byte. A row holding a quote
//! (and every row that spans two pushes) still goes through csv-core, so
//! quoting is never parsed here.
//!
//! Figures (1,000,000 + 1,000,000 generated rows, 290 MB, `match_csv`
//! profile on two cores): csv-core's `read_record` was 15% of the CPU time
//! of a whole run and the row handling around it another 9%; see
//! benches/README.md for the run times with this path.

/// Every byte of a word set to `b`.
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

const LOW7: u64 = splat(0x7f);

/// A word read from eight bytes, little-endian (byte 0 lowest).
#[inline]
fn word(c: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(c);
    u64::from_le_bytes(w)
}

/// The high bit of every byte of `w` that is zero, and no other bit.
#[inline]
const fn zero_bytes(w: u64) -> u64 {
    !((((w & LOW7).wrapping_add(LOW7)) | w) | LOW7)
}

/// Where the first line feed or quote of `s` is.
#[inline]
pub(super) fn line_or_quote(s: &[u8]) -> Option<usize> {
    let mut chunks = s.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let w = word(c);
        let hits = zero_bytes(w ^ splat(b'\n')) | zero_bytes(w ^ splat(b'"'));
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'\n' || b == b'"')
        .map(|k| at + k)
}

/// Appends the position of every comma of `s` to `out`.
#[inline]
pub(super) fn commas(s: &[u8], out: &mut Vec<u32>) {
    let mut chunks = s.chunks_exact(8);
    let mut at = 0u32;
    for c in &mut chunks {
        let mut hits = zero_bytes(word(c) ^ splat(b','));
        while hits != 0 {
            out.push(at + hits.trailing_zeros() / 8);
            hits &= hits - 1;
        }
        at += 8;
    }
    for (k, &b) in (0u32..).zip(chunks.remainder()) {
        if b == b',' {
            out.push(at + k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_agree_with_a_byte_loop() {
        let bytes: Vec<u8> = (0..600u32)
            .map(|i| match (i * 7919 + i / 3) % 11 {
                0 => b',',
                1 => b'\n',
                2 => b'"',
                3 => 0x80 | (i % 64) as u8,
                4 => 0,
                5 => b'\r',
                _ => b'a' + (i % 26) as u8,
            })
            .collect();
        for start in 0..40 {
            for end in (start..bytes.len()).step_by(7) {
                let s = &bytes[start..end];
                assert_eq!(
                    line_or_quote(s),
                    s.iter().position(|&b| b == b'\n' || b == b'"')
                );
                let mut got = Vec::new();
                commas(s, &mut got);
                let want: Vec<u32> = (0u32..)
                    .zip(s)
                    .filter(|(_, b)| **b == b',')
                    .map(|(i, _)| i)
                    .collect();
                assert_eq!(got, want);
            }
        }
        // Every byte value next to the ones searched for.
        for b in 0..=255u8 {
            let s = [b, b'x', b, b',', b, b, b, b, b, b'\n'];
            assert_eq!(
                line_or_quote(&s),
                s.iter().position(|&c| c == b'\n' || c == b'"'),
                "{b}"
            );
        }
    }
}
