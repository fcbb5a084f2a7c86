//! Writes seeded synthetic contact lists as CSV: `local.csv` (the firm's
//! contacts) and `remote.csv` (a ledger's records), for benchmarks, demos
//! and the CSV matcher.
//!
//! ```text
//! cargo run --release --example gen_contacts -- \
//!     --local 1000000 --remote 1000000 --seed 42 --out-dir /tmp/ll1m
//! ```
//!
//! Columns: `id,kind,name,first_name,last_name,company_name,email,phone,
//! address_line1,city,postal_code,country`. The generator is the
//! `ledgerlink-synth` workspace crate (synth/); the same arguments always
//! give the same files.

// A command-line tool: it reports on stderr and times itself.
#![allow(clippy::print_stderr, clippy::disallowed_methods)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use ledgerlink_synth as synth;

const USAGE: &str = "usage: gen_contacts [--local N] [--remote M] [--seed S] [--out-dir DIR]

Writes DIR/local.csv and DIR/remote.csv.
  --local N     local contacts (default 10000)
  --remote M    remote records (default 10000)
  --seed S      seed, decimal or 0x-hex (default 1)
  --out-dir DIR output directory, created if missing (default .)";

struct Args {
    local: usize,
    remote: usize,
    seed: u64,
    out_dir: PathBuf,
}

fn parse_count(s: &str) -> Result<usize, String> {
    // Accept 1_000_000 and 1,000,000 as well.
    let digits: String = s.chars().filter(|c| !matches!(c, '_' | ',')).collect();
    digits
        .parse()
        .map_err(|e| format!("`{s}` is not a count: {e}"))
}

fn parse_seed(s: &str) -> Result<u64, String> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.map_err(|e| format!("`{s}` is not a seed: {e}"))
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        local: 10_000,
        remote: 10_000,
        seed: 1,
        out_dir: PathBuf::from("."),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (flag.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--local" => args.local = parse_count(&value()?)?,
            "--remote" => args.remote = parse_count(&value()?)?,
            "--seed" => args.seed = parse_seed(&value()?)?,
            "--out-dir" => args.out_dir = PathBuf::from(value()?),
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    Ok(Some(args))
}

fn write(path: &Path, rows: &[synth::Row]) -> std::io::Result<u64> {
    let mut file = File::create(path)?;
    synth::write_csv(rows, &mut file)?;
    file.sync_all()?;
    Ok(std::fs::metadata(path)?.len())
}

#[allow(clippy::cast_precision_loss)]
fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn run(args: &Args) -> std::io::Result<()> {
    std::fs::create_dir_all(&args.out_dir)?;
    let start = Instant::now();
    let (local, remote) = synth::generate(args.local, args.remote, args.seed);
    let generated = start.elapsed();

    let write_start = Instant::now();
    let local_path = args.out_dir.join("local.csv");
    let remote_path = args.out_dir.join("remote.csv");
    let local_bytes = write(&local_path, &local)?;
    let remote_bytes = write(&remote_path, &remote)?;
    let written = write_start.elapsed();

    eprintln!(
        "wrote {} ({} rows, {local_bytes} bytes, {:.1} MiB)",
        local_path.display(),
        local.len(),
        mib(local_bytes)
    );
    eprintln!(
        "wrote {} ({} rows, {remote_bytes} bytes, {:.1} MiB)",
        remote_path.display(),
        remote.len(),
        mib(remote_bytes)
    );
    eprintln!(
        "seed {}: generated in {:.2?}, written in {:.2?}, total {:.2?}",
        args.seed,
        generated,
        written,
        start.elapsed()
    );
    let mix = synth::remote_mix(args.local, args.remote, args.seed);
    let parts: Vec<String> = mix
        .iter()
        .map(|(kind, n)| format!("{} {n}", kind.label()))
        .collect();
    eprintln!("remote rows by construction: {}", parts.join(", "));
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            eprintln!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("gen_contacts: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_contacts: {e}");
            ExitCode::FAILURE
        }
    }
}
