//! Indexing and classifying whole tables, with rows of repeated ids
//! reported and skipped instead of failing the batch.

use crate::error::Result;
use crate::matching::index::{
    BatchViews, ExistingLinks, MatchIndex, MatchIndexBuilder, Normalised,
};

use super::problems::{MalformedRow, RowProblem};
use super::table::{CsvRecord, CsvTable};

/// Builds the index over a table of local contacts. Should two rows share
/// an id, every later one is removed from the table (the first kept) and
/// returned as a [`RowProblem`], and the index built from the rest (the
/// repeats are found before anything is indexed: the table is indexed
/// once either way).
///
/// # Errors
/// As [`MatchIndexBuilder::build`], duplicate ids aside.
pub fn index_table(
    builder: &MatchIndexBuilder,
    table: &mut CsvTable,
) -> Result<(MatchIndex, Vec<RowProblem>)> {
    let (keys, dropped) = normalise(builder, table)?;
    let index = builder.clone().assemble(keys)?;
    let dups = if dropped.is_empty() {
        Vec::new()
    } else {
        // The same rows: every later row with an earlier row's id.
        table.remove_duplicate_ids()
    };
    Ok((index, dups))
}

/// [`index_table`] for tables not needed afterwards: the consecutive
/// parts of one listing (one table, or the parts of an input parsed at
/// once, their lines counted from the input's start: see
/// [`CsvTable::shift_lines`]), indexed as the one table they make,
/// without joining them. They are freed as soon as their rows are
/// normalised, before the index's tables are built, so a build never
/// holds the whole listing and the whole index at once. Returns the index,
/// the rows skipped while parsing (part by part) and those left out for a
/// repeated id, as [`index_table`] reports them.
///
/// # Errors
/// As [`index_table`].
///
/// ```
/// use ledgerlink::matching::bulk::{index_tables_owned, parse_csv};
/// use ledgerlink::{MatchIndexBuilder, Profile};
/// let head = parse_csv(b"id,name\nK1,Acme\n")?;
/// let mut tail = parse_csv(b"id,name\nK2,Bo\nK1,Again\n")?;
/// // The second part's rows were lines 3 and 4 of the listing.
/// tail.shift_lines(1);
/// let builder = MatchIndexBuilder::new(Profile::Qbo);
/// let (index, problems, repeated) = index_tables_owned(&builder, vec![head, tail])?;
/// assert_eq!((index.len(), problems.len(), repeated[0].line), (2, 0, 4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn index_tables_owned(
    builder: &MatchIndexBuilder,
    mut tables: Vec<CsvTable>,
) -> Result<(MatchIndex, Vec<RowProblem>, Vec<RowProblem>)> {
    let parts = Parts::new(&tables);
    let (keys, dropped) = builder.normalise_dropping_duplicates(
        parts.len(),
        |i| parts.row(i),
        |i| parts.row(i).id(),
    )?;
    let repeated = dropped
        .iter()
        .map(|&(later, first)| RowProblem {
            line: parts.row(later).line(),
            reason: MalformedRow::DuplicateId {
                id: parts.row(first).id().to_owned(),
                first_line: parts.row(first).line(),
            },
        })
        .collect();
    let problems = tables
        .iter_mut()
        .flat_map(|t| std::mem::take(&mut t.problems))
        .collect();
    drop(tables);
    let index = builder.clone().assemble(keys)?;
    Ok((index, problems, repeated))
}

/// Consecutive tables read as one.
struct Parts<'t> {
    tables: &'t [CsvTable],
    /// Where each table's rows start, and the end.
    starts: Vec<usize>,
}

impl<'t> Parts<'t> {
    fn new(tables: &'t [CsvTable]) -> Self {
        let mut starts = vec![0];
        let mut n = 0;
        for t in tables {
            n += t.len();
            starts.push(n);
        }
        Self { tables, starts }
    }

    fn len(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// Row `i` of them all (past the end: a row of blank fields).
    fn row(&self, i: usize) -> CsvRecord<'t> {
        let k = self.starts.partition_point(|&s| s <= i).saturating_sub(1);
        match (self.tables.get(k), self.starts.get(k)) {
            (Some(t), Some(&s)) => t.row(i - s),
            _ => EMPTY.row(0),
        }
    }
}

/// The table rows past the end are read from.
static EMPTY: CsvTable = CsvTable::EMPTY;

/// The keys of a table's rows, those with a repeated id left out (see
/// [`MatchIndexBuilder::normalise_dropping_duplicates`]).
fn normalise(
    builder: &MatchIndexBuilder,
    table: &CsvTable,
) -> Result<(Normalised, Vec<(usize, usize)>)> {
    builder.normalise_dropping_duplicates(table.len(), |i| table.row(i), |i| table.row(i).id())
}

/// Classifies every row of a table of remote records (see
/// [`MatchIndex::classify_batch_views`]); rows with a repeated id are
/// removed and returned as in [`index_table`] (they are looked for while
/// the rows are decided, and a table with some is still decided once).
/// Read the decisions in input order (positions are the table's rows
/// after that removal) with [`BatchViews::get`] or format them with
/// [`ResultsCsv`](super::ResultsCsv).
///
/// # Errors
/// As [`MatchIndex::classify_batch`], duplicate ids aside.
pub fn classify_table<'i>(
    index: &'i MatchIndex,
    table: &mut CsvTable,
    links: &ExistingLinks,
) -> Result<(BatchViews<'i>, Vec<RowProblem>)> {
    let (views, dropped) = index.classify_batch_views_dropping(&table.records(), links)?;
    let dups = if dropped.is_empty() {
        Vec::new()
    } else {
        // The same rows: every later row with an earlier row's id.
        table.remove_duplicate_ids()
    };
    Ok((views, dups))
}
