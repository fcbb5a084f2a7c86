//! Bulk-matching benchmarks on seeded synthetic contacts
//! (`ledgerlink_synth`, synth/: noisy names, shared and invalid emails,
//! duplicates, about 60% full matches, 18% partial, 19% new).
//!
//! Groups:
//!
//! - `index_build/<profile>/<n>`: [`MatchIndex::new`] over `n` local
//!   contacts;
//! - `classify_batch/<profile>/<n>`: [`MatchIndex::classify_batch`] of `n`
//!   remote records against an index of `n` local contacts (the index is
//!   built once, outside the timing);
//! - `classify_batch_views/xpm/<n>`: the same batch read as borrowed
//!   [`MatchView`](ledgerlink::MatchView)s (no ids copied, no kinds
//!   decided), what bulk consumers pay;
//! - `table_index_classify/xero/<n>`: [`index_table`](ledgerlink::matching::bulk::index_table)
//!   over `n` pre-parsed local CSV rows and
//!   [`classify_table`](ledgerlink::matching::bulk::classify_table) of `n`
//!   pre-parsed remote rows, together (what `match_csv` runs, without I/O,
//!   parsing or formatting; the tables are cloned outside the timing, and
//!   generated apart from the `Contact`s of the other groups, so that
//!   they are all the memory the run holds);
//! - `classify_one/<set>/<n>`: one [`MatchIndex::classify`] call against an
//!   index of `n` local contacts, cycling through 4096 records that are a
//!   mix of everything (`mixed`), full matches (`full`) or no matches
//!   (`no_match`);
//! - `near_duplicates/...`: the near-duplicate guard (M11) on, 10k × 10k;
//! - `normalize_name/...`: [`normalize_name`] of already-normal ASCII names
//!   (the borrowed fast path), of ASCII names needing work, and of
//!   non-ASCII names; 1024 names per iteration.
//!
//! Throughput is in records (or names) per second. Batch and build results
//! are dropped outside the timing.
//!
//! ```text
//! cargo bench --bench bulk_match                                # 10k and 100k
//! LEDGERLINK_BENCH_LARGE=1 cargo bench --bench bulk_match       # adds 1M x 1M
//! cargo bench --bench bulk_match -- classify_one                # one group
//! ```
//!
//! The 1M × 1M run needs several minutes and about 8 GB of memory (the
//! `Contact`s; `-- table_index_classify` alone needs well under 1 GB).

#![allow(clippy::expect_used, clippy::print_stderr, clippy::cast_precision_loss)]

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main,
};
use ledgerlink::matching::bulk::{CsvTable, classify_table, index_table, parse_csv};
use ledgerlink::normalize::normalize_name;
use ledgerlink::{
    Contact, ExistingLinks, MatchClass, MatchIndex, MatchIndexBuilder, MatchSummary,
    NearDuplicateConfig, Profile,
};
use ledgerlink_synth as synth;

/// Seed of every data set (fixed: runs are comparable).
const SEED: u64 = 0x1ed6_e71a_2026;
/// Records cycled through by the single-lookup benchmarks.
const LOOKUP_SET: usize = 4096;
/// Names per iteration of the normalisation benchmarks.
const NAMES: usize = 1024;

/// Whether `LEDGERLINK_BENCH_LARGE=1` asks for the 1M × 1M sizes.
fn large() -> bool {
    std::env::var("LEDGERLINK_BENCH_LARGE").is_ok_and(|v| v.trim() == "1")
}

fn sizes() -> Vec<usize> {
    let mut v = vec![10_000, 100_000];
    if large() {
        v.push(1_000_000);
    }
    v
}

/// Profiles benchmarked at size `n`: all three up to 100k, Xero only at 1M.
fn profiles(n: usize) -> &'static [Profile] {
    if n >= 1_000_000 {
        &[Profile::XeroGl]
    } else {
        &Profile::ALL
    }
}

/// `n` local contacts and `n` remote records, generated once, as
/// contacts.
struct Dataset {
    n: usize,
    locals: Vec<Contact>,
    remotes: Vec<Contact>,
}

/// The same records as parsed CSV tables only (a few dozen bytes a row):
/// the table benchmark runs with nothing else in memory, as `match_csv`
/// does, rather than beside a million `Contact`s of each side.
struct Tables {
    n: usize,
    local: CsvTable,
    remote: CsvTable,
}

impl Tables {
    fn new(n: usize) -> Self {
        let (local, remote) = synth::generate(n, n, SEED);
        Self {
            n,
            local: table(&local),
            remote: table(&remote),
        }
    }
}

/// Whether a benchmark group can run: no filter was given on the command
/// line, or one names part of the group (`cargo bench --bench bulk_match
/// -- table_index_classify`), so that a filtered run does not generate
/// data sets for groups it skips (a million `Contact`s a side take
/// gigabytes). Criterion still applies the filter itself.
fn wanted(group: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.is_empty()
        || filters
            .iter()
            .any(|f| group.contains(f.as_str()) || f.contains(group))
}

/// The rows written as CSV (what `gen_contacts` writes) and parsed back.
fn table(rows: &[synth::Row]) -> CsvTable {
    let mut text = Vec::new();
    synth::write_csv(rows, &mut text).expect("CSV written to memory");
    parse_csv(&text).expect("CSV parses")
}

impl Dataset {
    fn new(n: usize) -> Self {
        let (local, remote) = synth::generate(n, n, SEED);
        Self {
            n,
            locals: synth::to_contacts(&local),
            remotes: synth::to_contacts(&remote),
        }
    }
}

fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// Sample counts and times: few samples of long iterations for the large
/// sizes, so that the default run stays within minutes on two cores.
fn configure(g: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    if n >= 1_000_000 {
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(15));
    } else if n >= 100_000 {
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(4));
    } else {
        g.sample_size(20)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
    }
}

fn summary_line(s: &MatchSummary) -> String {
    let total = s.total().max(1) as f64;
    let pct = |c| 100.0 * s.get(c) as f64 / total;
    format!(
        "full {:.1}%, partial {:.1}%, ambiguous {:.1}%, none {:.1}%, unmatchable {:.1}%, possible duplicate {:.1}%",
        pct(MatchClass::Full),
        pct(MatchClass::Partial),
        pct(MatchClass::Ambiguous),
        pct(MatchClass::None),
        pct(MatchClass::Unmatchable),
        pct(MatchClass::PossibleDuplicate),
    )
}

/// (a) index build, (b) batch classification, (c) single lookups, per
/// size; each data set is generated once.
fn bulk(c: &mut Criterion) {
    for n in sizes() {
        if wanted("table_index_classify") {
            tables(c, &Tables::new(n));
        }
        let contact_groups = [
            "index_build",
            "classify_batch",
            "classify_batch_views",
            "classify_one",
        ];
        if !contact_groups.iter().any(|g| wanted(g)) {
            continue;
        }
        let d = Dataset::new(n);
        let size = label(d.n);
        let elements = Throughput::Elements(d.n as u64);

        let mut g = c.benchmark_group("index_build");
        configure(&mut g, d.n);
        g.throughput(elements.clone());
        for &profile in profiles(d.n) {
            g.bench_with_input(
                BenchmarkId::new(profile.as_str(), &size),
                &d.locals,
                |b, locals| {
                    b.iter_with_large_drop(|| {
                        MatchIndex::new(profile, black_box(locals)).expect("index builds")
                    });
                },
            );
        }
        g.finish();

        let mut g = c.benchmark_group("classify_batch");
        configure(&mut g, d.n);
        g.throughput(elements.clone());
        for &profile in profiles(d.n) {
            let index = MatchIndex::new(profile, &d.locals).expect("index builds");
            let results = index.classify_batch(&d.remotes).expect("batch classifies");
            eprintln!(
                "{profile} {size} x {size}: {}",
                summary_line(&MatchSummary::of(&results))
            );
            drop(results);
            g.bench_with_input(
                BenchmarkId::new(profile.as_str(), &size),
                &d.remotes,
                |b, remotes| {
                    b.iter_with_large_drop(|| {
                        index
                            .classify_batch(black_box(remotes))
                            .expect("batch classifies")
                    });
                },
            );
        }
        g.finish();

        // The same batches read as borrowed views: no ids copied, no kind
        // decided (what a bulk consumer such as match_csv pays).
        let mut g = c.benchmark_group("classify_batch_views");
        configure(&mut g, d.n);
        g.throughput(elements.clone());
        let index = MatchIndex::new(Profile::Xpm, &d.locals).expect("index builds");
        g.bench_with_input(
            BenchmarkId::new(Profile::Xpm.as_str(), &size),
            &d.remotes,
            |b, remotes| {
                b.iter_with_large_drop(|| {
                    index
                        .classify_batch_views(black_box(remotes), &ExistingLinks::new())
                        .expect("batch classifies")
                });
            },
        );
        g.finish();

        if d.n >= 100_000 {
            classify_one(c, &d, &size);
        }
    }
}

/// Index + classification of pre-parsed CSV tables, Xero profile:
/// [`index_table`] over the local table, then [`classify_table`] of the
/// remote one into views (what `match_csv` runs, without reading,
/// parsing or writing).
fn tables(c: &mut Criterion, d: &Tables) {
    let mut g = c.benchmark_group("table_index_classify");
    configure(&mut g, d.n);
    g.throughput(Throughput::Elements(d.n as u64));
    let builder = MatchIndexBuilder::new(Profile::XeroGl);
    let links = ExistingLinks::new();
    g.bench_function(
        BenchmarkId::new(Profile::XeroGl.as_str(), label(d.n)),
        |b| {
            b.iter_batched_ref(
                || (d.local.clone(), d.remote.clone()),
                |(locals, remotes)| {
                    let (index, _) = index_table(&builder, locals).expect("index builds");
                    let (views, _) = classify_table(&index, remotes, &links).expect("classifies");
                    (views.len(), index.len())
                },
                BatchSize::LargeInput,
            );
        },
    );
    g.finish();
}

/// (c) One `classify` call against an index of `d.n` local contacts.
fn classify_one(c: &mut Criterion, d: &Dataset, size: &str) {
    let index = MatchIndex::new(Profile::XeroGl, &d.locals).expect("index builds");
    let results = index.classify_batch(&d.remotes).expect("batch classifies");
    let pick = |want: Option<MatchClass>| -> Vec<&Contact> {
        d.remotes
            .iter()
            .zip(&results)
            .filter(|(_, r)| want.is_none_or(|w| r.outcome.class() == w))
            .map(|(remote, _)| remote)
            .take(LOOKUP_SET)
            .collect()
    };
    let sets = [
        ("mixed", pick(None)),
        ("full", pick(Some(MatchClass::Full))),
        ("no_match", pick(Some(MatchClass::None))),
    ];

    let mut g = c.benchmark_group("classify_one");
    g.throughput(Throughput::Elements(1))
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for (name, set) in &sets {
        g.bench_with_input(BenchmarkId::new(*name, size), set, |b, set| {
            let mut i = 0usize;
            b.iter(|| {
                let remote = set[i % set.len()];
                i = i.wrapping_add(1);
                index.classify(black_box(remote))
            });
        });
    }
    g.finish();
}

/// (d) Build and classify 10k × 10k with the near-duplicate guard on.
fn near_duplicates(c: &mut Criterion) {
    let d = Dataset::new(10_000);
    let size = label(d.n);
    let builder =
        || MatchIndex::builder(Profile::XeroGl).near_duplicates(NearDuplicateConfig::default());
    let index = builder().build(&d.locals).expect("index builds");
    let results = index.classify_batch(&d.remotes).expect("batch classifies");
    eprintln!(
        "xero {size} x {size}, near-duplicate guard on: {}",
        summary_line(&MatchSummary::of(&results))
    );
    drop(results);

    let mut g = c.benchmark_group("near_duplicates");
    configure(&mut g, d.n);
    g.throughput(Throughput::Elements(d.n as u64));
    g.bench_function(BenchmarkId::new("build_and_classify", &size), |b| {
        b.iter_with_large_drop(|| {
            let index = builder().build(black_box(&d.locals)).expect("index builds");
            let results = index
                .classify_batch(black_box(&d.remotes))
                .expect("batch classifies");
            (index, results)
        });
    });
    g.bench_function(BenchmarkId::new("build", &size), |b| {
        b.iter_with_large_drop(|| builder().build(black_box(&d.locals)).expect("index builds"));
    });
    g.bench_function(BenchmarkId::new("classify_batch", &size), |b| {
        b.iter_with_large_drop(|| {
            index
                .classify_batch(black_box(&d.remotes))
                .expect("batch classifies")
        });
    });
    g.finish();
}

/// (e) `normalize_name` of already-normal ASCII, ASCII needing work, and
/// non-ASCII names taken from the synthetic data.
fn normalization(c: &mut Criterion) {
    let (local, remote) = synth::generate(20_000, 20_000, SEED);
    let raw: Vec<&str> = local
        .iter()
        .chain(&remote)
        .flat_map(|r| [&r.name, &r.first_name, &r.last_name, &r.company_name])
        .map(String::as_str)
        .filter(|s| !s.trim().is_empty())
        .collect();
    let take = |f: &dyn Fn(&str) -> bool| -> Vec<String> {
        raw.iter()
            .copied()
            .filter(|s| f(s))
            .take(NAMES)
            .map(str::to_owned)
            .collect()
    };
    let ascii_normal: Vec<String> = raw
        .iter()
        .map(|s| normalize_name(s).into_owned())
        .filter(|s| s.is_ascii() && !s.is_empty())
        .take(NAMES)
        .collect();
    let ascii_messy = take(&|s| s.is_ascii() && normalize_name(s) != s);
    let non_ascii = take(&|s| !s.is_ascii());
    let sets = [
        ("ascii_normal", ascii_normal),
        ("ascii_messy", ascii_messy),
        ("non_ascii", non_ascii),
    ];

    let mut g = c.benchmark_group("normalize_name");
    g.sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for (name, set) in &sets {
        assert_eq!(set.len(), NAMES, "not enough {name} names");
        g.throughput(Throughput::Elements(set.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), set, |b, set| {
            b.iter(|| {
                for s in set {
                    black_box(normalize_name(black_box(s)));
                }
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bulk, near_duplicates, normalization);
criterion_main!(benches);
