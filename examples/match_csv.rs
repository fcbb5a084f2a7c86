//! Bulk matching from CSV files: every record of a ledger listing
//! classified against the firm's own contacts, in one pass.
//!
//! ```text
//! cargo run --release --features parallel --example match_csv -- --profile <xero|xpm|qbo> \
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
//! email matches, those with the smallest ids. Counts per class and the
//! time of each phase go to stderr, and, on a terminal, a progress line
//! while a run takes more than a second.
//!
//! A malformed row (unterminated quote, wrong number of fields, empty or
//! duplicate id, invalid UTF-8, unknown kind) is reported on stderr with its
//! 1-based line number and skipped. Exit status: 0 on success, 1 when a file
//! cannot be read or written, 2 for bad arguments.
//!
//! Everything but the files is the library's
//! ([`ledgerlink::matching::bulk`], [`ledgerlink::bulk_io`]): the local file
//! is read a megabyte at a time (its two halves at once) into compact
//! tables of the fields matched and indexed; meanwhile the remote file is
//! read and parsed on a thread of its own, a few chunks of rows ahead, and
//! its rows are decided a chunk at a time once the index is built (only
//! their ids kept); the results are written as they are formatted.

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::ffi::OsString;
use std::fs::File;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ledgerlink::bulk_io::{
    ClassifyReadError, ReadAhead, ReadTableError, read_table_parts, write_streamed_results,
};
use ledgerlink::matching::bulk::{CsvTable, RowProblem, StreamError, index_tables_owned};
use ledgerlink::{ExistingLinks, MatchIndexBuilder, NearDuplicateConfig, Profile};

const USAGE: &str = "usage: match_csv --profile <xero|xpm|qbo> --local LOCAL.csv \
--remote REMOTE.csv --out RESULTS.csv [--near-duplicates]";

const HELP: &str = "
Classifies every record of a ledger listing (REMOTE.csv) against the firm's
contacts (LOCAL.csv) and writes one row per remote record, in input order:
remote_id,class,local_ids,matched_on

  --profile <xero|xpm|qbo>  the provider's matching rules (M4-M7)
  --local LOCAL.csv         the firm's contacts
  --remote REMOTE.csv       the ledger's records
  --out RESULTS.csv         the results (never one of the inputs)
  --near-duplicates         hold no-match records whose name is close to a
                            local contact's as possible_duplicate (M11)
  -h, --help                this text

Inputs have a header row; columns are read by name:
id,kind,name,first_name,last_name,company_name,email (only id required,
other columns ignored; kind is person, organization/organisation or empty).
Malformed rows are reported on stderr with their line and skipped.
Exit status: 0 success, 1 a file cannot be read or written, 2 bad arguments.";

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
// Progress and reports
// ---------------------------------------------------------------------------

#[allow(clippy::disallowed_methods)] // an example may read the clock
fn now() -> Instant {
    Instant::now()
}

fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// A progress line on stderr, only on a terminal and only once a run has
/// taken a second; redrawn at most four times a second.
struct Progress {
    start: Instant,
    enabled: bool,
    input_bytes: u64,
    read: [AtomicU64; 2],
    /// When the line was last drawn (None: never).
    last: Mutex<Option<Instant>>,
}

impl Progress {
    fn new(start: Instant, input_bytes: u64) -> Self {
        Self {
            start,
            enabled: std::io::stderr().is_terminal(),
            input_bytes: input_bytes.max(1),
            read: [AtomicU64::new(0), AtomicU64::new(0)],
            last: Mutex::new(None),
        }
    }

    fn show(&self, what: impl FnOnce() -> String) {
        if !self.enabled || self.start.elapsed() < Duration::from_secs(1) {
            return;
        }
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if last.is_some_and(|t| t.elapsed() < Duration::from_millis(250)) {
            return;
        }
        *last = Some(now());
        eprint!(
            "\r\x1b[2Kmatch_csv: {} ({})",
            what(),
            secs(self.start.elapsed())
        );
    }

    fn reading(&self, side: usize, bytes: u64) {
        if let Some(n) = self.read.get(side) {
            n.store(bytes, Ordering::Relaxed);
        }
        self.show(|| {
            let done: u64 = self.read.iter().map(|n| n.load(Ordering::Relaxed)).sum();
            format!("reading {}%", done.saturating_mul(100) / self.input_bytes)
        });
    }

    fn writing(&self, rows: usize, total: usize) {
        self.show(|| {
            format!(
                "classified; writing {}%",
                rows.saturating_mul(100) / total.max(1)
            )
        });
    }

    fn phase(&self, what: &str) {
        self.show(|| what.to_owned());
    }

    /// Clears the line, if one was drawn (it is drawn again on the next
    /// update).
    fn done(&self) {
        if let Ok(mut last) = self.last.lock()
            && last.take().is_some()
        {
            eprint!("\r\x1b[2K");
        }
    }
}

fn report(path: &Path, problems: &[RowProblem], progress: &Progress) {
    if problems.is_empty() {
        return;
    }
    progress.done();
    let mut text = String::new();
    for p in problems {
        text.push_str(&format!(
            "match_csv: {}:{}: row skipped: {}\n",
            path.display(),
            p.line,
            p.reason
        ));
    }
    eprint!("{text}");
}

fn rows(n: usize) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{n} rows")
    }
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

fn open(path: &Path) -> Result<File, String> {
    File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
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
    let local_file = open(&args.local)?;
    let remote_file = open(&args.remote)?;
    if same_file(&args.out, &args.local) || same_file(&args.out, &args.remote) {
        return Err(format!(
            "refusing to overwrite input file {} with the results",
            args.out.display()
        ));
    }
    let out_file =
        File::create(&args.out).map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    let result = match_files(args, start, local_file, remote_file, out_file);
    if result.is_err()
        && std::fs::symlink_metadata(&args.out).is_ok_and(|m| m.file_type().is_file())
    {
        // No half-written results left behind (only ever a regular file:
        // never a device such as /dev/null, nor a symlink's target).
        let _ = std::fs::remove_file(&args.out);
    }
    result
}

/// Reads a whole file into tables (its two halves, read at once); the
/// error as match_csv words it.
fn read(
    file: File,
    again: File,
    path: &Path,
    progress: &Progress,
    side: usize,
) -> Result<(Vec<CsvTable>, Duration), String> {
    let t = now();
    let tables =
        read_table_parts(file, again, |n| progress.reading(side, n)).map_err(|e| match e {
            ReadTableError::Csv(e) => format!("{}: {e}", path.display()),
            e => format!("cannot read {}: {e}", path.display()),
        })?;
    Ok((tables, t.elapsed()))
}

fn match_files(
    args: &Args,
    start: Instant,
    local_file: File,
    remote_file: File,
    mut out_file: File,
) -> Result<(), String> {
    let mut builder = MatchIndexBuilder::new(args.profile);
    if args.near_duplicates {
        builder = builder.near_duplicates(NearDuplicateConfig::default());
    }
    let size = |f: &File| f.metadata().map_or(0, |m| m.len());
    let progress = Progress::new(start, size(&local_file) + size(&remote_file));
    std::thread::scope(|scope| {
        // The remote file is read and parsed (a few chunks ahead) while the
        // local side is read and indexed, then classified as it is read:
        // its rows are decided a chunk at a time and only their ids kept.
        let remote_len = size(&remote_file);
        let ahead = ReadAhead::start(scope, remote_file, remote_len, |n| {
            progress.reading(1, n);
        });
        // The local file in two halves at once (opened a second time).
        let local_tail = open(&args.local)?;
        let (local, read_local) = read(local_file, local_tail, &args.local, &progress, 0)?;
        for part in &local {
            report(&args.local, part.problems(), &progress);
        }
        progress.phase("indexing");
        let t = now();
        // The halves are indexed as one (never copied into one table) and
        // freed once normalised: the index holds what it needs of the
        // local contacts.
        let (index, problems, dups) = index_tables_owned(&builder, local)
            .map_err(|e| format!("cannot index {}: {e}", args.local.display()))?;
        report(&args.local, &dups, &progress);
        let local_skipped = problems.len() + dups.len();
        let indexing = t.elapsed();

        let t = now();
        let links = ExistingLinks::new();
        let remote = ahead.classify(&index, &links).map_err(|e| match e {
            ClassifyReadError::Stream(StreamError::Csv(e)) => {
                format!("{}: {e}", args.remote.display())
            }
            ClassifyReadError::Stream(e) => {
                format!("cannot classify {}: {e}", args.remote.display())
            }
            e => format!("cannot read {}: {e}", args.remote.display()),
        })?;
        report(&args.remote, remote.problems(), &progress);
        report(&args.remote, remote.duplicates(), &progress);
        let remote_skipped = remote.problems().len() + remote.duplicates().len();
        let classifying = t.elapsed();

        let t = now();
        let views = remote.into_views();
        let counts = write_streamed_results(&views, &mut out_file, |n| {
            progress.writing(n, views.len());
        })
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
        let writing = t.elapsed();
        progress.done();

        eprintln!(
            "match_csv: {} local contacts indexed ({} skipped), {} remote records classified ({} skipped)",
            index.len(),
            rows(local_skipped),
            counts.total(),
            rows(remote_skipped)
        );
        eprintln!("match_csv: classes: {counts}");
        eprintln!(
            "match_csv: time: reading local {}, indexing {}, reading and classifying remote {}, writing {}, total {}",
            secs(read_local),
            secs(indexing),
            secs(classifying),
            secs(writing),
            secs(start.elapsed()),
        );
        // Freeing a million small allocations one by one is wasted work right
        // before the process exits.
        std::mem::forget(views);
        std::mem::forget(index);
        Ok(())
    })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args_os().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}\n{HELP}");
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
