//! Bulk matching's I/O: a table read from any [`std::io::Read`] the caller
//! opens, and decided batches written to any [`std::io::Write`], a bounded
//! buffer at a time. The parsing, matching and formatting are
//! [`matching::bulk`](crate::matching::bulk)'s, which does no I/O.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::matching::bulk::{
    CHUNK_ROWS, ClassCounts, ClassifiedCsv, CsvClassifier, CsvError, CsvTable, CsvTableParser,
    RESULTS_HEADER, ResultsCsv, StreamError,
};
use crate::matching::{BatchViews, ExistingLinks, MatchIndex, par};

/// Bytes read per chunk (one buffer, reused).
pub const READ_CHUNK: usize = 1 << 20;

/// Records formatted per write.
pub const WRITE_STEP: usize = 1 << 15;

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
    pump(&mut parser, &mut reader, &mut buf, &mut progress)?;
    Ok(parser.finish()?)
}

/// Reads `reader` to its end into `parser`; `progress` gets the bytes
/// pushed so far.
fn pump(
    parser: &mut CsvTableParser,
    reader: &mut impl Read,
    buf: &mut [u8],
    progress: &mut impl FnMut(u64),
) -> Result<(), ReadTableError> {
    // Ends when the reader does (or fails).
    loop {
        let n = read_some(reader, buf)?;
        if n == 0 {
            return Ok(());
        }
        parser.push(buf.get(..n).unwrap_or_default())?;
        progress(parser.bytes_pushed());
    }
}

/// Where to split an input of `len` bytes: just after the first line feed
/// past the middle, found within 64 KiB and not followed by a byte-order
/// mark (which a new parser would skip). `tail` is moved there.
fn split_point<R: Read + Seek>(tail: &mut R, len: u64) -> io::Result<Option<u64>> {
    let mid = len / 2;
    tail.seek(SeekFrom::Start(mid))?;
    let mut buf = vec![0; 1 << 16];
    let mut filled = 0;
    // At most 64 KiB.
    while filled < buf.len() {
        match read_some(tail, buf.get_mut(filled..).unwrap_or_default())? {
            0 => break,
            n => filled += n,
        }
    }
    let seen = buf.get(..filled).unwrap_or_default();
    let Some(k) = seen.iter().position(|&b| b == b'\n') else {
        return Ok(None);
    };
    let after = seen.get(k + 1..).unwrap_or_default();
    if after.len() < 3 || after.starts_with(b"\xef\xbb\xbf") {
        return Ok(None);
    }
    let split = mid + k as u64 + 1;
    tail.seek(SeekFrom::Start(split))?;
    Ok(Some(split))
}

/// [`read_table`] in two halves at once (on two threads with the
/// `parallel` feature) for an input that can be read from two places, such
/// as a file opened twice: `head` and `tail` read the same input from its
/// start. The input is split at a line feed near its middle; when the
/// first half ends at a row boundary the halves' tables are joined,
/// otherwise (a quoted line break at the split) the first parser reads on
/// through the second half. The table is the same as [`read_table`]'s
/// either way. `progress` gets the bytes read by both halves.
///
/// # Errors
/// As [`read_table`]; seeking errors are [`ReadTableError::Io`].
pub fn read_table_split<R: Read + Seek + Send>(
    head: R,
    tail: R,
    progress: impl Fn(u64) + Sync,
) -> Result<CsvTable, ReadTableError> {
    let mut parts = read_table_parts(head, tail, progress)?.into_iter();
    let mut table = parts.next().unwrap_or_default();
    for rest in parts {
        // Its lines already count from the input's start.
        table.append(rest, 0)?;
    }
    Ok(table)
}

/// [`read_table_split`] without joining the halves: the input's rows as
/// one table, or as two (the halves, lines counted from the input's
/// start) when it was read in two; for
/// [`index_tables_owned`](crate::matching::bulk::index_tables_owned),
/// which indexes them as one without the copy a join makes.
///
/// # Errors
/// As [`read_table_split`].
pub fn read_table_parts<R: Read + Seek + Send>(
    head: R,
    mut tail: R,
    progress: impl Fn(u64) + Sync,
) -> Result<Vec<CsvTable>, ReadTableError> {
    let len = tail.seek(SeekFrom::End(0))?;
    let split = if len >= 2 * READ_CHUNK as u64 {
        split_point(&mut tail, len)?
    } else {
        None
    };
    let mut head = head;
    let Some(split) = split else {
        return Ok(vec![read_table(head, progress)?]);
    };
    let mut a = CsvTableParser::new();
    let mut buf = vec![0; READ_CHUNK];
    let mut head_part = head.by_ref().take(split);
    let (read_a, read_b) = (AtomicU64::new(0), AtomicU64::new(0));
    let report = |side: &AtomicU64, n: u64| {
        side.store(n, Ordering::Relaxed);
        progress(read_a.load(Ordering::Relaxed) + read_b.load(Ordering::Relaxed));
    };
    // The first part's start, until the header is known.
    let mut b = None;
    while b.is_none() {
        let n = read_some(&mut head_part, &mut buf)?;
        if n == 0 {
            break;
        }
        a.push(buf.get(..n).unwrap_or_default())?;
        report(&read_a, a.bytes_pushed());
        b = a.continuation();
    }
    let Some(mut b) = b else {
        // No header in the whole first half: read on.
        pump(&mut a, &mut head, &mut buf, &mut |n| report(&read_a, n))?;
        return Ok(vec![a.finish()?]);
    };
    let (first, second) = par::join(
        || {
            pump(&mut a, &mut head_part, &mut buf, &mut |n| {
                report(&read_a, n);
            })
        },
        || {
            let mut buf = vec![0; READ_CHUNK];
            pump(&mut b, &mut tail, &mut buf, &mut |n| report(&read_b, n))
        },
    );
    first?;
    if a.at_row_start() {
        second?;
        let lines = a.lines_read();
        let first = a.finish()?;
        let mut rest = b.finish()?;
        rest.shift_lines(lines);
        return Ok(vec![first, rest]);
    }
    // A row spans the split: the second half was read from inside it.
    drop(b);
    read_b.store(0, Ordering::Relaxed);
    pump(&mut a, &mut head, &mut buf, &mut |n| report(&read_a, n))?;
    Ok(vec![a.finish()?])
}

/// Why a streamed classification from a reader stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifyReadError {
    /// The reader failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The input is not a usable table, or the matcher refused it.
    #[error("{0}")]
    Stream(#[from] StreamError),
}

/// Reads remote records from `reader` to its end and classifies them
/// against `index` as they come ([`CsvClassifier`]: a chunk of rows decided
/// at a time, only ids kept), [`READ_CHUNK`] bytes at a time; `progress` is
/// called after each chunk with the bytes read so far.
///
/// # Errors
/// [`ClassifyReadError::Io`] when reading fails,
/// [`ClassifyReadError::Stream`] as [`CsvClassifier::finish`].
///
/// ```
/// use ledgerlink::bulk_io::{classify_read, read_table};
/// use ledgerlink::matching::bulk::index_table;
/// use ledgerlink::{ExistingLinks, MatchIndexBuilder, Profile};
/// let mut locals = read_table(&b"id,name,email\nK1,Acme,a@acme.test\n"[..], |_| {})?;
/// let (index, _) = index_table(&MatchIndexBuilder::new(Profile::Xpm), &mut locals)?;
/// let links = ExistingLinks::new();
/// let done = classify_read(&b"id,name,email\nX1,Acme,a@acme.test\n"[..], &index, &links, |_| {})?;
/// assert_eq!(done.views().remote_id(0), Some("X1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn classify_read<'a, R: Read + Send>(
    reader: R,
    index: &'a MatchIndex,
    links: &'a ExistingLinks,
    progress: impl FnMut(u64) + Send,
) -> Result<ClassifiedCsv<'a>, ClassifyReadError> {
    classify_read_sized(reader, 0, index, links, progress)
}

/// [`classify_read`] of an input whose length is known (a file's size; 0:
/// unknown), so that the buffers kept for the whole input are reserved
/// once instead of growing ([`CsvClassifier::size_hint`]): less memory
/// held for the same results.
///
/// # Errors
/// As [`classify_read`].
pub fn classify_read_sized<'a, R: Read + Send>(
    mut reader: R,
    input_bytes: u64,
    index: &'a MatchIndex,
    links: &'a ExistingLinks,
    mut progress: impl FnMut(u64) + Send,
) -> Result<ClassifiedCsv<'a>, ClassifyReadError> {
    let mut classifier = CsvClassifier::new(index, links);
    classifier.size_hint(input_bytes);
    let mut buf = vec![0; READ_CHUNK];
    // Reads and parses until a chunk of rows is ready or the input ends;
    // true at the end.
    let mut fill = |parser: &mut CsvTableParser| -> Result<bool, ClassifyReadError> {
        // Ends when the reader does (or fails), or a chunk is full.
        while parser.rows() < CHUNK_ROWS {
            let n = read_some(&mut reader, &mut buf)?;
            if n == 0 {
                return Ok(true);
            }
            parser
                .push(buf.get(..n).unwrap_or_default())
                .map_err(StreamError::from)?;
            progress(parser.bytes_pushed());
        }
        Ok(false)
    };
    // Each turn decides the rows of the last while reading the next:
    // bounded by the input.
    while !classifier.decide_while(&mut fill)?? {}
    Ok(classifier.finish()?)
}

/// Chunks of rows ([`CHUNK_ROWS`] or a little more each) that a
/// [`ReadAhead`] parses before the index is there to decide them; it then
/// waits. About 1.7 MiB a chunk of the generated 1,000,000-row listing.
pub const AHEAD_CHUNKS: usize = 16;

/// What a reading thread hands over: a chunk of rows and the bytes parsed
/// to its end.
type Parsed = (CsvTable, u64);

/// The remote file read and parsed on a thread of its own while the
/// caller builds the index ([`classify_read_sized`] cannot start before
/// the index is there): up to [`AHEAD_CHUNKS`] chunks of rows are parsed
/// ahead, and [`ReadAhead::classify`] decides them, then the rest as the
/// thread reads it. Same results as [`classify_read_sized`]; the thread
/// is one of `scope`'s, so it ends with the scope at the latest (dropping
/// the `ReadAhead` stops it at its next chunk). Without the `parallel`
/// feature nothing is started: the input is read by `classify`.
///
/// ```
/// use ledgerlink::bulk_io::{ReadAhead, read_table};
/// use ledgerlink::matching::bulk::index_table;
/// use ledgerlink::{ExistingLinks, MatchIndexBuilder, Profile};
/// let remote = &b"id,name,email\nX1,Acme,a@acme.test\n"[..];
/// std::thread::scope(|scope| {
///     let ahead = ReadAhead::start(scope, remote, 0, |_| {});
///     let mut locals = read_table(&b"id,name,email\nK1,Acme,a@acme.test\n"[..], |_| {})?;
///     let (index, _) = index_table(&MatchIndexBuilder::new(Profile::Xpm), &mut locals)?;
///     let links = ExistingLinks::new();
///     let done = ahead.classify(&index, &links)?;
///     assert_eq!(done.views().remote_id(0), Some("X1"));
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ReadAhead<'scope> {
    input_bytes: u64,
    state: Ahead<'scope>,
}

type Progress<'scope> = Box<dyn FnMut(u64) + Send + 'scope>;

enum Ahead<'scope> {
    /// Not started (without the `parallel` feature).
    #[cfg_attr(feature = "parallel", allow(dead_code))]
    Later(Box<dyn Read + Send + 'scope>, Progress<'scope>),
    /// Reading on its thread.
    #[cfg_attr(not(feature = "parallel"), allow(dead_code))]
    Running {
        ready: std::sync::mpsc::Receiver<Parsed>,
        spare: std::sync::mpsc::Sender<CsvTable>,
        thread: std::thread::ScopedJoinHandle<'scope, Result<Parsed, ClassifyReadError>>,
    },
}

impl std::fmt::Debug for ReadAhead<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadAhead")
            .field("input_bytes", &self.input_bytes)
            .field("running", &matches!(self.state, Ahead::Running { .. }))
            .finish_non_exhaustive()
    }
}

impl<'scope> ReadAhead<'scope> {
    /// Starts reading `reader` (of `input_bytes` bytes, 0: unknown; see
    /// [`classify_read_sized`]) on a thread of `scope`; `progress` is
    /// called there after each read with the bytes read so far.
    pub fn start<'env, R, P>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        reader: R,
        input_bytes: u64,
        progress: P,
    ) -> Self
    where
        R: Read + Send + 'scope,
        P: FnMut(u64) + Send + 'scope,
    {
        #[cfg(feature = "parallel")]
        {
            let (to_caller, ready) = std::sync::mpsc::sync_channel(AHEAD_CHUNKS);
            let (spare, spares) = std::sync::mpsc::channel();
            let thread = scope.spawn(move || read_ahead(reader, progress, &to_caller, &spares));
            Self {
                input_bytes,
                state: Ahead::Running {
                    ready,
                    spare,
                    thread,
                },
            }
        }
        #[cfg(not(feature = "parallel"))]
        {
            let _ = scope;
            Self {
                input_bytes,
                state: Ahead::Later(Box::new(reader), Box::new(progress)),
            }
        }
    }

    /// Classifies the input against `index`: the rows parsed so far, then
    /// the rest as they are read (see [`classify_read`]).
    ///
    /// # Errors
    /// As [`classify_read`]; [`ClassifyReadError::Io`] also should the
    /// reading thread have died.
    pub fn classify<'a>(
        self,
        index: &'a MatchIndex,
        links: &'a ExistingLinks,
    ) -> Result<ClassifiedCsv<'a>, ClassifyReadError> {
        match self.state {
            Ahead::Later(reader, progress) => {
                classify_read_sized(reader, self.input_bytes, index, links, progress)
            }
            Ahead::Running {
                ready,
                spare,
                thread,
            } => {
                let mut classifier = CsvClassifier::new(index, links);
                classifier.size_hint(self.input_bytes);
                // Ends when the thread does (its sender dropped); an
                // error here drops `ready`, which stops it.
                for (rows, read) in &ready {
                    classifier.push_rows(&rows, read)?;
                    // Its buffers go back for the next rows (unless the
                    // thread is done).
                    let _ = spare.send(rows);
                }
                let (rest, _) = thread
                    .join()
                    .map_err(|_| io::Error::other("the reading thread stopped"))??;
                Ok(classifier.finish_rows(rest)?)
            }
        }
    }
}

/// The reading thread: parses `reader` to its end, handing every chunk of
/// rows to `ready` (the tables from `spares` reused), and returns the
/// parser's last rows and problems. Stops early once the caller is gone.
#[cfg_attr(not(feature = "parallel"), allow(dead_code))]
fn read_ahead(
    mut reader: impl Read,
    mut progress: impl FnMut(u64),
    ready: &std::sync::mpsc::SyncSender<Parsed>,
    spares: &std::sync::mpsc::Receiver<CsvTable>,
) -> Result<Parsed, ClassifyReadError> {
    let mut parser = CsvTableParser::new();
    let mut buf = vec![0; READ_CHUNK];
    // Ends when the reader does (or fails), or the caller is gone.
    loop {
        let n = read_some(&mut reader, &mut buf)?;
        if n == 0 {
            break;
        }
        parser
            .push(buf.get(..n).unwrap_or_default())
            .map_err(StreamError::from)?;
        progress(parser.bytes_pushed());
        if parser.rows() >= CHUNK_ROWS {
            let mut rows = spares.try_recv().unwrap_or_default();
            parser.take_rows(&mut rows);
            if ready.send((rows, parser.bytes_pushed())).is_err() {
                // Nobody is waiting for the rows any more.
                return Err(io::Error::other("classification stopped").into());
            }
        }
    }
    let read = parser.bytes_pushed();
    Ok((parser.finish().map_err(StreamError::from)?, read))
}

/// Writes the results header and a row per decision of `views` (whose
/// records are `remotes`' rows), in input order, [`WRITE_STEP`] rows per
/// write (each written while the next is formatted); `progress` is called
/// after each write with the rows written.
/// Returns the counts per class.
///
/// # Errors
/// The first write error; what was written before it stays written.
pub fn write_results<W: Write + Send>(
    views: &BatchViews<'_>,
    remotes: &CsvTable,
    out: W,
    progress: impl FnMut(usize),
) -> io::Result<ClassCounts> {
    write_with(views, out, progress, |csv, range, buf| {
        csv.format(views, remotes, range, buf);
    })
}

/// [`write_results`] for a streamed batch ([`classify_read`]), which holds
/// the remote ids itself.
///
/// # Errors
/// The first write error; what was written before it stays written.
pub fn write_streamed_results<W: Write + Send>(
    views: &BatchViews<'_>,
    out: W,
    progress: impl FnMut(usize),
) -> io::Result<ClassCounts> {
    write_with(views, out, progress, |csv, range, buf| {
        csv.format_streamed(views, range, buf);
    })
}

fn write_with<W: Write + Send>(
    views: &BatchViews<'_>,
    mut out: W,
    mut progress: impl FnMut(usize),
    format: impl Fn(&mut ResultsCsv, std::ops::Range<usize>, &mut Vec<u8>) + Sync,
) -> io::Result<ClassCounts> {
    let mut csv = ResultsCsv::new();
    let mut ready = Vec::with_capacity(WRITE_STEP * 64);
    let mut next = Vec::with_capacity(WRITE_STEP * 64);
    ready.extend_from_slice(RESULTS_HEADER.as_bytes());
    let mut end = WRITE_STEP.min(views.len());
    format(&mut csv, 0..end, &mut ready);
    // Each turn writes one step while the next is formatted (on two
    // threads with the `parallel` feature): bounded by the batch.
    loop {
        let after = end.saturating_add(WRITE_STEP).min(views.len());
        next.clear();
        let (written, ()) = par::join(
            || out.write_all(&ready),
            || format(&mut csv, end..after, &mut next),
        );
        written?;
        progress(end);
        std::mem::swap(&mut ready, &mut next);
        if end >= views.len() {
            break;
        }
        end = after;
    }
    out.flush()?;
    Ok(*csv.counts())
}

/// One `read` of `reader` into `buf`, tried again when interrupted (as
/// `Read::read_to_end` does); 0 at the end.
fn read_some(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            r => return r,
        }
    }
}
