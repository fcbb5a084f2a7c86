//! Bulk matching from CSV files: every record of a ledger listing
//! classified against the firm's own contacts, in one pass.
//!
//! ```text
//! cargo run --release --example match_csv -- --profile <xero|xpm|qbo> \
//!     --local LOCAL.csv --remote REMOTE.csv --out RESULTS.csv [--near-duplicates]
//! ```
//!
//! Both inputs have a header row and are read by column name:
//! `id,kind,name,first_name,last_name,company_name,email` (further columns
//! are ignored, and only `id` is required). `kind` is `person`,
//! `organization` / `organisation` or empty. A person's name is `name`, or
//! first + last name when `name` is empty.
//!
//! The output has one row per remote record, in input order:
//! `remote_id,class,local_ids,matched_on`, where `local_ids` are sorted and
//! `;`-separated: for a match issue, at most
//! `ledgerlink::matching::MAX_LISTED_CANDIDATES` name matches and as many
//! email matches, those with the smallest ids (`MatchView::unlisted` says
//! how many more there are). Counts per class and the time of each phase
//! go to stderr.
//!
//! A malformed row (unterminated quote, wrong number of fields, empty or
//! duplicate id, invalid UTF-8, unknown kind) is reported on stderr with its
//! 1-based line number and skipped. Exit status: 0 on success, 1 when a file
//! cannot be read or written, 2 for bad arguments.
//!
//! Ids are taken as written; a row whose id is blank is skipped.
//!
//! Built for volume (a million rows a side): each file is read into one
//! buffer, validated as UTF-8 once, and scanned by a zero-copy CSV parser
//! whose rows borrow from that buffer and implement [`MatchRecord`]
//! directly, so no [`Contact`](ledgerlink::Contact) is ever built. Only
//! fields holding escaped quotes (`""`) are copied. Large files are parsed
//! by two threads, split speculatively at a line break and verified by the
//! first thread, so quoted line breaks never confuse the split. The local
//! file's text and rows are dropped once the index is built; the remote
//! file's text is compacted in place to the fields its rows use, since it
//! is held while classifying, when memory peaks. Results are written as the
//! library streams them out, never all held at once.

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ledgerlink::{
    BatchViews, ContactKind, Error, ExistingLinks, MatchClass, MatchIndex, MatchRecord, MatchView,
    NearDuplicateConfig, Profile,
};

const USAGE: &str = "usage: match_csv --profile <xero|xpm|qbo> --local LOCAL.csv \
--remote REMOTE.csv --out RESULTS.csv [--near-duplicates]";

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct Args {
    profile: Profile,
    local: PathBuf,
    remote: PathBuf,
    out: PathBuf,
    near_duplicates: bool,
}

/// `Ok(None)`: help was asked for.
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Option<Args>, String> {
    let mut it = args.into_iter();
    let (mut profile, mut local, mut remote, mut out) = (None, None, None, None);
    let mut near_duplicates = false;
    while let Some(raw) = it.next() {
        let Some(arg) = raw.to_str() else {
            return Err(format!("unexpected argument {raw:?}"));
        };
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        if arg == "--near-duplicates" {
            near_duplicates = true;
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(OsString::from(v))),
            _ => (arg, None),
        };
        let slot = match flag {
            "--profile" => &mut profile,
            "--local" => &mut local,
            "--remote" => &mut remote,
            "--out" => &mut out,
            _ => return Err(format!("unknown argument `{arg}`")),
        };
        let value = match inline.or_else(|| it.next()) {
            Some(v) if !v.is_empty() => v,
            _ => return Err(format!("{flag} needs a value")),
        };
        if slot.replace(value).is_some() {
            return Err(format!("{flag} given twice"));
        }
    }
    let missing = |name: &str| format!("missing {name}");
    let profile = profile.ok_or_else(|| missing("--profile"))?;
    let profile = profile
        .to_str()
        .and_then(|p| p.parse::<Profile>().ok())
        .ok_or_else(|| format!("unknown profile {profile:?}: expected xero, xpm or qbo"))?;
    Ok(Some(Args {
        profile,
        local: local.ok_or_else(|| missing("--local"))?.into(),
        remote: remote.ok_or_else(|| missing("--remote"))?.into(),
        out: out.ok_or_else(|| missing("--out"))?.into(),
        near_duplicates,
    }))
}

// ---------------------------------------------------------------------------
// Records borrowed from a file
// ---------------------------------------------------------------------------

/// Field slots kept per row.
const ID: usize = 0;
const NAME: usize = 1;
const FIRST: usize = 2;
const LAST: usize = 3;
const COMPANY: usize = 4;
const EMAIL: usize = 5;
const SLOTS: usize = 6;
/// Header slot of the `kind` column (parsed, not kept as text).
const KIND: u8 = 6;
/// A column nobody reads.
const SKIP: u8 = u8::MAX;

const COLUMNS: [(&str, u8); 7] = [
    ("id", ID as u8),
    ("name", NAME as u8),
    ("first_name", FIRST as u8),
    ("last_name", LAST as u8),
    ("company_name", COMPANY as u8),
    ("email", EMAIL as u8),
    ("kind", KIND),
];

/// Set in [`Span::len`] when the field was unescaped into [`Src::owned`];
/// `start` is then its index there.
const OWNED: u32 = 1 << 31;

/// A field: a byte range of the file's text, or an unescaped copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

/// One parsed input file: its text (after [`compact`], only the fields
/// kept), and the few fields that had to be unescaped (`""` inside quotes).
struct Src {
    text: String,
    owned: Vec<String>,
}

/// A row, borrowing its fields from its file (64 bytes). The file's
/// [`Src`] is set once parsing (and compacting) is done: rows are made
/// while the text is still being read, and their spans may still move.
#[derive(Clone, Copy)]
struct Rec<'a> {
    src: &'a OnceLock<Src>,
    f: [Span; SLOTS],
    /// 1-based line where the row starts.
    line: u32,
    kind: Option<ContactKind>,
}

/// The text of a field.
#[inline]
fn resolve<'a>(text: &'a str, owned: &'a [String], s: Span) -> &'a str {
    if s.len & OWNED == 0 {
        let start = s.start as usize;
        text.get(start..start + s.len as usize).unwrap_or_default()
    } else {
        owned.get(s.start as usize).map_or("", String::as_str)
    }
}

impl<'a> Rec<'a> {
    #[inline]
    fn field(&self, slot: usize) -> &'a str {
        self.src
            .get()
            .map_or("", |src| resolve(&src.text, &src.owned, self.f[slot]))
    }

    #[inline]
    fn present(&self, slot: usize) -> Option<&'a str> {
        let v = self.field(slot);
        (!v.is_empty()).then_some(v)
    }
}

impl MatchRecord for Rec<'_> {
    fn record_id(&self) -> &str {
        self.field(ID)
    }
    fn kind(&self) -> Option<ContactKind> {
        self.kind
    }
    fn display_name(&self) -> Option<&str> {
        self.present(NAME)
    }
    fn organization_name(&self) -> Option<&str> {
        self.present(COMPANY)
    }
    fn first_name(&self) -> Option<&str> {
        self.present(FIRST)
    }
    fn last_name(&self) -> Option<&str> {
        self.present(LAST)
    }
    fn match_email(&self) -> Option<&str> {
        self.present(EMAIL)
    }
}

// ---------------------------------------------------------------------------
// Loading and UTF-8
// ---------------------------------------------------------------------------

/// Reads a whole file and validates it as UTF-8 once. Invalid sequences are
/// replaced by `?` (same length, never a CSV delimiter, so the rows do not
/// move) and their offsets returned, sorted, so the rows holding them can be
/// reported and skipped.
fn load(file: &mut File, path: &Path) -> Result<(String, Vec<usize>), String> {
    let bytes = read_all(file).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() > u32::MAX as usize - 1 {
        return Err(format!(
            "cannot read {}: files of 4 GiB and more are not supported",
            path.display()
        ));
    }
    Ok(into_text(bytes))
}

/// Reads the whole file into one buffer.
fn read_all(file: &mut File) -> io::Result<Vec<u8>> {
    let size = file
        .metadata()
        .ok()
        .and_then(|m| usize::try_from(m.len()).ok())
        .unwrap_or(0);
    let mut buf = Vec::with_capacity(size.saturating_add(1));
    file.read_to_end(&mut buf)?;
    Ok(buf)
}

fn into_text(bytes: Vec<u8>) -> (String, Vec<usize>) {
    let mut bytes = match String::from_utf8(bytes) {
        Ok(text) => return (text, Vec::new()),
        Err(e) => e.into_bytes(),
    };
    let mut bad = Vec::new();
    let mut from = 0;
    while let Err(e) = std::str::from_utf8(&bytes[from..]) {
        let at = from + e.valid_up_to();
        let len = e.error_len().unwrap_or(bytes.len() - at);
        // Every byte of an invalid sequence is >= 0x80: no delimiter is
        // overwritten.
        bytes[at..at + len].fill(b'?');
        bad.push(at);
        from = at + len;
    }
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (text, bad)
}

// ---------------------------------------------------------------------------
// CSV scanning
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    Comma,
    Newline,
    Eof,
}

/// One scanned field: `start..end` is its content (without quotes).
#[derive(Debug)]
struct Field {
    start: usize,
    end: usize,
    /// Holds `""` that must be unescaped.
    escaped: bool,
    term: Term,
    /// Where the next field or row starts.
    next: usize,
    bad: Option<&'static str>,
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of every byte of `w` that equals `b` (exact, no false
/// positives).
#[inline(always)]
const fn bytes_eq(w: u64, b: u8) -> u64 {
    let x = w ^ (LO * b as u64);
    // A byte of `x` is zero exactly where `w` holds `b`.
    !(((x & !HI).wrapping_add(!HI)) | x) & HI
}

/// Eight bytes at `p`, little-endian, when there are eight left.
#[inline(always)]
fn word(b: &[u8], p: usize) -> Option<u64> {
    let w: [u8; 8] = b.get(p..p + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(w))
}

/// Scans to the next `,` or line feed (unquoted field), eight bytes at a
/// time.
#[inline(always)]
fn find_delim(b: &[u8], mut p: usize, line: &mut u32) -> (usize, Term, usize) {
    while let Some(w) = word(b, p) {
        let m = bytes_eq(w, b',') | bytes_eq(w, b'\n');
        if m != 0 {
            p += (m.trailing_zeros() / 8) as usize;
            break;
        }
        p += 8;
    }
    while let Some(&c) = b.get(p) {
        if c == b',' {
            return (p, Term::Comma, p + 1);
        }
        if c == b'\n' {
            *line += 1;
            return (p, Term::Newline, p + 1);
        }
        p += 1;
    }
    (b.len(), Term::Eof, b.len())
}

/// Scans to the next `"` (inside a quoted field), counting line feeds.
#[inline(always)]
fn find_quote(b: &[u8], mut p: usize, line: &mut u32) -> usize {
    while let Some(w) = word(b, p) {
        let q = bytes_eq(w, b'"');
        let nl = bytes_eq(w, b'\n');
        if q != 0 {
            let k = q.trailing_zeros() / 8;
            // Line feeds before the quote (k < 8, so the shift is in range).
            *line += (nl & ((1u64 << (k * 8)) - 1)).count_ones();
            return p + k as usize;
        }
        *line += nl.count_ones();
        p += 8;
    }
    while let Some(&c) = b.get(p) {
        if c == b'"' {
            break;
        }
        if c == b'\n' {
            *line += 1;
        }
        p += 1;
    }
    p
}

/// Scans one field starting at `pos`, counting line feeds into `line`.
///
/// RFC 4180 with two leniencies: a quote inside an unquoted field is kept
/// as text, and a lone CR is data (CRLF ends a row like LF).
#[inline(always)]
fn scan_field(b: &[u8], pos: usize, line: &mut u32) -> Field {
    if b.get(pos) != Some(&b'"') {
        let (mut end, term, next) = find_delim(b, pos, line);
        if term == Term::Newline && end > pos && b[end - 1] == b'\r' {
            end -= 1;
        }
        return Field {
            start: pos,
            end,
            escaped: false,
            term,
            next,
            bad: None,
        };
    }
    let start = pos + 1;
    let mut p = start;
    let mut escaped = false;
    loop {
        p = find_quote(b, p, line);
        if p >= b.len() {
            return Field {
                start,
                end: b.len(),
                escaped,
                term: Term::Eof,
                next: b.len(),
                bad: Some("unterminated quoted field"),
            };
        }
        if b.get(p + 1) == Some(&b'"') {
            escaped = true;
            p += 2;
            continue;
        }
        let end = p;
        let field = |term, next, bad| Field {
            start,
            end,
            escaped,
            term,
            next,
            bad,
        };
        return match b.get(p + 1) {
            None => field(Term::Eof, b.len(), None),
            Some(b',') => field(Term::Comma, p + 2, None),
            Some(b'\n') => {
                *line += 1;
                field(Term::Newline, p + 2, None)
            }
            Some(b'\r') if b.get(p + 2) == Some(&b'\n') => {
                *line += 1;
                field(Term::Newline, p + 3, None)
            }
            Some(_) => {
                let (_, term, next) = find_delim(b, p + 1, line);
                field(term, next, Some("text after a closing quote"))
            }
        };
    }
}

/// The header: which slot each column feeds.
#[derive(Debug)]
struct Header {
    slots: Vec<u8>,
    /// The kept slots in the order their columns appear in the file.
    order: Vec<usize>,
    /// Byte offset of the first data row.
    data_start: usize,
    /// Line feeds before `data_start`.
    data_line: u32,
}

fn parse_header(text: &str) -> Result<Header, String> {
    let b = text.as_bytes();
    let mut pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
    if pos >= b.len() {
        return Err("the file is empty: no header row".into());
    }
    let mut line = 0;
    let mut slots = Vec::new();
    loop {
        let f = scan_field(b, pos, &mut line);
        if let Some(bad) = f.bad {
            return Err(format!("line 1: bad header: {bad}"));
        }
        let raw = text.get(f.start..f.end).unwrap_or_default();
        let name = raw.replace("\"\"", "\"");
        let name = name.trim();
        let slot = COLUMNS
            .iter()
            .find(|(col, _)| col.eq_ignore_ascii_case(name))
            .map_or(SKIP, |&(_, s)| s);
        // The first column of a name wins.
        slots.push(if slots.contains(&slot) { SKIP } else { slot });
        pos = f.next;
        if f.term != Term::Comma {
            break;
        }
    }
    if !slots.contains(&(ID as u8)) {
        return Err("the header has no `id` column".into());
    }
    let order = slots
        .iter()
        .filter(|&&s| (s as usize) < SLOTS)
        .map(|&s| s as usize)
        .collect();
    Ok(Header {
        slots,
        order,
        data_start: pos,
        data_line: line,
    })
}

/// A skipped row.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    line: u32,
    reason: String,
}

/// The output of one parser thread.
#[derive(Default)]
struct Part<'a> {
    recs: Vec<Rec<'a>>,
    owned: Vec<String>,
    problems: Vec<Problem>,
}

fn parse_kind(v: &str) -> Result<Option<ContactKind>, String> {
    let v = v.trim();
    if v.is_empty() {
        Ok(None)
    } else if v.eq_ignore_ascii_case("person") {
        Ok(Some(ContactKind::Person))
    } else if v.eq_ignore_ascii_case("organization") || v.eq_ignore_ascii_case("organisation") {
        Ok(Some(ContactKind::Organization))
    } else {
        Err(format!(
            "unknown kind `{v}` (expected person, organization or organisation)"
        ))
    }
}

/// Scans rows from `from` (at a row start) for as long as a row starts
/// before `stop`. `line` counts the line feeds before `from`. Returns where
/// scanning stopped and the line feeds before it.
#[allow(clippy::too_many_arguments)]
fn scan_rows<'a>(
    text: &str,
    src: &'a OnceLock<Src>,
    hdr: &Header,
    from: usize,
    stop: usize,
    mut line: u32,
    bad_utf8: &[usize],
    part: &mut Part<'a>,
) -> (usize, u32) {
    let b = text.as_bytes();
    let ncols = hdr.slots.len();
    let mut pos = from;
    let mut bad_i = bad_utf8.partition_point(|&o| o < from);
    while pos < stop && pos < b.len() {
        // Blank lines are skipped silently.
        if b[pos] == b'\n' {
            pos += 1;
            line += 1;
            continue;
        }
        if b[pos] == b'\r' && b.get(pos + 1) == Some(&b'\n') {
            pos += 2;
            line += 1;
            continue;
        }
        let row_start = pos;
        let row_line = line + 1;
        let mut f = [Span::default(); SLOTS];
        let mut kind = Span::default();
        let mut col = 0;
        let mut bad: Option<&'static str> = None;
        loop {
            let fl = scan_field(b, pos, &mut line);
            if fl.bad.is_some() && bad.is_none() {
                bad = fl.bad;
            }
            let slot = hdr.slots.get(col).copied().unwrap_or(SKIP);
            if slot != SKIP {
                let len = fl.end - fl.start;
                let span = if fl.escaped {
                    let raw = text.get(fl.start..fl.end).unwrap_or_default();
                    #[allow(clippy::cast_possible_truncation)] // the file is below 4 GiB
                    let idx = part.owned.len() as u32;
                    part.owned.push(raw.replace("\"\"", "\""));
                    Span {
                        start: idx,
                        len: OWNED,
                    }
                } else if len >= OWNED as usize {
                    bad = bad.or(Some("field longer than 2 GiB"));
                    Span::default()
                } else {
                    // The file is below 4 GiB, the field below 2 GiB.
                    #[allow(clippy::cast_possible_truncation)]
                    Span {
                        start: fl.start as u32,
                        len: len as u32,
                    }
                };
                if slot == KIND {
                    kind = span;
                } else if let Some(s) = f.get_mut(slot as usize) {
                    *s = span;
                }
            }
            col += 1;
            pos = fl.next;
            if fl.term != Term::Comma {
                break;
            }
        }
        // Invalid UTF-8 anywhere in the row.
        let mut utf8 = false;
        while bad_utf8.get(bad_i).is_some_and(|&o| o < pos) {
            utf8 |= bad_utf8[bad_i] >= row_start;
            bad_i += 1;
        }
        let problem = if utf8 {
            Some("invalid UTF-8".to_owned())
        } else if let Some(bad) = bad {
            Some(bad.to_owned())
        } else if col != ncols {
            Some(format!("expected {ncols} fields, found {col}"))
        } else if resolve(text, &part.owned, f[ID]).trim().is_empty() {
            Some("empty id".to_owned())
        } else {
            match parse_kind(resolve(text, &part.owned, kind)) {
                Ok(kind) => {
                    part.recs.push(Rec {
                        src,
                        f,
                        line: row_line,
                        kind,
                    });
                    None
                }
                Err(e) => Some(e),
            }
        };
        if let Some(reason) = problem {
            part.problems.push(Problem {
                line: row_line,
                reason,
            });
        }
    }
    (pos, line)
}

/// Below this many bytes of rows a file is parsed by one thread.
const PAR_MIN: usize = 1 << 20;

/// All rows of a file, in order, and what their [`Src`] needs.
struct Table<'a> {
    recs: Vec<Rec<'a>>,
    problems: Vec<Problem>,
    /// Unescaped fields, for [`Src::owned`].
    owned: Vec<String>,
    /// The kept slots in file order (see [`Header::order`]).
    order: Vec<usize>,
}

/// Parses a loaded file. Past `par_min` bytes, a second thread parses from
/// the first line feed after the middle while this one parses up to it; if
/// that line feed turns out to sit inside a row (a quoted line break), the
/// second half is discarded and this thread carries on alone.
fn parse<'a>(
    text: &str,
    src: &'a OnceLock<Src>,
    bad_utf8: &[usize],
    par_min: usize,
) -> Result<Table<'a>, String> {
    let hdr = parse_header(text)?;
    let b = text.as_bytes();
    let n = b.len();
    let start = hdr.data_start;
    let split = (n - start >= par_min)
        .then(|| {
            let mid = start + (n - start) / 2;
            b[mid..]
                .iter()
                .position(|&c| c == b'\n')
                .map(|i| mid + i + 1)
        })
        .flatten()
        .filter(|&s| s < n);
    let mut first = Part::default();
    let Some(split) = split else {
        scan_rows(
            text,
            src,
            &hdr,
            start,
            n,
            hdr.data_line,
            bad_utf8,
            &mut first,
        );
        return Ok(finish(hdr.order.clone(), first, None, 0));
    };
    std::thread::scope(|s| {
        let second = s.spawn(|| {
            let mut part = Part::default();
            scan_rows(text, src, &hdr, split, n, 0, bad_utf8, &mut part);
            part
        });
        let (pos, line) = scan_rows(
            text,
            src,
            &hdr,
            start,
            split,
            hdr.data_line,
            bad_utf8,
            &mut first,
        );
        let second = match second.join() {
            Ok(p) => p,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        if pos == split {
            Ok(finish(hdr.order.clone(), first, Some(second), line))
        } else {
            // A row spans the split: the second half was parsed from the
            // middle of a quoted field.
            drop(second);
            scan_rows(text, src, &hdr, pos, n, line, bad_utf8, &mut first);
            Ok(finish(hdr.order.clone(), first, None, 0))
        }
    })
}

/// Joins the parts, shifting the second part's lines and unescaped fields.
fn finish<'a>(
    order: Vec<usize>,
    mut a: Part<'a>,
    b: Option<Part<'a>>,
    line_base: u32,
) -> Table<'a> {
    if let Some(b) = b {
        #[allow(clippy::cast_possible_truncation)] // below 2^31: file < 4 GiB
        let shift = a.owned.len() as u32;
        a.recs.reserve_exact(b.recs.len());
        a.recs.extend(b.recs.into_iter().map(|mut r| {
            r.line += line_base;
            for s in &mut r.f {
                if s.len & OWNED != 0 {
                    s.start += shift;
                }
            }
            r
        }));
        a.owned.extend(b.owned);
        a.problems.extend(b.problems.into_iter().map(|mut p| {
            p.line += line_base;
            p
        }));
    }
    Table {
        recs: a.recs,
        problems: a.problems,
        owned: a.owned,
        order,
    }
}

/// Moves the kept fields of every row to the front of `text`, in file order,
/// and gives the rest back: a file's other columns (addresses, phones…)
/// are not held while classifying. In place, without a second buffer, so
/// it never raises the peak memory; spans are updated to match.
fn compact(text: String, recs: &mut [Rec<'_>], order: &[usize]) -> Result<String, String> {
    let mut bytes = text.into_bytes();
    let mut to = 0;
    for r in recs {
        // Fields in file order, rows in file order: every field moves down,
        // never over bytes still to be read.
        for &k in order {
            let Some(s) = r.f.get_mut(k) else { continue };
            if s.len & OWNED != 0 {
                continue;
            }
            let (from, len) = (s.start as usize, s.len as usize);
            bytes.copy_within(from..from + len, to);
            // Below the old start, so it fits in u32 as that did.
            #[allow(clippy::cast_possible_truncation)]
            {
                s.start = to as u32;
            }
            to += len;
        }
    }
    bytes.truncate(to);
    bytes.shrink_to_fit();
    // Whole fields of valid text, end to end: still valid.
    String::from_utf8(bytes).map_err(|e| format!("internal error while compacting: {e}"))
}

/// Drops every row whose id was seen before in the same file.
fn dedupe(recs: &mut Vec<Rec<'_>>) -> Vec<Problem> {
    let mut seen: HashMap<&str, u32> = HashMap::with_capacity(recs.len());
    let mut problems = Vec::new();
    recs.retain(|r| match seen.entry(r.field(ID)) {
        Entry::Occupied(e) => {
            problems.push(Problem {
                line: r.line,
                reason: format!("duplicate id `{}` (first on line {})", e.key(), e.get()),
            });
            false
        }
        Entry::Vacant(e) => {
            e.insert(r.line);
            true
        }
    });
    problems
}

fn report(path: &Path, problems: &[Problem]) {
    if problems.is_empty() {
        return;
    }
    let stderr = io::stderr();
    let mut w = BufWriter::new(stderr.lock());
    for p in problems {
        let _ = writeln!(
            w,
            "match_csv: {}:{}: row skipped: {}",
            path.display(),
            p.line,
            p.reason
        );
    }
    let _ = w.flush();
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

fn needs_quotes(s: &[u8]) -> bool {
    s.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
}

/// Appends a CSV field, quoted when it must be.
fn put_field(out: &mut Vec<u8>, s: &[u8]) {
    if needs_quotes(s) {
        out.push(b'"');
        for &c in s {
            if c == b'"' {
                out.push(b'"');
            }
            out.push(c);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s);
    }
}

/// Appends one output row. `remote_id` is the row's own id (the same text
/// as `r.remote_id`, but read from the file buffer, in order, rather than
/// through one more pointer per row).
fn put_row(out: &mut Vec<u8>, ids: &mut Vec<u8>, remote_id: &str, v: &MatchView<'_>) {
    put_field(out, remote_id.as_bytes());
    out.push(b',');
    out.extend_from_slice(v.class().as_str().as_bytes());
    out.push(b',');
    ids.clear();
    for (i, id) in v.local_ids().enumerate() {
        if i > 0 {
            ids.push(b';');
        }
        ids.extend_from_slice(id.as_str().as_bytes());
    }
    put_field(out, ids);
    out.push(b',');
    if let Some(m) = v.matched_on() {
        out.extend_from_slice(m.as_str().as_bytes());
    }
    out.push(b'\n');
}

/// The output file, written a megabyte at a time while results stream in.
struct Output {
    file: File,
    buf: Vec<u8>,
    summary: Summary,
    /// The first write error; nothing more is written after it.
    error: Option<io::Error>,
    /// Time spent formatting and writing.
    busy: Duration,
}

/// Counts per class, in [`MatchClass::ALL`] order.
#[derive(Debug, Default)]
struct Summary {
    counts: [usize; MatchClass::ALL.len()],
}

impl Summary {
    fn add(&mut self, class: MatchClass) {
        if let Some(i) = MatchClass::ALL.iter().position(|c| *c == class) {
            self.counts[i] += 1;
        }
    }

    fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// `full 3, partial 1, …` (the two classes a first sync never produces
    /// only when present).
    fn describe(&self) -> String {
        MatchClass::ALL
            .iter()
            .zip(self.counts)
            .filter(|(c, n)| {
                *n > 0 || !matches!(c, MatchClass::AlreadyLinked | MatchClass::Unsynced)
            })
            .map(|(c, n)| format!("{} {n}", c.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Output {
    const CHUNK: usize = 1 << 20;

    fn new(file: File) -> Self {
        let mut buf = Vec::with_capacity(Self::CHUNK + 4096);
        buf.extend_from_slice(b"remote_id,class,local_ids,matched_on\n");
        Self {
            file,
            buf,
            summary: Summary::default(),
            error: None,
            busy: Duration::ZERO,
        }
    }

    fn flush(&mut self) {
        if self.error.is_none()
            && let Err(e) = self.file.write_all(&self.buf)
        {
            self.error = Some(e);
        }
        self.buf.clear();
    }

    /// Writes what is left; the counts, or the first write error.
    fn finish(mut self) -> io::Result<(Summary, Duration)> {
        self.flush();
        match self.error {
            Some(e) => Err(e),
            None => Ok((self.summary, self.busy)),
        }
    }
}

/// Records formatted per step of the output loop: each step is split in
/// two halves formatted on two threads, then written in order, so memory
/// stays bounded whatever the batch size.
const FORMAT_STEP: usize = 1 << 17;

/// Formats the rows of `range` into `buf`, counting classes into `summary`.
fn format_rows(
    views: &BatchViews<'_>,
    remotes: &[Rec<'_>],
    range: std::ops::Range<usize>,
    buf: &mut Vec<u8>,
    summary: &mut Summary,
) {
    let mut ids = Vec::with_capacity(256);
    for i in range {
        if let (Some(v), Some(rec)) = (views.get(i), remotes.get(i)) {
            summary.add(v.class());
            put_row(buf, &mut ids, rec.field(ID), &v);
        }
    }
}

/// Classifies every remote record, then writes the rows in input order,
/// formatting on two threads a step at a time.
fn classify_into(
    index: &MatchIndex,
    remotes: &[Rec<'_>],
    out: &mut Output,
) -> ledgerlink::Result<()> {
    let views = index.classify_batch_views(remotes, &ExistingLinks::new())?;
    let t = now();
    let mut second = Vec::new();
    let mut second_summary = Summary::default();
    let mut start = 0;
    while start < views.len() {
        let end = (start + FORMAT_STEP).min(views.len());
        let mid = start + (end - start) / 2;
        second.clear();
        std::thread::scope(|scope| {
            scope
                .spawn(|| format_rows(&views, remotes, mid..end, &mut second, &mut second_summary));
            format_rows(&views, remotes, start..mid, &mut out.buf, &mut out.summary);
        });
        out.flush();
        out.buf.extend_from_slice(&second);
        out.flush();
        start = end;
    }
    for (total, n) in out.summary.counts.iter_mut().zip(second_summary.counts) {
        *total += n;
    }
    out.busy += t.elapsed();
    Ok(())
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

#[allow(clippy::disallowed_methods)] // an example may read the clock
fn now() -> Instant {
    Instant::now()
}

fn open(path: &Path) -> Result<File, String> {
    File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// Reads and parses one file, in full, and sets its [`Src`] in `slot`. With
/// `compact`, only the fields the rows use are kept in memory.
fn read_table<'a>(
    file: &mut File,
    path: &Path,
    slot: &'a OnceLock<Src>,
    compact_text: bool,
) -> Result<Table<'a>, String> {
    let (text, bad) = load(file, path)?;
    let mut table =
        parse(&text, slot, &bad, PAR_MIN).map_err(|e| format!("{}: {e}", path.display()))?;
    report(path, &table.problems);
    let text = if compact_text {
        compact(text, &mut table.recs, &table.order)?
    } else {
        text
    };
    let owned = std::mem::take(&mut table.owned);
    // The slot is new: set exactly once.
    let _ = slot.set(Src { text, owned });
    Ok(table)
}

/// Whether two paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn run(args: &Args) -> Result<(), String> {
    let start = now();
    let mut local_file = open(&args.local)?;
    let mut remote_file = open(&args.remote)?;
    if same_file(&args.out, &args.local) || same_file(&args.out, &args.remote) {
        return Err(format!(
            "refusing to overwrite input file {} with the results",
            args.out.display()
        ));
    }
    let out_file =
        File::create(&args.out).map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    let result = match_files(args, start, &mut local_file, &mut remote_file, out_file);
    if result.is_err()
        && std::fs::symlink_metadata(&args.out).is_ok_and(|m| m.file_type().is_file())
    {
        // No half-written results left behind (only ever a regular file:
        // never a device such as /dev/null, nor a symlink's target).
        let _ = std::fs::remove_file(&args.out);
    }
    result
}

fn match_files(
    args: &Args,
    start: Instant,
    local_file: &mut File,
    remote_file: &mut File,
    out_file: File,
) -> Result<(), String> {
    let builder = || {
        let b = MatchIndex::builder(args.profile);
        if args.near_duplicates {
            b.near_duplicates(NearDuplicateConfig::default())
        } else {
            b
        }
    };

    // Local contacts.
    let t = now();
    let local_src = OnceLock::new();
    // Its text is dropped right after indexing: no need to compact it.
    let local = read_table(local_file, &args.local, &local_src, false)?;
    let (mut locals, mut local_problems) = (local.recs, local.problems);
    let read_local = t.elapsed();

    let t = now();
    let index = match builder().build(&locals) {
        Err(Error::DuplicateId { .. }) => {
            // Duplicates are rare: only then look for all of them.
            let dups = dedupe(&mut locals);
            report(&args.local, &dups);
            local_problems.extend(dups);
            builder().build(&locals)
        }
        other => other,
    }
    .map_err(|e| format!("cannot index {}: {e}", args.local.display()))?;
    // The index holds what it needs of the local contacts.
    drop(locals);
    drop(local_src);
    let indexing = t.elapsed();

    // Remote records.
    let t = now();
    let remote_src = OnceLock::new();
    // Held while classifying, the peak of memory: only the fields used.
    let remote = read_table(remote_file, &args.remote, &remote_src, true)?;
    let (mut remotes, mut remote_problems) = (remote.recs, remote.problems);
    let read_remote = t.elapsed();

    // Classify, writing the results out as they come. Should the library
    // refuse the batch, it has handed out nothing yet.
    let t = now();
    let mut out = Output::new(out_file);
    match classify_into(&index, &remotes, &mut out) {
        Err(Error::DuplicateId { .. }) => {
            // Duplicates are rare: only then look for all of them.
            let dups = dedupe(&mut remotes);
            report(&args.remote, &dups);
            remote_problems.extend(dups);
            classify_into(&index, &remotes, &mut out)
        }
        other => other,
    }
    .map_err(|e| format!("cannot classify {}: {e}", args.remote.display()))?;
    let (summary, writing) = out
        .finish()
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    let classifying = t.elapsed().saturating_sub(writing);

    let rows = |n: usize| {
        if n == 1 {
            "1 row".to_owned()
        } else {
            format!("{n} rows")
        }
    };
    eprintln!(
        "match_csv: {} local contacts indexed ({} skipped), {} remote records classified ({} skipped)",
        index.len(),
        rows(local_problems.len()),
        summary.total(),
        rows(remote_problems.len())
    );
    eprintln!("match_csv: classes: {}", summary.describe());
    eprintln!(
        "match_csv: time: reading {} (local {}, remote {}), indexing {}, classifying {}, writing {} (as results stream in), total {}",
        secs(read_local + read_remote),
        secs(read_local),
        secs(read_remote),
        secs(indexing),
        secs(classifying),
        secs(writing),
        secs(start.elapsed()),
    );
    // Freeing a million small allocations one by one is wasted work right
    // before the process exits.
    std::mem::forget(index);
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args_os().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("match_csv: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("match_csv: error: {msg}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerlink::Contact;

    /// Parses `text` (with the invalid UTF-8 offsets `bad`) and sets its
    /// source, compacted or not.
    fn parse_with<'a>(
        slot: &'a OnceLock<Src>,
        text: &str,
        bad: &[usize],
        par_min: usize,
        compacted: bool,
    ) -> Result<Table<'a>, String> {
        let mut t = parse(text, slot, bad, par_min)?;
        let text = if compacted {
            compact(text.to_owned(), &mut t.recs, &t.order)?
        } else {
            text.to_owned()
        };
        let owned = std::mem::take(&mut t.owned);
        assert!(slot.set(Src { text, owned }).is_ok());
        Ok(t)
    }

    fn parse_str<'a>(slot: &'a OnceLock<Src>, text: &str) -> Result<Table<'a>, String> {
        parse_with(slot, text, &[], PAR_MIN, false)
    }

    /// (line, id, name, first, last, company, email, kind) of every row.
    type Row = (u32, [String; SLOTS], Option<ContactKind>);

    fn rows(t: &Table<'_>) -> Vec<Row> {
        t.recs
            .iter()
            .map(|r| {
                let f = [ID, NAME, FIRST, LAST, COMPANY, EMAIL].map(|k| r.field(k).to_owned());
                (r.line, f, r.kind)
            })
            .collect()
    }

    fn problems<'t>(t: &'t Table<'_>) -> Vec<(u32, &'t str)> {
        t.problems
            .iter()
            .map(|p| (p.line, p.reason.as_str()))
            .collect()
    }

    fn strings(v: [&str; SLOTS]) -> [String; SLOTS] {
        v.map(str::to_owned)
    }

    #[test]
    fn quotes_newlines_crlf_and_bom() {
        let text = "\u{feff}id,kind,name,first_name,last_name,company_name,email,notes\r\n\
                    L1,organization,\"Acme, Ltd\",,,\"Acme, Ltd\",ap@acme.test,\"two\r\nlines\"\r\n\
                    L2,person,\"Bob \"\"The Builder\"\" Jones\",Bob,Jones,,bob@x.test,\r\n\
                    \r\n\
                    L3,Organisation,\"\",,,,\"\",\"\"\"\"\r\n\
                    L4,,Café Ωmega,,,,c@x.test,last row without line feed";
        let s = OnceLock::new();
        let t = parse_str(&s, text).unwrap();
        assert_eq!(problems(&t), vec![]);
        assert_eq!(
            rows(&t),
            vec![
                (
                    2,
                    strings(["L1", "Acme, Ltd", "", "", "Acme, Ltd", "ap@acme.test"]),
                    Some(ContactKind::Organization)
                ),
                (
                    4,
                    strings([
                        "L2",
                        "Bob \"The Builder\" Jones",
                        "Bob",
                        "Jones",
                        "",
                        "bob@x.test"
                    ]),
                    Some(ContactKind::Person)
                ),
                (
                    6,
                    strings(["L3", "", "", "", "", ""]),
                    Some(ContactKind::Organization)
                ),
                (
                    7,
                    strings(["L4", "Café Ωmega", "", "", "", "c@x.test"]),
                    None
                ),
            ]
        );
        // Only the escaped field was copied.
        assert_eq!(s.get().map(|s| s.owned.len()), Some(1));
        let l2 = &t.recs[1];
        assert_eq!(l2.display_name(), Some("Bob \"The Builder\" Jones"));
        assert_eq!(l2.organization_name(), None);
        assert_eq!(l2.record_id(), "L2");
    }

    #[test]
    fn malformed_rows_are_reported_with_their_line_and_skipped() {
        let text = "id,kind,name,email\n\
                    A1,person,Ok,a@x.test\n\
                    A2,robot,Bad Kind,b@x.test\n\
                    ,person,No Id,c@x.test\n\
                    \"  \",person,Blank Id,c@x.test\n\
                    A3,person,Short\n\
                    A4,person,Long,d@x.test,extra\n\
                    A5,person,\"Closed\"early,e@x.test\n\
                    A6,person,\"Multi\nline\",f@x.test\n\
                    A7,person,\"never closed,g@x.test\n\
                    A8,person,Swallowed,h@x.test\n";
        let s = OnceLock::new();
        let t = parse_str(&s, text).unwrap();
        let ids: Vec<&str> = t.recs.iter().map(|r| r.field(ID)).collect();
        assert_eq!(ids, ["A1", "A6"]);
        assert_eq!(t.recs[1].line, 9);
        assert_eq!(
            problems(&t),
            vec![
                (
                    3,
                    "unknown kind `robot` (expected person, organization or organisation)"
                ),
                (4, "empty id"),
                (5, "empty id"),
                (6, "expected 4 fields, found 3"),
                (7, "expected 4 fields, found 5"),
                (8, "text after a closing quote"),
                (11, "unterminated quoted field"),
            ]
        );
    }

    #[test]
    fn columns_are_found_by_name_and_may_be_missing_or_extra() {
        let text = "Email , extra,ID,name,id\nx@y.test,1,B1,Some Name,ignored\n";
        let s = OnceLock::new();
        let t = parse_str(&s, text).unwrap();
        assert_eq!(
            rows(&t),
            vec![(
                2,
                strings(["B1", "Some Name", "", "", "", "x@y.test"]),
                None
            )]
        );
        assert_eq!(t.recs[0].first_name(), None);
        assert!(parse("name,email\nx,y\n", &OnceLock::new(), &[], PAR_MIN).is_err());
        assert!(parse("", &OnceLock::new(), &[], PAR_MIN).is_err());
        assert!(parse("\u{feff}", &OnceLock::new(), &[], PAR_MIN).is_err());
        assert!(parse("\"id\n", &OnceLock::new(), &[], PAR_MIN).is_err());
        let only_header = OnceLock::new();
        let t = parse_str(&only_header, "id").unwrap();
        assert!(t.recs.is_empty() && t.problems.is_empty());
    }

    #[test]
    fn invalid_utf8_is_found_replaced_and_its_rows_skipped() {
        let mut bytes =
            b"id,name\nU1,ok\nU2,bad \xff\xfe here\nU3,\"multi\nline \xc3\"\nU4,fine \xc3\xa9\n"
                .to_vec();
        bytes.extend_from_slice(b"U5,truncated \xe2\x82");
        let (text, bad) = into_text(bytes);
        assert_eq!(bad.len(), 4); // \xff and \xfe are one error each
        assert!(text.contains("bad ?? here"));
        let s = OnceLock::new();
        let t = parse_with(&s, &text, &bad, PAR_MIN, false).unwrap();
        let ids: Vec<&str> = t.recs.iter().map(|r| r.field(ID)).collect();
        assert_eq!(ids, ["U1", "U4"]);
        assert_eq!(t.recs[1].field(NAME), "fine é");
        assert_eq!(
            problems(&t),
            vec![
                (3, "invalid UTF-8"),
                (4, "invalid UTF-8"),
                (7, "invalid UTF-8")
            ]
        );
    }

    /// A tiny deterministic generator for the randomised tests.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> usize {
            usize::try_from(self.next() % n).unwrap()
        }
    }

    fn random_field(rng: &mut Rng) -> String {
        const PIECES: [&str; 12] = [
            "a", "Bc", " ", ",", "\"", "\n", "\r\n", "é", "x@y.test", "\r", "Ω", "",
        ];
        let mut v = String::new();
        for _ in 0..rng.below(5) {
            v.push_str(PIECES[rng.below(PIECES.len() as u64)]);
        }
        if v.contains([',', '"', '\n', '\r']) || rng.below(4) == 0 {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v
        }
    }

    fn random_csv(rng: &mut Rng, rows: usize) -> String {
        let mut text = String::from("id,name,email,notes\n");
        for i in 0..rows {
            let id = if rng.below(30) == 0 {
                String::new()
            } else {
                format!("R{i}")
            };
            let fields = [id, random_field(rng), random_field(rng), random_field(rng)];
            let n = if rng.below(40) == 0 { 3 } else { 4 };
            text.push_str(&fields[..n].join(","));
            text.push_str(if rng.below(2) == 0 { "\n" } else { "\r\n" });
            if rng.below(50) == 0 {
                text.push('\n');
            }
        }
        if rng.below(3) == 0 {
            text.push_str("Rlast,\"unterminated,x,y\n");
        }
        text
    }

    /// The two-thread parse gives exactly the one-thread result, wherever
    /// the split falls (in a quoted line break, a blank line, a bad row).
    #[test]
    fn split_parse_equals_sequential_parse() {
        let mut rng = Rng(0x5eed_1234_abcd_ef01);
        for round in 0..300 {
            let n = 1 + rng.below(40);
            let text = random_csv(&mut rng, n);
            let (one, two, three) = (OnceLock::new(), OnceLock::new(), OnceLock::new());
            let seq = parse_with(&one, &text, &[], usize::MAX, false).unwrap();
            let par = parse_with(&two, &text, &[], 0, false).unwrap();
            assert_eq!(rows(&seq), rows(&par), "round {round}: {text:?}");
            assert_eq!(problems(&seq), problems(&par), "round {round}: {text:?}");
            // Compacting keeps every field as it was.
            let small = parse_with(&three, &text, &[], 0, true).unwrap();
            assert_eq!(rows(&seq), rows(&small), "round {round}: {text:?}");
        }
        // A quoted field holding the middle line feed.
        let big = format!("id,notes\nA,\"{}\"\nB,x\n", "line\n".repeat(1000));
        let (one, two) = (OnceLock::new(), OnceLock::new());
        let seq = parse_with(&one, &big, &[], usize::MAX, false).unwrap();
        let par = parse_with(&two, &big, &[], 0, false).unwrap();
        assert_eq!(rows(&seq), rows(&par));
        assert_eq!(
            par.recs.iter().map(|r| r.line).collect::<Vec<_>>(),
            [2, 1003]
        );
    }

    #[test]
    fn word_scans_match_byte_scans() {
        let mut rng = Rng(42);
        for _ in 0..2000 {
            let len = rng.below(40);
            let b: Vec<u8> = (0..len)
                .map(|_| [b'a', b',', b'\n', b'"', b'\r', 0xC3, 0x2C ^ 0x80][rng.below(7)])
                .collect();
            let from = rng.below(len as u64 + 1);
            let naive_delim = b[from..]
                .iter()
                .position(|&c| c == b',' || c == b'\n')
                .map_or(len, |i| from + i);
            let mut line = 0;
            let (at, _, _) = find_delim(&b, from, &mut line);
            assert_eq!(at, naive_delim, "{b:?} from {from}");
            let naive_quote = b[from..]
                .iter()
                .position(|&c| c == b'"')
                .map_or(len, |i| from + i);
            let mut line = 0;
            assert_eq!(find_quote(&b, from, &mut line), naive_quote);
            let newlines = b[from..naive_quote].iter().filter(|&&c| c == b'\n').count();
            assert_eq!(line as usize, newlines, "{b:?} from {from}");
        }
    }

    #[test]
    fn output_fields_are_quoted_when_needed() {
        let mut out = Vec::new();
        for f in ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""] {
            put_field(&mut out, f.as_bytes());
            out.push(b'|');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"cr\r\"||"
        );
    }

    /// Rows read from CSV classify exactly like the equivalent contacts.
    #[test]
    fn rows_classify_like_contacts() {
        let local_csv = "id,kind,name,first_name,last_name,company_name,email\n\
                         L1,organization,Acme Ltd,,,Acme Ltd,ap@acme.test\n\
                         L2,person,,Jane,Smith,,jane@smith.test\n\
                         L3,person,J. Smith,Jane,Smith,,js@x.test\n\
                         L4,,Shared,,,,s@x.test\n\
                         L5,,Shared,,,,s@x.test\n";
        let remote_csv = "id,name,company_name,first_name,last_name,email\n\
                          R1,ACME LTD,Acme Ltd,,,AP@acme.test\n\
                          R2,Jane Smith,,Jane,Smith,jane@smith.test\n\
                          R3,Jane Smith,,Jane,Smith,other@x.test\n\
                          R4,Shared,,,,s@x.test\n\
                          R5,Bill's,Bill Pty,,,b@x.test\n\
                          R6,New Person,,,,n@x.test\n";
        let locals_contacts = vec![
            Contact::organization("L1", "Acme Ltd").with_email("ap@acme.test"),
            Contact::person("L2", "Jane", "Smith").with_email("jane@smith.test"),
            Contact::person("L3", "Jane", "Smith")
                .with_display_name("J. Smith")
                .with_email("js@x.test"),
            Contact::named("L4", "Shared").with_email("s@x.test"),
            Contact::named("L5", "Shared").with_email("s@x.test"),
        ];
        let mut r1 = Contact::named("R1", "ACME LTD").with_email("AP@acme.test");
        r1.organization_name = Some("Acme Ltd".into());
        let mut r2 = Contact::named("R2", "Jane Smith").with_email("jane@smith.test");
        r2.first_name = Some("Jane".into());
        r2.last_name = Some("Smith".into());
        let mut r3 = Contact::named("R3", "Jane Smith").with_email("other@x.test");
        r3.first_name = Some("Jane".into());
        r3.last_name = Some("Smith".into());
        let mut r5 = Contact::named("R5", "Bill's").with_email("b@x.test");
        r5.organization_name = Some("Bill Pty".into());
        let remote_contacts = vec![
            r1,
            r2,
            r3,
            Contact::named("R4", "Shared").with_email("s@x.test"),
            r5,
            Contact::named("R6", "New Person").with_email("n@x.test"),
        ];
        let (ls, rs) = (OnceLock::new(), OnceLock::new());
        let locals = parse_str(&ls, local_csv).unwrap();
        let remotes = parse_with(&rs, remote_csv, &[], PAR_MIN, true).unwrap();
        for profile in Profile::ALL {
            let from_rows = MatchIndex::new(profile, &locals.recs)
                .unwrap()
                .classify_batch(&remotes.recs)
                .unwrap();
            let from_contacts = MatchIndex::new(profile, &locals_contacts)
                .unwrap()
                .classify_batch(&remote_contacts)
                .unwrap();
            assert_eq!(from_rows, from_contacts, "{profile}");
            let mut out = Vec::new();
            let mut ids = Vec::new();
            let index = MatchIndex::new(profile, &locals.recs).unwrap();
            index
                .classify_batch_view(&remotes.recs, &ExistingLinks::new(), |i, v| {
                    let rec = &remotes.recs[i];
                    assert_eq!(rec.field(ID), from_rows[i].remote_id.as_str());
                    assert_eq!(v.to_result(rec), from_rows[i]);
                    put_row(&mut out, &mut ids, rec.field(ID), &v);
                })
                .unwrap();
            if profile == Profile::Qbo {
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    "R1,full,L1,name+email\n\
                     R2,full,L2,name+email\n\
                     R3,partial,L2;L3,name\n\
                     R4,unmatchable,,\n\
                     R5,unmatchable,,\n\
                     R6,unmatchable,,\n"
                );
            }
        }
    }

    #[test]
    fn duplicate_ids_keep_the_first_row() {
        let s = OnceLock::new();
        let mut t = parse_str(&s, "id,name\nD1,a\nD2,b\nD1,c\nD1,d\n").unwrap();
        let dups = dedupe(&mut t.recs);
        assert_eq!(
            t.recs.iter().map(|r| r.field(NAME)).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(dups.iter().map(|p| p.line).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(dups[0].reason, "duplicate id `D1` (first on line 2)");
    }

    #[test]
    fn compacting_keeps_only_the_fields_used() {
        let text = "phone,email,notes,id,name\n\
                    555,a@x.test,\"long, long\nnote\",C1,\"Ann \"\"A\"\"\"\n\
                    556,,x,C2,Bob\n\
                    557,b@x.test,bad row\n\
                    558,c@x.test,y,C3,Cy\n";
        let s = OnceLock::new();
        let t = parse_with(&s, text, &[], 0, true).unwrap();
        assert_eq!(
            rows(&t),
            vec![
                (
                    2,
                    strings(["C1", "Ann \"A\"", "", "", "", "a@x.test"]),
                    None
                ),
                (4, strings(["C2", "Bob", "", "", "", ""]), None),
                (6, strings(["C3", "Cy", "", "", "", "c@x.test"]), None),
            ]
        );
        // The kept fields, end to end, in file order (the escaped name is
        // held apart).
        assert_eq!(
            s.get().map(|s| s.text.as_str()),
            Some("a@x.testC1C2Bobc@x.testC3Cy")
        );
    }

    #[test]
    fn arguments() {
        let args = |v: &[&str]| parse_args(v.iter().map(OsString::from));
        let a = args(&[
            "--profile",
            "qbo",
            "--local=l.csv",
            "--remote",
            "r.csv",
            "--out",
            "o.csv",
            "--near-duplicates",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(a.profile, Profile::Qbo);
        assert_eq!(a.local, PathBuf::from("l.csv"));
        assert!(a.near_duplicates);
        assert!(args(&["--help"]).unwrap().is_none());
        let base = ["--local", "l", "--remote", "r", "--out", "o"];
        assert!(args(&base).is_err(), "no profile");
        assert!(args(&[&["--profile", "sage"][..], &base].concat()).is_err());
        assert!(args(&[&["--profile", "xero", "--local", "x"][..], &base].concat()).is_err());
        assert!(args(&[&["--profile", "xero", "--what"][..], &base].concat()).is_err());
        assert!(
            args(&[
                "--profile",
                "xero",
                "--local",
                "l",
                "--remote",
                "r",
                "--out"
            ])
            .is_err()
        );
    }
}
