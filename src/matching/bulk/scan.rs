//! The fast path of [`CsvTableParser`](super::CsvTableParser) for rows
//! without quotes, which are most rows of a ledger export: such a row is
//! its fields and commas up to a line feed, so it is read in one pass, 8
//! bytes at a time (a few operations on a `u64`), for the first line feed
//! or quote and the commas before it, instead of running csv-core's state
//! machine byte by byte. A row whose quoted fields are simple (a quote
//! opens the field, the next one closes it, a comma or the line feed
//! follows) is read here too ([`quoted_line`]); any other row with a quote
//! (and every row that spans two pushes) goes through csv-core, so
//! escaped quotes and quoted line breaks are never parsed here.
//!
//! Figures (1,000,000 + 1,000,000 generated rows, 290 MB, 17% of rows
//! quoted; `perf` of `match_csv` on two cores): csv-core's `read_record`
//! was 15% of the CPU time of a whole run and the row handling around it
//! another 9%; with the plain-row path, csv-core (quoted rows only) was
//! about 4%, the quote check 3% and the row handling 3%; with simple
//! quoted rows read here too, csv-core and the quote check are under 2%
//! together, and parsing as a whole about a quarter cheaper.
//! benches/README.md has the run times.

/// Bytes looked at per step: one `u64`.
const BLOCK: usize = 8;

/// The bytes of a block that end a plain row's scan (a line feed or a
/// quote) and its commas, each as the high bit of its byte (SWAR: a few
/// word operations, no branch, no per-byte loop).
#[inline]
fn masks(block: &[u8; BLOCK]) -> (u64, u64) {
    let x = u64::from_le_bytes(*block);
    let stop = zero_bytes(x ^ splat(b'\n')) | zero_bytes(x ^ splat(b'"'));
    (stop, zero_bytes(x ^ splat(b',')))
}

/// `b` in every byte.
const fn splat(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

/// The high bit of every byte of `x` that is zero, and nothing else: no
/// carry crosses a byte, so the answer is exact.
#[inline]
const fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// Appends `at +` the byte of every high bit set in `bits` to `out`.
#[inline]
fn push_bits(mut bits: u64, at: u32, out: &mut Vec<u32>) {
    while bits != 0 {
        out.push(at + bits.trailing_zeros() / 8);
        bits &= bits - 1;
    }
}

/// Where the first line feed or quote of `s` is, the positions of the
/// commas before it appended to `commas` (those of all of `s` when there
/// is none). Positions are below 4 GiB: the parser pushes at most one
/// read at a time, and a longer input is cut short (`None`, as for no line
/// feed: csv-core then reads it).
#[inline]
pub(super) fn plain_line(s: &[u8], commas: &mut Vec<u32>) -> Option<usize> {
    let s = s.get(..s.len().min(u32::MAX as usize))?;
    let mut at = 0u32;
    let mut blocks = s.chunks_exact(BLOCK);
    for block in &mut blocks {
        let Ok(block) = <&[u8; BLOCK]>::try_from(block) else {
            return None;
        };
        let (stop, comma) = masks(block);
        if stop != 0 {
            let bit = stop.trailing_zeros();
            // The commas of the bytes before the stop's.
            push_bits(comma & ((1 << bit) - 1), at, commas);
            return Some((at + bit / 8) as usize);
        }
        push_bits(comma, at, commas);
        at += BLOCK as u32;
    }
    for (k, &b) in (at..).zip(blocks.remainder()) {
        match b {
            b'\n' | b'"' => return Some(k as usize),
            b',' => commas.push(k),
            _ => {}
        }
    }
    None
}

/// A row with quoted fields read without csv-core, when each quoted
/// field is simple: a quote opens the field and the next quote closes it,
/// directly followed by a comma or the line feed (no doubled quote, no
/// line break or CR inside or after it). Then the bounds of every field
/// (a quoted one's without its quotes; an unquoted last field's without a
/// CR before the line feed) replace `fields`, and the row's line feed is
/// where it returns. Any other row (a quote inside an unquoted field, a
/// doubled quote, text after a closing quote, no line feed) is `None`:
/// csv-core reads it and its problems are reported as before.
pub(super) fn quoted_line(
    s: &[u8],
    commas: &mut Vec<u32>,
    fields: &mut Vec<(u32, u32)>,
) -> Option<usize> {
    let s = s.get(..s.len().min(u32::MAX as usize))?;
    fields.clear();
    let pos32 = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    // Where the current field starts.
    let mut p = 0;
    // Every turn reads the unquoted fields up to a quoted one (or the
    // line feed), then that quoted field: it moves past at least a quote.
    loop {
        commas.clear();
        let stop = p + plain_line(s.get(p..)?, commas)?;
        let mut start = p;
        for &c in commas.iter() {
            let end = p + c as usize;
            fields.push((pos32(start), pos32(end)));
            start = end + 1;
        }
        match s.get(stop) {
            Some(b'\n') => {
                // A CR before the line feed is the row's end, not data.
                let end = if stop > start && s.get(stop - 1) == Some(&b'\r') {
                    stop - 1
                } else {
                    stop
                };
                fields.push((pos32(start), pos32(end)));
                return Some(stop);
            }
            // A quote opening a field.
            Some(b'"') if stop == start => {
                let inner = s.get(stop + 1..)?;
                let k = inner.iter().position(|&b| b == b'"' || b == b'\n')?;
                let close = stop + 1 + k;
                if s.get(close) != Some(&b'"') {
                    return None;
                }
                fields.push((pos32(stop + 1), pos32(close)));
                match s.get(close + 1) {
                    Some(b',') => p = close + 2,
                    Some(b'\n') => return Some(close + 1),
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::MatchRecord;
    use crate::matching::bulk::CsvTableParser;

    /// The scan as a byte loop.
    fn slow(s: &[u8]) -> (Option<usize>, Vec<u32>) {
        let stop = s.iter().position(|&b| b == b'\n' || b == b'"');
        let commas = (0u32..)
            .zip(&s[..stop.unwrap_or(s.len())])
            .filter(|(_, b)| **b == b',')
            .map(|(i, _)| i)
            .collect();
        (stop, commas)
    }

    #[test]
    fn the_scan_agrees_with_a_byte_loop() {
        let bytes: Vec<u8> = (0..600u32)
            .map(|i| match (i * 7919 + i / 3) % 23 {
                0 | 7 | 9 => b',',
                1 => b'\n',
                2 => b'"',
                3 => 0x80 | (i % 64) as u8,
                4 => 0,
                5 => b'\r',
                _ => b'a' + (i % 26) as u8,
            })
            .collect();
        for start in 0..70 {
            for end in (start..bytes.len()).step_by(5) {
                let s = &bytes[start..end];
                let mut got = vec![7];
                let stop = plain_line(s, &mut got);
                assert_eq!((stop, got[1..].to_vec()), slow(s), "{start}..{end}");
            }
        }
        // Every byte value next to the ones searched for, at every place
        // of a block.
        for b in 0..=255u8 {
            for at in 0..70 {
                let mut s = vec![b; 80];
                s[at] = b'\n';
                s[at / 2] = b',';
                let mut got = Vec::new();
                let stop = plain_line(&s, &mut got);
                assert_eq!((stop, got), slow(&s), "{b} {at}");
            }
        }
    }

    /// Rows of every shape the fast path meets or hands on to csv-core.
    fn mixed_input() -> Vec<u8> {
        let mut text = b"id,kind,name,email,notes\n".to_vec();
        let rows: [&[u8]; 34] = [
            b"L1,organization,Acme Ltd,ap@acme.test,x\n",
            b"L2,person,\"Bob, Jr\",b@x.test,y\r\n",
            b"\n\n",
            b"\r\n",
            b"L3,,Caf\xc3\xa9,c@x.test,z\r\r\n",
            b"L4,,bad \xff utf8,d@x.test,z\n",
            b"L5,,too,few\n",
            b"L6,,too,many,fields,here\n",
            b" ,,blank id,e@x.test,\n",
            b"L7,robot,Kind,f@x.test,\n",
            b"L8, Person ,Spaced Kind,g@x.test,\n",
            b"L9,,\"two\nlines\",h@x.test,\n",
            b"L10,,q\"in\"side,i@x.test,\n",
            b"L11,,\"open,j@x.test,\n",
            b"L12,,lone\rcr,k@x.test,\n",
            b"L13,,\xe2\x82\xac euro,l@x.test,w\n",
            // Quoted fields, simple and not.
            b"\"Q1\",person,\"Quoted, Name\",\"q@x.test\",\"n, o\"\n",
            b"Q2,,\"\",q2@x.test,\"\"\n",
            b"Q3,,\"a \"\"b\"\"\",q3@x.test,\n",
            b"Q4,,\"text\"after,q4@x.test,\n",
            b"Q5,,\"space\" ,q5@x.test,\n",
            b"Q6,,\"crlf last\",q6@x.test,\"last\"\r\n",
            b"Q7,,\"crlf\",q7@x.test,plain\r\n",
            b"Q8,,\"cr\rinside\",q8@x.test,\"x\"\r\r\n",
            b"\"  \",,\"blank id\",q9@x.test,\n",
            b"Q10,\"robot\",\"Kind\",q10@x.test,\n",
            b"Q11,\" Person \",\"Caf\xc3\xa9, \xe2\x82\xac\",q11@x.test,\n",
            b"Q12,,\"bad \xff, utf8\",q12@x.test,\n",
            b"Q13,,\"too\",\"few\"\n",
            b"Q14,,\"too\",many,\"fields\",\"here\"\n",
            b"Q15,,mid\"quote,q15@x.test,\"x\"\n",
            b"Q16,,\"line\nbreak\",q16@x.test,\"x\"\n",
            b"Q17,,\"unclosed,q17@x.test,\n",
            b"\"Q18\",,\"\"\"lead\",q18@x.test,\n",
        ];
        for i in 0..40 {
            text.extend_from_slice(rows[i % rows.len()]);
            text.extend_from_slice(format!("M{i},,Name {i},m{i}@x.test,\n").as_bytes());
        }
        text.extend_from_slice(b"L99,,\"no newline\",z@x.test,\"end\"");
        text
    }

    /// Rows whose last field is kept (a CR before the line feed is part of
    /// the row's end, not of the email).
    fn crlf_input() -> Vec<u8> {
        let mut text = b"id,name,email\r\n".to_vec();
        for i in 0..30 {
            let end: &[u8] = match i % 4 {
                0 => b"\r\n",
                1 => b"\r\r\n",
                2 => b"\n",
                _ => b"\r\n\r\n",
            };
            // Every ending with a quoted name and with a plain one.
            let name = if i % 3 == 0 {
                format!("\"Name, {i}\"")
            } else {
                format!("Name {i}")
            };
            text.extend_from_slice(format!("C{i},{name},c{i}@x.test").as_bytes());
            text.extend_from_slice(end);
        }
        text
    }

    #[test]
    fn the_fast_path_reads_every_row_as_csv_core_does() {
        for text in [mixed_input(), crlf_input()] {
            same_tables(&text);
        }
        let mixed = super::super::parse_csv(&mixed_input()).unwrap();
        assert!(mixed.problems().len() > 10, "{:?}", mixed.problems());
        let crlf = super::super::parse_csv(&crlf_input()).unwrap();
        let emails: Vec<_> = (0..4)
            .filter_map(|i| crlf.record(i))
            .map(|r| r.match_email().map(str::to_owned))
            .collect();
        assert_eq!(
            emails,
            [
                Some("c0@x.test".into()),
                Some("c1@x.test\r".into()),
                Some("c2@x.test".into()),
                Some("c3@x.test".into())
            ]
        );
    }

    fn same_tables(text: &[u8]) {
        let parse = |fast: bool, size: usize| {
            let mut p = if fast {
                CsvTableParser::new()
            } else {
                CsvTableParser::csv_core_only()
            };
            for chunk in text.chunks(size) {
                p.push(chunk).unwrap();
            }
            let t = p.finish().unwrap();
            (t.text, t.bounds, t.lines, t.kinds, t.problems)
        };
        let slow = parse(false, text.len());
        for size in [text.len(), 1 << 20, 1000, 257, 64, 13, 5, 1] {
            assert_eq!(parse(true, size), slow, "chunks of {size}");
        }
    }
}
