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
