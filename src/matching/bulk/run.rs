//! Indexing and classifying whole tables, with rows of repeated ids
//! reported and skipped instead of failing the batch.

use crate::error::Result;
use crate::matching::index::{BatchViews, ExistingLinks, MatchIndex, MatchIndexBuilder};

use super::problems::RowProblem;
use super::table::CsvTable;

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
    let (index, dropped) = builder
        .clone()
        .build_dropping_duplicates(&table.records())?;
    let dups = if dropped.is_empty() {
        Vec::new()
    } else {
        // The same rows: every later row with an earlier row's id.
        table.remove_duplicate_ids()
    };
    Ok((index, dups))
}

/// [`index_table`] for a table not needed afterwards: it is freed as soon
/// as its rows are normalised, before the index's tables are built, so a
/// build never holds the whole table and the whole index at once (on a
/// million contacts, about a third less memory at its peak). Returns the
/// index, the rows skipped while parsing and those left out for a
/// repeated id, as [`index_table`] returns them.
///
/// # Errors
/// As [`index_table`].
///
/// ```
/// use ledgerlink::matching::bulk::{index_table_owned, parse_csv};
/// use ledgerlink::{MatchIndexBuilder, Profile};
/// let locals = parse_csv(b"id,name\nK1,Acme\nK1,Again\n")?;
/// let builder = MatchIndexBuilder::new(Profile::Qbo);
/// let (index, problems, repeated) = index_table_owned(&builder, locals)?;
/// assert_eq!((index.len(), problems.len(), repeated[0].line), (1, 0, 3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn index_table_owned(
    builder: &MatchIndexBuilder,
    mut table: CsvTable,
) -> Result<(MatchIndex, Vec<RowProblem>, Vec<RowProblem>)> {
    let (keys, dropped) = {
        let records = table.records();
        builder.normalise_dropping_duplicates(&records)?
    };
    let problems = std::mem::take(&mut table.problems);
    let repeated = table.duplicate_problems(&dropped);
    drop(table);
    let index = builder.clone().assemble(keys)?;
    Ok((index, problems, repeated))
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
