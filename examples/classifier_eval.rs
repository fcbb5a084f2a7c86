//! Evaluates a person / organisation classifier (T3) on labelled names:
//! accuracy overall, per class and per source, stated confidence against
//! observed accuracy band by band, how many verdicts fall below the review
//! threshold, and throughput.
//!
//! ```text
//! cargo run --release --example classifier_eval -- classifier-data/heldout.tsv
//! cargo run --release --example classifier_eval -- --legacy classifier-data/heldout.tsv
//! cargo run --release --example classifier_eval -- --errors 40 classifier-data/build.tsv
//! cargo run --release --example classifier_eval -- --features classifier-data/build.tsv
//! ```
//!
//! Input: TSV with a header, `name<TAB>label<TAB>source`, label `person` or
//! `org` (the files under `classifier-data/`, see its `SOURCES.md`).
//! `--legacy` evaluates the rule-only [`HeuristicClassifier`] instead of the
//! default [`NameClassifier`]; `--review-below N` sets the review threshold;
//! `--errors N` prints N misclassified names; `--features` prints each row's
//! model features instead (what `classifier-data/train.py` reads);
//! `--no-speed` skips the throughput runs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::time::Instant;

use ledgerlink::model::ContactKind;
use ledgerlink::rules::{Classifier, ClassifierInput, HeuristicClassifier, NameClassifier};

struct Row {
    name: String,
    org: bool,
    source: String,
}

fn read(path: &str) -> Result<Vec<Row>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let mut f = line.split('\t');
        let (Some(name), Some(label), source) = (f.next(), f.next(), f.next()) else {
            return Err(format!("{path}:{}: expected name<TAB>label", i + 1));
        };
        let org = match label {
            "org" => true,
            "person" => false,
            other => return Err(format!("{path}:{}: unknown label {other:?}", i + 1)),
        };
        let source = source.unwrap_or("").split('/').next().unwrap_or("");
        rows.push(Row {
            name: name.to_owned(),
            org,
            source: source.to_owned(),
        });
    }
    Ok(rows)
}

#[derive(Default, Clone, Copy)]
struct Tally {
    n: usize,
    right: usize,
}

impl Tally {
    fn add(&mut self, right: bool) {
        self.n += 1;
        self.right += usize::from(right);
    }
    #[allow(clippy::cast_precision_loss)]
    fn pct(self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            100.0 * self.right as f64 / self.n as f64
        }
    }
}

fn input(name: &str) -> ClassifierInput<'_> {
    ClassifierInput::named(name)
}

/// Names per second over at least a million classifications on `threads`
/// threads.
#[allow(clippy::cast_precision_loss)]
// An example that prints figures: it may read the clock.
#[allow(clippy::disallowed_methods)]
fn speed(c: &dyn Classifier, rows: &[Row], threads: usize) -> f64 {
    let target = 1_000_000usize;
    let rounds = target.div_ceil(rows.len().max(1));
    let start = Instant::now();
    let total: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut n = 0usize;
                    let mut conf = 0u64;
                    for r in 0..rounds {
                        if r % threads != t {
                            continue;
                        }
                        for row in rows {
                            conf += u64::from(c.classify(&input(&row.name)).confidence);
                            n += 1;
                        }
                    }
                    std::hint::black_box(conf);
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut legacy = false;
    let mut errors = 0usize;
    let mut features = false;
    let mut no_speed = false;
    let mut review_below: Option<u8> = None;
    let mut paths = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--legacy" => legacy = true,
            "--features" => features = true,
            "--no-speed" => no_speed = true,
            "--errors" => errors = args.next().and_then(|n| n.parse().ok()).unwrap_or(20),
            "--review-below" => review_below = args.next().and_then(|n| n.parse().ok()),
            _ => paths.push(a),
        }
    }
    if paths.is_empty() {
        eprintln!("usage: classifier_eval [--legacy] [--errors N] [--features] FILE.tsv...");
        std::process::exit(2);
    }
    let mut rows = Vec::new();
    for p in &paths {
        match read(p) {
            Ok(r) => rows.extend(r),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
    let model = NameClassifier::new();
    if features {
        for r in &rows {
            let f: Vec<String> = model
                .features(&input(&r.name))
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            println!("{}\t{}\t{}", u8::from(r.org), f.join(" "), r.source);
        }
        return;
    }
    let (classifier, threshold): (Box<dyn Classifier>, u8) = if legacy {
        // The rule-only classifier's verdicts are flagged below 60.
        (Box::new(HeuristicClassifier), review_below.unwrap_or(60))
    } else {
        let t = review_below.unwrap_or(NameClassifier::DEFAULT_REVIEW_BELOW);
        (Box::new(model.with_review_below(t)), t)
    };

    let mut all = Tally::default();
    let mut per_class: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut per_source: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut bands: BTreeMap<u8, Tally> = BTreeMap::new();
    let mut flagged = Tally::default();
    let mut misses = Vec::new();
    for r in &rows {
        let c = classifier.classify(&input(&r.name));
        let right = (c.kind == ContactKind::Organization) == r.org;
        all.add(right);
        per_class
            .entry(if r.org { "organisation" } else { "person" })
            .or_default()
            .add(right);
        per_source.entry(&r.source).or_default().add(right);
        bands.entry(c.confidence).or_default().add(right);
        if c.confidence < threshold {
            flagged.add(right);
        }
        if !right && misses.len() < errors {
            let why: Vec<String> = c.evidence.iter().map(|e| e.describe()).collect();
            misses.push(format!(
                "  {:<50} {} {:>3}%  {}",
                r.name,
                if r.org {
                    "org→person"
                } else {
                    "person→org"
                },
                c.confidence,
                why.join(", ")
            ));
        }
    }
    let name = if legacy {
        "HeuristicClassifier (rules only)"
    } else {
        "NameClassifier (default)"
    };
    println!("classifier: {name}; names: {}", rows.len());
    println!();
    println!("| set | names | right |");
    println!("| --- | ---: | ---: |");
    println!("| overall | {} | {:.1}% |", all.n, all.pct());
    for (k, t) in &per_class {
        println!("| {k} | {} | {:.1}% |", t.n, t.pct());
    }
    for (k, t) in &per_source {
        println!("| source {k} | {} | {:.1}% |", t.n, t.pct());
    }
    println!();
    println!("| stated confidence | names | share | right | gap |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for (conf, t) in bands.iter().rev() {
        #[allow(clippy::cast_precision_loss)]
        let share = 100.0 * t.n as f64 / all.n.max(1) as f64;
        println!(
            "| {conf} | {} | {share:.1}% | {:.1}% | {:+.1} |",
            t.n,
            t.pct(),
            t.pct() - f64::from(*conf)
        );
    }
    println!();
    #[allow(clippy::cast_precision_loss)]
    let share = 100.0 * flagged.n as f64 / all.n.max(1) as f64;
    println!(
        "below the review threshold ({threshold}): {} names ({share:.1}%), of which {:.1}% right; \
         the rest: {:.1}% right",
        flagged.n,
        flagged.pct(),
        Tally {
            n: all.n - flagged.n,
            right: all.right - flagged.right
        }
        .pct()
    );
    if !misses.is_empty() {
        println!();
        println!("misclassified (first {}):", misses.len());
        for m in &misses {
            println!("{m}");
        }
    }
    if !no_speed {
        println!();
        for threads in [1usize, 2] {
            let mut runs: Vec<f64> = (0..3)
                .map(|_| speed(&*classifier, &rows, threads))
                .collect();
            runs.sort_by(f64::total_cmp);
            println!(
                "throughput, {threads} thread(s): median {:.0} names/s (runs {:.0}..{:.0}); \
                 1,000,000 names in {:.2} s",
                runs[1],
                runs[0],
                runs[2],
                1e6 / runs[1]
            );
        }
    }
}
