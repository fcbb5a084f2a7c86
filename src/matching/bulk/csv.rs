//! The push parser: CSV bytes in (any chunk sizes), a [`CsvTable`] out.
//! `csv-core` splits rows and fields; this file picks the columns, checks
//! each row and reports what it cannot use.

use csv_core::{ReadRecordResult, Reader, ReaderBuilder, Terminator};

use crate::model::ContactKind;

use super::check::{blank_id, parse_kind};
use super::problems::{CsvError, MalformedRow};
use super::scan;
use super::table::{CsvTable, ID, SLOTS};

/// Column names read (ASCII case and surrounding blanks ignored) and the
/// slot each feeds; `kind` is parsed, not kept as text.
const COLUMNS: [(&str, usize); 7] = [
    ("id", ID),
    ("name", super::table::NAME),
    ("first_name", super::table::FIRST),
    ("last_name", super::table::LAST),
    ("company_name", super::table::COMPANY),
    ("email", super::table::EMAIL),
    ("kind", KIND),
];
const KIND: usize = SLOTS;

/// Where each slot (and `kind`) is read from.
#[derive(Debug, Clone)]
struct Header {
    /// Column of each slot, `kind` last.
    cols: [Option<usize>; SLOTS + 1],
    /// Fields in the header row.
    width: usize,
}

/// Parses CSV pushed in chunks of any size into a [`CsvTable`]; no I/O of
/// its own (the caller reads files, sockets or memory and pushes).
///
/// The input needs a header row; columns are found by name (`id`, `kind`,
/// `name`, `first_name`, `last_name`, `company_name`, `email`; only `id`
/// is required, others are ignored). `kind` is `person`, `organization`,
/// `organisation` or empty. RFC 4180 quoting, with two leniencies: a quote
/// inside an unquoted field is text, and a lone CR is data (CRLF ends a row
/// like LF). Blank lines are skipped; a UTF-8 byte-order mark is skipped.
///
/// A row that cannot be used (invalid UTF-8, an unterminated quote, text
/// after a closing quote, the wrong number of fields, a blank id, an
/// unknown kind) is skipped and reported as a [`RowProblem`](super::RowProblem) with its line.
///
/// ```
/// use ledgerlink::matching::bulk::{CsvTableParser, MalformedRow};
/// use ledgerlink::MatchRecord;
/// let mut parser = CsvTableParser::new();
/// parser.push(b"id,kind,name,email\nL1,person,Ann Lee,ann@x.test\nL2,rob")?;
/// parser.push(b"ot,Bad,b@x.test\n")?;
/// let table = parser.finish()?;
/// assert_eq!(table.len(), 1);
/// assert_eq!(table.records()[0].display_name(), Some("Ann Lee"));
/// assert_eq!(table.problems()[0].line, 3);
/// assert!(matches!(table.problems()[0].reason, MalformedRow::UnknownKind { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CsvTableParser {
    reader: Reader,
    /// Field bytes of the current row.
    out: Vec<u8>,
    nout: usize,
    /// Field ends of the current row.
    ends: Vec<usize>,
    nend: usize,
    /// Raw bytes of the current row, when it spans pushes.
    carry: Vec<u8>,
    /// The first bytes, held until a byte-order mark can be recognised.
    lead: Vec<u8>,
    started: bool,
    /// Line feeds consumed before the current row.
    line: u64,
    header: Option<Header>,
    table: CsvTable,
    /// The table's text while it is built: fields of rows checked as
    /// UTF-8 (with their chunk, or one by one), appended as text.
    text: String,
    /// Bytes pushed so far.
    bytes: u64,
    /// A whole-input error, returned by every later call.
    failed: Option<CsvError>,
    /// Comma positions of the current row (fast path).
    commas: Vec<u32>,
    /// Field bounds of the current row, when it has quoted fields (fast
    /// path).
    fields: Vec<(u32, u32)>,
    /// Whether rows without quotes skip csv-core (always, but in tests
    /// that compare the two paths).
    fast: bool,
}

impl std::fmt::Debug for CsvTableParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvTableParser")
            .field("bytes", &self.bytes)
            .field("rows", &self.table.len())
            .finish_non_exhaustive()
    }
}

impl Default for CsvTableParser {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvTableParser {
    /// A parser for comma-separated input with a header row.
    #[must_use]
    pub fn new() -> Self {
        let reader = ReaderBuilder::new()
            .terminator(Terminator::Any(b'\n'))
            .build();
        let mut table = CsvTable::default();
        table.bounds.push(0);
        Self {
            reader,
            out: vec![0; 4096],
            nout: 0,
            ends: vec![0; 64],
            nend: 0,
            carry: Vec::new(),
            lead: Vec::new(),
            started: false,
            line: 0,
            header: None,
            table,
            text: String::new(),
            bytes: 0,
            failed: None,
            commas: Vec::with_capacity(64),
            fields: Vec::with_capacity(64),
            fast: true,
        }
    }

    /// A parser that reads every row through csv-core (to compare the two
    /// paths in tests).
    #[cfg(test)]
    pub(super) fn csv_core_only() -> Self {
        Self {
            fast: false,
            ..Self::new()
        }
    }

    /// Bytes pushed so far (for progress reports).
    #[must_use]
    pub fn bytes_pushed(&self) -> u64 {
        self.bytes
    }

    /// Rows read so far.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.table.len()
    }

    /// Parses the next chunk of input.
    ///
    /// # Errors
    /// [`CsvError::BadHeader`] / [`CsvError::NoIdColumn`] once the header
    /// row is complete and unusable, [`CsvError::TooLarge`] past 4 GiB of
    /// kept fields; every later call returns the same error.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), CsvError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.bytes = self.bytes.saturating_add(chunk.len() as u64);
        if !self.started {
            // csv-core recognises a byte-order mark only whole, at the
            // start of its first input.
            if self.lead.is_empty() && chunk.len() >= 3 {
                self.started = true;
            } else {
                self.lead.extend_from_slice(chunk);
                if self.lead.len() < 3 {
                    return Ok(());
                }
                self.started = true;
                let lead = std::mem::take(&mut self.lead);
                return self.feed(&lead);
            }
        }
        self.feed(chunk)
    }

    /// A parser for the rest of the same input from a row boundary on,
    /// with this one's header (for parsing two parts of one file at once;
    /// see [`CsvTableParser::at_row_start`] and [`CsvTable::append`]).
    /// Its lines count from the boundary. `None` before the header is read.
    /// (csv-core skips a byte-order mark at the start of any new parser's
    /// input: a part must not start with one.)
    #[must_use]
    pub fn continuation(&self) -> Option<Self> {
        let mut next = Self::new();
        next.header = Some(self.header.clone()?);
        next.started = true;
        Some(next)
    }

    /// Whether the input pushed so far ends at a row boundary (no row
    /// partly read) after the header.
    #[must_use]
    pub fn at_row_start(&self) -> bool {
        self.header.is_some()
            && self.carry.is_empty()
            && self.lead.is_empty()
            && self.nout == 0
            && self.nend == 0
    }

    /// Line feeds read so far (the line the next row starts on, less one).
    #[must_use]
    pub fn lines_read(&self) -> u64 {
        self.line
    }

    /// Moves the rows read so far into `table`, for a caller that takes
    /// the rows a chunk at a time (see
    /// [`CsvClassifier::push_rows`](super::CsvClassifier::push_rows)):
    /// `table`'s rows are replaced and its buffers kept by the parser for
    /// the next rows (hand the same tables back to reuse their memory).
    /// The rows keep their lines in the input; the problems found so far
    /// stay here, for [`CsvTableParser::finish`].
    pub fn take_rows(&mut self, table: &mut CsvTable) {
        table.text.clear();
        std::mem::swap(&mut table.text, &mut self.text);
        table.bounds.clear();
        table.bounds.push(0);
        std::mem::swap(&mut table.bounds, &mut self.table.bounds);
        table.lines.clear();
        std::mem::swap(&mut table.lines, &mut self.table.lines);
        table.kinds.clear();
        std::mem::swap(&mut table.kinds, &mut self.table.kinds);
    }

    /// Ends the input and returns the table.
    ///
    /// # Errors
    /// As [`CsvTableParser::push`], and [`CsvError::Empty`] when there was
    /// no header row.
    pub fn finish(mut self) -> Result<CsvTable, CsvError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let lead = std::mem::take(&mut self.lead);
        if !lead.is_empty() {
            self.started = true;
            self.feed(&lead)?;
        }
        self.feed(&[])?;
        if self.header.is_none() {
            return Err(CsvError::Empty);
        }
        let mut table = self.table;
        table.text = self.text;
        table.text.shrink_to_fit();
        table.bounds.shrink_to_fit();
        table.lines.shrink_to_fit();
        table.kinds.shrink_to_fit();
        Ok(table)
    }

    /// Runs csv-core over `input` (empty: the end of input).
    fn feed(&mut self, input: &[u8]) -> Result<(), CsvError> {
        // Rows wholly inside this prefix need no UTF-8 check of their own:
        // one pass over the chunk is much cheaper than one per row.
        let valid = match std::str::from_utf8(input) {
            Ok(v) => v,
            Err(e) => std::str::from_utf8(input.get(..e.valid_up_to()).unwrap_or_default())
                .unwrap_or_default(),
        };
        let valid_to = valid.len();
        let mut pos = 0;
        // Each turn consumes input, grows a buffer (at most to the size of
        // the row) or ends a row; at the end of input, a last row then End.
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            // A whole row ahead, without quotes or with only simply quoted
            // fields, and csv-core between rows: the fast path (see
            // `scan`).
            if self.fast
                && self.header.is_some()
                && self.nout == 0
                && self.nend == 0
                && self.carry.is_empty()
                && let Some((k, quoted)) = self.scan_row(rest)
            {
                let line = rest.get(..k).unwrap_or_default();
                let checked = if pos + k <= valid_to {
                    valid.get(pos..pos + k)
                } else {
                    None
                };
                pos += k + 1;
                if let Err(e) = self.fast_row(line, checked, quoted) {
                    self.failed = Some(e.clone());
                    return Err(e);
                }
                continue;
            }
            let (res, nin, nout, nend) = self.reader.read_record(
                rest,
                self.out.get_mut(self.nout..).unwrap_or_default(),
                self.ends.get_mut(self.nend..).unwrap_or_default(),
            );
            let piece = rest.get(..nin).unwrap_or_default();
            pos += nin;
            self.nout += nout;
            self.nend += nend;
            match res {
                ReadRecordResult::InputEmpty => {
                    self.carry.extend_from_slice(piece);
                    return Ok(());
                }
                ReadRecordResult::OutputFull => {
                    self.carry.extend_from_slice(piece);
                    let len = self.out.len().max(64) * 2;
                    self.out.resize(len, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    self.carry.extend_from_slice(piece);
                    let len = self.ends.len().max(8) * 2;
                    self.ends.resize(len, 0);
                }
                ReadRecordResult::Record => {
                    let done = if self.carry.is_empty() {
                        let checked = if pos <= valid_to {
                            valid.get(pos - nin..pos)
                        } else {
                            None
                        };
                        self.row(piece, checked)
                    } else {
                        let mut raw = std::mem::take(&mut self.carry);
                        raw.extend_from_slice(piece);
                        let done = self.row(&raw, None);
                        raw.clear();
                        self.carry = raw;
                        done
                    };
                    self.nout = 0;
                    self.nend = 0;
                    if let Err(e) = done {
                        self.failed = Some(e.clone());
                        return Err(e);
                    }
                }
                ReadRecordResult::End => return Ok(()),
            }
        }
    }

    /// Where the row at the start of `rest` ends (its line feed) when the
    /// fast path can read it, and whether it has quoted fields: the
    /// commas of a row without quotes are then in `self.commas`, the
    /// fields of one with in `self.fields`.
    #[inline]
    fn scan_row(&mut self, rest: &[u8]) -> Option<(usize, bool)> {
        self.commas.clear();
        let k = scan::plain_line(rest, &mut self.commas)?;
        match rest.get(k) {
            Some(b'\n') => Some((k, false)),
            _ => scan::quoted_line(rest, &mut self.commas, &mut self.fields).map(|k| (k, true)),
        }
    }

    /// One row read by the fast path: `line` is its bytes up to (without)
    /// its line feed; its commas are in `self.commas`, or, when
    /// `quoted`, its fields in `self.fields`; `checked` is `line` as text
    /// when it is known to be valid UTF-8. Read as csv-core and
    /// [`Self::row`] read it: a blank line (or a lone CR) is skipped, a CR
    /// before the line feed dropped, the row checked in the same order.
    fn fast_row(
        &mut self,
        line: &[u8],
        checked: Option<&str>,
        quoted: bool,
    ) -> Result<(), CsvError> {
        self.line += 1;
        let row_line = self.line;
        if line.is_empty() || line == b"\r" {
            return Ok(());
        }
        // Only the last field can end in the CR (no comma follows it).
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(header) = &self.header else {
            return Ok(());
        };
        let text = match checked {
            Some(t) => t.get(..line.len()),
            None => std::str::from_utf8(line).ok(),
        };
        let found = if quoted {
            self.fields.len()
        } else {
            self.commas.len() + 1
        };
        let problem = match text {
            None => Some(MalformedRow::InvalidUtf8),
            Some(_) if found != header.width => Some(MalformedRow::FieldCount {
                expected: header.width,
                found,
            }),
            Some(text) => {
                let (commas, fields) = (&self.commas, &self.fields);
                let field = |slot: usize| -> &str {
                    let Some(c) = header.cols.get(slot).copied().flatten() else {
                        return "";
                    };
                    let (start, end) = if quoted {
                        fields
                            .get(c)
                            .map_or((0, 0), |&(a, b)| (a as usize, b as usize))
                    } else {
                        let start = match c.checked_sub(1) {
                            Some(p) => commas.get(p).map_or(text.len(), |&e| e as usize + 1),
                            None => 0,
                        };
                        (start, commas.get(c).map_or(text.len(), |&e| e as usize))
                    };
                    text.get(start..end).unwrap_or_default()
                };
                if blank_id(field(ID).as_bytes()) {
                    Some(MalformedRow::EmptyId)
                } else {
                    match parse_kind(field(KIND).as_bytes()) {
                        Ok(kind) => {
                            keep_row(&mut self.text, &mut self.table, row_line, kind, field)?;
                            None
                        }
                        Err(kind) => Some(MalformedRow::UnknownKind { kind }),
                    }
                }
            }
        };
        self.table.note(row_line, problem);
        Ok(())
    }

    /// One row from csv-core: `raw` is its input (blank lines before it
    /// included), the fields are in `out` / `ends`; `checked`: `raw` as
    /// text, when it is known to be valid UTF-8.
    fn row(&mut self, raw: &[u8], checked: Option<&str>) -> Result<(), CsvError> {
        let blank = raw.iter().take_while(|&&b| b == b'\n').count();
        let row_line = self.line + blank as u64 + 1;
        let raw = raw.get(blank..).unwrap_or_default();
        let quoted = raw.contains(&b'"');
        // Outside quotes a line feed ends the row: only a row with quotes
        // can hold more than its last.
        self.line += blank as u64
            + if quoted {
                raw.iter().filter(|&&b| b == b'\n').count() as u64
            } else {
                u64::from(raw.last() == Some(&b'\n'))
            };
        // A blank CRLF line (csv-core sees a field holding CR).
        if raw == b"\r\n" {
            return Ok(());
        }
        let nend = self.nend;
        let mut out_len = self.nout;
        // CRLF ends a row like LF: the CR csv-core kept in the last field
        // goes.
        if raw.ends_with(b"\r\n")
            && let Some(last) = self.ends.get_mut(nend.wrapping_sub(1))
            && *last > 0
            && self.out.get(*last - 1) == Some(&b'\r')
        {
            *last -= 1;
            out_len = *last;
        }
        let out = self.out.get(..out_len).unwrap_or_default();
        let ends = self.ends.get(..nend).unwrap_or_default();
        let field = |c: usize| -> &[u8] {
            let start = if c == 0 {
                0
            } else {
                ends.get(c - 1).copied().unwrap_or(0)
            };
            let end = ends.get(c).copied().unwrap_or(start);
            out.get(start..end).unwrap_or_default()
        };

        let Some(header) = &self.header else {
            let raw = raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw);
            if let Some(reason) = quote_problem(raw) {
                return Err(CsvError::BadHeader {
                    line: row_line,
                    reason,
                });
            }
            let mut cols = [None; SLOTS + 1];
            for c in 0..nend {
                let name = String::from_utf8_lossy(field(c));
                let name = name.trim();
                if let Some(&(_, slot)) = COLUMNS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))
                    && let Some(col) = cols.get_mut(slot)
                    && col.is_none()
                {
                    *col = Some(c);
                }
            }
            if cols[ID].is_none() {
                return Err(CsvError::NoIdColumn);
            }
            self.header = Some(Header { cols, width: nend });
            return Ok(());
        };

        let problem = if checked.is_none() && std::str::from_utf8(raw).is_err() {
            Some(MalformedRow::InvalidUtf8)
        } else if let Some(p) = quoted.then(|| quote_problem(raw)).flatten() {
            Some(p)
        } else if nend != header.width {
            Some(MalformedRow::FieldCount {
                expected: header.width,
                found: nend,
            })
        } else {
            let text = |slot: usize| {
                header
                    .cols
                    .get(slot)
                    .copied()
                    .flatten()
                    .map_or(&[][..], field)
            };
            if blank_id(text(ID)) {
                Some(MalformedRow::EmptyId)
            } else {
                match parse_kind(text(KIND)) {
                    Ok(kind) => {
                        // A row without quotes is its fields and commas:
                        // field `c` is at its csv-core offsets moved by
                        // the `c` commas before it, and is taken from the
                        // checked input (no second UTF-8 pass). Others
                        // (fields unquoted, or rows read in parts) are
                        // checked field by field.
                        let plain = checked.filter(|_| !quoted).and_then(|r| r.get(blank..));
                        let as_text = |slot: usize| -> &str {
                            let Some(c) = header.cols.get(slot).copied().flatten() else {
                                return "";
                            };
                            let bytes = field(c);
                            let start = if c == 0 {
                                0
                            } else {
                                ends.get(c - 1).copied().unwrap_or(0)
                            };
                            let taken =
                                plain.and_then(|r| r.get(start + c..start + c + bytes.len()));
                            debug_assert!(taken.is_none_or(|t| t.as_bytes() == bytes));
                            taken
                                .or_else(|| std::str::from_utf8(bytes).ok())
                                .unwrap_or_default()
                        };
                        keep_row(&mut self.text, &mut self.table, row_line, kind, as_text)?;
                        None
                    }
                    Err(kind) => Some(MalformedRow::UnknownKind { kind }),
                }
            }
        };
        self.table.note(row_line, problem);
        Ok(())
    }
}

/// Appends a checked row's kept fields (`field` gives each slot's text)
/// to the table being built.
fn keep_row<'f>(
    text: &mut String,
    table: &mut CsvTable,
    row_line: u64,
    kind: Option<ContactKind>,
    field: impl Fn(usize) -> &'f str,
) -> Result<(), CsvError> {
    let mut bounds = [0; SLOTS];
    for (slot, b) in bounds.iter_mut().enumerate() {
        text.push_str(field(slot));
        *b = text.len();
    }
    let last = u32::try_from(bounds[SLOTS - 1]).map_err(|_| CsvError::TooLarge)?;
    // Each below the last, which fits.
    #[allow(clippy::cast_possible_truncation)]
    table
        .bounds
        .extend(bounds[..SLOTS - 1].iter().map(|&b| b as u32));
    table.bounds.push(last);
    table.lines.push(row_line);
    table.kinds.push(kind);
    Ok(())
}

/// What csv-core reads leniently and a row must not hold: a quoted field
/// never closed, or text between a closing quote and the next delimiter.
/// `raw` is one row as csv-core delimited it (its line feed included).
fn quote_problem(raw: &[u8]) -> Option<MalformedRow> {
    let mut p = 0;
    // Every turn moves past at least one delimiter.
    while p < raw.len() {
        if raw.get(p) == Some(&b'"') {
            let mut q = p + 1;
            // Past escaped quotes (`""`) to the closing one.
            loop {
                let Some(k) = raw.get(q..).and_then(|r| r.iter().position(|&b| b == b'"')) else {
                    return Some(MalformedRow::UnterminatedQuote);
                };
                q += k;
                if raw.get(q + 1) == Some(&b'"') {
                    q += 2;
                } else {
                    break;
                }
            }
            match (raw.get(q + 1), raw.get(q + 2)) {
                (None | Some(b'\n'), _) | (Some(b'\r'), Some(b'\n')) => return None,
                (Some(b','), _) => p = q + 2,
                _ => return Some(MalformedRow::TextAfterClosingQuote),
            }
        } else {
            match raw
                .get(p..)
                .and_then(|r| r.iter().position(|&b| b == b',' || b == b'\n'))
            {
                Some(k) if raw.get(p + k) == Some(&b',') => p += k + 1,
                _ => return None,
            }
        }
    }
    None
}

/// Parses a whole CSV input held in memory (see [`CsvTableParser`]).
///
/// # Errors
/// As [`CsvTableParser::finish`].
///
/// ```
/// use ledgerlink::matching::bulk::parse_csv;
/// let table = parse_csv(b"id,name\nA,Ann\n,Blank\n")?;
/// assert_eq!((table.len(), table.problems().len()), (1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_csv(input: &[u8]) -> Result<CsvTable, CsvError> {
    let mut parser = CsvTableParser::new();
    parser.push(input)?;
    parser.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::MatchRecord;

    #[test]
    fn blank_ids_and_kinds_read_like_trimmed_text() {
        for id in [
            "",
            " ",
            "\t\x0b\x0c\r\n",
            "\u{a0}",
            " \u{3000} ",
            "a",
            " a",
            "\x1f",
        ] {
            assert_eq!(blank_id(id.as_bytes()), id.trim().is_empty(), "{id:?}");
        }
        assert_eq!(parse_kind(b" Person "), Ok(Some(ContactKind::Person)));
        assert_eq!(
            parse_kind(b"ORGANISATION"),
            Ok(Some(ContactKind::Organization))
        );
        assert_eq!(
            parse_kind(b"organization"),
            Ok(Some(ContactKind::Organization))
        );
        assert_eq!(parse_kind(b"  "), Ok(None));
        assert_eq!(parse_kind(b" robot "), Err("robot".to_owned()));
    }

    #[test]
    fn quote_checks() {
        assert_eq!(quote_problem(b"a,\"b\",c\n"), None);
        assert_eq!(quote_problem(b"a,\"b\"\"x\"\"\"\r\n"), None);
        assert_eq!(
            quote_problem(b"a,\"b\"x,c\n"),
            Some(MalformedRow::TextAfterClosingQuote)
        );
        assert_eq!(
            quote_problem(b"a,\"b\rc\n"),
            Some(MalformedRow::UnterminatedQuote)
        );
        assert_eq!(quote_problem(b"a,b\"c\",d"), None);
    }

    #[test]
    fn any_chunking_gives_the_same_table() {
        let text: &[u8] = b"\xef\xbb\xbfid,kind,name,email,notes\r\n\
            L1,organization,\"Acme, Ltd\",ap@acme.test,\"two\r\nlines\"\r\n\
            \r\n\n\
            L2,person,\"Bob \"\"B\"\" J\",bob@x.test,x\r\n\
            L3,robot,x,y,z\n\
            L4,,\"q\"r,s,t\n\
            L5,,cr\r,e,\"cr\r\"\n\
            L6,,last,f,no newline";
        let whole = parse_csv(text).unwrap();
        let names: Vec<_> = whole
            .records()
            .iter()
            .map(|r| {
                (
                    r.line(),
                    r.id().to_owned(),
                    r.display_name().map(str::to_owned),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                (2, "L1".into(), Some("Acme, Ltd".into())),
                (6, "L2".into(), Some("Bob \"B\" J".into())),
                (9, "L5".into(), Some("cr\r".into())),
                (10, "L6".into(), Some("last".into())),
            ]
        );
        let probs: Vec<_> = whole.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            probs,
            [
                "line 7: unknown kind `robot` (expected person, organization or organisation)",
                "line 8: text after a closing quote"
            ]
        );
        for size in 1..12 {
            let mut p = CsvTableParser::new();
            for chunk in text.chunks(size) {
                p.push(chunk).unwrap();
            }
            let t = p.finish().unwrap();
            assert_eq!(t.text, whole.text, "chunks of {size}");
            assert_eq!(t.bounds, whole.bounds);
            assert_eq!(t.lines, whole.lines);
            assert_eq!(t.problems, whole.problems);
        }
    }

    #[test]
    fn whole_input_errors() {
        assert_eq!(parse_csv(b"").unwrap_err(), CsvError::Empty);
        assert_eq!(parse_csv(b"\xef\xbb\xbf").unwrap_err(), CsvError::Empty);
        assert_eq!(
            parse_csv(b"name,email\nx,y\n").unwrap_err(),
            CsvError::NoIdColumn
        );
        assert_eq!(
            parse_csv(b"\"id\n").unwrap_err().to_string(),
            "line 1: bad header: unterminated quoted field"
        );
        assert!(parse_csv(b"id").unwrap().is_empty());
    }
}
