//! A parsed CSV listing held compactly: only the fields the matcher reads,
//! end to end in one string, and the rows that could not be read.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

use crate::matching::MatchRecord;
use crate::model::ContactKind;

use super::problems::{CsvError, MalformedRow, RowProblem};

/// Fields kept per row, in this order in [`CsvTable`]'s text.
pub(super) const ID: usize = 0;
pub(super) const NAME: usize = 1;
pub(super) const FIRST: usize = 2;
pub(super) const LAST: usize = 3;
pub(super) const COMPANY: usize = 4;
pub(super) const EMAIL: usize = 5;
pub(super) const SLOTS: usize = 6;

/// The rows of a CSV listing, parsed by
/// [`CsvTableParser`](super::CsvTableParser): for each row its id, name,
/// first and last name, company name and email (the columns `id`, `name`,
/// `first_name`, `last_name`, `company_name`, `email`), its `kind` and the
/// line it starts on. Other columns are not kept.
///
/// Read the rows as [`MatchRecord`]s with [`CsvTable::records`].
#[derive(Clone, Default)]
pub struct CsvTable {
    /// The kept fields of every row, end to end.
    pub(super) text: String,
    /// Field boundaries in `text`: row `i`'s field `k` is
    /// `bounds[SLOTS * i + k]..bounds[SLOTS * i + k + 1]`.
    pub(super) bounds: Vec<u32>,
    /// The line each row starts on.
    pub(super) lines: LineMap,
    pub(super) kinds: Vec<Option<ContactKind>>,
    pub(super) problems: Vec<RowProblem>,
}

impl fmt::Debug for CsvTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsvTable")
            .field("rows", &self.len())
            .field("problems", &self.problems.len())
            .finish_non_exhaustive()
    }
}

impl CsvTable {
    /// A table without rows (what [`Default`] gives, in a constant).
    pub(super) const EMPTY: Self = Self {
        text: String::new(),
        bounds: Vec::new(),
        lines: LineMap {
            breaks: Vec::new(),
            rows: 0,
        },
        kinds: Vec::new(),
        problems: Vec::new(),
    };

    /// Number of rows read.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no row was read.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Records the problem of the row at `line`, if it has one.
    pub(super) fn note(&mut self, line: u64, problem: Option<MalformedRow>) {
        if let Some(reason) = problem {
            self.problems.push(RowProblem { line, reason });
        }
    }

    /// The rows skipped so far, in the order they were found (input order
    /// while parsing; duplicates found later are appended).
    #[must_use]
    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }

    /// Row `i`.
    #[must_use]
    pub fn record(&self, i: usize) -> Option<CsvRecord<'_>> {
        (i < self.len()).then_some(CsvRecord { table: self, i })
    }

    /// Row `i`, unchecked: past the end, a row of blank fields.
    pub(super) fn row(&self, i: usize) -> CsvRecord<'_> {
        CsvRecord { table: self, i }
    }

    /// Every row, in input order, ready for
    /// [`MatchIndex::new`](crate::MatchIndex::new) or a batch
    /// classification (16 bytes a row).
    #[must_use]
    pub fn records(&self) -> Vec<CsvRecord<'_>> {
        (0..self.len())
            .map(|i| CsvRecord { table: self, i })
            .collect()
    }

    /// Bytes held on the heap.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.bounds.capacity() * std::mem::size_of::<u32>()
            + self.lines.heap_bytes()
            + self.kinds.capacity() * std::mem::size_of::<Option<ContactKind>>()
    }

    #[inline]
    fn field(&self, i: usize, slot: usize) -> &str {
        let k = SLOTS * i + slot;
        match (self.bounds.get(k), self.bounds.get(k + 1)) {
            (Some(&a), Some(&b)) => self.text.get(a as usize..b as usize).unwrap_or_default(),
            _ => "",
        }
    }

    /// Counts the lines of a table parsed from a later part of an input
    /// (see [`CsvTableParser::continuation`](super::CsvTableParser::continuation))
    /// from the input's start: every row's and problem's line moves down
    /// by `lines_before`, the line feeds before that part. For keeping the
    /// parts of an input apart instead of joining them with
    /// [`CsvTable::append`] (see
    /// [`index_tables_owned`](super::index_tables_owned)).
    pub fn shift_lines(&mut self, lines_before: u64) {
        let mut lines = LineMap::default();
        lines.append(&self.lines, lines_before);
        self.lines = lines;
        for p in &mut self.problems {
            p.line = p.line.saturating_add(lines_before);
        }
    }

    /// Appends the rows and problems of `rest`, a table of the input that
    /// follows this one's (see
    /// [`CsvTableParser::continuation`](super::CsvTableParser::continuation)),
    /// whose lines count from `lines_before` (the line feeds before it).
    ///
    /// # Errors
    /// [`CsvError::TooLarge`] past 4 GiB of
    /// kept fields; nothing is appended then.
    pub fn append(&mut self, rest: Self, lines_before: u64) -> Result<(), CsvError> {
        let shift = u32::try_from(self.text.len()).map_err(|_| CsvError::TooLarge)?;
        let end =
            u32::try_from(self.text.len() + rest.text.len()).map_err(|_| CsvError::TooLarge)?;
        if end < shift {
            return Err(CsvError::TooLarge);
        }
        if self.bounds.is_empty() {
            self.bounds.push(0);
        }
        self.text.reserve_exact(rest.text.len());
        self.bounds.reserve_exact(rest.bounds.len());
        self.kinds.reserve_exact(rest.kinds.len());
        self.text.push_str(&rest.text);
        self.bounds
            .extend(rest.bounds.iter().skip(1).map(|b| b.saturating_add(shift)));
        self.lines.append(&rest.lines, lines_before);
        self.kinds.extend_from_slice(&rest.kinds);
        self.problems.extend(rest.problems.into_iter().map(|mut p| {
            p.line = p.line.saturating_add(lines_before);
            p
        }));
        Ok(())
    }

    /// Removes every row whose id was seen on an earlier row, keeps the
    /// first, and returns (and records in [`CsvTable::problems`]) one
    /// problem per removed row, in input order.
    pub fn remove_duplicate_ids(&mut self) -> Vec<RowProblem> {
        let mut keep = vec![true; self.len()];
        let mut found = Vec::new();
        {
            let mut seen: HashMap<&str, u64> = HashMap::with_capacity(self.len());
            for (i, kept) in keep.iter_mut().enumerate() {
                let line = self.lines.get(i);
                match seen.entry(self.field(i, ID)) {
                    Entry::Occupied(e) => {
                        *kept = false;
                        found.push(RowProblem {
                            line,
                            reason: MalformedRow::DuplicateId {
                                id: (*e.key()).to_owned(),
                                first_line: *e.get(),
                            },
                        });
                    }
                    Entry::Vacant(e) => {
                        e.insert(line);
                    }
                }
            }
        }
        if found.is_empty() {
            return found;
        }
        let mut next = Self {
            problems: std::mem::take(&mut self.problems),
            ..Self::default()
        };
        next.bounds.push(0);
        for (i, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
            for slot in 0..SLOTS {
                next.text.push_str(self.field(i, slot));
                // Never past the old text, which fit in u32.
                #[allow(clippy::cast_possible_truncation)]
                next.bounds.push(next.text.len() as u32);
            }
            next.lines.push(self.lines.get(i));
            next.kinds.push(self.kinds.get(i).copied().flatten());
        }
        next.problems.extend(found.iter().cloned());
        *self = next;
        found
    }
}

/// One row of a [`CsvTable`], read as a [`MatchRecord`]. Blank fields read
/// as absent.
#[derive(Clone, Copy)]
pub struct CsvRecord<'a> {
    table: &'a CsvTable,
    i: usize,
}

impl fmt::Debug for CsvRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsvRecord")
            .field("line", &self.line())
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

impl<'a> CsvRecord<'a> {
    /// 1-based line on which the row starts.
    #[must_use]
    pub fn line(&self) -> u64 {
        self.table.lines.get(self.i)
    }

    /// The row's position in its table.
    #[must_use]
    pub fn position(&self) -> usize {
        self.i
    }

    /// The id, as written.
    #[must_use]
    pub fn id(&self) -> &'a str {
        self.table.field(self.i, ID)
    }

    #[inline]
    fn present(&self, slot: usize) -> Option<&'a str> {
        let v = self.table.field(self.i, slot);
        (!v.is_empty()).then_some(v)
    }
}

impl MatchRecord for CsvRecord<'_> {
    fn record_id(&self) -> &str {
        self.id()
    }
    fn kind(&self) -> Option<ContactKind> {
        self.table.kinds.get(self.i).copied().flatten()
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

/// The line each row starts on, kept as the rows where a line does not
/// follow the last row's (a blank line or a quoted line break between
/// them): a plain listing needs one entry, not eight bytes a row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct LineMap {
    /// (row, its line), rows ascending.
    breaks: Vec<(usize, u64)>,
    rows: usize,
}

impl LineMap {
    /// Rows held.
    pub(super) fn len(&self) -> usize {
        self.rows
    }

    pub(super) fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub(super) fn clear(&mut self) {
        self.breaks.clear();
        self.rows = 0;
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.breaks.capacity() * std::mem::size_of::<(usize, u64)>()
    }

    pub(super) fn shrink_to_fit(&mut self) {
        self.breaks.shrink_to_fit();
    }

    /// The next row starts on `line`.
    pub(super) fn push(&mut self, line: u64) {
        let follows = self
            .breaks
            .last()
            .is_some_and(|&(r, l)| l.checked_add((self.rows - r) as u64) == Some(line));
        if !follows {
            self.breaks.push((self.rows, line));
        }
        self.rows += 1;
    }

    /// Appends the rows of `rest`, their lines moved down by `shift`.
    pub(super) fn append(&mut self, rest: &Self, shift: u64) {
        for (k, &(r, l)) in rest.breaks.iter().enumerate() {
            let end = rest.breaks.get(k + 1).map_or(rest.rows, |b| b.0);
            let line = l.saturating_add(shift);
            // The first row of each run, then the rest follow on.
            self.push(line);
            // The rest of the run follows that row's line.
            self.rows += end.saturating_sub(r + 1);
        }
    }

    /// The line of row `i` (0 past the end).
    pub(super) fn get(&self, i: usize) -> u64 {
        if i >= self.rows {
            return 0;
        }
        let k = self.breaks.partition_point(|&(r, _)| r <= i);
        match k.checked_sub(1).and_then(|k| self.breaks.get(k)) {
            Some(&(r, l)) => l.saturating_add((i - r) as u64),
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LineMap;

    #[test]
    fn line_map_gives_back_every_line() {
        let lines = [2u64, 3, 4, 7, 8, 12, 13, 14, 15, 20];
        let mut map = LineMap::default();
        for &l in &lines[..4] {
            map.push(l);
        }
        let mut rest = LineMap::default();
        for &l in &lines[4..] {
            rest.push(l - 5);
        }
        map.append(&rest, 5);
        assert_eq!(map.breaks.len(), 4);
        assert_eq!(map.len(), lines.len());
        for (i, &l) in lines.iter().enumerate() {
            assert_eq!(map.get(i), l, "row {i}");
        }
        assert_eq!(map.get(lines.len()), 0);
        let mut whole = LineMap::default();
        whole.append(&map, 0);
        assert_eq!(whole, map);
    }
}
