//! Bulk matching's I/O: a table read from any [`std::io::Read`] the caller
//! opens, and decided batches written to any [`std::io::Write`], a bounded
//! buffer at a time. The parsing, matching and formatting are
//! [`matching::bulk`](crate::matching::bulk)'s, which does no I/O.

use std::io::{self, Read, Write};

use crate::matching::BatchViews;
use crate::matching::bulk::ClassCounts;
use crate::matching::bulk::{CsvError, CsvTable, CsvTableParser, RESULTS_HEADER, ResultsCsv};

/// Bytes read per chunk (one buffer, reused).
pub const READ_CHUNK: usize = 1 << 20;

/// Records formatted per write.
pub const WRITE_STEP: usize = 1 << 17;

/// Why a table could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadTableError {
    /// The reader failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The input is not a usable table.
    #[error("{0}")]
    Csv(#[from] CsvError),
}

/// Reads `reader` to its end into a [`CsvTable`], [`READ_CHUNK`] bytes at
/// a time (the whole input is never held); `progress` is called after each
/// chunk with the bytes read so far.
///
/// # Errors
/// [`ReadTableError::Io`] when reading fails, [`ReadTableError::Csv`] for
/// an input that is not a table (see [`CsvTableParser::finish`]).
///
/// ```
/// use ledgerlink::bulk_io::read_table;
/// let table = read_table(&b"id,name\nA,Ann\n"[..], |_| {})?;
/// assert_eq!(table.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_table<R: Read>(
    mut reader: R,
    mut progress: impl FnMut(u64),
) -> Result<CsvTable, ReadTableError> {
    let mut parser = CsvTableParser::new();
    let mut buf = vec![0; READ_CHUNK];
    // Ends when the reader does (or fails).
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        parser.push(buf.get(..n).unwrap_or_default())?;
        progress(parser.bytes_pushed());
    }
    Ok(parser.finish()?)
}

/// Writes the results header and a row per decision of `views` (whose
/// records are `remotes`' rows), in input order, [`WRITE_STEP`] rows per
/// write; `progress` is called after each write with the rows written.
/// Returns the counts per class.
///
/// # Errors
/// The first write error; what was written before it stays written.
pub fn write_results<W: Write>(
    views: &BatchViews<'_>,
    remotes: &CsvTable,
    mut out: W,
    mut progress: impl FnMut(usize),
) -> io::Result<ClassCounts> {
    let mut csv = ResultsCsv::new();
    let mut buf = Vec::with_capacity(WRITE_STEP * 48);
    buf.extend_from_slice(RESULTS_HEADER.as_bytes());
    let mut start = 0;
    while start < views.len() {
        let end = start.saturating_add(WRITE_STEP).min(views.len());
        csv.format(views, remotes, start..end, &mut buf);
        out.write_all(&buf)?;
        buf.clear();
        progress(end);
        start = end;
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(*csv.counts())
}
