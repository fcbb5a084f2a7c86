//! Precision, recall and speed of the near-duplicate guard (M11).
//!
//! ```text
//! cargo run --release --example near_eval                            # quality + 100k x 100k
//! LEDGERLINK_BENCH_LARGE=1 cargo run --release --example near_eval   # adds 1M x 1M
//! cargo run --release --example near_eval -- --quality               # the tables only
//! cargo run --release --example near_eval -- --speed                 # the timings only
//! ```
//!
//! Quality: the labelled pairs of `ledgerlink_synth::near_pairs` (1,000
//! per category; how they are built is documented there), their local
//! contacts indexed among a background of 20,000 synthetic local contacts
//! (`ledgerlink_synth::generate`), and their remote records classified with
//! the guard on (Xero profile: names compared as one string). The
//! background's own new records (`RemoteKind::New`: people and
//! organisations the local side does not have) are classified too, as
//! negatives (`new_background`).
//!
//! A duplicate pair counts as found when the guard flags the record and
//! lists the pair's local contact; any other flag is a false flag. Records
//! that the matcher itself matched by name or email (the `matched` column:
//! pairs whose name collides with another contact's) are not the guard's
//! decision and are left out. Precision is found / (found + false flags)
//! over all records, recall found / duplicate pairs left.
//!
//! Options: `--background N` indexes the pairs among N synthetic local
//! contacts instead of 20,000 (and classifies their new records too);
//! `--max-block N` sets `NearDuplicateConfig::max_block`. Printing the
//! flags of one category: `NEAR_EVAL_SHOW=neg_given`; the duplicates
//! missed: `NEAR_EVAL_MISSED=typo`.
//!
//! Speed: `generate(n, n)` (about 19.5% new records), index build and batch
//! classification with the guard on and off, medians of three runs; and the
//! share of new records flagged.

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    clippy::disallowed_methods, // an example may read the clock
    clippy::cast_precision_loss,
    missing_docs
)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ledgerlink::{Contact, MatchClass, MatchIndex, MatchOutcome, NearDuplicateConfig, Profile};
use ledgerlink_synth::{self as synth, NearCategory, RemoteKind};

const SEED: u64 = 0x1ed6_e71a_2026;
const PER_CATEGORY: usize = 1_000;
const BACKGROUND: usize = 20_000;

#[derive(Default, Clone, Copy)]
struct Tally {
    records: usize,
    /// Matched by name or email (not the guard's decision).
    matched: usize,
    positives: usize,
    flagged: usize,
    found: usize,
    false_flags: usize,
}

impl Tally {
    fn add(&mut self, o: Self) {
        self.records += o.records;
        self.matched += o.matched;
        self.positives += o.positives;
        self.flagged += o.flagged;
        self.found += o.found;
        self.false_flags += o.false_flags;
    }
    fn precision(&self) -> Option<f64> {
        (self.found + self.false_flags > 0)
            .then(|| self.found as f64 / (self.found + self.false_flags) as f64)
    }
    fn recall(&self) -> Option<f64> {
        (self.positives > 0).then(|| self.found as f64 / self.positives as f64)
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", 100.0 * v))
}

fn f1(t: &Tally) -> String {
    match (t.precision(), t.recall()) {
        (Some(p), Some(r)) if p + r > 0.0 => format!("{:.3}", 2.0 * p * r / (p + r)),
        _ => "-".to_owned(),
    }
}

struct Quality {
    locals: Vec<Contact>,
    /// (category label, duplicate, pair's local id or "", remote record)
    queries: Vec<(&'static str, bool, String, Contact)>,
}

fn quality_set(background: usize) -> Quality {
    let (locals, queries) = synth::near_labelled_set(PER_CATEGORY, background, SEED);
    let queries = queries
        .into_iter()
        .map(|q| (q.category, q.duplicate, q.local_id, q.remote))
        .collect();
    Quality { locals, queries }
}

fn names_local_of(r: &ledgerlink::MatchResult, local: &str) -> bool {
    r.outcome.local_ids().iter().any(|id| id.as_str() == local)
}

fn evaluate(q: &Quality, cfg: NearDuplicateConfig) -> BTreeMap<&'static str, Tally> {
    let index = MatchIndex::builder(Profile::XeroGl)
        .near_duplicates(cfg)
        .build(&q.locals)
        .expect("index builds");
    let remotes: Vec<&Contact> = q.queries.iter().map(|x| &x.3).collect();
    let results = index.classify_batch(&remotes).expect("batch classifies");
    let mut out: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let show = std::env::var("NEAR_EVAL_SHOW").ok();
    let names: std::collections::HashMap<&str, &Contact> =
        q.locals.iter().map(|c| (c.id.as_str(), c)).collect();
    for ((cat, dup, local, remote), r) in q.queries.iter().zip(&results) {
        if *dup
            && !names_local_of(r, local)
            && std::env::var("NEAR_EVAL_MISSED").ok().as_deref() == Some(*cat)
        {
            println!(
                "missed {:?} <- {:?}",
                remote.display_name,
                names[local.as_str()]
                    .display_name
                    .as_deref()
                    .or(names[local.as_str()].first_name.as_deref())
            );
        }
        if show.as_deref() == Some(*cat)
            && let MatchOutcome::PossibleDuplicate { similar } = &r.outcome
        {
            let listed: Vec<String> = similar
                .iter()
                .map(|s| {
                    let c = names[s.local_id.as_str()];
                    format!(
                        "{:?}/{:?} {}",
                        c.display_name,
                        c.first_name.as_deref().zip(c.last_name.as_deref()),
                        s.similarity_per_mille
                    )
                })
                .collect();
            println!("{:?} -> {listed:?}", remote.display_name);
        }
        let t = out.entry(cat).or_default();
        t.records += 1;
        let names_local = r.outcome.local_ids().iter().any(|id| id.as_str() == local);
        let flagged = matches!(r.outcome, MatchOutcome::PossibleDuplicate { .. });
        let matched = r.outcome.class() != MatchClass::None;
        if *dup {
            t.positives += 1;
        }
        if flagged {
            t.flagged += 1;
        }
        if matched && !flagged {
            // An exact name or email match: the matcher's decision, not
            // the guard's; left out of its precision and recall.
            t.matched += 1;
            if *dup {
                t.positives -= 1;
            }
        } else if *dup && names_local {
            t.found += 1;
        } else if flagged {
            t.false_flags += 1;
        }
    }
    out
}

fn print_table(title: &str, tallies: &BTreeMap<&'static str, Tally>) {
    println!("\n{title}");
    println!(
        "| category | records | matched | duplicates | flagged | found | false flags | precision | recall | F1 |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let order: Vec<&str> = NearCategory::ALL
        .iter()
        .map(|c| c.label())
        .chain(["new_background"])
        .collect();
    let mut all = Tally::default();
    for cat in order {
        let Some(t) = tallies.get(cat) else { continue };
        all.add(*t);
        println!(
            "| {cat} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            t.records,
            t.matched,
            t.positives,
            t.flagged,
            t.found,
            t.false_flags,
            pct(t.precision()),
            pct(t.recall()),
            f1(t),
        );
    }
    println!(
        "| **overall** | {} | {} | {} | {} | {} | {} | **{}** | **{}** | {} |",
        all.records,
        all.matched,
        all.positives,
        all.flagged,
        all.found,
        all.false_flags,
        pct(all.precision()),
        pct(all.recall()),
        f1(&all),
    );
}

fn overall(tallies: &BTreeMap<&'static str, Tally>) -> Tally {
    let mut all = Tally::default();
    for t in tallies.values() {
        all.add(*t);
    }
    all
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn speed(n: usize, runs: usize, cfg: NearDuplicateConfig) {
    let (local, remote) = synth::generate(n, n, SEED);
    let locals = synth::to_contacts(&local);
    let remotes = synth::to_contacts(&remote);
    drop((local, remote));
    let new_rows: Vec<bool> = (0..n)
        .map(|i| synth::remote_kind(n, SEED, i) == RemoteKind::New)
        .collect();
    let n_new = new_rows.iter().filter(|x| **x).count();
    for guard in [false, true] {
        let mut build = Vec::new();
        let mut classify = Vec::new();
        let mut flagged_new = 0;
        let mut flagged = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let mut b = MatchIndex::builder(Profile::XeroGl);
            if guard {
                b = b.near_duplicates(cfg);
            }
            let index = b.build(&locals).expect("index builds");
            build.push(t.elapsed());
            let t = Instant::now();
            let results = index.classify_batch(&remotes).expect("batch classifies");
            classify.push(t.elapsed());
            flagged = results
                .iter()
                .filter(|r| r.outcome.class() == MatchClass::PossibleDuplicate)
                .count();
            flagged_new = results
                .iter()
                .zip(&new_rows)
                .filter(|(r, new)| **new && r.outcome.class() == MatchClass::PossibleDuplicate)
                .count();
            drop(results);
            drop(index);
        }
        let (b, c) = (median(build), median(classify));
        println!(
            "| {n} x {n} | {} | {:.3} s | {:.3} s | {:.3} s | {} | {} of {} ({:.1}%) |",
            if guard { "on" } else { "off" },
            b.as_secs_f64(),
            c.as_secs_f64(),
            (b + c).as_secs_f64(),
            flagged,
            flagged_new,
            n_new,
            100.0 * flagged_new as f64 / n_new.max(1) as f64,
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quality_only = args.iter().any(|a| a == "--quality");
    let speed_only = args.iter().any(|a| a == "--speed");

    let max_block = args
        .iter()
        .position(|a| a == "--max-block")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse::<usize>().expect("--max-block takes a number"));
    let mut cfg = NearDuplicateConfig::default();
    if let Some(m) = max_block {
        cfg.max_block = m;
    }
    if !speed_only {
        let background = args
            .iter()
            .position(|a| a == "--background")
            .and_then(|i| args.get(i + 1))
            .map_or(BACKGROUND, |n| {
                n.parse().expect("--background takes a number")
            });
        let q = quality_set(background);
        println!(
            "labelled set: {} pairs ({PER_CATEGORY} per category) + {} new background records, \
             {} local contacts ({background} background)",
            NearCategory::ALL.len() * PER_CATEGORY,
            q.queries.len() - NearCategory::ALL.len() * PER_CATEGORY,
            q.locals.len()
        );
        let default = cfg;
        let t = Instant::now();
        let tallies = evaluate(&q, default);
        let took = t.elapsed();
        print_table(
            &format!(
                "default settings (threshold {}): build + classify {:.3} s",
                default.threshold,
                took.as_secs_f64()
            ),
            &tallies,
        );
        println!("\nthreshold sweep (overall):");
        println!("| threshold | flagged | precision | recall | F1 |");
        println!("|---:|---:|---:|---:|---:|");
        for th in [0.80, 0.85, 0.88, 0.90, 0.92, 0.94, 0.96, 0.98] {
            let cfg = NearDuplicateConfig {
                threshold: th,
                ..default
            };
            let all = overall(&evaluate(&q, cfg));
            println!(
                "| {th:.2} | {} | {} | {} | {} |",
                all.flagged,
                pct(all.precision()),
                pct(all.recall()),
                f1(&all)
            );
        }
    }
    if !quality_only {
        println!("\nspeed (Xero profile, build and classify_batch, medians of 3 runs):");
        println!("| size | guard | build | classify | total | flagged | new records flagged |");
        println!("|---|---|---:|---:|---:|---:|---:|");
        speed(100_000, 3, cfg);
        if std::env::var("LEDGERLINK_BENCH_LARGE").is_ok_and(|v| v.trim() == "1") {
            speed(1_000_000, 3, cfg);
        }
    }
}
