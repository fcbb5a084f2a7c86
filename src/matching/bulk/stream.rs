//! The remote side streamed: rows decided a chunk at a time as they are
//! parsed, only their ids and lines kept.

use crate::error::Error;
use crate::matching::index::{BatchBuilder, BatchViews, ExistingLinks, MatchIndex};
use crate::matching::par;

use super::csv::CsvTableParser;
use super::problems::{CsvError, MalformedRow, RowProblem};
use super::table::{CsvTable, LineMap};

/// Rows decided at a time by [`CsvClassifier::push`].
pub const CHUNK_ROWS: usize = 1 << 14;

/// Why a streamed classification stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The input is not a usable table.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// The matcher refused the batch (past its limits).
    #[error(transparent)]
    Match(#[from] Error),
}

/// Classifies the rows of a CSV listing against an index while the bytes
/// are pushed: every 16,384 rows are decided (on every core with the
/// `parallel` feature) and only their ids and lines kept, the parse
/// buffers reused. Decisions are those of
/// [`classify_table`](super::classify_table) over the whole table, rows
/// with a repeated id skipped the same way.
///
/// ```
/// use ledgerlink::matching::bulk::{CsvClassifier, ResultsCsv, index_table, parse_csv};
/// use ledgerlink::{ExistingLinks, MatchIndexBuilder, Profile};
/// let mut locals = parse_csv(b"id,name,email\nK1,Acme,a@acme.test\n")?;
/// let (index, _) = index_table(&MatchIndexBuilder::new(Profile::XeroGl), &mut locals)?;
/// let links = ExistingLinks::new();
/// let mut remotes = CsvClassifier::new(&index, &links);
/// remotes.push(b"id,name,email\nX1,ACME,a@acme.test\nX2,Other,")?;
/// remotes.push(b"o@x.test\nX1,Again,b@x.test\n")?;
/// let done = remotes.finish()?;
/// assert_eq!(done.duplicates()[0].line, 4);
/// let mut out = Vec::new();
/// ResultsCsv::new().format_streamed(done.views(), 0..done.views().len(), &mut out);
/// assert_eq!(out, b"X1,full,K1,name+email\nX2,none,,\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CsvClassifier<'a> {
    parser: CsvTableParser,
    batch: BatchBuilder<'a>,
    /// The line of every row handed to the batch.
    lines: LineMap,
    /// The current chunk (buffers reused).
    chunk: CsvTable,
    /// The whole input's length, when known (see
    /// [`CsvClassifier::size_hint`]); 0 once used.
    input_bytes: u64,
}

impl std::fmt::Debug for CsvClassifier<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvClassifier")
            .field("parser", &self.parser)
            .field("decided", &self.batch.len())
            .finish_non_exhaustive()
    }
}

impl<'a> CsvClassifier<'a> {
    /// A classifier of remote rows against `index`, with `links`.
    #[must_use]
    pub fn new(index: &'a MatchIndex, links: &'a ExistingLinks) -> Self {
        Self {
            parser: CsvTableParser::new(),
            batch: index.batch_builder(links),
            lines: LineMap::default(),
            chunk: CsvTable::default(),
            input_bytes: 0,
        }
    }

    /// Tells the classifier how long the whole input is: once the first
    /// rows are read, room for the rows and ids expected (from the bytes
    /// per row so far, plus a twentieth) is made at once instead of the
    /// buffers growing and moving as they fill (see
    /// [`BatchBuilder::reserve`](crate::matching::BatchBuilder::reserve)).
    /// Only memory use depends on it, never a result.
    pub fn size_hint(&mut self, input_bytes: u64) {
        self.input_bytes = input_bytes;
    }

    /// Reserves for the whole input, estimated from the rows of the first
    /// chunk (once): `read`, the input's bytes parsed to the end of
    /// `chunk`.
    fn reserve_once(&mut self, read: u64) {
        reserve_for(&mut self.batch, &mut self.input_bytes, &self.chunk, read);
    }

    /// Bytes pushed so far.
    #[must_use]
    pub fn bytes_pushed(&self) -> u64 {
        self.parser.bytes_pushed()
    }

    /// Parses the next bytes, deciding the rows read once a chunk is full.
    ///
    /// # Errors
    /// [`StreamError::Csv`] as [`CsvTableParser::push`];
    /// [`StreamError::Match`] past the matcher's limits.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), StreamError> {
        self.parser.push(bytes)?;
        if self.parser.rows() >= CHUNK_ROWS {
            self.parser.take_rows(&mut self.chunk);
            self.reserve_once(self.parser.bytes_pushed());
            self.decide()?;
        }
        Ok(())
    }

    /// Decides every row parsed so far while `parse_more` parses the next
    /// ones into the parser (on two threads with the `parallel` feature;
    /// one after the other without), and returns what it returned: a
    /// caller driving the input itself overlaps parsing and matching. The
    /// two share nothing but buffers, swapped between turns.
    ///
    /// # Errors
    /// [`StreamError::Match`] past the matcher's limits (`parse_more` has
    /// run).
    pub fn decide_while<T: Send>(
        &mut self,
        parse_more: impl FnOnce(&mut CsvTableParser) -> T + Send,
    ) -> Result<T, StreamError> {
        self.parser.take_rows(&mut self.chunk);
        self.reserve_once(self.parser.bytes_pushed());
        let Self {
            parser,
            batch,
            lines,
            chunk,
            ..
        } = self;
        let (decided, more) = par::join(
            || {
                lines.append(&chunk.lines, 0);
                batch.push(&chunk.records())
            },
            || parse_more(parser),
        );
        decided?;
        Ok(more)
    }

    fn decide(&mut self) -> Result<(), StreamError> {
        self.batch.push(&self.chunk.records())?;
        self.lines.append(&self.chunk.lines, 0);
        Ok(())
    }

    /// Decides rows parsed elsewhere: the next rows of the input, taken
    /// from a [`CsvTableParser`] of it with
    /// [`CsvTableParser::take_rows`] (such as a parser reading ahead on
    /// another thread while the index is built: see
    /// `bulk_io::ReadAhead`). `read` is the input's bytes parsed to the end
    /// of these rows, for [`CsvClassifier::size_hint`] (0: unknown). End
    /// with [`CsvClassifier::finish_rows`]; a classifier given rows this
    /// way is not pushed bytes.
    ///
    /// # Errors
    /// [`StreamError::Match`] past the matcher's limits.
    pub fn push_rows(&mut self, rows: &CsvTable, read: u64) -> Result<(), StreamError> {
        reserve_for(&mut self.batch, &mut self.input_bytes, rows, read);
        self.batch.push(&rows.records())?;
        self.lines.append(&rows.lines, 0);
        Ok(())
    }

    /// Ends the input and settles the batch.
    ///
    /// # Errors
    /// As [`CsvClassifier::push`], and [`CsvError::Empty`] without a
    /// header row.
    pub fn finish(self) -> Result<ClassifiedCsv<'a>, StreamError> {
        let Self {
            parser,
            batch,
            lines,
            ..
        } = self;
        settle(batch, lines, parser.finish()?)
    }

    /// [`CsvClassifier::finish`] for rows parsed elsewhere (see
    /// [`CsvClassifier::push_rows`]): `rest` is what
    /// [`CsvTableParser::finish`] gave, the last rows and every problem
    /// found while parsing.
    ///
    /// # Errors
    /// [`StreamError::Match`] past the matcher's limits.
    pub fn finish_rows(self, rest: CsvTable) -> Result<ClassifiedCsv<'a>, StreamError> {
        settle(self.batch, self.lines, rest)
    }
}

/// Decides the last rows (`rest`, with every problem found while parsing)
/// and settles the batch.
fn settle<'a>(
    mut batch: BatchBuilder<'a>,
    mut lines: LineMap,
    mut rest: CsvTable,
) -> Result<ClassifiedCsv<'a>, StreamError> {
    let problems = std::mem::take(&mut rest.problems);
    batch.push(&rest.records())?;
    lines.append(&rest.lines, 0);
    drop(rest);
    let (views, dropped) = batch.finish_dropping_duplicates();
    let line = |i: usize| lines.get(i);
    let duplicates = dropped
        .iter()
        .map(|&(later, first)| RowProblem {
            line: line(later),
            reason: MalformedRow::DuplicateId {
                // The first row is kept, moved up by the rows dropped
                // before it.
                id: views
                    .remote_id(first - dropped.partition_point(|d| d.0 < first))
                    .unwrap_or_default()
                    .to_owned(),
                first_line: line(first),
            },
        })
        .collect();
    Ok(ClassifiedCsv {
        views,
        problems,
        duplicates,
    })
}

/// Reserves room in `batch` for the whole input (of `total` bytes, set to
/// 0 once used), estimated from `chunk`, whose rows end `read` bytes in:
/// its rows and id bytes scaled up, plus a twentieth.
fn reserve_for(batch: &mut BatchBuilder<'_>, total: &mut u64, chunk: &CsvTable, read: u64) {
    let rows = chunk.len();
    if *total == 0 || read == 0 || rows == 0 {
        return;
    }
    let all = std::mem::take(total);
    let ids: usize = (0..rows)
        .filter_map(|i| chunk.record(i))
        .map(|r| r.id().len())
        .sum();
    let scale = |n: usize| {
        let est = (n as u128).saturating_mul(u128::from(all)) / u128::from(read);
        usize::try_from(est + est / 20).unwrap_or(usize::MAX)
    };
    batch.reserve(scale(rows), scale(ids));
}

/// A streamed classification: the decisions (with the remote ids), the
/// rows skipped while parsing and the rows skipped for a repeated id.
#[derive(Debug)]
pub struct ClassifiedCsv<'a> {
    views: BatchViews<'a>,
    problems: Vec<RowProblem>,
    duplicates: Vec<RowProblem>,
}

impl<'a> ClassifiedCsv<'a> {
    /// Every decision, in input order (rows skipped left out), with
    /// [`BatchViews::remote_id`].
    #[must_use]
    pub fn views(&self) -> &BatchViews<'a> {
        &self.views
    }

    /// Rows skipped while parsing, in input order.
    #[must_use]
    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }

    /// Rows skipped because an earlier row has their id, in input order.
    #[must_use]
    pub fn duplicates(&self) -> &[RowProblem] {
        &self.duplicates
    }

    /// The decisions, for callers done with the problems.
    #[must_use]
    pub fn into_views(self) -> BatchViews<'a> {
        self.views
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::bulk::{ResultsCsv, index_table, parse_csv};
    use crate::{MatchIndexBuilder, Profile};

    #[test]
    fn a_size_hint_changes_no_result() {
        let mut locals =
            parse_csv(b"id,name,email\nK1,Acme,a@acme.test\nK2,Bo,b@x.test\n").unwrap();
        let (index, _) =
            index_table(&MatchIndexBuilder::new(Profile::XeroGl), &mut locals).unwrap();
        let links = ExistingLinks::new();
        let mut input = b"id,name,email\n".to_vec();
        for i in 0..10_000 {
            input.extend_from_slice(
                format!("X{i},Acme,a@acme.test\nY{i},Bo,o{i}@x.test\n").as_bytes(),
            );
        }
        input.extend_from_slice(b"X7,Again,a@acme.test\n");
        let run = |hint: u64| {
            let mut c = CsvClassifier::new(&index, &links);
            c.size_hint(hint);
            for part in input.chunks(1000) {
                c.push(part).unwrap();
            }
            let done = c.finish().unwrap();
            let mut out = Vec::new();
            ResultsCsv::new().format_streamed(done.views(), 0..done.views().len(), &mut out);
            (out, done.duplicates().to_vec())
        };
        let plain = run(0);
        assert_eq!(plain.1.len(), 1);
        assert_eq!(plain.0.iter().filter(|&&b| b == b'\n').count(), 20_000);
        for hint in [1, input.len() as u64 / 3, input.len() as u64, u64::MAX] {
            assert_eq!(run(hint), plain, "hint {hint}");
        }
    }
}
